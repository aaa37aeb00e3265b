//! Native seal and open throughput for 1 MiB and 256 MiB, next to raw `aes-gcm` over the same
//! bytes in the same run. Run: `cargo bench -p waxseal-envelope --bench throughput`.
//!
//! The baseline is AES-256-GCM from the `aes-gcm` crate over the whole plaintext in one call — no
//! chunking, no key derivation — doing the same job as the waxseal row beside it: from an input
//! buffer into a reused output buffer, or into a newly allocated `Vec` (its `encrypt`/`decrypt`). waxseal's figures include everything: header, key derivation,
//! commitment, chunking, per-chunk tags and (for the buffer API) the output allocation.
//! Measurements of the two are interleaved and the best of several rounds is kept, so that a
//! noisy neighbour slows both sides alike. Target: waxseal ≥ 0.8 × raw.

use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{Aead, AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use waxseal_envelope::{Envelope, EnvelopeReader, SealParams, Sender, seal, seal_stream};

const MIB: usize = 1024 * 1024;
const TARGET: f64 = 0.8;

fn params() -> SealParams {
    SealParams {
        key_server: "https://keys.example.com".into(),
        from: Sender {
            address: "alice@example.com".into(),
            name: None,
        },
        recipients: vec!["bob@example.net".into()],
        created: 1_790_000_000,
        expires: 1_790_604_800,
        reply: None,
    }
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

/// One comparison: waxseal's operation and the raw aes-gcm operation it is measured against.
struct Pair<'a> {
    op: &'static str,
    baseline: &'static str,
    ours: Box<dyn FnMut() + 'a>,
    raw: Box<dyn FnMut() + 'a>,
}

fn main() {
    // `cargo bench` passes `--bench`; arguments are ignored.
    let cipher = Aes256Gcm::new_from_slice(&[7u8; 32]).unwrap();
    let nonce = Nonce::from([9u8; 12]);
    println!(
        "waxseal envelope throughput (native; best of interleaved rounds; target ≥ {TARGET}× raw aes-gcm)"
    );
    println!(
        "{:<8} {:<32} {:>9} {:<34} {:>9} {:>7}",
        "size", "waxseal", "MB/s", "raw aes-gcm, same bytes", "MB/s", "ratio"
    );
    let mut all_ok = true;
    for (label, size, rounds, inner) in [("1 MiB", MIB, 7, 32), ("256 MiB", 256 * MIB, 3, 1)] {
        let pt: Vec<u8> = (0..size).map(|i| (i * 7 + i / 4096) as u8).collect();
        let sealed = seal(&params(), &pt).unwrap();
        let raw_ct = {
            let mut c = pt.clone();
            let tag = cipher
                .encrypt_inout_detached(&nonce, &[], c.as_mut_slice().into())
                .unwrap();
            c.extend_from_slice(&tag);
            c
        };
        let envelope = Envelope::parse(&sealed.envelope).unwrap();
        let share = &sealed.server_share;
        let mut raw_buf = pt.clone();
        let mut raw_dec = vec![0u8; size];
        let mut stream_out = Vec::with_capacity(sealed.envelope.len());
        let mut open_out = Vec::with_capacity(size);
        let mut open_stream_out = Vec::with_capacity(size);
        let (pt, raw_ct, cipher, nonce) = (&pt, &raw_ct, &cipher, &nonce);
        let mut pairs = [
            Pair {
                op: "seal: stream into reused buffer",
                baseline: "encrypt into reused buffer",
                ours: Box::new(|| {
                    stream_out.clear();
                    black_box(seal_stream(&params(), Cursor::new(pt), &mut stream_out).unwrap());
                }),
                raw: Box::new(|| {
                    let buf = InOutBuf::new(pt.as_slice(), raw_buf.as_mut_slice()).unwrap();
                    black_box(cipher.encrypt_inout_detached(nonce, &[], buf).unwrap());
                }),
            },
            Pair {
                op: "seal: new envelope (seal)",
                baseline: "encrypt into new Vec (encrypt)",
                ours: Box::new(|| {
                    black_box(seal(&params(), black_box(pt)).unwrap());
                }),
                raw: Box::new(|| {
                    black_box(cipher.encrypt(nonce, pt.as_slice()).unwrap());
                }),
            },
            Pair {
                op: "open: into reused buffer",
                baseline: "decrypt into reused buffer",
                ours: Box::new(|| {
                    open_out.clear();
                    envelope.open_into(share, &mut open_out).unwrap();
                }),
                raw: Box::new(|| {
                    let (body, tag) = raw_ct.split_at(size);
                    let tag = Tag::try_from(tag).unwrap();
                    let buf = InOutBuf::new(body, raw_dec.as_mut_slice()).unwrap();
                    cipher
                        .decrypt_inout_detached(nonce, &[], buf, &tag)
                        .unwrap();
                }),
            },
            Pair {
                op: "open: new Vec (open)",
                baseline: "decrypt into new Vec (decrypt)",
                ours: Box::new(|| {
                    black_box(envelope.open(share).unwrap());
                }),
                raw: Box::new(|| {
                    black_box(cipher.decrypt(nonce, raw_ct.as_slice()).unwrap());
                }),
            },
            Pair {
                op: "open: stream into reused buffer",
                baseline: "decrypt into reused buffer",
                ours: Box::new(|| {
                    open_stream_out.clear();
                    let r = EnvelopeReader::new(&sealed.envelope[..]).unwrap();
                    black_box(r.open_to(share, &mut open_stream_out).unwrap());
                }),
                raw: Box::new(|| {}),
            },
        ];
        let mut results = Vec::new();
        for p in pairs.iter_mut() {
            let (mut ours, mut raw) = (Duration::MAX, Duration::MAX);
            for _ in 0..rounds {
                raw = raw.min(time(inner, &mut p.raw));
                ours = ours.min(time(inner, &mut p.ours));
            }
            results.push((p.op, p.baseline, ours, raw));
        }
        // The stream-open row shares the reused-buffer decryption baseline.
        results[4].3 = results[2].3;
        let bytes = size * inner;
        for (op, baseline, ours, raw) in results {
            let (o, r) = (mbps(bytes, ours), mbps(bytes, raw));
            let ratio = o / r;
            all_ok &= ratio >= TARGET;
            println!(
                "{:<8} {:<32} {:>9.0} {:<34} {:>9.0} {:>6.2}× {}",
                label,
                op,
                o,
                baseline,
                r,
                ratio,
                if ratio >= TARGET {
                    "ok"
                } else {
                    "BELOW TARGET"
                }
            );
        }
    }
    println!(
        "{}",
        if all_ok {
            "every operation meets the target"
        } else {
            "some operations are below the target"
        }
    );
}

fn time(inner: usize, f: &mut Box<dyn FnMut() + '_>) -> Duration {
    let t = Instant::now();
    for _ in 0..inner {
        f();
    }
    t.elapsed()
}

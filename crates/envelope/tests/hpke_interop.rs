//! Interoperability of the key release with an independent HPKE implementation: pyhpke opens
//! what this crate seals, and this crate opens what pyhpke seals.
//!
//! Python comes from `WAXSEAL_PYTHON`, else `.tools/venv/bin/python` (made by scripts/setup.sh).

#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use waxseal_envelope::release::{self, TabKeyPair};
use waxseal_envelope::{MessageId, ReleaseError, ServerShare};

const KEY_SERVER: &str = "https://keys.example.com";

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("WAXSEAL_PYTHON") {
        return p.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/python")
}

fn pyhpke(request: Value) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pyhpke_interop.py");
    let py = python();
    let mut child = Command::new(&py)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}; run scripts/setup.sh to create the Python venv with pyhpke",
                py.display()
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "pyhpke failed (is pyhpke installed? run scripts/setup.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const RECIPIENTS: &[&str] = &["bob@example.net", "Bjørn.Ærø@example.dk", "李@example.cn"];

#[test]
fn key_derivation_agrees() {
    for seed in [0u8, 7, 255] {
        let ikm = [seed; 32];
        let ours = TabKeyPair::derive(&ikm).public_key();
        let theirs = pyhpke(json!({"op": "derive", "ikm": hex::encode(ikm)}));
        assert_eq!(theirs["pk"], hex::encode(ours));
    }
}

#[test]
fn pyhpke_opens_what_the_crate_seals() {
    for (i, recipient) in RECIPIENTS.iter().enumerate() {
        let ikm = [i as u8 + 1; 32];
        let tab = TabKeyPair::derive(&ikm);
        let id = MessageId::generate();
        let share = ServerShare::generate();
        let sealed = release::seal(&tab.public_key(), &id, recipient, KEY_SERVER, &share).unwrap();
        let answer = pyhpke(json!({
            "op": "open",
            "ikm": hex::encode(ikm),
            "release": hex::encode(sealed),
            "info": hex::encode(release::info(&id, recipient)),
            "aad": hex::encode(KEY_SERVER),
        }));
        assert_eq!(answer["pt"], hex::encode(share.expose()), "{recipient}");
        // Bound to the recipient: pyhpke cannot open it under another recipient's info.
        let wrong = pyhpke(json!({
            "op": "open",
            "ikm": hex::encode(ikm),
            "release": hex::encode(sealed),
            "info": hex::encode(release::info(&id, "eve@example.net")),
            "aad": hex::encode(KEY_SERVER),
        }));
        assert!(
            wrong.get("pt").is_none(),
            "opened with the wrong info: {wrong}"
        );
    }
}

#[test]
fn the_crate_opens_what_pyhpke_seals() {
    for recipient in RECIPIENTS {
        let tab = TabKeyPair::generate();
        let id = MessageId::generate();
        let share = ServerShare::generate();
        let answer = pyhpke(json!({
            "op": "seal",
            "pk": hex::encode(tab.public_key()),
            "pt": hex::encode(share.expose()),
            "info": hex::encode(release::info(&id, recipient)),
            "aad": hex::encode(KEY_SERVER),
        }));
        let sealed = hex::decode(answer["release"].as_str().unwrap()).unwrap();
        assert_eq!(sealed.len(), release::RELEASE_LEN);
        assert_eq!(
            tab.open(&sealed, &id, recipient, KEY_SERVER).unwrap(),
            share
        );
        // And every binding holds: another message, recipient, server or tab key fails.
        assert_eq!(
            tab.open(&sealed, &MessageId::generate(), recipient, KEY_SERVER),
            Err(ReleaseError::Damaged)
        );
        assert_eq!(
            tab.open(&sealed, &id, "eve@example.net", KEY_SERVER),
            Err(ReleaseError::Damaged)
        );
        assert_eq!(
            tab.open(&sealed, &id, recipient, "https://evil.example"),
            Err(ReleaseError::Damaged)
        );
        assert_eq!(
            TabKeyPair::generate().open(&sealed, &id, recipient, KEY_SERVER),
            Err(ReleaseError::Damaged)
        );
        assert_eq!(
            tab.open(&sealed[..79], &id, recipient, KEY_SERVER),
            Err(ReleaseError::Damaged)
        );
    }
}

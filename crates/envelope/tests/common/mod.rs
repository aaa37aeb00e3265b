//! Helpers shared by the integration tests.
#![allow(dead_code)]

use waxseal_envelope::hazmat::ChosenRandomness;
use waxseal_envelope::{
    Envelope, EnvelopeReader, EnvelopeShare, MessageId, OpenError, SealParams, Sender, ServerShare,
};

pub fn params() -> SealParams {
    SealParams {
        key_server: "https://keys.example.com".into(),
        from: Sender {
            address: "alice@example.com".into(),
            name: Some("Alice Example".into()),
        },
        recipients: vec!["bob@example.net".into()],
        created: 1_790_000_000,
        expires: 1_790_604_800,
        reply: None,
    }
}

/// Fixed randomness derived from one seed byte.
pub fn randomness(seed: u8) -> ChosenRandomness {
    ChosenRandomness {
        id: MessageId::from_bytes([seed; 16]),
        server_share: ServerShare::from_bytes([seed.wrapping_add(1); 32]),
        envelope_share: EnvelopeShare::from_bytes([seed.wrapping_add(2); 32]),
        salt: [seed.wrapping_add(3); 24],
    }
}

/// Deterministic plaintext of `len` bytes.
pub fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

/// Opens through the buffer API.
pub fn open_buffer(envelope: &[u8], share: &ServerShare) -> Result<Vec<u8>, OpenError> {
    Envelope::parse(envelope)?.open(share)
}

/// Opens through the streaming API.
pub fn open_stream(envelope: &[u8], share: &ServerShare) -> Result<Vec<u8>, OpenError> {
    let reader = EnvelopeReader::new(envelope)?;
    let mut out = Vec::new();
    reader.open_to(share, &mut out)?;
    Ok(out)
}

/// Opens chunk by chunk, as the viewer does.
pub fn open_chunks(envelope: &[u8], share: &ServerShare) -> Result<Vec<u8>, OpenError> {
    let env = Envelope::parse(envelope)?;
    let (key, plan) = env.payload_key(share)?;
    let mut out = vec![0u8; plan.plaintext_len() as usize];
    for chunk in plan.chunks() {
        key.open_chunk_to(
            chunk.index,
            &env.payload()[chunk.range.clone()],
            &mut out[chunk.plaintext.clone()],
        )
        .map_err(|_| OpenError::Damaged)?;
    }
    Ok(out)
}

/// Every opening path must give the same answer; returns it as a short label.
pub fn outcome(envelope: &[u8], share: &ServerShare) -> String {
    let label = |r: Result<Vec<u8>, OpenError>| match r {
        Ok(pt) => format!("ok:{}", pt.len()),
        Err(OpenError::Damaged) => "damaged".to_owned(),
        Err(OpenError::Format(f)) => format!("format:{f:?}"),
        Err(e) => format!("other:{e}"),
    };
    let a = label(open_buffer(envelope, share));
    let b = label(open_stream(envelope, share));
    let c = label(open_chunks(envelope, share));
    assert_eq!(a, b, "buffer and stream disagree");
    assert_eq!(a, c, "buffer and chunk API disagree");
    a
}

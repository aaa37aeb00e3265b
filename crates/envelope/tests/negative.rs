//! The negative vectors of `tests/vectors/negative.json`: one case per rule of
//! docs/envelope-spec.md that a reader must apply to a header, a key-server origin, an address or
//! a carrier, each with the outcome the spec prescribes. Run natively and, compiled to wasm, in
//! headless Chromium, so the viewer's reader is held to the same rules.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use base64::Engine as _;
use serde::Deserialize;
use waxseal_envelope::format::{MAGIC, VERSION};
use waxseal_envelope::{Envelope, FormatError, carrier};

const VECTORS: &str = include_str!("vectors/negative.json");

#[derive(Deserialize)]
struct File {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    rule: String,
    section: String,
    /// The container's version byte for a header case (1 when absent).
    version: Option<u8>,
    header: Option<String>,
    carrier: Option<String>,
    expect: String,
}

/// The outcome's name, as the vector file writes it.
fn outcome(result: Result<(), FormatError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(FormatError::NotWaxseal) => "not-waxseal",
        Err(FormatError::Malformed(_)) => "malformed",
        Err(FormatError::TooLarge(_)) => "too-large",
        Err(FormatError::NewerVersion { .. }) => "newer-version",
        Err(_) => "other",
    }
}

/// The envelope a header case describes: prefix (with `version`), header bytes, 72 zero bytes of
/// payload.
fn envelope_of(version: u8, header: &str) -> Vec<u8> {
    let bytes = match header.strip_prefix("BINARY:") {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("the vector's bytes"),
        None => header.as_bytes().to_vec(),
    };
    let mut out = MAGIC.to_vec();
    out.push(version);
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(&bytes);
    out.extend_from_slice(&[0; 72]);
    out
}

#[test]
fn every_negative_vector_gets_the_outcome_the_spec_prescribes() {
    let file: File = serde_json::from_str(VECTORS).expect("negative.json parses");
    assert!(
        file.cases.len() >= 70,
        "read only {} cases",
        file.cases.len()
    );
    let mut wrong = Vec::new();
    for case in &file.cases {
        let got = match (&case.header, &case.carrier) {
            (Some(header), None) => outcome(
                Envelope::parse(&envelope_of(case.version.unwrap_or(VERSION), header)).map(drop),
            ),
            (None, Some(text)) => outcome(
                carrier::extract(text.as_bytes()).and_then(|env| Envelope::parse(&env).map(drop)),
            ),
            _ => panic!("{}: a case is a header or a carrier", case.rule),
        };
        if got != case.expect {
            wrong.push(format!(
                "{} {}: expected {}, got {got}",
                case.section, case.rule, case.expect
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Every section named has at least one refusal.
    for section in ["§3", "§3.1", "§3.2", "§7", "§10.2"] {
        assert!(
            file.cases
                .iter()
                .any(|c| c.section == section && c.expect != "ok"),
            "{section}"
        );
    }
}

//! Worked examples kept in docs/envelope-spec.md and in a vector file, checked against the values
//! a test computes (`WAXSEAL_BLESS=1` rewrites both after a deliberate format change).

/// The spec.
pub const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/envelope-spec.md");

/// A value as the spec shows it: hex broken into lines of 64 digits, anything else as it is.
pub fn block(v: &str) -> String {
    if v.contains('\n') || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return v.to_owned();
    }
    v.as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks that the spec holds `rendered` between the `begin` and `end` markers and that
/// `json_path` holds `json` (with `WAXSEAL_BLESS` set: writes both instead). `what` names the
/// example in the failure messages.
pub fn check_or_bless(
    begin: &str,
    end: &str,
    rendered: &str,
    json_path: &str,
    json: &str,
    what: &str,
) {
    let spec = std::fs::read_to_string(SPEC).unwrap();
    let start = spec.find(begin).expect("begin marker") + begin.len();
    let stop = spec.find(end).expect("end marker");
    if std::env::var_os("WAXSEAL_BLESS").is_some() {
        std::fs::write(
            SPEC,
            format!("{}{}{}", &spec[..start], rendered, &spec[stop..]),
        )
        .unwrap();
        std::fs::write(json_path, json).unwrap();
        return;
    }
    assert_eq!(
        std::fs::read_to_string(json_path).unwrap(),
        json,
        "the vector file of {what} is stale"
    );
    assert!(
        spec[start..stop] == *rendered,
        "docs/envelope-spec.md differs from the computed {what}"
    );
}

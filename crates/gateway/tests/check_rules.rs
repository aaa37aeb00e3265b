//! `waxseal-gateway check-rules` run as a user runs it: the example configuration against sample
//! messages, and its errors.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_waxseal-gateway"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const CONFIG: &str = "waxseal-gateway.example.toml";

#[test]
fn a_tagged_message_is_explained_recipient_by_recipient() {
    let out = run(&[
        "check-rules",
        "--config",
        CONFIG,
        "tests/fixtures/tagged.eml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "message <q3.figures@acme.example>
subject \"Q3 figures [secure]\"
rule \"subject tag\" matches: the subject has the tag \"[secure]\"

  bob@example.net       sealed    rule \"subject tag\"
  carl@acme.example     original  internal domain acme.example
  dora@auditor.example  original  domain auditor.example is never sealed
  eve@partner.example   sealed    domain partner.example is always sealed

2 sealed messages for 2 recipients, subject \"Q3 figures\", opens for 30 days
  one for bob@example.net
  one for eve@partner.example
  (a recipient the message does not name in To or Cc gets a sealed message of its own)
"
    );
}

#[test]
fn envelope_recipients_and_json() {
    let out = run(&[
        "check-rules",
        "-c",
        CONFIG,
        "tests/fixtures/untagged.eml",
        "--rcpt",
        "zoe@partner.example",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "matched": null,
            "recipients": [{
                "recipient": "zoe@partner.example",
                "action": "seal",
                "reason": {"kind": "always-sealed", "domain": "partner.example"}
            }],
            "sealing": {
                "recipients": ["zoe@partner.example"],
                "messages": [["zoe@partner.example"]],
                "subject": "Lunch on Friday?",
                "expires": 2_592_000,
                "max_opens": null
            }
        })
    );
}

#[test]
fn bad_input_is_named() {
    let out = run(&["check-rules", "-c", CONFIG, "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: Cargo.toml is not an e-mail message (no From, To, Subject or Date header); give the .eml file as it would be sent\n"
    );
    let out = run(&[
        "check-rules",
        "-c",
        "Cargo.toml",
        "tests/fixtures/tagged.eml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: Cargo.toml: unknown field `")
            && text(&out.stderr).ends_with(
                "expected one of `organisation`, `domains`, `seal`, `rule`, `listen`, `next_hop`, `inbound`\n"
            ),
        "{}",
        text(&out.stderr)
    );
}

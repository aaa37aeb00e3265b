//! Runs the fuzz target's checks on stable over the committed seeds and regressions
//! (`fuzz/seeds/mail/`, `fuzz/regressions/mail/`), so every input the fuzzer once found stays
//! fixed.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

#[test]
fn mail_inputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join("mail")) else {
            continue;
        };
        for entry in entries {
            checks::mail(&std::fs::read(entry.unwrap().path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 3, "the seeds are read");
}

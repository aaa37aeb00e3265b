//! Runs the fuzz targets' checks on stable over the committed seeds and regressions
//! (`fuzz/seeds/<target>/`, `fuzz/regressions/<target>/`), so every input the fuzzer once found
//! stays fixed.

#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            check(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    n
}

#[test]
fn envelope_inputs() {
    assert!(replay("envelope", checks::envelope) >= 3);
}

#[test]
fn header_inputs() {
    assert!(replay("header", checks::header) >= 1);
}

#[test]
fn reply_inputs() {
    assert!(replay("reply", checks::reply) >= 2);
}

//! Sealing and key release with real randomness, natively and in the browser (where it comes
//! from `crypto.getRandomValues`).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;

use common::*;
use waxseal_envelope::release::{self, TabKeyPair};
use waxseal_envelope::{Envelope, MessageId, ReleaseError, ServerShare, carrier, seal};

#[test]
fn two_seals_of_the_same_message_share_nothing_and_both_open() {
    let pt = plaintext(40_000);
    let a = seal(&params(), &pt).unwrap();
    let b = seal(&params(), &pt).unwrap();
    assert_ne!(a.header.id, b.header.id);
    assert_ne!(a.server_share, b.server_share);
    assert_ne!(a.header.share.expose(), b.header.share.expose());
    assert_ne!(a.envelope, b.envelope);
    for s in [&a, &b] {
        assert_eq!(open_buffer(&s.envelope, &s.server_share).unwrap(), pt);
        assert_eq!(open_stream(&s.envelope, &s.server_share).unwrap(), pt);
        assert_eq!(open_chunks(&s.envelope, &s.server_share).unwrap(), pt);
    }
    assert_eq!(outcome(&a.envelope, &b.server_share), "damaged");
}

#[test]
fn a_release_opens_only_in_the_tab_and_for_the_message_it_was_made_for() {
    let sealed = seal(&params(), b"hello").unwrap();
    let id = sealed.header.id;
    let tab = TabKeyPair::generate();
    let r = release::seal(
        &tab.public_key(),
        &id,
        "bob@example.net",
        "https://keys.example.com",
        &sealed.server_share,
    )
    .unwrap();
    let share = tab
        .open(&r, &id, "bob@example.net", "https://keys.example.com")
        .unwrap();
    assert_eq!(share, sealed.server_share);
    let html = carrier::embed("<p>x</p><!--waxseal-envelope-->", &sealed.envelope).unwrap();
    let raw = carrier::extract(html.as_bytes()).unwrap();
    assert_eq!(
        Envelope::parse(&raw).unwrap().open(&share).unwrap(),
        b"hello"
    );
    let other = TabKeyPair::generate();
    assert_ne!(other.public_key(), tab.public_key());
    assert_eq!(
        other.open(&r, &id, "bob@example.net", "https://keys.example.com"),
        Err(ReleaseError::Damaged)
    );
    assert_eq!(
        tab.open(
            &r,
            &MessageId::generate(),
            "bob@example.net",
            "https://keys.example.com"
        ),
        Err(ReleaseError::Damaged)
    );
    assert_eq!(
        release::seal(
            &[0u8; 31],
            &id,
            "bob@example.net",
            "https://keys.example.com",
            &ServerShare::generate()
        ),
        Err(ReleaseError::InvalidPublicKey)
    );
}

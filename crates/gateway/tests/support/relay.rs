//! A relay mail as the key server writes it (spec §10.7), for the gateway's tests.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::Digest as _;
use waxseal_api::relay_statement;
use waxseal_envelope::Header;

/// Signs a relay statement: the key id and the signature.
pub type Sign<'a> = &'a dyn Fn(&[u8]) -> (String, [u8; 64]);

/// A relay mail as the key server writes it for `replier`'s reply `sealed` to the message of
/// `header`, its attestation (by bob@example.net, verified by passcode) signed by `sign` (key id
/// and signature); its headers say `verified_by` and `replier`.
pub fn relay_mail(
    header: &Header,
    sealed: &[u8],
    sign: Sign<'_>,
    verified_by: &str,
    replier: &str,
) -> Vec<u8> {
    let digest: [u8; 32] = sha2::Sha256::digest(sealed).into();
    let statement = relay_statement(
        &header.id.to_string(),
        "bob@example.net",
        "passcode",
        1_790_000_500,
        &digest,
    );
    let (key_id, signature) = sign(&statement);
    let signature = URL_SAFE_NO_PAD.encode(signature);
    let body = STANDARD.encode(sealed);
    format!(
        "From: waxseal <no-reply@keys.acme.example>\r\nTo: ann@acme.example\r\nSubject: Secure reply from {replier}\r\n\
X-Waxseal-Reply-To-Message: {id}\r\nX-Waxseal-Replier: {replier}\r\nX-Waxseal-Verified-By: {verified_by}\r\n\
X-Waxseal-Relayed-At: 1790000500\r\nX-Waxseal-Relay-Signature: {key_id}\r\n {signature}\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nA secure reply.\r\n\
--b\r\nContent-Type: application/vnd.waxseal.reply\r\nContent-Disposition: attachment; filename=\"reply.waxseal\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n--b--\r\n",
        id = header.id
    )
    .into_bytes()
}

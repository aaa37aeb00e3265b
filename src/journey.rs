//! One attempt to open one envelope: the tab's key pair, the requests to the key server, the key
//! release and the decryption. Everything secret lives in this value, in memory only: the tab's
//! private key, the release token and (briefly) the server share. Nothing here touches browser
//! storage; dropping the session forgets it all.

use std::cell::RefCell;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use waxseal_api::{
    PasscodeRequest, PasscodeSent, PasskeyChallengeRequest, PasskeyForget, PasskeyStart,
    ReleaseRequest, ReplySent, SignInRequest, SignedIn, VerifyRequest,
};
use waxseal_envelope::release::TabKeyPair;

use crate::api::{ApiError, KeyServer};
use crate::decrypt::{self, Engine, Progress};
use crate::outcome::Op;
use crate::passkey;
use crate::source::Loaded;

/// Why the message did not open after the passcode was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenFailure {
    /// A request to the key server failed.
    Api(Op, ApiError),
    /// The release did not open, or the payload did not authenticate.
    Damaged,
}

/// Why a passkey did not prove the address, or was not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeyFailure {
    /// The key server refused, or did not answer.
    Api(ApiError),
    /// The device gave no credential.
    Device(passkey::DeviceError),
}

/// A release token, for the recipient it was issued to.
struct Token {
    recipient: String,
    token: String,
}

/// The state of opening one envelope in this tab.
pub struct Session {
    loaded: Loaded,
    server: KeyServer,
    keys: TabKeyPair,
    public_key: String,
    token: RefCell<Option<Token>>,
}

impl Session {
    /// A session for a loaded envelope, with a fresh key pair for this tab.
    pub fn new(loaded: Loaded) -> Self {
        let keys = TabKeyPair::generate();
        let public_key = URL_SAFE_NO_PAD.encode(keys.public_key());
        let server = KeyServer::new(&loaded.header().key_server);
        Self {
            loaded,
            server,
            keys,
            public_key,
            token: RefCell::new(None),
        }
    }

    /// The envelope.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The key server the envelope names.
    pub fn server(&self) -> &KeyServer {
        &self.server
    }

    /// The tab's public key, to which the share is sealed.
    pub fn public_key(&self) -> [u8; 32] {
        self.keys.public_key()
    }

    /// Proves the address with an ID token from the sign-in provider `provider` (its `nonce`
    /// made from `nonce_salt`, base64url); keeps the release token for the recipient the account
    /// proved, so that [`Session::open`] then releases and decrypts as after a passcode.
    pub async fn sign_in(
        &self,
        provider: &str,
        id_token: String,
        nonce_salt: &str,
    ) -> Result<SignedIn, ApiError> {
        self.forget_token();
        let request = SignInRequest {
            provider: provider.to_owned(),
            id_token,
            public_key: self.public_key.clone(),
            nonce_salt: nonce_salt.to_owned(),
        };
        let signed = self
            .server
            .sign_in(&self.loaded.header().id, &request)
            .await?;
        *self.token.borrow_mut() = Some(Token {
            recipient: signed.recipient.clone(),
            token: signed.token.clone(),
        });
        Ok(signed)
    }

    /// Asks the key server to e-mail a passcode to `recipient`. `lang` is a language preference
    /// list for the mail (`"da,en-GB"`).
    pub async fn request_passcode(
        &self,
        recipient: &str,
        lang: &str,
    ) -> Result<PasscodeSent, ApiError> {
        self.forget_token();
        let request = PasscodeRequest {
            recipient: recipient.to_owned(),
            public_key: self.public_key.clone(),
            lang: Some(lang.to_owned()),
        };
        self.server
            .request_passcode(&self.loaded.header().id, &request)
            .await
    }

    /// Checks `passcode` (digits only), gets the share and decrypts the message, reporting
    /// decryption progress. A token from an earlier verify for the same recipient is used again
    /// instead of the passcode (a retry after the release failed to arrive).
    pub async fn open(
        &self,
        recipient: &str,
        passcode: &str,
        report: &mut dyn FnMut(Progress),
    ) -> Result<Vec<u8>, OpenFailure> {
        let id = &self.loaded.header().id;
        let token = match self.token_for(recipient) {
            Some(token) => token,
            None => self
                .verify(recipient, passcode)
                .await
                .map_err(|e| OpenFailure::Api(Op::Verify, e))?,
        };
        let request = ReleaseRequest {
            public_key: self.public_key.clone(),
        };
        let answer = self
            .server
            .release(id, &token, &request)
            .await
            .map_err(|e| {
                if matches!(e, ApiError::Problem(_)) {
                    self.forget_token();
                }
                OpenFailure::Api(Op::Release, e)
            })?;
        // The token stays, in memory, for the rest of its life: a secure reply needs it.
        let release = URL_SAFE_NO_PAD
            .decode(answer.release.as_bytes())
            .map_err(|_| OpenFailure::Damaged)?;
        let header = self.loaded.header();
        let share = self
            .keys
            .open(&release, &header.id, recipient, &header.key_server)
            .map_err(|_| OpenFailure::Damaged)?;
        // Decryption writes the plaintext over the envelope: from here on, the envelope is
        // either opened or found damaged, and is not needed again.
        let envelope = self.loaded.take_bytes().ok_or(OpenFailure::Damaged)?;
        decrypt::decrypt(envelope, &share, &Engine::best(), report)
            .await
            .map_err(|_| OpenFailure::Damaged)
    }

    /// Checks `passcode` (digits only) for `recipient` and keeps the release token it gives.
    pub async fn verify(&self, recipient: &str, passcode: &str) -> Result<String, ApiError> {
        self.forget_token();
        let request = VerifyRequest {
            recipient: recipient.to_owned(),
            public_key: self.public_key.clone(),
            passcode: passcode.to_owned(),
        };
        let answer = self
            .server
            .verify(&self.loaded.header().id, &request)
            .await?;
        *self.token.borrow_mut() = Some(Token {
            recipient: recipient.to_owned(),
            token: answer.token.clone(),
        });
        Ok(answer.token)
    }

    /// The address the held release token proves, if one is held.
    pub fn proven(&self) -> Option<String> {
        self.token.borrow().as_ref().map(|t| t.recipient.clone())
    }

    /// Hands the sealed reply to the key server with the release token held. A refused token
    /// is forgotten (the address must be proved again).
    pub async fn send_reply(&self, sealed: &web_sys::Blob) -> Result<ReplySent, ApiError> {
        let token = self
            .token
            .borrow()
            .as_ref()
            .map(|t| t.token.clone())
            .unwrap_or_default();
        let sent = self
            .server
            .send_reply(&self.loaded.header().id, &token, &self.public_key, sealed)
            .await;
        if let Err(e) = &sent
            && needs_proof(e)
        {
            self.forget_token();
        }
        sent
    }

    /// Whether a release token is held (the passcode was accepted, the share not yet received).
    pub fn has_token_for(&self, recipient: &str) -> bool {
        self.token_for(recipient).is_some()
    }

    fn token_for(&self, recipient: &str) -> Option<String> {
        self.token
            .borrow()
            .as_ref()
            .filter(|t| t.recipient == recipient)
            .map(|t| t.token.clone())
    }

    /// Proves `recipient` with a passkey of this device: the key server's challenge (bound to
    /// this message and this tab's key), the device's signature, and the release token it
    /// gives, kept so that [`Session::open`] then releases and decrypts as after a passcode.
    /// Returns the id of the passkey used.
    pub async fn verify_passkey(&self, recipient: &str) -> Result<String, PasskeyFailure> {
        self.forget_token();
        let id = &self.loaded.header().id;
        let challenge = self
            .server
            .passkey_challenge(
                id,
                &PasskeyChallengeRequest {
                    recipient: recipient.to_owned(),
                    public_key: self.public_key.clone(),
                },
            )
            .await
            .map_err(PasskeyFailure::Api)?;
        let credential = passkey::get(&challenge.public_key)
            .await
            .map_err(PasskeyFailure::Device)?;
        let verified = self
            .server
            .passkey_verify(id, &self.public_key, &challenge.ceremony, &credential)
            .await
            .map_err(PasskeyFailure::Api)?;
        *self.token.borrow_mut() = Some(Token {
            recipient: verified.recipient,
            token: verified.token,
        });
        Ok(verified.credential_id)
    }

    /// Adds a passkey of this device for the address the held release token proves. Returns
    /// its id.
    pub async fn add_passkey(&self) -> Result<String, PasskeyFailure> {
        let token = self.held_token().map_err(PasskeyFailure::Api)?;
        let id = &self.loaded.header().id;
        let start = PasskeyStart {
            public_key: self.public_key.clone(),
        };
        let creation = self
            .server
            .passkey_options(id, &token, &start)
            .await
            .map_err(PasskeyFailure::Api)?;
        let credential = passkey::create(&creation.public_key)
            .await
            .map_err(PasskeyFailure::Device)?;
        let added = self
            .server
            .add_passkey(
                id,
                &token,
                &self.public_key,
                &creation.ceremony,
                &credential,
            )
            .await
            .map_err(PasskeyFailure::Api)?;
        Ok(added.credential_id)
    }

    /// Removes the passkey `credential_id` of the proven address from the key server.
    pub async fn forget_passkey(&self, credential_id: &str) -> Result<(), ApiError> {
        let token = self.held_token()?;
        let body = PasskeyForget {
            public_key: self.public_key.clone(),
            credential_id: credential_id.to_owned(),
        };
        self.server
            .forget_passkey(&self.loaded.header().id, &token, &body)
            .await
    }

    fn held_token(&self) -> Result<String, ApiError> {
        self.token
            .borrow()
            .as_ref()
            .map(|t| t.token.clone())
            .ok_or_else(|| {
                ApiError::Problem(waxseal_api::Problem {
                    kind: "urn:waxseal:problem:token-invalid".into(),
                    title: "The token is not valid".into(),
                    status: 401,
                    detail: None,
                    tries_left: None,
                    retry_after: None,
                    signed_in_as: None,
                })
            })
    }

    /// Drops the release token.
    pub fn forget_token(&self) {
        self.token.borrow_mut().take();
    }
}

/// Whether a refused request needs the address proved again (the token expired, or is unknown).
pub fn needs_proof(e: &ApiError) -> bool {
    matches!(
        e.problem_name(),
        Some("token-expired" | "token-invalid" | "key-mismatch")
    )
}

/// The language list sent with a passcode request: the viewer's language first, then the
/// browser's own preferences.
pub fn mail_languages(ui: &str, browser: &[String]) -> String {
    let mut tags: Vec<&str> = vec![ui];
    for tag in browser {
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            tags.push(tag);
        }
    }
    tags.join(",")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_mail_language_is_the_viewer_language_first() {
        assert_eq!(
            mail_languages("da", &["en-US".into(), "da".into(), "zh-CN".into()]),
            "da,en-US,zh-CN"
        );
        assert_eq!(mail_languages("en", &[]), "en");
    }
}

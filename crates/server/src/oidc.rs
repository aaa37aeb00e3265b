//! Sign-in with OpenID Connect providers, instead of a passcode.
//!
//! For each configured provider the server fetches the discovery document and the signing keys
//! (JWKS) and caches them: the keys for an hour, and an ID token signed with a key id the cache
//! does not know triggers one refresh, at most once a minute per provider, so a provider's key
//! rotation is picked up at once and a stream of forged key ids cannot make the server hammer
//! the provider. ID tokens are verified with `jsonwebtoken`: an asymmetric algorithm the
//! provider announces, the signature, `iss`, `aud` (and `azp`), `exp`/`iat`/`nbf` with a minute
//! of clock skew, and the `nonce`. The verified addresses are those the provider vouches for:
//! `email` with `email_verified`, or, for Microsoft Entra ID, `verified_primary_email`,
//! `verified_secondary_email` or `email` with `xms_edov`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{ProviderKind, SignInConfig};
use crate::secrets::ct_eq;

/// Clock skew tolerated on `exp`, `iat` and `nbf`, in seconds.
pub const CLOCK_SKEW: u64 = 60;
/// The oldest `iat` accepted: a sign-in is used right after it happened.
pub const MAX_TOKEN_AGE: u64 = 600;
/// How long fetched signing keys are used before they are fetched again.
const KEYS_MAX_AGE: Duration = Duration::from_secs(3600);
/// How long a discovery document is used before it is fetched again.
const DISCOVERY_MAX_AGE: Duration = Duration::from_secs(86_400);
/// The least time between two fetches of a provider's keys caused by unknown key ids (a rotation
/// is picked up at once; forged key ids cost the provider at most one request a minute).
const MIN_KEY_REFRESH: Duration = Duration::from_secs(60);
/// The least time between two attempts to fetch a discovery document or keys that failed.
const RETRY_DISCOVERY: Duration = Duration::from_secs(10);
/// The largest discovery document or key set read.
const MAX_DOCUMENT: usize = 512 * 1024;
/// The longest ID token accepted.
const MAX_TOKEN: usize = 16 * 1024;

/// Algorithms accepted for ID tokens: asymmetric only (never `none` or an HMAC, whose key would
/// be the client secret).
const ACCEPTED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInError {
    /// No provider has this id.
    UnknownProvider,
    /// The provider's discovery document or keys could not be fetched (the text is for the log).
    Unavailable(String),
    /// The token failed a check; the text says which, for the recipient and the log.
    Invalid(&'static str),
    /// The token is (or its sign-in is) too old.
    Expired,
    /// The provider does not vouch for any address of this account.
    Unverified {
        /// The account's unverified address, if it has one.
        email: Option<String>,
    },
}

/// What a verified ID token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Addresses the provider vouches for, as the provider wrote them.
    pub addresses: Vec<String>,
    /// The token's `exp`.
    pub expires: u64,
}

/// A provider's endpoints, from its discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The `issuer` of the document (for Microsoft's multi-tenant endpoints it holds
    /// `{tenantid}`).
    pub issuer: String,
    /// Where the viewer sends the recipient to sign in.
    pub authorization_endpoint: String,
    /// Where the viewer exchanges the code.
    pub token_endpoint: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// The signing algorithms the provider announces that this server accepts.
    pub algorithms: Vec<Algorithm>,
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<String>,
}

#[derive(Default)]
struct Cache {
    discovery: Option<(Arc<Discovery>, Instant)>,
    discovery_failed: Option<Instant>,
    keys: Option<(Arc<JwkSet>, Instant)>,
    keys_failed: Option<Instant>,
    miss_refreshed: Option<Instant>,
}

/// One configured provider and its cached documents.
pub struct Provider {
    /// The operator's settings.
    pub config: SignInConfig,
    cache: Mutex<Cache>,
}

/// Every configured provider, with the HTTP client that fetches their documents.
pub struct Providers {
    list: Vec<Provider>,
    http: reqwest::Client,
    metrics: Arc<crate::metrics::Metrics>,
}

/// `true`, `"true"`: providers differ in how they write booleans.
#[derive(Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Text(String),
}

impl Flag {
    fn is_true(flag: Option<&Flag>) -> bool {
        match flag {
            Some(Flag::Bool(b)) => *b,
            Some(Flag::Text(t)) => t.eq_ignore_ascii_case("true"),
            None => false,
        }
    }
}

/// `aud` (its value is checked by `jsonwebtoken`; only its shape matters here).
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(#[allow(dead_code)] String),
    Many(Vec<String>),
}

/// The ID token claims this server reads.
#[derive(Deserialize)]
struct Claims {
    iss: String,
    aud: Audience,
    exp: u64,
    iat: u64,
    #[serde(default)]
    nbf: Option<u64>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<Flag>,
    #[serde(default)]
    tid: Option<String>,
    #[serde(default)]
    xms_edov: Option<Flag>,
    #[serde(default)]
    verified_primary_email: Option<Vec<String>>,
    #[serde(default)]
    verified_secondary_email: Option<Vec<String>>,
}

impl Providers {
    /// The providers of the configuration.
    pub fn new(
        configs: &[SignInConfig],
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("waxseal-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot create the HTTP client for sign-in: {e}"))?;
        Ok(Self {
            list: configs
                .iter()
                .map(|c| Provider {
                    config: c.clone(),
                    cache: Mutex::new(Cache::default()),
                })
                .collect(),
            http,
            metrics,
        })
    }

    /// The providers, in configuration order.
    pub fn iter(&self) -> impl Iterator<Item = &Provider> {
        self.list.iter()
    }

    fn count_refresh(&self, p: &Provider, document: &'static str, ok: bool) {
        self.metrics
            .oidc_refreshes
            .get_or_create(&crate::metrics::Refresh {
                provider: p.config.id.clone(),
                document,
                outcome: if ok { "ok" } else { "failed" },
            })
            .inc();
    }

    /// The provider with this id.
    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.config.id == id)
    }

    /// Fetches every provider's discovery document and keys now, logging failures.
    pub async fn warm(&self) {
        for p in &self.list {
            let loaded = match self.discovery(p).await {
                Ok(d) => self.keys(p, &d, false).await.map(|_| ()),
                Err(e) => Err(e),
            };
            if let Err(SignInError::Unavailable(e)) = loaded {
                tracing::warn!(provider = %p.config.id, error = %e, "sign-in provider unavailable");
            }
        }
    }

    /// The provider's discovery document, fetched when missing or old.
    pub async fn discovery(&self, p: &Provider) -> Result<Arc<Discovery>, SignInError> {
        let mut cache = p.cache.lock().await;
        if let Some((d, at)) = &cache.discovery
            && at.elapsed() < DISCOVERY_MAX_AGE
        {
            return Ok(d.clone());
        }
        if cache
            .discovery_failed
            .is_some_and(|at| at.elapsed() < RETRY_DISCOVERY)
        {
            // A recent attempt failed: use what we have, or fail without asking again.
            return match &cache.discovery {
                Some((d, _)) => Ok(d.clone()),
                None => Err(SignInError::Unavailable(
                    "the discovery document could not be fetched recently".into(),
                )),
            };
        }
        let fetched = self.fetch_discovery(&p.config).await;
        self.count_refresh(p, "discovery", fetched.is_ok());
        match fetched {
            Ok(d) => {
                let d = Arc::new(d);
                cache.discovery = Some((d.clone(), Instant::now()));
                cache.discovery_failed = None;
                Ok(d)
            }
            Err(e) => {
                cache.discovery_failed = Some(Instant::now());
                match &cache.discovery {
                    Some((d, _)) => {
                        tracing::warn!(provider = %p.config.id, error = %e, "keeping the old discovery document");
                        Ok(d.clone())
                    }
                    None => Err(SignInError::Unavailable(e)),
                }
            }
        }
    }

    async fn fetch_discovery(&self, config: &SignInConfig) -> Result<Discovery, String> {
        let issuer = config.issuer.trim_end_matches('/');
        let url = format!("{issuer}/.well-known/openid-configuration");
        let doc: DiscoveryDocument = self.get_json(&url).await?;
        // OpenID Connect Discovery §4.3: the document's issuer is the configured one. Microsoft's
        // multi-tenant documents name `{tenantid}` instead, checked per token against `tid`.
        let same = doc.issuer.trim_end_matches('/') == issuer;
        let tenant_template =
            config.kind == ProviderKind::Microsoft && doc.issuer.contains("{tenantid}");
        if !(same || tenant_template) {
            return Err(format!(
                "the discovery document at {url} names issuer {:?}, not {issuer:?}",
                doc.issuer
            ));
        }
        // The endpoints go to browsers (and into the viewer's CSP): the one strict URL-origin
        // parser decides, and plain http is accepted only on this machine (tests).
        for (name, endpoint) in [
            ("authorization_endpoint", &doc.authorization_endpoint),
            ("token_endpoint", &doc.token_endpoint),
            ("jwks_uri", &doc.jwks_uri),
        ] {
            match waxseal_envelope::Origin::of_url(endpoint) {
                Ok(origin) if origin.is_secure() => {}
                Ok(_) => {
                    return Err(format!(
                        "the discovery document's {name} is not an https URL"
                    ));
                }
                Err(e) => {
                    return Err(format!(
                        "the discovery document's {name} is not a usable URL: {e}"
                    ));
                }
            }
        }
        let algorithms = if doc.id_token_signing_alg_values_supported.is_empty() {
            vec![Algorithm::RS256]
        } else {
            doc.id_token_signing_alg_values_supported
                .iter()
                .filter_map(|a| a.parse::<Algorithm>().ok())
                .filter(|a| ACCEPTED.contains(a))
                .collect()
        };
        if algorithms.is_empty() {
            return Err(
                "the provider announces no ID token signing algorithm this server accepts".into(),
            );
        }
        Ok(Discovery {
            issuer: doc.issuer,
            authorization_endpoint: doc.authorization_endpoint,
            token_endpoint: doc.token_endpoint,
            jwks_uri: doc.jwks_uri,
            algorithms,
        })
    }

    /// The provider's keys: cached for an hour; `refresh` (a key id was not found) fetches them
    /// again unless they were fetched less than a minute ago.
    async fn keys(
        &self,
        p: &Provider,
        d: &Discovery,
        refresh: bool,
    ) -> Result<Arc<JwkSet>, SignInError> {
        let mut cache = p.cache.lock().await;
        if let Some((keys, at)) = &cache.keys {
            let fresh = at.elapsed() < KEYS_MAX_AGE;
            let refreshed_recently = cache
                .miss_refreshed
                .is_some_and(|at| at.elapsed() < MIN_KEY_REFRESH);
            if (fresh && !refresh) || (refresh && refreshed_recently) {
                return Ok(keys.clone());
            }
        } else if cache
            .keys_failed
            .is_some_and(|at| at.elapsed() < RETRY_DISCOVERY)
        {
            return Err(SignInError::Unavailable(
                "the signing keys could not be fetched recently".into(),
            ));
        }
        if refresh {
            cache.miss_refreshed = Some(Instant::now());
        }
        let fetched = self.get_json::<JwkSet>(&d.jwks_uri).await;
        self.count_refresh(p, "keys", fetched.is_ok());
        match fetched {
            Ok(set) => {
                let set = Arc::new(set);
                cache.keys = Some((set.clone(), Instant::now()));
                cache.keys_failed = None;
                Ok(set)
            }
            Err(e) => {
                cache.keys_failed = Some(Instant::now());
                match &cache.keys {
                    Some((keys, _)) => {
                        tracing::warn!(provider = %p.config.id, error = %e, "keeping the old signing keys");
                        Ok(keys.clone())
                    }
                    None => Err(SignInError::Unavailable(e)),
                }
            }
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let mut res = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("cannot fetch {url}: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("{url} answered {}", res.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| format!("cannot read {url}: {e}"))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT {
                return Err(format!("{url} is larger than {MAX_DOCUMENT} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| format!("{url} is not the expected JSON: {e}"))
    }

    /// Verifies an ID token of provider `p` whose nonce must be `nonce`, at time `now`.
    pub async fn verify(
        &self,
        p: &Provider,
        id_token: &str,
        nonce: &str,
        now: u64,
    ) -> Result<Identity, SignInError> {
        use SignInError::Invalid;
        if id_token.len() > MAX_TOKEN {
            return Err(Invalid("the ID token is too long"));
        }
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|_| Invalid("the ID token is not a signed JWT"))?;
        let d = self.discovery(p).await?;
        if !d.algorithms.contains(&header.alg) {
            return Err(Invalid(
                "the ID token is signed with an algorithm this server does not accept",
            ));
        }
        let keys = self.keys(p, &d, false).await?;
        let key = match find_key(&keys, header.kid.as_deref(), header.alg) {
            Some(k) => k,
            None => {
                let keys = self.keys(p, &d, true).await?;
                find_key(&keys, header.kid.as_deref(), header.alg).ok_or(Invalid(
                    "the ID token is signed with a key the provider does not publish",
                ))?
            }
        };
        let mut v = Validation::new(header.alg);
        // Times are checked below against the server's clock.
        v.validate_exp = false;
        v.validate_nbf = false;
        v.set_audience(&[&p.config.client_id]);
        v.set_required_spec_claims(&["iss", "aud", "exp", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(id_token, &key, &v)
            .map_err(|e| {
                Invalid(match e.kind() {
                    ErrorKind::InvalidSignature => "the ID token's signature is not valid",
                    ErrorKind::InvalidAudience => {
                        "the ID token was issued to another application (aud)"
                    }
                    ErrorKind::MissingRequiredClaim(_)
                    | ErrorKind::InvalidClaimFormat(_)
                    | ErrorKind::Json(_) => {
                        "the ID token lacks a required claim or has a malformed one"
                    }
                    ErrorKind::InvalidAlgorithm => {
                        "the ID token's algorithm does not match the provider's key"
                    }
                    _ => "the ID token is not valid",
                })
            })?
            .claims;
        let issuer = match (&p.config.kind, &claims.tid) {
            (ProviderKind::Microsoft, Some(tid)) if d.issuer.contains("{tenantid}") => {
                d.issuer.replace("{tenantid}", tid)
            }
            _ => d.issuer.clone(),
        };
        if claims.iss != issuer {
            return Err(Invalid("the ID token was issued by another issuer (iss)"));
        }
        let client = p.config.client_id.as_str();
        let many = matches!(&claims.aud, Audience::Many(a) if a.len() > 1);
        if (many || claims.azp.is_some()) && claims.azp.as_deref() != Some(client) {
            return Err(Invalid(
                "the ID token was issued to another application (azp)",
            ));
        }
        if now >= claims.exp.saturating_add(CLOCK_SKEW) {
            return Err(SignInError::Expired);
        }
        if claims.iat > now + CLOCK_SKEW {
            return Err(Invalid("the ID token was issued in the future (iat)"));
        }
        if now > claims.iat.saturating_add(MAX_TOKEN_AGE + CLOCK_SKEW) {
            return Err(SignInError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| nbf > now + CLOCK_SKEW) {
            return Err(Invalid("the ID token is not valid yet (nbf)"));
        }
        if !claims
            .nonce
            .as_deref()
            .is_some_and(|n| ct_eq(n.as_bytes(), nonce.as_bytes()))
        {
            return Err(Invalid(
                "the ID token was not issued for this message and browser tab (nonce)",
            ));
        }
        let addresses = verified_addresses(p.config.kind, &claims);
        if addresses.is_empty() {
            return Err(SignInError::Unverified {
                email: claims.email,
            });
        }
        Ok(Identity {
            addresses,
            expires: claims.exp,
        })
    }
}

/// The signing key for `kid` and `alg`: with a `kid`, the key of that id; without, the only
/// signing key of the set.
fn find_key(set: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
    let usable = |k: &&Jwk| {
        !matches!(
            k.common.public_key_use,
            Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
        ) && k
            .common
            .key_algorithm
            .is_none_or(|ka| format!("{ka:?}") == format!("{alg:?}"))
    };
    let candidates: Vec<&Jwk> = set.keys.iter().filter(usable).collect();
    let key = match kid {
        Some(kid) => candidates
            .into_iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid))?,
        None if candidates.len() == 1 => candidates[0],
        None => return None,
    };
    DecodingKey::from_jwk(key).ok()
}

/// The addresses the provider vouches for.
fn verified_addresses(kind: ProviderKind, c: &Claims) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        ProviderKind::Oidc | ProviderKind::Google => {
            if let Some(email) = &c.email
                && Flag::is_true(c.email_verified.as_ref())
            {
                out.push(email.clone());
            }
        }
        ProviderKind::Microsoft => {
            // Entra ID's `email` is not verified by itself; these optional claims are
            // (see docs/sign-in.md).
            for list in [&c.verified_primary_email, &c.verified_secondary_email]
                .into_iter()
                .flatten()
            {
                out.extend(list.iter().cloned());
            }
            if let Some(email) = &c.email
                && Flag::is_true(c.xms_edov.as_ref())
            {
                out.push(email.clone());
            }
        }
    }
    out
}

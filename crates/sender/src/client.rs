//! A typed client of the key-release API; every failure becomes a message that says what to do.

use serde::Serialize;
use serde::de::DeserializeOwned;
use waxseal_api::Problem;

/// Why a call to the key server failed.
#[derive(Debug)]
pub enum ClientError {
    /// The server could not be reached.
    Unreachable(String),
    /// The server answered with a problem.
    Problem(Problem),
    /// The server answered something that is not the API.
    Unexpected(String),
}

impl ClientError {
    /// The problem's name (`urn:waxseal:problem:<name>`), if it is one.
    pub fn problem_name(&self) -> Option<&str> {
        match self {
            Self::Problem(p) => p.kind.strip_prefix("urn:waxseal:problem:"),
            _ => None,
        }
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(e) => write!(f, "{e}"),
            Self::Problem(p) => {
                let detail = p.detail.as_deref().unwrap_or(&p.title);
                match p.kind.strip_prefix("urn:waxseal:problem:") {
                    Some("unauthorized") => write!(
                        f,
                        "the key server refused the API key ({detail}); check WAXSEAL_API_KEY"
                    ),
                    _ => write!(f, "the key server refused: {detail}"),
                }
            }
            Self::Unexpected(e) => write!(f, "{e}"),
        }
    }
}

/// A key-server client.
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client of the server at `base` (its origin).
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("waxseal/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with default TLS settings");
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// GET a path and read its JSON.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&str>,
    ) -> Result<T, ClientError> {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        self.finish(req).await
    }

    /// POST JSON to a path and read its JSON.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&str>,
        body: &B,
    ) -> Result<T, ClientError> {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        self.finish(req).await
    }

    /// GET a path as text (the viewer's index.html).
    pub async fn get_text(&self, url: &str) -> Result<String, ClientError> {
        let res = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| self.unreachable(url, &e))?;
        if !res.status().is_success() {
            return Err(ClientError::Unexpected(format!(
                "{url} answered {}",
                res.status()
            )));
        }
        res.text()
            .await
            .map_err(|e| ClientError::Unexpected(format!("cannot read {url}: {e}")))
    }

    fn unreachable(&self, url: &str, e: &reqwest::Error) -> ClientError {
        let why = if e.is_connect() {
            "nothing answers there; is the server running and the address right?".to_owned()
        } else if e.is_timeout() {
            "it did not answer in time".to_owned()
        } else {
            e.to_string()
        };
        ClientError::Unreachable(format!("cannot reach {url}: {why}"))
    }

    async fn finish<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let res = req
            .send()
            .await
            .map_err(|e| self.unreachable(&self.base, &e))?;
        let status = res.status();
        let is_problem = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
        let body = res.bytes().await.map_err(|e| {
            ClientError::Unexpected(format!("cannot read the answer of {}: {e}", self.base))
        })?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                ClientError::Unexpected(format!("{} answered something that is not the waxseal API ({e}); is it a waxseal key server?", self.base))
            });
        }
        if is_problem && let Ok(p) = serde_json::from_slice::<Problem>(&body) {
            return Err(ClientError::Problem(p));
        }
        Err(ClientError::Unexpected(format!(
            "{} answered {status}; is it a waxseal key server?",
            self.base
        )))
    }
}

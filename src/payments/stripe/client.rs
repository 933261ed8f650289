//! Stripe's REST API over HTTPS: form-encoded requests, a secret key as the
//! bearer, an `Idempotency-Key` on every write, retries of what may not have
//! happened (network errors, 429, 5xx, unless Stripe says not to) with the
//! same key, and Stripe's error shape parsed.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// The API version these requests are written against.
const API_VERSION: &str = "2024-06-20";
/// Tries per request (the first and two retries).
const TRIES: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered with an error object (4xx, or a 5xx after the retries).
    #[error("stripe {status} {kind}: {message}")]
    Api {
        status: u16,
        /// `card_error`, `invalid_request_error`, `idempotency_error`, `api_error`...
        kind: String,
        code: Option<String>,
        decline_code: Option<String>,
        param: Option<String>,
        message: String,
    },
    /// No answer we can read (network, timeout, a body that is not Stripe's).
    #[error("stripe unreachable: {0}")]
    Unreachable(String),
}

impl StripeError {
    /// Whether the request may not have happened and is worth another try
    /// later with the same idempotency key.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable(_) => true,
            // 409: the same key is still executing (a retry after a
            // timeout); a key reused with other parameters is not transient.
            Self::Api { status, kind, .. } => {
                *status == 429 || *status >= 500 || (*status == 409 && kind != "idempotency_error")
            }
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    #[serde(rename = "type", default)]
    kind: String,
    code: Option<String>,
    decline_code: Option<String>,
    param: Option<String>,
    #[serde(default)]
    message: String,
}

pub struct StripeClient {
    http: reqwest::Client,
    base: String,
    key: String,
    /// First pause between tries; doubled each time.
    backoff: Duration,
}

impl StripeClient {
    pub fn new(base: &str, key: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(5))
                .user_agent(concat!("onsite/", env!("CARGO_PKG_VERSION")))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            backoff: Duration::from_millis(250),
        })
    }

    /// `POST` with form parameters under an idempotency key.
    pub async fn post(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: &str,
    ) -> Result<Value, StripeError> {
        self.send(
            reqwest::Method::POST,
            path,
            Some(form),
            Some(idempotency_key),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Result<Value, StripeError> {
        self.send(reqwest::Method::GET, path, None, None).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        form: Option<&[(&str, String)]>,
        idempotency_key: Option<&str>,
    ) -> Result<Value, StripeError> {
        let url = format!("{}{path}", self.base);
        let mut pause = self.backoff;
        let mut tries = 0;
        loop {
            tries += 1;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.key)
                .header("Stripe-Version", API_VERSION);
            if let Some(key) = idempotency_key {
                req = req.header("Idempotency-Key", key);
            }
            if let Some(form) = form {
                req = req.form(form);
            }
            let (outcome, should_retry) = match req.send().await {
                Ok(res) => {
                    // Stripe's own word on retrying wins over the status code.
                    let should_retry = res
                        .headers()
                        .get("stripe-should-retry")
                        .and_then(|v| v.to_str().ok())
                        .map(|v| v == "true");
                    (read(res).await, should_retry)
                }
                Err(e) => (Err(StripeError::Unreachable(e.to_string())), None),
            };
            match outcome {
                Err(e) if tries < TRIES && should_retry.unwrap_or_else(|| e.is_transient()) => {
                    tracing::warn!(%path, error = %e, tries, "stripe request failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                other => return other,
            }
        }
    }
}

async fn read(res: reqwest::Response) -> Result<Value, StripeError> {
    let status = res.status();
    let body = res
        .bytes()
        .await
        .map_err(|e| StripeError::Unreachable(e.to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map_err(|e| StripeError::Unreachable(format!("unreadable answer: {e}")));
    }
    match serde_json::from_slice::<ErrorBody>(&body) {
        Ok(ErrorBody { error }) => Err(StripeError::Api {
            status: status.as_u16(),
            kind: error.kind,
            code: error.code,
            decline_code: error.decline_code,
            param: error.param,
            message: error.message,
        }),
        Err(_) => Err(StripeError::Api {
            status: status.as_u16(),
            kind: "api_error".into(),
            code: None,
            decline_code: None,
            param: None,
            message: format!("HTTP {status} without an error object"),
        }),
    }
}

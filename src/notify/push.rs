//! Mobile push: a [`PushSender`] sends one message to one device. The embedded
//! default writes each push as a readable `push-<id>.json` file in the outbox;
//! with `ONSITE_FCM_PROJECT_ID` set, [`FcmPush`] talks to Firebase Cloud
//! Messaging's HTTP v1 API (OAuth2 service-account token, `messages:send`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::FcmConfig;

/// One push to one device; `id` is the outbox row's, so a resend after a
/// crash is recognisably the same message.
#[derive(Debug, Clone)]
pub struct Push {
    pub id: String,
    pub token: String,
    pub title: String,
    pub body: String,
    /// A flat JSON object; FCM carries its values as strings.
    pub data: serde_json::Value,
}

/// Why a push did not go out.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The service no longer knows this token: the device is removed.
    #[error("the device is no longer registered: {0}")]
    Unregistered(String),
    /// Try again later (quota, outage, network), no sooner than `after` when given.
    #[error("push service unavailable: {reason}")]
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// Refused for good (a malformed message); retrying would not help.
    #[error("push refused: {0}")]
    Rejected(String),
}

#[async_trait::async_trait]
pub trait PushSender: Send + Sync {
    async fn send(&self, push: &Push) -> Result<(), PushError>;
}

/// Writes `push-<id>.json` in the outbox (written whole, then renamed, so a
/// crash never leaves half a file and a resend replaces rather than adds).
pub struct OutboxPush {
    pub dir: PathBuf,
}

#[async_trait::async_trait]
impl PushSender for OutboxPush {
    async fn send(&self, push: &Push) -> Result<(), PushError> {
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "id": push.id,
            "token": push.token,
            "title": push.title,
            "body": push.body,
            "data": push.data,
            "written_at": chrono::Utc::now().to_rfc3339(),
        }))
        .map_err(|e| PushError::Rejected(e.to_string()))?;
        super::write_atomically(
            &self.dir,
            &format!("push-{}.json", push.id),
            text.as_bytes(),
        )
        .await
        .map_err(|e| PushError::Retry {
            after: None,
            reason: e.to_string(),
        })?;
        tracing::info!(push = %push.id, "push written to the outbox");
        Ok(())
    }
}

/// The fields of a Google service-account key file that the token exchange needs.
#[derive(Deserialize)]
struct ServiceAccount {
    client_email: String,
    private_key: String,
    #[serde(default = "default_token_uri")]
    token_uri: String,
}

fn default_token_uri() -> String {
    "https://oauth2.googleapis.com/token".into()
}

/// Firebase Cloud Messaging, HTTP v1.
pub struct FcmPush {
    http: reqwest::Client,
    send_url: String,
    client_email: String,
    token_uri: String,
    key: jsonwebtoken::EncodingKey,
    /// The OAuth2 access token and when to stop using it.
    access: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for FcmPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key or the access token.
        f.debug_struct("FcmPush")
            .field("send_url", &self.send_url)
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

impl FcmPush {
    /// Reads the service-account key file; fails at start-up, naming the file,
    /// when it is missing or not a usable key.
    pub fn new(config: &FcmConfig) -> anyhow::Result<Self> {
        let path = config.credentials.display().to_string();
        let raw = std::fs::read_to_string(&config.credentials)
            .map_err(|e| anyhow::anyhow!("ONSITE_FCM_CREDENTIALS ({path}): {e}"))?;
        let account: ServiceAccount = serde_json::from_str(&raw).map_err(|e| {
            anyhow::anyhow!("ONSITE_FCM_CREDENTIALS ({path}): not a service-account key: {e}")
        })?;
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|e| anyhow::anyhow!("ONSITE_FCM_CREDENTIALS ({path}): private_key: {e}"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("onsite/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            send_url: format!(
                "{}/v1/projects/{}/messages:send",
                config.endpoint, config.project_id
            ),
            client_email: account.client_email,
            token_uri: account.token_uri,
            key,
            access: Mutex::new(None),
        })
    }

    /// A valid access token: the cached one, or a fresh one from the token
    /// endpoint (a JWT signed with the service account's key, RS256).
    async fn access_token(&self) -> Result<String, PushError> {
        let mut cached = self.access.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + 3600,
        });
        let assertion = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &self.key,
        )
        .map_err(|e| PushError::Rejected(format!("signing the token request: {e}")))?;
        let res = self
            .http
            .post(&self.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| retry(None, format!("token endpoint: {}", e.without_url())))?;
        let status = res.status();
        if !status.is_success() {
            let after = retry_after(&res);
            let text = res.text().await.unwrap_or_default();
            let reason = format!("token endpoint answered {status}: {}", brief(&text));
            // A refused key is a configuration error, but the queue keeps the
            // push until an operator fixes it, so it is retried too.
            return Err(retry(after, reason));
        }
        #[derive(Deserialize)]
        struct TokenAnswer {
            access_token: String,
            #[serde(default = "an_hour")]
            expires_in: u64,
        }
        fn an_hour() -> u64 {
            3600
        }
        let answer: TokenAnswer = res
            .json()
            .await
            .map_err(|e| retry(None, format!("token endpoint: unreadable answer: {e}")))?;
        // Renew a minute early so a token never expires in flight.
        let until = Instant::now() + Duration::from_secs(answer.expires_in.saturating_sub(60));
        *cached = Some((answer.access_token.clone(), until));
        Ok(answer.access_token)
    }

    async fn forget_token(&self) {
        *self.access.lock().await = None;
    }
}

fn retry(after: Option<Duration>, reason: String) -> PushError {
    PushError::Retry { after, reason }
}

/// `Retry-After`, in seconds or as an HTTP date, when the service gave one.
fn retry_after(res: &reqwest::Response) -> Option<Duration> {
    let value = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

/// The start of an error body, enough for a log line.
fn brief(text: &str) -> String {
    text.chars().take(300).collect()
}

/// FCM's `data` is a map of strings: strings as they are, the rest as JSON.
fn string_map(data: &serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    data.as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), serde_json::Value::String(text))
        })
        .collect()
}

/// The `errorCode` of an FCM error answer (`details[].errorCode`), if any.
fn fcm_error_code(body: &serde_json::Value) -> Option<String> {
    body["error"]["details"]
        .as_array()?
        .iter()
        .find_map(|d| d["errorCode"].as_str().map(str::to_owned))
}

#[async_trait::async_trait]
impl PushSender for FcmPush {
    async fn send(&self, push: &Push) -> Result<(), PushError> {
        let message = serde_json::json!({
            "message": {
                "token": push.token,
                "notification": {"title": push.title, "body": push.body},
                "data": string_map(&push.data),
                "android": {"priority": "high"},
                "apns": {"headers": {"apns-priority": "10"}},
            }
        });
        // One retry with a fresh token when the cached one was refused.
        for attempt in 0..2 {
            let token = self.access_token().await?;
            let res = self
                .http
                .post(&self.send_url)
                .bearer_auth(&token)
                .json(&message)
                .send()
                .await
                .map_err(|e| retry(None, format!("messages:send: {}", e.without_url())))?;
            let status = res.status();
            if status.is_success() {
                return Ok(());
            }
            let after = retry_after(&res);
            let text = res.text().await.unwrap_or_default();
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let code = fcm_error_code(&body).unwrap_or_default();
            let reason = format!(
                "messages:send answered {status} {}: {}",
                code,
                body["error"]["message"].as_str().unwrap_or("")
            );
            match (status.as_u16(), code.as_str()) {
                // A bad APNs or web-push credential of the project: not our token.
                (401, "THIRD_PARTY_AUTH_ERROR") => return Err(retry(after, reason)),
                (401, _) if attempt == 0 => {
                    self.forget_token().await;
                    continue;
                }
                (_, "UNREGISTERED") | (403, "SENDER_ID_MISMATCH") => {
                    return Err(PushError::Unregistered(reason))
                }
                // Quota, outage, or the project's own configuration (a wrong
                // project id, a key without the right): keep the push queued
                // and say so loudly, rather than lose every push.
                (429 | 401 | 403 | 404, _) | (500..=599, _) => {
                    if matches!(status.as_u16(), 403 | 404) {
                        tracing::error!(%reason, "FCM refused the project's requests; check ONSITE_FCM_PROJECT_ID and the service account");
                    }
                    return Err(retry(after, reason));
                }
                // This message is malformed (or its token is not a token): drop it.
                _ => return Err(PushError::Rejected(reason)),
            }
        }
        Err(retry(None, "messages:send: token refused twice".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_becomes_a_map_of_strings() {
        let map = string_map(&serde_json::json!({
            "kind": "booking_requested", "price": 15000, "actions": ["accept"], "none": null
        }));
        assert_eq!(map["kind"], "booking_requested");
        assert_eq!(map["price"], "15000");
        assert_eq!(map["actions"], r#"["accept"]"#);
        assert!(!map.contains_key("none"));
    }

    #[test]
    fn the_error_code_is_read_from_the_details() {
        let body = serde_json::json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [
            {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}
        ]}});
        assert_eq!(fcm_error_code(&body).as_deref(), Some("UNREGISTERED"));
        assert_eq!(fcm_error_code(&serde_json::json!({})), None);
    }
}

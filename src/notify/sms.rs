use std::path::PathBuf;

/// A text message.
#[derive(Debug, Clone)]
pub struct Sms {
    pub to: String,
    pub body: String,
}

/// Why a text did not go out.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Worth another try later (the provider is down, busy, or refused our credentials).
    #[error("{0}")]
    Retry(String),
    /// Refused for good (not a mobile number, the recipient opted out).
    #[error("{0}")]
    Rejected(String),
}

#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `sms`; `id` is its outbox row's.
    async fn send(&self, id: &str, sms: Sms) -> Result<(), SmsError>;
}

/// Writes each SMS as a readable text file `sms-<id>.txt` in the outbox.
pub struct OutboxSms {
    pub dir: PathBuf,
}

#[async_trait::async_trait]
impl SmsSender for OutboxSms {
    async fn send(&self, id: &str, sms: Sms) -> Result<(), SmsError> {
        let name = format!("sms-{id}.txt");
        let text = format!(
            "To: {}\nDate: {}\n\n{}\n",
            sms.to,
            chrono::Utc::now().to_rfc3339(),
            sms.body
        );
        super::write_atomically(&self.dir, &name, text.as_bytes())
            .await
            .map_err(|e| SmsError::Retry(e.to_string()))?;
        tracing::info!(to = %sms.to, file = %name, "sms written to the outbox");
        Ok(())
    }
}

/// Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`,
/// HTTP basic auth with the account SID and auth token, form-encoded `To`,
/// `From` or `MessagingServiceSid`, `Body`). A busy or failing Twilio (429,
/// 5xx, network) is tried twice more at once, then left to the outbox's
/// backoff; a refusal of the message itself (4xx with Twilio's error code)
/// drops it with that code.
pub struct TwilioSms {
    http: reqwest::Client,
    url: String,
    config: crate::config::TwilioConfig,
}

impl TwilioSms {
    pub fn new(config: &crate::config::TwilioConfig) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .user_agent(concat!("onsite/", env!("CARGO_PKG_VERSION")))
                .build()?,
            url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                config.api_base, config.account_sid
            ),
            config: config.clone(),
        })
    }
}

#[derive(serde::Deserialize)]
struct TwilioError {
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

#[async_trait::async_trait]
impl SmsSender for TwilioSms {
    async fn send(&self, id: &str, sms: Sms) -> Result<(), SmsError> {
        let from_key = if self.config.from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let form = [
            ("To", sms.to.as_str()),
            (from_key, self.config.from.as_str()),
            ("Body", sms.body.as_str()),
        ];
        let mut pause = std::time::Duration::from_millis(250);
        let mut tries = 0;
        loop {
            tries += 1;
            let sent = self
                .http
                .post(&self.url)
                .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
                .form(&form)
                .send()
                .await;
            let transient = match sent {
                Ok(res) if res.status().is_success() => {
                    tracing::info!(outbox = %id, to = %sms.to, "sms handed to twilio");
                    return Ok(());
                }
                Ok(res) => {
                    let status = res.status();
                    let error: Option<TwilioError> = res.json().await.ok();
                    let (code, message) = error
                        .map(|e| (e.code, e.message))
                        .unwrap_or((None, String::new()));
                    let what = format!("twilio {status} {}: {message}", code.unwrap_or_default());
                    if status.as_u16() == 429 || status.is_server_error() {
                        what
                    } else if matches!(status.as_u16(), 401 | 403) {
                        // Our credentials: the operator must fix them; keep the text.
                        tracing::error!(error = %what, "twilio refused the credentials");
                        return Err(SmsError::Retry(what));
                    } else {
                        return Err(SmsError::Rejected(what));
                    }
                }
                Err(e) => format!("twilio unreachable: {e}"),
            };
            if tries >= 3 {
                return Err(SmsError::Retry(transient));
            }
            tracing::warn!(outbox = %id, error = %transient, tries, "sms send failed; retrying");
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
}

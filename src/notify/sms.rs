use std::path::PathBuf;

/// A text message.
#[derive(Debug, Clone)]
pub struct Sms {
    pub to: String,
    pub body: String,
}

#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `sms`; `id` is its outbox row's.
    async fn send(&self, id: &str, sms: Sms) -> anyhow::Result<()>;
}

/// Writes each SMS as a readable text file `sms-<id>.txt` in the outbox.
pub struct OutboxSms {
    pub dir: PathBuf,
}

#[async_trait::async_trait]
impl SmsSender for OutboxSms {
    async fn send(&self, id: &str, sms: Sms) -> anyhow::Result<()> {
        let name = format!("sms-{id}.txt");
        let text = format!(
            "To: {}\nDate: {}\n\n{}\n",
            sms.to,
            chrono::Utc::now().to_rfc3339(),
            sms.body
        );
        super::write_atomically(&self.dir, &name, text.as_bytes()).await?;
        tracing::info!(to = %sms.to, file = %name, "sms written to the outbox");
        Ok(())
    }
}

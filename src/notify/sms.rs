use std::path::PathBuf;

/// A text message.
#[derive(Debug, Clone)]
pub struct Sms {
    pub to: String,
    pub body: String,
}

#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, sms: Sms) -> anyhow::Result<()>;
}

/// Writes each SMS as a readable text file `sms-<id>.txt` in the outbox.
pub struct OutboxSms {
    pub dir: PathBuf,
}

#[async_trait::async_trait]
impl SmsSender for OutboxSms {
    async fn send(&self, sms: Sms) -> anyhow::Result<()> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let name = format!("sms-{}.txt", uuid::Uuid::now_v7());
        let text = format!(
            "To: {}\nDate: {}\n\n{}\n",
            sms.to,
            chrono::Utc::now().to_rfc3339(),
            sms.body
        );
        tokio::fs::write(self.dir.join(&name), text).await?;
        tracing::info!(to = %sms.to, file = %name, "sms written to the outbox");
        Ok(())
    }
}

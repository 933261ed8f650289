use std::path::PathBuf;
use std::sync::Arc;

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::file::AsyncFileTransport;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// A plain-text email.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: Mail) -> anyhow::Result<()>;
}

/// SMTP when `ONSITE_SMTP_URL` is set, else `.eml` files in `$ONSITE_DATA_DIR/outbox/`.
pub fn build_mailer(config: &Config) -> anyhow::Result<Arc<dyn Mailer>> {
    let from: Mailbox = config
        .mail
        .from
        .parse()
        .map_err(|e| anyhow::anyhow!("ONSITE_MAIL_FROM: {e}"))?;
    match &config.mail.smtp_url {
        Some(url) => {
            let transport: AsyncSmtpTransport<Tokio1Executor> =
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("ONSITE_SMTP_URL: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(30)))
                    .build();
            Ok(Arc::new(SmtpMailer { from, transport }))
        }
        None => {
            let dir = config.outbox_dir();
            std::fs::create_dir_all(&dir)?;
            Ok(Arc::new(OutboxMailer { from, dir }))
        }
    }
}

fn build(from: &Mailbox, mail: Mail) -> anyhow::Result<Message> {
    Ok(Message::builder()
        .from(from.clone())
        .to(mail.to.parse()?)
        .subject(mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body)?)
}

struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> anyhow::Result<()> {
        self.transport.send(build(&self.from, mail)?).await?;
        Ok(())
    }
}

struct OutboxMailer {
    from: Mailbox,
    dir: PathBuf,
}

#[async_trait::async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, mail: Mail) -> anyhow::Result<()> {
        let to = mail.to.clone();
        let message = build(&self.from, mail)?;
        let id = AsyncFileTransport::<Tokio1Executor>::new(&self.dir)
            .send(message)
            .await?;
        tracing::info!(%to, file = %format!("{id}.eml"), "mail written to the outbox");
        Ok(())
    }
}

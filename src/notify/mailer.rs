use std::path::PathBuf;
use std::sync::Arc;

use lettre::message::{
    header::ContentType, Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart,
};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// A plain-text email.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A file sent with a mail (a receipt's invoice).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Why a mail did not go out.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Worth another try later (the server is down, busy, or said 4xx).
    #[error("{0}")]
    Retry(String),
    /// Refused for good (a malformed address, a permanent 5xx).
    #[error("{0}")]
    Rejected(String),
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `mail`; `id` is its outbox row's, used as the `Message-ID`, so a
    /// resend after a crash is recognisably the same message.
    async fn send(&self, id: &str, mail: Mail) -> Result<(), MailError> {
        self.send_with(id, mail, Vec::new()).await
    }

    /// [`send`](Self::send) with files attached.
    async fn send_with(
        &self,
        id: &str,
        mail: Mail,
        attachments: Vec<Attachment>,
    ) -> Result<(), MailError>;
}

/// SMTP when `ONSITE_SMTP_URL` is set, else `.eml` files in `$ONSITE_DATA_DIR/outbox/`.
pub fn build_mailer(config: &Config) -> anyhow::Result<Arc<dyn Mailer>> {
    let from: Mailbox = config
        .mail
        .from
        .parse()
        .map_err(|e| anyhow::anyhow!("ONSITE_MAIL_FROM: {e}"))?;
    let domain = from.email.domain().to_owned();
    match &config.mail.smtp_url {
        Some(url) => {
            let transport: AsyncSmtpTransport<Tokio1Executor> =
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("ONSITE_SMTP_URL: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(30)))
                    .build();
            Ok(Arc::new(SmtpMailer {
                from,
                domain,
                transport,
            }))
        }
        None => {
            let dir = config.outbox_dir();
            std::fs::create_dir_all(&dir)?;
            Ok(Arc::new(OutboxMailer { from, domain, dir }))
        }
    }
}

fn build(
    from: &Mailbox,
    domain: &str,
    id: &str,
    mail: Mail,
    attachments: Vec<Attachment>,
) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| MailError::Rejected(format!("recipient: {e}")))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .message_id(Some(format!("<{id}@{domain}>")))
        .subject(mail.subject);
    let built = if attachments.is_empty() {
        builder.header(ContentType::TEXT_PLAIN).body(mail.body)
    } else {
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(mail.body));
        for a in attachments {
            let kind = ContentType::parse(a.content_type)
                .map_err(|e| MailError::Rejected(format!("attachment type: {e}")))?;
            parts = parts.singlepart(MimeAttachment::new(a.file_name).body(a.bytes, kind));
        }
        builder.multipart(parts)
    };
    built.map_err(|e| MailError::Rejected(e.to_string()))
}

struct SmtpMailer {
    from: Mailbox,
    domain: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send_with(
        &self,
        id: &str,
        mail: Mail,
        attachments: Vec<Attachment>,
    ) -> Result<(), MailError> {
        let message = build(&self.from, &self.domain, id, mail, attachments)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(MailError::Rejected(e.to_string())),
            Err(e) => Err(MailError::Retry(e.to_string())),
        }
    }
}

struct OutboxMailer {
    from: Mailbox,
    domain: String,
    dir: PathBuf,
}

#[async_trait::async_trait]
impl Mailer for OutboxMailer {
    async fn send_with(
        &self,
        id: &str,
        mail: Mail,
        attachments: Vec<Attachment>,
    ) -> Result<(), MailError> {
        let to = mail.to.clone();
        let message = build(&self.from, &self.domain, id, mail, attachments)?;
        let name = format!("{id}.eml");
        super::write_atomically(&self.dir, &name, &message.formatted())
            .await
            .map_err(|e| MailError::Retry(e.to_string()))?;
        tracing::info!(%to, file = %name, "mail written to the outbox");
        Ok(())
    }
}

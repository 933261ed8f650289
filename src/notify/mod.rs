//! Outgoing messages: email through lettre (SMTP, or `.eml` files in the
//! outbox), SMS through an [`SmsSender`] and mobile push through a
//! [`PushSender`] (FCM, or `push-*.json` files in the outbox); the
//! notification center ([`center`]), what booking changes tell whom
//! ([`booking`]) and the outbox workers that send all three ([`worker`]).

pub mod booking;
pub mod center;
pub mod chat;
mod localize;
mod mailer;
pub mod push;
mod sms;
pub mod templates;
pub mod worker;

pub use mailer::{build_mailer, Attachment, Mail, MailError, Mailer};
pub use push::{FcmPush, OutboxPush, Push, PushError, PushSender};
pub use sms::{OutboxSms, Sms, SmsError, SmsSender, TwilioSms};

use std::path::Path;

/// Writes `dir/name` whole or not at all: into a temporary file first, then
/// renamed over the name, so a crash leaves no half file and writing the same
/// name again (a resend after a crash) replaces rather than adds.
pub(crate) async fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dir.join(name)).await
}

//! Outgoing messages: email through lettre (SMTP, or `.eml` files in the outbox)
//! and SMS through an [`SmsSender`] (the outbox unless a provider is configured).

mod mailer;
mod sms;
pub mod templates;

pub use mailer::{build_mailer, Mail, Mailer};
pub use sms::{OutboxSms, Sms, SmsSender};

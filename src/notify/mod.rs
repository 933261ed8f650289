//! Outgoing messages: email through lettre (SMTP, or `.eml` files in the outbox)
//! and SMS through an [`SmsSender`] (the outbox unless a provider is configured);
//! the notification center ([`center`]), what booking changes tell whom
//! ([`booking`]) and the mail outbox worker ([`worker`]).

pub mod booking;
pub mod center;
mod mailer;
mod sms;
pub mod templates;
pub mod worker;

pub use mailer::{build_mailer, Mail, Mailer};
pub use sms::{OutboxSms, Sms, SmsSender};

//! Parse-don't-validate newtypes for request fields. Each deserialises from a
//! string and refuses bad values with a message that the JSON extractor turns
//! into a 400 naming the field.

mod client;
mod email;
mod location;
mod money;
mod name;
mod nullable;
mod password;
mod phone;
mod status;
mod text;
mod timezone;
mod username;

pub use client::ClientInfo;
pub use email::Email;
pub use location::Location;
pub use money::{Money, MAX_AMOUNT};
pub use name::PersonName;
pub use nullable::nullable;
pub use onsite_actors::booking::Role;
pub use password::Password;
pub use phone::Phone;
pub use status::{
    Channel, ComplaintKind, ComplaintSide, ComplaintStatus, ConsentKind, DocumentKind,
    DocumentStatus, GeocodeStatus, LedgerKind, LoginOutcome, NotificationKind, PayoutStatus,
    Platform, ProviderApproval, Purpose, ServiceStatus, Severity, UserStatus,
};
pub use text::{BoundedText, LongText, MessageText, Reason, Skill, Slug, Title};
pub use timezone::{clock, ClockTime, TimeZone};
pub use username::Username;

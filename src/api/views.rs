//! What the API shows of stored rows.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{self, sessions::Session, users::User};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LocationView {
    pub lat: f64,
    pub lng: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// A user as they see themselves (admins see the same).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    /// Absent for an account that signed up with a phone number and has not
    /// added one.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// A new number waiting for its code (`POST /v1/auth/phone/send-otp`,
    /// then `/verify`); `phone` stays until then.
    pub pending_phone: Option<String>,
    /// The saved language (`en`, `fa`) for mails, texts and errors.
    pub language: Option<String>,
    /// The saved IANA time zone for dates in mails and texts.
    pub time_zone: Option<String>,
    /// Lower-case; another identifier to sign in with.
    pub username: Option<String>,
    pub first_name: String,
    pub last_name: String,
    /// `customer`, `provider` or `admin`.
    pub role: crate::domain::Role,
    /// `active` or `blocked`.
    pub status: crate::domain::UserStatus,
    pub email_verified: bool,
    /// False until the first and last name are given (an account that
    /// signed up with only a phone number starts without them).
    pub profile_complete: bool,
    pub phone_verified: bool,
    pub avatar_url: Option<String>,
    pub location: Option<LocationView>,
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            pending_phone: u.pending_phone.clone(),
            language: u.language.clone(),
            time_zone: u.time_zone.clone(),
            username: u.username.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            role: u.role,
            status: u.status,
            email_verified: u.email_verified_at.is_some(),
            profile_complete: !u.first_name.is_empty() && !u.last_name.is_empty(),
            phone_verified: u.phone_verified_at.is_some(),
            avatar_url: u
                .avatar
                .as_ref()
                .map(|_| format!("/v1/users/{}/avatar", u.id)),
            location: match (u.location_lat, u.location_lng) {
                (Some(lat), Some(lng)) => Some(LocationView {
                    lat,
                    lng,
                    address: u.address.clone(),
                }),
                _ => None,
            },
            settings: serde_json::from_str(&u.settings).unwrap_or_else(|_| serde_json::json!({})),
            created_at: db::utc(u.created_at),
        }
    }
}

/// A login session (one refresh-token family) on some device.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: String,
    /// The user agent that logged in.
    pub device: Option<String>,
    /// The IP address it was last used from.
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// True for the session of the access token making this request.
    pub current: bool,
}

impl SessionView {
    pub fn new(s: &Session, current_id: &str) -> Self {
        Self {
            id: s.id.clone(),
            device: s.user_agent.clone(),
            ip: s.ip.clone(),
            created_at: db::utc(s.created_at),
            last_used_at: db::utc(s.last_used_at),
            expires_at: db::utc(s.expires_at),
            current: s.id == current_id,
        }
    }
}

/// A list answer: `{"items": [...], "next_cursor": null}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A short confirmation, e.g. `{"status": "accepted"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusView {
    pub status: &'static str,
}

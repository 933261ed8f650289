//! Provider profiles (`provider_profiles`), one per provider account.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::provider_profiles;
use super::DbConn;
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = provider_profiles)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ProviderProfile {
    pub user_id: String,
    pub bio: String,
    /// JSON array of strings.
    pub skills: String,
    pub experience_years: i32,
    pub base_lat: Option<f64>,
    pub base_lng: Option<f64>,
    pub base_address: Option<String>,
    pub service_radius_km: f64,
    pub online: bool,
    pub verified_at: Option<NaiveDateTime>,
    pub verified_by: Option<String>,
    pub verification_note: Option<String>,
    /// IANA time zone of the weekly hours, e.g. `Africa/Johannesburg`.
    pub timezone: String,
    pub slot_minutes: i32,
    pub buffer_minutes: i32,
    pub rating: f64,
    pub rating_count: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ProviderProfile {
    pub fn skills(&self) -> Vec<String> {
        serde_json::from_str(&self.skills).unwrap_or_default()
    }

    /// Bio, at least one skill and a base location: enough for customers to judge.
    pub fn is_complete(&self) -> bool {
        !self.bio.trim().is_empty()
            && !self.skills().is_empty()
            && self.base_lat.is_some()
            && self.base_lng.is_some()
    }

    pub fn is_verified(&self) -> bool {
        self.verified_at.is_some()
    }
}

pub async fn find(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<ProviderProfile>> {
    db_run!(conn, |c| provider_profiles::table
        .find(user_id)
        .select(ProviderProfile::as_select())
        .first(c)
        .await
        .optional())
}

//! Provider profiles (`provider_profiles`), one per provider account.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::provider_profiles;
use super::DbConn;
use crate::db_run;
use crate::domain::ProviderApproval;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
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
    /// The admins' review; `verified_at` is set exactly while `approved`.
    pub approval: ProviderApproval,
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

pub async fn insert(conn: &mut DbConn, profile: &ProviderProfile) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(provider_profiles::table)
        .values(profile)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<ProviderProfile>> {
    db_run!(conn, |c| provider_profiles::table
        .find(user_id)
        .select(ProviderProfile::as_select())
        .first(c)
        .await
        .optional())
}

impl ProviderProfile {
    /// A new, empty profile (incomplete and unverified).
    pub fn blank(user_id: &str) -> Self {
        let now = super::now();
        Self {
            user_id: user_id.to_owned(),
            bio: String::new(),
            skills: "[]".into(),
            experience_years: 0,
            base_lat: None,
            base_lng: None,
            base_address: None,
            service_radius_km: 10.0,
            online: false,
            verified_at: None,
            verified_by: None,
            verification_note: None,
            timezone: "UTC".into(),
            slot_minutes: 60,
            buffer_minutes: 0,
            rating: 0.0,
            rating_count: 0,
            created_at: now,
            updated_at: now,
            approval: ProviderApproval::Draft,
        }
    }

    /// What is missing for [`ProviderProfile::is_complete`], as request field names.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.bio.trim().is_empty() {
            missing.push("bio");
        }
        if self.skills().is_empty() {
            missing.push("skills");
        }
        if self.base_lat.is_none() || self.base_lng.is_none() {
            missing.push("base_location");
        }
        missing
    }
}

/// The provider's own profile fields (everything `PUT /v1/providers/me/profile` sets).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = provider_profiles, treat_none_as_null = true)]
pub struct ProfileFields {
    pub bio: String,
    pub skills: String,
    pub experience_years: i32,
    pub base_lat: Option<f64>,
    pub base_lng: Option<f64>,
    pub base_address: Option<String>,
    pub service_radius_km: f64,
    pub updated_at: NaiveDateTime,
}

/// The profile of `user_id`, created empty if it has none yet.
pub async fn find_or_create(conn: &mut DbConn, user_id: &str) -> QueryResult<ProviderProfile> {
    let blank = ProviderProfile::blank(user_id);
    db_run!(conn, |c| diesel::insert_into(provider_profiles::table)
        .values(&blank)
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    db_run!(conn, |c| provider_profiles::table
        .find(user_id)
        .select(ProviderProfile::as_select())
        .first(c)
        .await)
}

pub async fn update_fields(
    conn: &mut DbConn,
    user_id: &str,
    fields: &ProfileFields,
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        provider_profiles::table.find(user_id)
    )
    .set(fields)
    .execute(c)
    .await)?;
    Ok(())
}

pub async fn set_online(conn: &mut DbConn, user_id: &str, online: bool) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        provider_profiles::table.find(user_id)
    )
    .set((
        provider_profiles::online.eq(online),
        provider_profiles::updated_at.eq(super::now()),
    ))
    .execute(c)
    .await)?;
    Ok(())
}

/// Moves the provider's review to `approval`, by `admin_id` (or the
/// provider submitting, `None`) with the note shown to them. Anything but
/// `approved` clears the verification and takes the provider offline.
pub async fn set_approval(
    conn: &mut DbConn,
    user_id: &str,
    approval: ProviderApproval,
    admin_id: Option<&str>,
    note: Option<&str>,
) -> QueryResult<()> {
    let now = super::now();
    let approved = approval == ProviderApproval::Approved;
    db_run!(conn, |c| {
        let q = diesel::update(provider_profiles::table.find(user_id));
        if approved {
            q.set((
                provider_profiles::approval.eq(approval),
                provider_profiles::verified_at.eq(Some(now)),
                provider_profiles::verified_by.eq(admin_id),
                provider_profiles::verification_note.eq(note),
                provider_profiles::updated_at.eq(now),
            ))
            .execute(c)
            .await
        } else {
            q.set((
                provider_profiles::approval.eq(approval),
                provider_profiles::verified_at.eq(None::<NaiveDateTime>),
                provider_profiles::verified_by.eq(admin_id),
                provider_profiles::verification_note.eq(note),
                provider_profiles::online.eq(false),
                provider_profiles::updated_at.eq(now),
            ))
            .execute(c)
            .await
        }
    })?;
    Ok(())
}

/// Sets the time zone and slot grid of the weekly hours.
pub async fn set_schedule(
    conn: &mut DbConn,
    user_id: &str,
    timezone: &str,
    slot_minutes: i32,
    buffer_minutes: i32,
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        provider_profiles::table.find(user_id)
    )
    .set((
        provider_profiles::timezone.eq(timezone),
        provider_profiles::slot_minutes.eq(slot_minutes),
        provider_profiles::buffer_minutes.eq(buffer_minutes),
        provider_profiles::updated_at.eq(super::now()),
    ))
    .execute(c)
    .await)?;
    Ok(())
}

//! The `services` table: what providers offer, with admin approval.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::services;
use super::DbConn;
use crate::db_run;
use crate::domain::ServiceStatus;
use crate::payments::policy::DepositRule;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = services)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Service {
    pub id: String,
    /// `None` for an admin-created service not yet assigned to a provider.
    pub provider_id: Option<String>,
    pub title: String,
    pub description: String,
    pub price_amount: i64,
    pub currency: String,
    pub duration_minutes: i32,
    pub status: ServiceStatus,
    pub active: bool,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// The admins' category it is listed under, if any.
    pub category_id: Option<String>,
    /// A deposit of this whole percent of the price is paid to book it.
    pub deposit_percent: Option<i32>,
    /// A deposit of this amount is paid to book it.
    pub deposit_fixed: Option<i64>,
}

impl Service {
    /// What it asks up front, if anything.
    pub fn deposit(&self) -> Option<DepositRule> {
        DepositRule::from_columns(self.deposit_percent, self.deposit_fixed)
    }

    /// Approved, active, not deleted and assigned: what customers may see and
    /// book (the provider must also be bookable).
    pub fn is_listed(&self) -> bool {
        self.status == ServiceStatus::Approved
            && self.active
            && self.deleted_at.is_none()
            && self.provider_id.is_some()
    }
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Service>> {
    db_run!(conn, |c| services::table
        .find(id)
        .filter(services::deleted_at.is_null())
        .select(Service::as_select())
        .first(c)
        .await
        .optional())
}

/// Fields a provider (or an admin) may edit; `None` leaves a field as is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = services)]
pub struct ServiceChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub price_amount: Option<i64>,
    pub currency: Option<String>,
    pub duration_minutes: Option<i32>,
    pub active: Option<bool>,
    pub status: Option<ServiceStatus>,
    pub review_note: Option<Option<String>>,
    pub reviewed_by: Option<Option<String>>,
    pub reviewed_at: Option<Option<NaiveDateTime>>,
    pub category_id: Option<Option<String>>,
    pub deposit_percent: Option<Option<i32>>,
    pub deposit_fixed: Option<Option<i64>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub async fn insert(conn: &mut DbConn, service: &Service) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(services::table)
        .values(service)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn update(conn: &mut DbConn, id: &str, changes: &ServiceChanges) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        services::table
            .find(id)
            .filter(services::deleted_at.is_null())
    )
    .set(changes)
    .execute(c)
    .await)?;
    Ok(())
}

/// Soft delete: the row stays for the bookings that refer to it.
pub async fn soft_delete(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let now = super::now();
    let n = db_run!(conn, |c| diesel::update(
        services::table
            .find(id)
            .filter(services::deleted_at.is_null())
    )
    .set((
        services::deleted_at.eq(Some(now)),
        services::active.eq(false),
        services::updated_at.eq(now),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Assigns a service to a provider, or unassigns it with `None`.
pub async fn set_provider(
    conn: &mut DbConn,
    id: &str,
    provider_id: Option<&str>,
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(services::table.find(id))
        .set((
            services::provider_id.eq(provider_id),
            services::updated_at.eq(super::now()),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// What an admin lists: by status and/or provider, newest first.
#[derive(Debug, Default)]
pub struct AdminFilter {
    pub status: Option<ServiceStatus>,
    pub provider_id: Option<String>,
    pub unassigned: bool,
    /// Only ids before this one (the cursor).
    pub before_id: Option<String>,
}

pub async fn admin_list(
    conn: &mut DbConn,
    filter: &AdminFilter,
    limit: i64,
) -> QueryResult<Vec<Service>> {
    db_run!(conn, |c| {
        let mut q = services::table
            .filter(services::deleted_at.is_null())
            .select(Service::as_select())
            .order(services::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(status) = &filter.status {
            q = q.filter(services::status.eq(status));
        }
        if let Some(provider) = &filter.provider_id {
            q = q.filter(services::provider_id.eq(provider));
        }
        if filter.unassigned {
            q = q.filter(services::provider_id.is_null());
        }
        if let Some(before) = &filter.before_id {
            q = q.filter(services::id.lt(before));
        }
        q.load(c).await
    })
}

/// A provider's own services in any status (not deleted), newest first.
pub async fn of_provider(
    conn: &mut DbConn,
    provider_id: &str,
    before_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Service>> {
    db_run!(conn, |c| {
        let mut q = services::table
            .filter(services::deleted_at.is_null())
            .filter(services::provider_id.eq(provider_id))
            .select(Service::as_select())
            .order(services::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(before) = before_id {
            q = q.filter(services::id.lt(before));
        }
        q.load(c).await
    })
}

/// `(id, title, category_id)` of several services (in no particular order).
pub async fn titles(
    conn: &mut DbConn,
    ids: &[&str],
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db_run!(conn, |c| services::table
        .filter(services::id.eq_any(ids))
        .select((services::id, services::title, services::category_id))
        .load(c)
        .await)
}

/// How many services (not deleted) are in a category.
pub async fn count_in_category(conn: &mut DbConn, category_id: &str) -> QueryResult<i64> {
    db_run!(conn, |c| services::table
        .filter(services::category_id.eq(category_id))
        .filter(services::deleted_at.is_null())
        .count()
        .get_result(c)
        .await)
}

/// Holds the service's row until the transaction ends (PostgreSQL; SQLite
/// runs transactions one at a time already): two gallery uploads at once
/// cannot both take the last free place.
pub async fn lock(conn: &mut DbConn, service_id: &str) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => {
            let _: Vec<String> = services::table
                .find(service_id)
                .select(services::id)
                .for_update()
                .load(&mut **c)
                .await?;
        }
        DbConn::Sqlite(_) => {}
    }
    Ok(())
}

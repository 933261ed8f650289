//! The `services` table: what providers offer, with admin approval.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::services;
use super::DbConn;
use crate::db_run;

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
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub active: bool,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl Service {
    /// Approved, active, not deleted and assigned: what customers may see and
    /// book (the provider must also be bookable).
    pub fn is_listed(&self) -> bool {
        self.status == "approved"
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

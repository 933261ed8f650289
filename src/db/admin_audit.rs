//! The admin audit log (`admin_audit`): append-only, so this module has no
//! update and no delete.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::admin_audit;
use super::DbConn;
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = admin_audit)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AuditRow {
    pub id: String,
    pub admin_id: String,
    /// e.g. `user.block`, `provider.verify`, `booking.force`.
    pub action: String,
    /// `user`, `provider`, `service`, `booking`.
    pub target_type: String,
    pub target_id: String,
    /// JSON objects: what changed, as it was and as it became.
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
}

pub async fn insert(conn: &mut DbConn, row: &AuditRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(admin_audit::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// What to look for in the log (all optional).
#[derive(Default)]
pub struct AuditFilter {
    pub admin_id: Option<String>,
    pub action: Option<String>,
    pub target_id: Option<String>,
}

/// Entries newest first, after the keyset `(created_at, id)`.
pub async fn page(
    conn: &mut DbConn,
    filter: &AuditFilter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    db_run!(conn, |c| {
        let mut q = admin_audit::table
            .select(AuditRow::as_select())
            .into_boxed();
        if let Some(admin) = &filter.admin_id {
            q = q.filter(admin_audit::admin_id.eq(admin.clone()));
        }
        if let Some(action) = &filter.action {
            q = q.filter(admin_audit::action.eq(action.clone()));
        }
        if let Some(target) = &filter.target_id {
            q = q.filter(admin_audit::target_id.eq(target.clone()));
        }
        if let Some((at, id)) = &before {
            q = q.filter(
                admin_audit::created_at.lt(*at).or(admin_audit::created_at
                    .eq(*at)
                    .and(admin_audit::id.lt(id.clone()))),
            );
        }
        q.order((admin_audit::created_at.desc(), admin_audit::id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

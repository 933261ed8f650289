//! The login audit log.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::login_audit;
use super::{new_id, now, DbConn};
use crate::db_run;
use crate::domain::LoginOutcome;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = login_audit)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct LoginAudit {
    pub id: String,
    pub user_id: Option<String>,
    pub identifier: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub outcome: LoginOutcome,
    pub created_at: NaiveDateTime,
}

/// Appends one line to the audit log.
pub async fn record(
    conn: &mut DbConn,
    user_id: Option<&str>,
    identifier: &str,
    client: &crate::domain::ClientInfo,
    outcome: LoginOutcome,
) -> QueryResult<()> {
    let row = LoginAudit {
        id: new_id(),
        user_id: user_id.map(str::to_owned),
        identifier: identifier.chars().take(320).collect(),
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        outcome,
        created_at: now(),
    };
    db_run!(conn, |c| diesel::insert_into(login_audit::table)
        .values(&row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn for_user(
    conn: &mut DbConn,
    user_id: &str,
    limit: i64,
) -> QueryResult<Vec<LoginAudit>> {
    db_run!(conn, |c| login_audit::table
        .filter(login_audit::user_id.eq(user_id))
        .order(login_audit::created_at.desc())
        .limit(limit)
        .select(LoginAudit::as_select())
        .load(c)
        .await)
}

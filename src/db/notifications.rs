//! The notification center (`notifications`): what each user was told.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::notifications;
use super::{now, DbConn};
use crate::db_run;
use crate::domain::NotificationKind;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = notifications)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct NotificationRow {
    pub id: String,
    pub user_id: String,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub booking_id: Option<String>,
    /// JSON object: what an app needs to act on it without another request.
    pub data: String,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub async fn insert(conn: &mut DbConn, row: &NotificationRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(notifications::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// A user's notifications, newest first, after the cursor `(created_at, id)`.
pub async fn page(
    conn: &mut DbConn,
    user_id: &str,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    db_run!(conn, |c| {
        let mut q = notifications::table
            .filter(notifications::user_id.eq(user_id.to_owned()))
            .select(NotificationRow::as_select())
            .into_boxed();
        if let Some((at, id)) = &before {
            q = q.filter(
                notifications::created_at
                    .lt(*at)
                    .or(notifications::created_at
                        .eq(*at)
                        .and(notifications::id.lt(id.clone()))),
            );
        }
        q.order((notifications::created_at.desc(), notifications::id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

pub async fn unread_count(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    db_run!(conn, |c| notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(c)
        .await)
}

/// Marks one of the user's notifications read (once); false when it is not theirs.
pub async fn mark_read(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<bool> {
    let mine = notifications::table
        .find(id)
        .filter(notifications::user_id.eq(user_id));
    db_run!(conn, |c| diesel::update(
        mine.filter(notifications::read_at.is_null())
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(c)
    .await)?;
    let n: i64 = db_run!(conn, |c| mine.count().get_result(c).await)?;
    Ok(n == 1)
}

/// Marks every unread notification of the user read; how many.
pub async fn mark_all_read(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null())
    )
    .set(notifications::read_at.eq(Some(now())))
    .execute(c)
    .await)
}

/// Deletes every notification of a user (account erasure).
pub async fn delete_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        notifications::table.filter(notifications::user_id.eq(user_id))
    )
    .execute(c)
    .await)
}

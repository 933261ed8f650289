//! The mail outbox (`mail_outbox`): mail is written here in the transaction
//! that decided it, and a worker sends it. A row is claimed with a lease before
//! it is sent, so two workers (or a worker and its restarted self) never send
//! one twice while the lease runs, and a crash mid-send only delays it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::mail_outbox;
use super::{new_id, now, DbConn};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_outbox)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct OutboxMail {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

impl OutboxMail {
    pub fn new(to: &str, subject: &str, body: &str) -> Self {
        let at = now();
        Self {
            id: new_id(),
            to_addr: to.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
            attempts: 0,
            next_attempt_at: at,
            claimed_until: None,
            sent_at: None,
            last_error: None,
            created_at: at,
        }
    }
}

pub async fn insert(conn: &mut DbConn, mail: &OutboxMail) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(mail_outbox::table)
        .values(mail)
        .execute(c)
        .await)?;
    Ok(())
}

/// Unsent mail that is due and not under another worker's lease, oldest first.
pub async fn due(conn: &mut DbConn, at: NaiveDateTime, limit: i64) -> QueryResult<Vec<OutboxMail>> {
    db_run!(conn, |c| mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .filter(mail_outbox::next_attempt_at.le(at))
        .filter(
            mail_outbox::claimed_until
                .is_null()
                .or(mail_outbox::claimed_until.lt(at))
        )
        .order(mail_outbox::next_attempt_at.asc())
        .limit(limit)
        .select(OutboxMail::as_select())
        .load(c)
        .await)
}

/// Takes the lease on one row until `until`; false if someone else holds it
/// or it was sent meanwhile.
pub async fn claim(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::sent_at.is_null())
            .filter(
                mail_outbox::claimed_until
                    .is_null()
                    .or(mail_outbox::claimed_until.lt(at))
            )
    )
    .set(mail_outbox::claimed_until.eq(Some(until)))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Marks a mail sent by the worker whose lease ends at `lease`; false when the
/// lease was lost (it ran out and another worker claimed the mail).
pub async fn mark_sent(conn: &mut DbConn, id: &str, lease: NaiveDateTime) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::claimed_until.eq(Some(lease)))
    )
    .set((
        mail_outbox::sent_at.eq(Some(now())),
        mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Forgets every mail to `address` (account erasure).
pub async fn forget(conn: &mut DbConn, address: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        mail_outbox::table.filter(mail_outbox::to_addr.eq(address))
    )
    .execute(c)
    .await)
}

/// A failed attempt: the lease ends and the next try waits until `next`.
pub async fn retry_at(
    conn: &mut DbConn,
    id: &str,
    next: NaiveDateTime,
    error: &str,
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            mail_outbox::next_attempt_at.eq(next),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
            mail_outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// Mail still unsent (for readiness and tests).
pub async fn pending(conn: &mut DbConn) -> QueryResult<i64> {
    db_run!(conn, |c| mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .count()
        .get_result(c)
        .await)
}

//! The outbox: mail, SMS and push are written here in the transaction that
//! decided them, and a worker per channel sends them. Rows are claimed a
//! batch at a time under a lease and a random claim token; only the holder of
//! the token may mark a row sent, retried or dropped. A row is claimed with a lease before
//! it is sent, so two workers (or a worker and its restarted self) never send
//! one twice while the lease runs, and a crash mid-send only delays it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::outbox;
use super::{new_id, now, DbConn};
use crate::db_run;
use crate::domain::Channel;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct OutboxRow {
    pub id: String,
    pub channel: Channel,
    /// The email address, the phone number or the device's push token.
    pub to_addr: String,
    /// The mail subject or the push title (empty for SMS).
    pub subject: String,
    pub body: String,
    /// The recipient (push, receipt mail), the device (push), the JSON
    /// data map (push; a receipt mail's attachment).
    pub user_id: Option<String>,
    pub device_id: Option<String>,
    pub data: Option<String>,
    /// The worker round holding the lease (`claimed_until`), if any.
    pub claimed_by: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub dropped_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl OutboxRow {
    pub fn mail(to: &str, subject: &str, body: &str) -> Self {
        Self::new(Channel::Mail, to, subject, body)
    }

    pub fn sms(to: &str, body: &str) -> Self {
        Self::new(Channel::Sms, to, "", body)
    }

    /// A push to one device of `user_id`.
    pub fn push(
        user_id: &str,
        device_id: &str,
        token: &str,
        title: &str,
        body: &str,
        data: &serde_json::Value,
    ) -> Self {
        Self {
            user_id: Some(user_id.to_owned()),
            device_id: Some(device_id.to_owned()),
            data: Some(data.to_string()),
            ..Self::new(Channel::Push, token, title, body)
        }
    }

    fn new(channel: Channel, to: &str, subject: &str, body: &str) -> Self {
        let at = now();
        Self {
            id: new_id(),
            channel,
            to_addr: to.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
            user_id: None,
            device_id: None,
            data: None,
            claimed_by: None,
            dropped_at: None,
            attempts: 0,
            next_attempt_at: at,
            claimed_until: None,
            sent_at: None,
            last_error: None,
            created_at: at,
        }
    }
}

pub async fn insert(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(outbox::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// Claims up to `limit` due rows of `channel` (unsent, not dropped, not
/// under a live lease), oldest first, for the worker round `token` until
/// `until`: one write however many rows it takes. Returns the rows claimed.
pub async fn claim_due(
    conn: &mut DbConn,
    channel: Channel,
    token: &str,
    at: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let unclaimed = || {
        outbox::claimed_until
            .is_null()
            .or(outbox::claimed_until.lt(at))
    };
    let ids: Vec<String> = db_run!(conn, |c| outbox::table
        .filter(outbox::channel.eq(channel))
        .filter(outbox::sent_at.is_null())
        .filter(outbox::dropped_at.is_null())
        .filter(outbox::next_attempt_at.le(at))
        .filter(unclaimed())
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id)
        .load(c)
        .await)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Re-checked in the update: another worker may have claimed some meanwhile.
    db_run!(conn, |c| diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .filter(outbox::sent_at.is_null())
            .filter(outbox::dropped_at.is_null())
            .filter(unclaimed())
    )
    .set((
        outbox::claimed_until.eq(Some(until)),
        outbox::claimed_by.eq(Some(token)),
    ))
    .execute(c)
    .await)?;
    db_run!(conn, |c| outbox::table
        .filter(outbox::claimed_by.eq(token))
        .filter(outbox::sent_at.is_null())
        .filter(outbox::dropped_at.is_null())
        .order(outbox::next_attempt_at.asc())
        .select(OutboxRow::as_select())
        .load(c)
        .await)
}

/// The row `id` while claim `token` still holds it (its lease not taken by
/// another round, the row not dropped meanwhile).
#[allow(clippy::type_complexity)]
fn held<'a>(
    id: &'a str,
    token: &'a str,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<outbox::table, &'a str>,
        diesel::dsl::Eq<outbox::claimed_by, &'a str>,
    >,
    diesel::dsl::IsNull<outbox::dropped_at>,
> {
    outbox::table
        .find(id)
        .filter(outbox::claimed_by.eq(token))
        .filter(outbox::dropped_at.is_null())
}

/// Marks a row sent by claim `token`; false when the claim was lost (its
/// lease ran out and another worker claimed the row). The text goes: mail
/// and SMS bodies may hold codes and links that must not outlive their use.
pub async fn mark_sent(conn: &mut DbConn, id: &str, token: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(held(id, token))
        .set((
            outbox::sent_at.eq(Some(now())),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::body.eq(""),
            outbox::data.eq(None::<String>),
        ))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Deletes rows sent or dropped before `before` (the sweeper keeps a week).
pub async fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(outbox::table.filter(
        outbox::sent_at.lt(before).or(outbox::dropped_at.lt(before))
    ))
    .execute(c)
    .await)
}

/// Gives back what claim `token` still holds unsent (a round that stopped
/// early), so another round takes it at once rather than after the lease.
pub async fn release(conn: &mut DbConn, token: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(
        outbox::table
            .filter(outbox::claimed_by.eq(token))
            .filter(outbox::sent_at.is_null())
    )
    .set((
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::claimed_by.eq(None::<String>),
    ))
    .execute(c)
    .await)
}

/// Forgets everything waiting for a user: mail to `address`, SMS to `phone`,
/// push to their devices (account erasure).
pub async fn forget(
    conn: &mut DbConn,
    user_id: &str,
    address: Option<&str>,
    phone: Option<&str>,
) -> QueryResult<usize> {
    let address = address.unwrap_or_default().to_owned();
    let phone = phone.unwrap_or_default().to_owned();
    db_run!(conn, |c| diesel::delete(
        outbox::table.filter(
            outbox::user_id
                .eq(user_id)
                .or(outbox::channel
                    .eq(Channel::Mail)
                    .and(outbox::to_addr.eq(&address)))
                .or(outbox::channel
                    .eq(Channel::Sms)
                    .and(outbox::to_addr.eq(&phone)))
        )
    )
    .execute(c)
    .await)
}

/// A row that will never be sent (the device is gone, the address refused
/// for good): it leaves the queue with its reason. Only by the lease holder.
pub async fn drop_row(conn: &mut DbConn, id: &str, token: &str, reason: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(held(id, token))
        .set((
            outbox::dropped_at.eq(Some(now())),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(reason.chars().take(500).collect::<String>())),
        ))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Drops the unsent push of a device that was removed.
pub async fn drop_device(conn: &mut DbConn, device_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(
        outbox::table
            .filter(outbox::device_id.eq(device_id))
            .filter(outbox::sent_at.is_null())
            .filter(outbox::dropped_at.is_null())
    )
    .set((
        outbox::dropped_at.eq(Some(now())),
        outbox::body.eq(""),
        outbox::data.eq(None::<String>),
        outbox::last_error.eq(Some("device removed")),
    ))
    .execute(c)
    .await)
}

/// A failed attempt: the lease ends and the next try waits until `next`.
/// Only by the lease holder.
pub async fn retry_at(
    conn: &mut DbConn,
    id: &str,
    token: &str,
    next: NaiveDateTime,
    error: &str,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(held(id, token))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(next),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
        ))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Rows still waiting to be sent, of every channel (for readiness and tests).
pub async fn pending(conn: &mut DbConn) -> QueryResult<i64> {
    db_run!(conn, |c| outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::dropped_at.is_null())
        .count()
        .get_result(c)
        .await)
}

/// Rows of any channel that are due now and not yet sent or dropped (in
/// flight included): zero means the workers have caught up.
pub async fn due_count(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<i64> {
    db_run!(conn, |c| outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::dropped_at.is_null())
        .filter(outbox::next_attempt_at.le(at))
        .count()
        .get_result(c)
        .await)
}

/// Per channel: rows waiting to be sent (not sent, not dropped) and when the
/// oldest of them was queued.
pub async fn depth(conn: &mut DbConn) -> QueryResult<Vec<(String, i64, Option<NaiveDateTime>)>> {
    db_run!(conn, |c| outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::dropped_at.is_null())
        .group_by(outbox::channel)
        .select((
            outbox::channel,
            diesel::dsl::count_star(),
            diesel::dsl::min(outbox::created_at),
        ))
        .load(c)
        .await)
}

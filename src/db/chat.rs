//! Booking chat (`chat_messages`, `chat_reads`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{chat_messages, chat_reads};
use super::DbConn;
use crate::db_run;
use onsite_actors::protocol::ChatMessage;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = chat_messages)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ChatRow {
    pub id: String,
    pub booking_id: String,
    /// The journal `seq` of the `chat` event that carried it.
    pub seq: i64,
    pub sender_id: String,
    pub body: String,
    pub client_msg_id: String,
    pub created_at: NaiveDateTime,
}

impl ChatRow {
    /// The stored form of a message the journal carried at `seq`.
    pub fn of(booking_id: &str, seq: i64, m: &ChatMessage) -> Self {
        Self {
            id: m.id.clone(),
            booking_id: booking_id.to_owned(),
            seq,
            sender_id: m.from.clone(),
            body: m.text.clone(),
            client_msg_id: m.client_msg_id.clone(),
            created_at: m.sent_at.naive_utc(),
        }
    }

    /// The `message` object of `chat` events and the REST history.
    pub fn message(&self) -> ChatMessage {
        stored_message(
            &self.id,
            &self.sender_id,
            &self.body,
            &self.client_msg_id,
            self.created_at,
        )
    }
}

pub async fn insert(conn: &mut DbConn, m: &ChatRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(chat_messages::table)
        .values(m)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_by_client_id(
    conn: &mut DbConn,
    booking_id: &str,
    sender_id: &str,
    client_msg_id: &str,
) -> QueryResult<Option<ChatRow>> {
    db_run!(conn, |c| chat_messages::table
        .filter(chat_messages::booking_id.eq(booking_id))
        .filter(chat_messages::sender_id.eq(sender_id))
        .filter(chat_messages::client_msg_id.eq(client_msg_id))
        .select(ChatRow::as_select())
        .first(c)
        .await
        .optional())
}

/// Messages after `after_seq`, oldest first.
pub async fn history(
    conn: &mut DbConn,
    booking_id: &str,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<ChatRow>> {
    db_run!(conn, |c| chat_messages::table
        .filter(chat_messages::booking_id.eq(booking_id))
        .filter(chat_messages::seq.gt(after_seq))
        .order(chat_messages::seq.asc())
        .limit(limit)
        .select(ChatRow::as_select())
        .load(c)
        .await)
}

/// The newest message of a booking.
pub async fn last(conn: &mut DbConn, booking_id: &str) -> QueryResult<Option<ChatRow>> {
    db_run!(conn, |c| chat_messages::table
        .filter(chat_messages::booking_id.eq(booking_id))
        .order(chat_messages::seq.desc())
        .select(ChatRow::as_select())
        .first(c)
        .await
        .optional())
}

/// Messages from others after what `user` has read.
pub async fn unread(conn: &mut DbConn, booking_id: &str, user: &str) -> QueryResult<i64> {
    let read = read_up_to(conn, booking_id, user).await?;
    db_run!(conn, |c| chat_messages::table
        .filter(chat_messages::booking_id.eq(booking_id))
        .filter(chat_messages::sender_id.ne(user))
        .filter(chat_messages::seq.gt(read))
        .count()
        .get_result(c)
        .await)
}

pub async fn read_up_to(conn: &mut DbConn, booking_id: &str, user: &str) -> QueryResult<i64> {
    let found: Option<i64> = db_run!(conn, |c| chat_reads::table
        .find((booking_id, user))
        .select(chat_reads::up_to_seq)
        .first(c)
        .await
        .optional())?;
    Ok(found.unwrap_or(0))
}

/// Moves `user`'s read pointer forward (never back).
pub async fn mark_read(
    conn: &mut DbConn,
    booking_id: &str,
    user: &str,
    up_to_seq: i64,
) -> QueryResult<()> {
    let current: Option<i64> = db_run!(conn, |c| chat_reads::table
        .find((booking_id, user))
        .select(chat_reads::up_to_seq)
        .first(c)
        .await
        .optional())?;
    match current {
        None => {
            db_run!(conn, |c| diesel::insert_into(chat_reads::table)
                .values((
                    chat_reads::booking_id.eq(booking_id),
                    chat_reads::user_id.eq(user),
                    chat_reads::up_to_seq.eq(up_to_seq),
                ))
                .execute(c)
                .await)?;
        }
        Some(seq) if seq < up_to_seq => {
            db_run!(conn, |c| diesel::update(
                chat_reads::table.find((booking_id, user))
            )
            .set(chat_reads::up_to_seq.eq(up_to_seq))
            .execute(c)
            .await)?;
        }
        Some(_) => {}
    }
    Ok(())
}

/// A stored message (booking or direct chat) as the protocol's `message` object.
pub(super) fn stored_message(
    id: &str,
    sender_id: &str,
    body: &str,
    client_msg_id: &str,
    created_at: NaiveDateTime,
) -> ChatMessage {
    ChatMessage {
        id: id.to_owned(),
        from: sender_id.to_owned(),
        text: body.to_owned(),
        client_msg_id: client_msg_id.to_owned(),
        sent_at: super::utc(created_at),
        seq: None,
    }
}

/// Booking chat newest first, of one booking or all, after the keyset
/// `(created_at, id)` (the admins' read-only oversight).
pub async fn page(
    conn: &mut DbConn,
    booking_id: Option<&str>,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<ChatRow>> {
    db_run!(conn, |c| {
        let mut q = chat_messages::table
            .select(ChatRow::as_select())
            .into_boxed();
        if let Some(booking) = booking_id {
            q = q.filter(chat_messages::booking_id.eq(booking.to_owned()));
        }
        if let Some((at, id)) = &before {
            q = q.filter(
                chat_messages::created_at
                    .lt(*at)
                    .or(chat_messages::created_at
                        .eq(*at)
                        .and(chat_messages::id.lt(id.clone()))),
            );
        }
        q.order((chat_messages::created_at.desc(), chat_messages::id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

//! Direct provider <-> admin messages (`direct_messages`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::direct_messages;
use super::DbConn;
use crate::db_run;
use onsite_actors::protocol::ChatMessage;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = direct_messages)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DirectMessage {
    pub id: String,
    /// The conversation: one per provider.
    pub provider_id: String,
    pub sender_id: String,
    pub body: String,
    pub client_msg_id: String,
    pub created_at: NaiveDateTime,
}

impl DirectMessage {
    /// The `message` object, the same as booking chat's.
    pub fn message(&self) -> ChatMessage {
        super::chat::stored_message(
            &self.id,
            &self.sender_id,
            &self.body,
            &self.client_msg_id,
            self.created_at,
        )
    }
}

/// Stores `m` unless the sender already sent this `client_msg_id`; returns the stored one.
pub async fn insert_once(
    conn: &mut DbConn,
    m: &DirectMessage,
) -> QueryResult<(DirectMessage, bool)> {
    let existing = db_run!(conn, |c| direct_messages::table
        .filter(direct_messages::sender_id.eq(&m.sender_id))
        .filter(direct_messages::client_msg_id.eq(&m.client_msg_id))
        .select(DirectMessage::as_select())
        .first(c)
        .await
        .optional())?;
    if let Some(found) = existing {
        return Ok((found, false));
    }
    db_run!(conn, |c| diesel::insert_into(direct_messages::table)
        .values(m)
        .execute(c)
        .await)?;
    Ok((m.clone(), true))
}

pub async fn conversation(
    conn: &mut DbConn,
    provider_id: &str,
    limit: i64,
) -> QueryResult<Vec<DirectMessage>> {
    db_run!(conn, |c| direct_messages::table
        .filter(direct_messages::provider_id.eq(provider_id))
        .order(direct_messages::created_at.asc())
        .limit(limit)
        .select(DirectMessage::as_select())
        .load(c)
        .await)
}

pub async fn exists(conn: &mut DbConn, provider_id: &str) -> QueryResult<bool> {
    let n: i64 = db_run!(conn, |c| direct_messages::table
        .filter(direct_messages::provider_id.eq(provider_id))
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}

/// Direct messages newest first, of one provider's conversation or all,
/// after the keyset `(created_at, id)` (the admins' read-only oversight).
pub async fn page(
    conn: &mut DbConn,
    provider_id: Option<&str>,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<DirectMessage>> {
    db_run!(conn, |c| {
        let mut q = direct_messages::table
            .select(DirectMessage::as_select())
            .into_boxed();
        if let Some(provider) = provider_id {
            q = q.filter(direct_messages::provider_id.eq(provider.to_owned()));
        }
        if let Some((at, id)) = &before {
            q = q.filter(
                direct_messages::created_at
                    .lt(*at)
                    .or(direct_messages::created_at
                        .eq(*at)
                        .and(direct_messages::id.lt(id.clone()))),
            );
        }
        q.order((
            direct_messages::created_at.desc(),
            direct_messages::id.desc(),
        ))
        .limit(limit)
        .load(c)
        .await
    })
}

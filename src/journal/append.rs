//! Appends that change no state (chat messages, read receipts, proximity
//! changes): the next `seq`, written only if `last_seq` is still the one the
//! session expected; chat messages are idempotent per sender and `client_msg_id`.

use onsite_actors::journal::{Append, Appended, JournalError, JournalEvent};
use serde_json::json;

use super::commit::CommitError;
use super::{storage, DbJournal};
use crate::db::{self, chat::ChatMessage, events::EventRow, DbConn};

pub(super) async fn append(j: &DbJournal, a: Append) -> Result<Appended, JournalError> {
    let mut conn = j.db.get().await.map_err(storage)?;
    match db::transaction(&mut conn, async |c| apply(c, &a).await).await {
        Ok(appended) => Ok(appended),
        Err(CommitError::Journal(e)) => Err(e),
        Err(CommitError::Api(e)) => Err(storage(e)),
    }
}

fn event(
    booking_id: &str,
    seq: i64,
    kind: &str,
    payload: serde_json::Value,
    at: chrono::NaiveDateTime,
) -> JournalEvent {
    JournalEvent {
        booking_id: booking_id.to_owned(),
        seq,
        kind: kind.to_owned(),
        payload,
        at: db::utc(at),
    }
}

async fn apply(c: &mut DbConn, a: &Append) -> Result<Appended, CommitError> {
    if let Some(chat) = &a.chat {
        if let Some(m) =
            db::chat::find_by_client_id(c, &a.booking_id, &chat.from, &chat.client_msg_id).await?
        {
            return Ok(Appended::Duplicate(event(
                &a.booking_id,
                m.seq,
                "chat",
                json!({"message": m.json()}),
                m.created_at,
            )));
        }
    }
    let booking = db::bookings::find(c, &a.booking_id)
        .await?
        .ok_or(JournalError::NotFound)?;
    if booking.last_seq != a.expected_seq {
        return Err(JournalError::VersionConflict.into());
    }
    let seq = a.expected_seq + 1;
    let at = db::now();
    let payload = match &a.chat {
        Some(chat) => {
            let m = ChatMessage {
                id: db::new_id(),
                booking_id: a.booking_id.clone(),
                seq,
                sender_id: chat.from.clone(),
                body: chat.text.clone(),
                client_msg_id: chat.client_msg_id.clone(),
                created_at: at,
            };
            db::chat::insert(c, &m).await?;
            // The sender has read their own message.
            db::chat::mark_read(c, &a.booking_id, &chat.from, seq).await?;
            json!({"message": m.json()})
        }
        None => {
            if a.kind == "read" {
                let by = a.payload["by"].as_str().unwrap_or_default();
                let up_to = a.payload["up_to_seq"].as_i64().unwrap_or(0);
                db::chat::mark_read(c, &a.booking_id, by, up_to).await?;
            }
            a.payload.clone()
        }
    };
    db::events::insert(
        c,
        &EventRow {
            booking_id: a.booking_id.clone(),
            seq,
            kind: a.kind.clone(),
            payload: payload.to_string(),
            by_user: a.by.clone(),
            created_at: at,
        },
    )
    .await?;
    if !db::bookings::bump_seq(c, &a.booking_id, a.expected_seq).await? {
        return Err(JournalError::VersionConflict.into());
    }
    Ok(Appended::New(event(
        &a.booking_id,
        seq,
        &a.kind,
        payload,
        at,
    )))
}

/// Stored events as the core replays them.
pub(super) fn to_event(row: EventRow) -> JournalEvent {
    let payload = serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
    event(&row.booking_id, row.seq, &row.kind, payload, row.created_at)
}

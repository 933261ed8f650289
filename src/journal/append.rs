//! Appends that change no state (chat messages, read receipts, proximity
//! changes): the next `seq`, written only if `last_seq` is still the one the
//! session expected; chat messages are idempotent per sender and `client_msg_id`.

use onsite_actors::journal::{Append, Appended, Entry, JournalError};
use onsite_actors::protocol::{ChatPosted, EventBody};

use super::commit::CommitError;
use super::{booking_event, DbJournal};
use crate::db::{self, chat::ChatRow, notifications::NotificationRow, DbConn};
use crate::notify;

/// An append done inside its transaction: what to announce once it is durable.
pub(super) struct AppendDone {
    pub appended: Appended,
    pub notified: Vec<NotificationRow>,
}

pub(super) async fn apply(
    j: &DbJournal,
    c: &mut DbConn,
    a: &Append,
) -> Result<AppendDone, CommitError> {
    super::fence::check(c, j.fences.as_deref(), &a.booking_id).await?;
    if let Entry::Chat(chat) = &a.entry {
        if let Some(m) =
            db::chat::find_by_client_id(c, &a.booking_id, &chat.from, &chat.client_msg_id).await?
        {
            let (_, event) = booking_event(
                &a.booking_id,
                m.seq,
                EventBody::Chat(ChatPosted {
                    message: m.message(),
                }),
                Some(&chat.from),
                m.created_at,
            );
            return Ok(AppendDone {
                appended: Appended::Duplicate(event),
                notified: Vec::new(),
            });
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
    let body = a.entry.body(db::new_id, db::utc(at));
    let mut notified = Vec::new();
    match (&a.entry, &body) {
        (Entry::Chat(chat), EventBody::Chat(posted)) => {
            db::chat::insert(c, &ChatRow::of(&a.booking_id, seq, &posted.message)).await?;
            // The sender has read their own message.
            db::chat::mark_read(c, &a.booking_id, &chat.from, seq).await?;
            notified =
                notify::chat::missed(c, &j.delivery, &j.public_url, &booking, &posted.message)
                    .await?;
        }
        (Entry::Read { by, up_to_seq }, _) => {
            db::chat::mark_read(c, &a.booking_id, by, *up_to_seq).await?;
        }
        _ => {}
    }
    let (row, event) = booking_event(&a.booking_id, seq, body, a.by(), at);
    db::events::insert(c, &row).await?;
    if !db::bookings::bump_seq(c, &a.booking_id, a.expected_seq).await? {
        return Err(JournalError::VersionConflict.into());
    }
    Ok(AppendDone {
        appended: Appended::New(event),
        notified,
    })
}

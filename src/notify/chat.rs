//! Chat a recipient did not see: a booking chat message to a party with no
//! open socket becomes a notice (in-app, push, and mail when no device can be
//! pushed to), at most one per conversation and recipient per quarter hour, so
//! a burst of messages is one alert; and a direct message from an admin to a
//! provider, which is always a notice.

use onsite_actors::protocol::ChatMessage;
use serde_json::json;

use super::center::{Delivery, Notice};
use super::Mail;
use crate::db::{self, bookings::Booking, notifications::NotificationRow, DbConn};
use crate::domain::NotificationKind;

/// At most one alert per conversation and recipient within this window.
pub const ALERT_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// A preview short enough for a lock screen.
fn preview(text: &str) -> String {
    const MAX: usize = 140;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX - 1).collect();
    format!("{cut}…")
}

fn full_name(u: &db::users::User) -> String {
    format!("{} {}", u.first_name, u.last_name)
        .trim()
        .to_owned()
}

/// Stores the alerts of `m`, just posted in `b`'s chat, for the parties who
/// have no open socket and were not alerted of this conversation lately. In
/// the transaction of the message; deliver the rows after its commit.
pub async fn missed(
    c: &mut DbConn,
    delivery: &Delivery,
    public_url: &str,
    b: &Booking,
    m: &ChatMessage,
) -> diesel::QueryResult<Vec<NotificationRow>> {
    let presence = delivery.presence();
    let offline: Vec<&str> = [b.customer_id.as_str(), b.provider_id.as_str()]
        .into_iter()
        .filter(|&u| u != m.from && !presence.is_online(u))
        .collect();
    if offline.is_empty() {
        return Ok(Vec::new());
    }
    let since = db::now() - ALERT_WINDOW;
    let mut due = Vec::new();
    for user in offline {
        if db::devices::take_chat_alert(c, &b.id, user, since).await? {
            due.push(user);
        }
    }
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<&str> = due.clone();
    ids.push(&m.from);
    let people = db::users::find_many(c, &ids).await?;
    let sender = people
        .iter()
        .find(|u| u.id == m.from)
        .map(full_name)
        .unwrap_or_else(|| "onsite".into());
    let link = format!("{public_url}/bookings/{}", b.id);
    let text = preview(&m.text);
    let notices = people
        .iter()
        .filter(|u| due.contains(&u.id.as_str()))
        .map(|u| {
            let title = format!("{sender} wrote about {}", b.reference);
            Notice {
                user_id: u.id.clone(),
                kind: NotificationKind::ChatMessage,
                title: title.clone(),
                body: text.clone(),
                booking_id: Some(b.id.clone()),
                data: json!({
                    "booking_id": b.id,
                    "reference": b.reference,
                    "message": {"id": m.id, "from": m.from, "text": text, "sent_at": m.sent_at},
                    "url": link,
                }),
                mail: u.email.clone().map(|to| Mail {
                    to,
                    subject: title,
                    body: format!(
                        "{sender} wrote about booking {}:\n\n  {}\n\nAnswer in the app: {link}\n\n\
                         Further messages in the next 15 minutes will not be mailed separately.\n",
                        b.reference, m.text
                    ),
                }),
            }
        })
        .collect();
    delivery.store_for(c, notices, &people).await
}

/// The notice of a direct message from an admin to `provider_id`.
pub fn from_admin(provider_id: &str, email: &str, m: &ChatMessage, public_url: &str) -> Notice {
    let text = preview(&m.text);
    let link = format!("{public_url}/support");
    Notice {
        user_id: provider_id.to_owned(),
        kind: NotificationKind::AdminMessage,
        title: "A message from onsite support".into(),
        body: text.clone(),
        booking_id: None,
        data: json!({
            "message": {"id": m.id, "from": m.from, "text": text, "sent_at": m.sent_at},
            "url": link,
        }),
        mail: Some(Mail {
            to: email.to_owned(),
            subject: "A message from onsite support".into(),
            body: format!(
                "onsite support wrote:\n\n  {}\n\nAnswer in the app: {link}\n",
                m.text
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_cut_at_140_characters() {
        assert_eq!(preview("short"), "short");
        let long = "é".repeat(200);
        let p = preview(&long);
        assert_eq!(p.chars().count(), 140);
        assert!(p.ends_with('…'));
    }
}

//! The outbox workers, one per channel (mail, SMS, push), so a slow mail
//! server never holds up a push. Each sends what transactions left in
//! `outbox`: a row is claimed with a lease before it is sent and marked sent
//! after, so a crash between the two only delays it (the lease runs out and it
//! is sent again under the same id: the outbox files are named by it, so the
//! resend replaces the file, and mail carries it as its `Message-ID`). Nothing
//! is sent twice while a lease holds. Failures back off exponentially; what
//! can never be sent is dropped with its reason. A worker wakes at once when
//! a commit stored something for it, and every few seconds regardless.

use std::time::Duration;

use actix_web::web;

use crate::db::{self, outbox::OutboxRow};
use crate::domain::Channel;
use crate::invoices::Copy;
use crate::notify::{Attachment, Mail, MailError, Push, PushError, Sms, SmsError};
use crate::state::AppState;

/// Rows claimed per round (with one write).
const BATCH: i64 = 50;
/// A send starts only while the lease has at least this long to run (or half
/// the lease, when it is shorter).
const SEND_MARGIN: chrono::Duration = chrono::Duration::seconds(60);
/// A worker looks again this often even when nobody woke it.
const IDLE_WAKE: Duration = Duration::from_secs(5);

/// Runs one worker per channel until the server stops.
pub fn spawn(state: web::Data<AppState>) {
    let lease = state.config.notify.outbox_lease;
    if lease < Duration::from_secs(150) {
        // One FCM send may take a token fetch, a send, a refresh and a resend
        // (30 s timeout each): a shorter lease may let another node send the
        // same row while it is still in flight.
        tracing::warn!(
            lease_s = lease.as_secs(),
            "ONSITE_OUTBOX_LEASE_S is below 150 s: with several nodes a slow send may go out twice"
        );
    }
    for &channel in Channel::ALL {
        let state = state.clone();
        actix_web::rt::spawn(async move {
            loop {
                if let Err(e) = drain_channel(&state, channel).await {
                    tracing::warn!(%channel, error = %e, "outbox round failed; will retry");
                }
                let _ = tokio::time::timeout(IDLE_WAKE, state.delivery.woken(channel)).await;
            }
        });
    }
}

/// The wait before attempt `attempts + 1`: 5 s, 10 s, 20 s ... at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(0, 10)).unwrap_or(10);
    chrono::Duration::seconds((5_i64 << exp).min(3600))
}

/// Sends every due row of every channel; returns how many went out. Public
/// so tests and operators can run a round deterministically.
pub async fn drain(state: &AppState) -> anyhow::Result<usize> {
    let mut sent = 0;
    for &channel in Channel::ALL {
        sent += drain_channel(state, channel).await?;
    }
    Ok(sent)
}

/// What became of one attempt.
enum Outcome {
    Sent,
    Retry {
        after: Option<Duration>,
        error: String,
    },
    /// Never sendable: out of the queue, with the reason.
    Drop(String),
    /// The push service no longer knows the device: it is removed too.
    Unregistered(String),
}

async fn drain_channel(state: &AppState, channel: Channel) -> anyhow::Result<usize> {
    let lease = chrono::Duration::from_std(state.config.notify.outbox_lease)?;
    let mut sent = 0;
    loop {
        // One claim per round: a random token, a fresh clock.
        let token = db::new_id();
        let at = db::now();
        let until = at + lease;
        let rows = state
            .db
            .run(async |c| db::outbox::claim_due(c, channel, &token, at, until, BATCH).await)
            .await??;
        if rows.is_empty() {
            return Ok(sent);
        }
        let outcome = send_claimed(state, channel, &rows, &token, until, lease).await;
        // Whatever happened, what this round still holds goes back at once.
        let released = state
            .db
            .run(async |c| db::outbox::release(c, &token).await)
            .await;
        sent += outcome?;
        released??;
    }
}

/// Sends the rows of one claim in order; returns how many went out.
async fn send_claimed(
    state: &AppState,
    channel: Channel,
    rows: &[OutboxRow],
    token: &str,
    until: chrono::NaiveDateTime,
    lease: chrono::Duration,
) -> anyhow::Result<usize> {
    // Never start a send the lease might not outlive (SMTP and push time out
    // at 30 s); what is left goes back to the queue.
    let margin = SEND_MARGIN.min(lease / 2);
    let mut sent = 0;
    let mut gone_devices: Vec<String> = Vec::new();
    for row in rows {
        if db::now() + margin > until {
            break;
        }
        if row
            .device_id
            .as_ref()
            .is_some_and(|d| gone_devices.contains(d))
        {
            continue; // dropped with its device a moment ago
        }
        // No connection is held while the outside service answers.
        let outcome = attempt(state, row).await;
        let kept = state
            .db
            .run(async |c| settle(c, row, token, &outcome).await)
            .await??;
        if !kept {
            tracing::warn!(%channel, row = %row.id, "the claim was lost while sending; another worker may send it again");
        }
        match outcome {
            Outcome::Sent => sent += 1,
            Outcome::Unregistered(_) => gone_devices.extend(row.device_id.clone()),
            _ => {}
        }
    }
    Ok(sent)
}

async fn attempt(state: &AppState, row: &OutboxRow) -> Outcome {
    match row.channel {
        Channel::Mail => {
            let mail = Mail {
                to: row.to_addr.clone(),
                subject: row.subject.clone(),
                body: row.body.clone(),
            };
            let attachments = match receipt(state, row).await {
                Ok(a) => a,
                Err(error) => return Outcome::Retry { after: None, error },
            };
            match state.mailer.send_with(&row.id, mail, attachments).await {
                Ok(()) => Outcome::Sent,
                Err(MailError::Retry(error)) => Outcome::Retry { after: None, error },
                Err(MailError::Rejected(reason)) => Outcome::Drop(reason),
            }
        }
        Channel::Sms => {
            let sms = Sms {
                to: row.to_addr.clone(),
                body: row.body.clone(),
            };
            match state.sms.send(&row.id, sms).await {
                Ok(()) => Outcome::Sent,
                Err(SmsError::Retry(error)) => Outcome::Retry { after: None, error },
                Err(SmsError::Rejected(reason)) => Outcome::Drop(reason),
            }
        }
        Channel::Push => {
            let push = Push {
                id: row.id.clone(),
                token: row.to_addr.clone(),
                title: row.subject.clone(),
                body: row.body.clone(),
                data: row
                    .data
                    .as_deref()
                    .and_then(|d| serde_json::from_str(d).ok())
                    .unwrap_or_default(),
            };
            match state.push.send(&push).await {
                Ok(()) => Outcome::Sent,
                Err(PushError::Retry { after, reason }) => Outcome::Retry {
                    after,
                    error: reason,
                },
                Err(PushError::Rejected(reason)) => Outcome::Drop(reason),
                Err(PushError::Unregistered(reason)) => Outcome::Unregistered(reason),
            }
        }
    }
}

/// The invoice a receipt mail carries (the recipient's copy, as PDF), if
/// the row asks for one. A booking without an invoice sends the mail without.
async fn receipt(state: &AppState, row: &OutboxRow) -> Result<Vec<Attachment>, String> {
    let data: Option<serde_json::Value> = row
        .data
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok());
    let (Some(data), Some(user)) = (data, row.user_id.as_deref()) else {
        return Ok(Vec::new());
    };
    let Some(booking_id) = data["booking_id"]
        .as_str()
        .filter(|_| data["attach"] == "invoice")
    else {
        return Ok(Vec::new());
    };
    let doc = state
        .with_db(async |c| {
            let Some(b) = db::bookings::find(c, booking_id).await? else {
                return Ok(None);
            };
            let copy = if b.provider_id == user {
                Copy::Provider
            } else {
                Copy::Customer
            };
            Ok(crate::invoices::load(c, &state.config.platform, &b, copy).await?)
        })
        .await
        .map_err(|e| e.to_string())?;
    let Some(doc) = doc else {
        return Ok(Vec::new());
    };
    let file_name = doc.file_name("pdf");
    let bytes = tokio::task::spawn_blocking(move || crate::invoices::pdf::render(&doc))
        .await
        .map_err(|e| e.to_string())?;
    Ok(vec![Attachment {
        file_name,
        content_type: "application/pdf",
        bytes,
    }])
}

/// Records the outcome, only while this round still holds the claim.
async fn settle(
    c: &mut db::DbConn,
    row: &OutboxRow,
    token: &str,
    outcome: &Outcome,
) -> diesel::QueryResult<bool> {
    match outcome {
        Outcome::Sent => db::outbox::mark_sent(c, &row.id, token).await,
        Outcome::Retry { after, error } => {
            let wait = backoff(row.attempts).max(
                after
                    .and_then(|a| chrono::Duration::from_std(a).ok())
                    .unwrap_or_default()
                    .min(chrono::Duration::hours(1)),
            );
            tracing::warn!(channel = %row.channel, row = %row.id, attempts = row.attempts + 1,
                retry_in_s = wait.num_seconds(), %error, "not sent; will retry");
            db::outbox::retry_at(c, &row.id, token, db::now() + wait, error).await
        }
        Outcome::Drop(reason) => {
            tracing::error!(channel = %row.channel, row = %row.id, %reason, "refused for good; dropped");
            db::outbox::drop_row(c, &row.id, token, reason).await
        }
        Outcome::Unregistered(reason) => {
            tracing::info!(row = %row.id, device = ?row.device_id, %reason, "push token unregistered; device removed");
            // The row first (while this claim holds it), then the device and
            // every other push still waiting for it.
            let kept = db::outbox::drop_row(c, &row.id, token, reason).await?;
            if let Some(device) = &row.device_id {
                db::devices::forget(c, device).await?;
                db::outbox::drop_device(c, device).await?;
            }
            Ok(kept)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff(0).num_seconds(), 5);
        assert_eq!(backoff(1).num_seconds(), 10);
        assert_eq!(backoff(4).num_seconds(), 80);
        assert_eq!(backoff(9).num_seconds(), 2560);
        assert_eq!(backoff(10).num_seconds(), 3600);
        assert_eq!(backoff(50).num_seconds(), 3600);
    }
}

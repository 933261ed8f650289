//! The mail outbox worker: sends what transactions left in `mail_outbox`.
//! Each row is claimed with a lease before it is sent and marked sent after,
//! so a crash between the two only delays it (the lease runs out and it is
//! sent again: at least once, and never twice while a lease holds). Failures
//! back off exponentially. The worker wakes at once when a commit stored mail,
//! and every few seconds regardless.

use std::time::Duration;

use actix_web::web;

use crate::db;
use crate::notify::Mail;
use crate::state::AppState;

/// How long a claimed mail is reserved for the worker that claimed it: well
/// beyond the SMTP timeout (30 s), so no other worker takes it while it is sent.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Rows taken per round.
const BATCH: i64 = 50;
/// The worker looks again this often even when nobody woke it.
const IDLE_WAKE: Duration = Duration::from_secs(5);

/// Runs the worker until the server stops.
pub fn spawn(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        loop {
            match drain(&state).await {
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail outbox round failed; will retry"),
            }
            let _ = tokio::time::timeout(IDLE_WAKE, state.delivery.mail_woken()).await;
        }
    });
}

/// The wait before attempt `attempts + 1`: 5 s, 10 s, 20 s ... at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(0, 10)).unwrap_or(10);
    chrono::Duration::seconds((5_i64 << exp).min(3600))
}

/// Sends every due mail; returns how many went out. Public so tests and
/// operators can run a round deterministically.
pub async fn drain(state: &AppState) -> anyhow::Result<usize> {
    let mut sent = 0;
    loop {
        let now = db::now();
        let due = state
            .db
            .run(async |c| db::outbox::due(c, now, BATCH).await)
            .await??;
        if due.is_empty() {
            return Ok(sent);
        }
        let mut progressed = false;
        for mail in due {
            // Each claim reads the clock afresh: a slow round never hands out stale leases.
            let at = db::now();
            let until = at + LEASE;
            let claimed = state
                .db
                .run(async |c| db::outbox::claim(c, &mail.id, at, until).await)
                .await??;
            if !claimed {
                continue;
            }
            progressed = true;
            // No connection is held while the mail server answers.
            let outcome = state
                .mailer
                .send(Mail {
                    to: mail.to_addr.clone(),
                    subject: mail.subject.clone(),
                    body: mail.body.clone(),
                })
                .await;
            match outcome {
                Ok(()) => {
                    let kept = state
                        .db
                        .run(async |c| db::outbox::mark_sent(c, &mail.id, until).await)
                        .await??;
                    if !kept {
                        tracing::warn!(mail = %mail.id, "the lease ran out while sending; another worker may send it again");
                    }
                    sent += 1;
                }
                Err(e) => {
                    let next = db::now() + backoff(mail.attempts);
                    tracing::warn!(mail = %mail.id, attempts = mail.attempts + 1, error = %e, "mail not sent; will retry");
                    let error = e.to_string();
                    state
                        .db
                        .run(async |c| db::outbox::retry_at(c, &mail.id, next, &error).await)
                        .await??;
                }
            }
        }
        if !progressed {
            return Ok(sent);
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

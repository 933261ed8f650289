//! How HTTP handlers reach the booking sessions: ask the dispatcher for the
//! booking's session, send it the command, await the committed outcome.

use actix::{Handler, MailboxError, Message};
use onsite_actors::booking::Refusal;
use onsite_actors::journal::Committed;
use onsite_actors::messages::{Apply, Force, SessionError, SessionFor};
use onsite_actors::session::BookingSession;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub async fn apply(state: &AppState, booking_id: &str, cmd: Apply) -> ApiResult<Committed> {
    send(state, booking_id, cmd).await
}

pub async fn force(state: &AppState, booking_id: &str, cmd: Force) -> ApiResult<Committed> {
    send(state, booking_id, cmd).await
}

/// Sends `msg` to the booking's session (started on demand) and maps its outcome.
pub async fn send<M, T>(state: &AppState, booking_id: &str, msg: M) -> ApiResult<T>
where
    M: Message<Result = Result<T, SessionError>> + Clone + Send + 'static,
    T: Send + 'static,
    BookingSession: Handler<M>,
{
    // A session may stop (idle) between lookup and send: then ask again once.
    for _ in 0..2 {
        let session = state
            .dispatcher
            .send(SessionFor {
                booking_id: booking_id.to_owned(),
            })
            .await
            .map_err(unavailable)?;
        match session.send(msg.clone()).await {
            Ok(outcome) => return outcome.map_err(to_api),
            Err(MailboxError::Closed) => continue,
            Err(e) => return Err(unavailable(e)),
        }
    }
    Err(ApiError::Unavailable)
}

fn unavailable(err: MailboxError) -> ApiError {
    tracing::error!(error = %err, "booking session unreachable");
    ApiError::Unavailable
}

/// What a refused or failed command means to an HTTP client.
pub fn to_api(err: SessionError) -> ApiError {
    match err {
        SessionError::Refused(refusal @ Refusal::NotAllowed { .. }) => {
            ApiError::Forbidden("not_allowed", refusal.to_string())
        }
        SessionError::Refused(refusal @ Refusal::InvalidTransition { .. }) => {
            ApiError::Conflict("invalid_transition", refusal.to_string())
        }
        SessionError::Refused(refusal @ Refusal::InvalidForce { .. }) => {
            ApiError::Conflict("invalid_force", refusal.to_string())
        }
        SessionError::Rejected { code, message } => ApiError::Conflict(leak_code(&code), message),
        SessionError::NotFound => ApiError::NotFound("booking"),
        SessionError::Conflict => ApiError::Conflict(
            "concurrent_update",
            "the booking changed while this was being applied; try again".into(),
        ),
        SessionError::NotParticipant => ApiError::NotFound("booking"),
        SessionError::NotLive(state) => ApiError::Conflict(
            "not_live",
            format!("the booking is {state}; fixes are taken from confirmation until completion"),
        ),
        SessionError::ChatInactive => ApiError::Conflict(
            "chat_inactive",
            "the chat is not active (before acceptance or after the job ended)".into(),
        ),
        SessionError::Unavailable(cause) => {
            tracing::error!(%cause, "booking journal unavailable");
            ApiError::Unavailable
        }
    }
}

/// The journal's rejection codes are a small fixed set; map them to statics.
fn leak_code(code: &str) -> &'static str {
    match code {
        "slot_unavailable" => "slot_unavailable",
        "payment_not_found" => "payment_not_found",
        "payment_not_processing" => "payment_not_processing",
        _ => "rejected",
    }
}

//! How the server reaches the booking sessions (the single writers): ask the
//! dispatcher for the booking's session, send it the command, await the
//! committed outcome. [`send`] answers in the core's own [`SessionError`], so
//! server code decides on typed refusals; [`request`] maps them for HTTP.

use actix::{Handler, MailboxError, Message};
use onsite_actors::booking::Refusal;
use onsite_actors::journal::Committed;
use onsite_actors::messages::{Apply, Force, SessionError, SessionFor};
use onsite_actors::session::BookingSession;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Applies a state-machine event; refusals as HTTP errors.
pub async fn apply(state: &AppState, booking_id: &str, cmd: Apply) -> ApiResult<Committed> {
    request(state, booking_id, cmd).await
}

/// An admin's forced move; refusals as HTTP errors.
pub async fn force(state: &AppState, booking_id: &str, cmd: Force) -> ApiResult<Committed> {
    request(state, booking_id, cmd).await
}

/// [`send`], with the outcome mapped for an HTTP client.
pub async fn request<M, T>(state: &AppState, booking_id: &str, msg: M) -> ApiResult<T>
where
    M: Message<Result = Result<T, SessionError>> + Clone + Send + 'static,
    T: Send + 'static,
    BookingSession: Handler<M>,
{
    send(state, booking_id, msg).await.map_err(to_api)
}

/// Sends `msg` to the booking's session (started on demand).
pub async fn send<M, T>(state: &AppState, booking_id: &str, msg: M) -> Result<T, SessionError>
where
    M: Message<Result = Result<T, SessionError>> + Clone + Send + 'static,
    T: Send + 'static,
    BookingSession: Handler<M>,
{
    // A session may stop (idle) between lookup and send: then ask again once.
    for _ in 0..2 {
        let session = state
            .dispatcher
            .send(SessionFor::new(booking_id))
            .await
            .map_err(unreachable)?;
        match session.send(msg.clone()).await {
            Ok(outcome) => return outcome,
            Err(MailboxError::Closed) => continue,
            Err(e) => return Err(unreachable(e)),
        }
    }
    Err(SessionError::Unavailable(
        "the booking session kept stopping".into(),
    ))
}

fn unreachable(err: MailboxError) -> SessionError {
    SessionError::Unavailable(format!("booking session unreachable: {err}"))
}

/// What a refused or failed command means to an HTTP client: the code and
/// message the websocket sends too, with the status that fits.
pub fn to_api(err: SessionError) -> ApiError {
    let code = err.code().as_str();
    match err {
        SessionError::Refused(Refusal::NotAllowed { .. }) => {
            ApiError::Forbidden(code, err.message())
        }
        SessionError::NotParticipant => ApiError::Forbidden(code, err.message()),
        SessionError::NotFound => ApiError::NotFound("booking"),
        SessionError::Unavailable(ref cause) => {
            tracing::error!(%cause, "booking journal unavailable");
            ApiError::Unavailable
        }
        SessionError::Refused(_)
        | SessionError::Rejected { .. }
        | SessionError::Conflict
        | SessionError::NotLive(_)
        | SessionError::ChatInactive => ApiError::Conflict(code, err.message()),
    }
}

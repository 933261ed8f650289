//! How the server reaches the booking sessions (the single writers): find
//! the booking's owner (this node's session, started on demand, or in a
//! cluster the node holding its lease), send it the command, await the
//! committed outcome. [`send`] answers in the core's own [`SessionError`], so
//! server code decides on typed refusals; [`request`] maps them for HTTP.

use actix::{Handler, MailboxError, Message};
use onsite_actors::booking::Refusal;
use onsite_actors::journal::Committed;
use onsite_actors::messages::{Apply, Force, SessionError};
use onsite_actors::session::BookingSession;

use crate::cluster::route::{self, Forward, Owner};
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
    M: Message<Result = Result<T, SessionError>> + Forward<Out = T> + Clone + Send + 'static,
    T: Send + 'static,
    BookingSession: Handler<M>,
{
    send(state, booking_id, msg).await.map_err(to_api)
}

/// Sends `msg` to the booking's owner: the session here (started on
/// demand), or the node that holds the booking.
pub async fn send<M, T>(state: &AppState, booking_id: &str, msg: M) -> Result<T, SessionError>
where
    M: Message<Result = Result<T, SessionError>> + Forward<Out = T> + Clone + Send + 'static,
    T: Send + 'static,
    BookingSession: Handler<M>,
{
    // A session may stop (idle) between lookup and send, and a booking may
    // move to another node: then ask again.
    for _ in 0..3 {
        match route::owner(state, booking_id).await? {
            Owner::Here(session) => match session.send(msg.clone()).await {
                Ok(Err(SessionError::Moved)) | Err(MailboxError::Closed) => continue,
                Ok(outcome) => return outcome,
                Err(e) => return Err(unreachable(e)),
            },
            Owner::There(node) => match route::forward(state, &node, booking_id, msg.clone()).await
            {
                Err(SessionError::Moved) => continue,
                outcome => return outcome,
            },
        }
    }
    Err(SessionError::Unavailable(
        "the booking session kept stopping or moving".into(),
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
        SessionError::Moved => ApiError::Unavailable,
        SessionError::OwnerSilent { retry_after_ms } => ApiError::UnavailableFor {
            message: err.message(),
            // Retry-After is in whole seconds: round up.
            retry_after_s: retry_after_ms.div_ceil(1000) as i64,
        },
        SessionError::Refused(_)
        | SessionError::Rejected { .. }
        | SessionError::Conflict
        | SessionError::NotLive(_)
        | SessionError::ChatInactive => ApiError::Conflict(code, err.message()),
    }
}

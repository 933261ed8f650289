use actix_web::{web, HttpRequest, HttpResponse};
use onsite_actors::messages::SendChat;
use onsite_actors::protocol::{parse, ChatMessage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::bookings::visible;
use crate::auth::secrets;
use crate::db::{self, bookings::Booking};
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ChatQuery {
    /// Your chat token (from your view of the booking); or send `X-Chat-Token`.
    pub chat_token: Option<String>,
    /// Only messages after this journal `seq`.
    pub since_seq: Option<i64>,
}

/// Non-admins must present their own chat token for the booking.
pub fn check_token(
    req: &HttpRequest,
    query: &ChatQuery,
    me: &AuthUser,
    b: &Booking,
) -> ApiResult<()> {
    if me.role() == Role::Admin && !b.is_party(me.id()) {
        return Ok(());
    }
    let presented = query
        .chat_token
        .clone()
        .or_else(|| {
            req.headers()
                .get("x-chat-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            ApiError::Forbidden(
                "chat_token_required",
                "pass your chat_token (query) or X-Chat-Token".into(),
            )
        })?;
    let mine = if me.id() == b.customer_id {
        &b.customer_chat_token
    } else {
        &b.provider_chat_token
    };
    match mine {
        Some(token) if secrets::same(token, &presented) => Ok(()),
        _ => Err(ApiError::Forbidden(
            "invalid_chat_token",
            "that is not your chat token for this booking".into(),
        )),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChatHistory {
    pub booking_id: String,
    pub chat_active: bool,
    /// `{id, from, text, client_msg_id, sent_at, seq}`, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ChatMessage>,
}

/// The booking's chat history (readable by its parties after the chat ended).
#[utoipa::path(get, path = "/v1/bookings/{id}/chat", tag = "realtime", security(("bearer" = [])),
    params(("id" = String, Path), ChatQuery),
    responses((status = 200, body = ChatHistory), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn history(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<ChatQuery>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let booking = visible(conn, &me, &id).await?;
            check_token(&req, &query, &me, &booking)?;
            let rows =
                db::chat::history(conn, &booking.id, query.since_seq.unwrap_or(0), 500).await?;
            let items = rows
                .iter()
                .map(|m| ChatMessage {
                    seq: Some(m.seq),
                    ..m.message()
                })
                .collect();
            let chat_active = booking.status.chat_active();
            Ok(HttpResponse::Ok().json(ChatHistory {
                booking_id: booking.id,
                chat_active,
                items,
            }))
        })
        .await
}

#[derive(Deserialize, ToSchema)]
pub struct SendRequest {
    pub text: String,
    /// Client-chosen id; resending it never duplicates the message.
    pub client_msg_id: String,
}

/// Send a chat message (only while the chat is active). It is committed before
/// this answers and before the other party's sockets see it.
#[utoipa::path(post, path = "/v1/bookings/{id}/chat", tag = "realtime", security(("bearer" = [])),
    params(("id" = String, Path), ChatQuery), request_body = SendRequest,
    responses((status = 201, description = "the stored message", body = Object),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<ChatQuery>,
    body: LateJson<SendRequest>,
) -> ApiResult<HttpResponse> {
    let booking = state
        .with_db(async |conn| visible(conn, &me, &id).await)
        .await?;
    if !booking.is_party(me.id()) {
        return Err(ApiError::Forbidden(
            onsite_actors::protocol::ErrorCode::NotAParticipant.as_str(),
            "only the two participants chat".into(),
        ));
    }
    check_token(&req, &query, &me, &booking)?;
    let body = body.parse()?;
    let text = parse::chat_text(Some(&body.text))?;
    let client_msg_id = parse::client_msg_id(Some(&body.client_msg_id))?;
    let event = crate::booking_sessions::request(
        &state,
        &booking.id,
        SendChat {
            from: me.id().to_owned(),
            text,
            client_msg_id,
        },
    )
    .await?;
    let message = event.body.message().cloned().ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "a chat command answered without its message"
        ))
    })?;
    metrics::counter!("onsite_chat_messages_total", "via" => "http").increment(1);
    Ok(HttpResponse::Created().json(ChatMessage {
        seq: Some(event.seq),
        ..message
    }))
}

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use onsite_actors::booking::Role;
use onsite_actors::client::{Client, ClientQueue};
use serde::Deserialize;

use super::conn;
use super::inbound::MAX_FRAME;
use crate::error::{ApiError, ApiResult};
use crate::extract::{authenticate, bearer};
use crate::state::AppState;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

#[derive(Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// Open a websocket (PROTOCOL.md). The access token comes as
/// `Authorization: Bearer` or `?token=`; without a valid one the upgrade is
/// refused with 401 and no socket is opened.
#[utoipa::path(get, path = "/ws", tag = "realtime",
    params(("token" = Option<String>, Query, description = "access token, for clients that cannot set headers")),
    responses((status = 101, description = "switching protocols"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn upgrade(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<WsQuery>,
) -> ApiResult<HttpResponse> {
    let token = bearer(&req)
        .or_else(|| query.into_inner().token)
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "missing_token",
                "send the access token as Authorization: Bearer or ?token=".into(),
            )
        })?;
    let me = authenticate(&state, &token).await?;
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|_| {
        ApiError::BadRequest("not_a_websocket", "this route only speaks websocket".into())
    })?;
    let role = me.role();
    // An admin may monitor every live booking: a burst of them (a wave of
    // starts) must fit in its queue.
    let queue = match role {
        Role::Admin => state.config.ws.admin_queue,
        _ => state.config.ws.queue,
    };
    let client = Client {
        conn_id: NEXT_CONN.fetch_add(1, Ordering::Relaxed),
        user_id: Arc::from(me.id()),
        role,
        queue: Arc::new(ClientQueue::new(queue)),
    };
    conn::spawn(
        state.into_inner(),
        client,
        session,
        stream.max_frame_size(MAX_FRAME * 4),
    );
    Ok(response)
}

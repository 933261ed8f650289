use actix_web::{web, HttpResponse};
use onsite_actors::journal::JournalEvent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct EventsQuery {
    /// Only events after this sequence number (default 0: all).
    pub since_seq: Option<i64>,
    /// At most this many (1-500, default 100).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EventPage {
    /// Each journaled event as the websocket sends and replays it:
    /// `{type, booking_id, seq, ...its fields, at}`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<JournalEvent>,
    /// The highest `seq` returned; pass it as `since_seq` for the next page.
    pub last_seq: i64,
}

/// The booking's journal, in `seq` order.
#[utoipa::path(get, path = "/v1/bookings/{id}/events", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path), EventsQuery),
    responses((status = 200, body = EventPage), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    query: web::Query<EventsQuery>,
) -> ApiResult<HttpResponse> {
    let since = query.since_seq.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::validation("since_seq", "must be 0 or more"));
    }
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 500"));
    }
    state
        .with_db(async |conn| {
            let booking = super::visible(conn, &me, &id).await?;
            let rows = db::events::since(conn, &booking.id, since, limit).await?;
            let last_seq = rows.last().map_or(since, |r| r.seq);
            let items = rows
                .into_iter()
                .map(crate::journal::stored_event)
                .collect::<Result<Vec<_>, _>>()
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok().json(EventPage { items, last_seq }))
        })
        .await
}

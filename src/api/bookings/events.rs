use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
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

/// One journaled event: the same frame the websocket replays.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    /// `booking`, `chat_state`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub booking_id: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The event's fields (for `booking`: status, previous, by, reason).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventView>,
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
    let mut conn = state.db.get().await?;
    let booking = super::visible(&mut conn, &me, &id).await?;
    let rows = db::events::since(&mut conn, &booking.id, since, limit).await?;
    let last_seq = rows.last().map_or(since, |r| r.seq);
    let items = rows
        .into_iter()
        .map(|r| {
            let mut fields: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&r.payload).unwrap_or_default();
            fields.remove("at");
            EventView {
                kind: r.kind,
                booking_id: r.booking_id,
                seq: r.seq,
                at: db::utc(r.created_at),
                fields,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(EventPage { items, last_seq }))
}

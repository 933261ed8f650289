use actix_web::{web, HttpResponse};
use onsite_actors::messages::SessionSummary;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct LiveSessionsView {
    /// booking, status, seq, last fixes, proximity (distance, dwell), chat state, subscribers.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<SessionSummary>,
}

/// The live booking sessions right now, on every node of the cluster.
#[utoipa::path(get, path = "/v1/admin/sessions", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = LiveSessionsView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let mut items = crate::cluster::route::summaries(&state).await?;
    items.sort_by(|a, b| a.booking_id.cmp(&b.booking_id));
    Ok(HttpResponse::Ok().json(LiveSessionsView { items }))
}

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::bookings::visible;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Contact {
    pub user_id: String,
    pub first_name: String,
    pub phone: Option<String>,
}

/// The other party's phone, only while the chat is active.
#[utoipa::path(get, path = "/v1/bookings/{id}/contact", tag = "realtime", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Contact), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let booking = visible(conn, &me, &id).await?;
            if !booking.is_party(me.id()) {
                return Err(ApiError::Forbidden(
                    onsite_actors::protocol::ErrorCode::NotAParticipant.as_str(),
                    "only the booking's parties".into(),
                ));
            }
            if !booking.status.chat_active() {
                return Err(ApiError::Conflict(
                    onsite_actors::protocol::ErrorCode::ChatInactive.as_str(),
                    "contact details are shared only while the chat is active".into(),
                ));
            }
            let other = if me.id() == booking.customer_id {
                &booking.provider_id
            } else {
                &booking.customer_id
            };
            let user = db::users::find(conn, other)
                .await?
                .ok_or(ApiError::NotFound("user"))?;
            Ok(HttpResponse::Ok().json(Contact {
                user_id: user.id,
                first_name: user.first_name,
                phone: user.phone,
            }))
        })
        .await
}

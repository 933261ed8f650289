use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::ComplaintView;
use super::Reader;
use crate::complaints::{self, Filing};
use crate::db;
use crate::domain::{ComplaintKind, ComplaintSide, MessageText, Role, Severity};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileComplaint {
    pub booking_id: String,
    #[serde(rename = "type")]
    pub kind: ComplaintKind,
    pub severity: Severity,
    /// What happened: 1 to 4000 characters.
    #[schema(value_type = String)]
    pub description: MessageText,
}

/// File a complaint about one of my bookings (its customer or its provider
/// only; 404 for anyone else). A `payment_issue` filed while the booking's
/// money is still in escrow holds its release until an admin resolves it.
#[utoipa::path(post, path = "/v1/complaints", tag = "complaints", security(("bearer" = [])),
    request_body = FileComplaint,
    responses((status = 201, body = ComplaintView), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "`parties_only`: admins do not file complaints", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`complaint_open`, `booking_not_started`", body = crate::error::ErrorBody)))]
pub async fn file(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<FileComplaint>,
) -> ApiResult<HttpResponse> {
    if me.role() == Role::Admin {
        return Err(ApiError::Forbidden(
            "parties_only",
            "complaints are filed by a booking's customer or provider".into(),
        ));
    }
    let row = state
        .in_transaction(async |c| {
            let booking = db::bookings::find(c, &req.booking_id)
                .await?
                .filter(|b| b.is_party(me.id()))
                .ok_or(ApiError::NotFound("booking"))?;
            let filing = Filing {
                kind: req.kind,
                severity: req.severity,
                description: req.description.into_inner(),
            };
            complaints::file(c, &booking, me.role(), me.id(), filing).await
        })
        .await?;
    tracing::info!(complaint = %row.id, booking = %row.booking_id, kind = %row.kind,
        holds_escrow = row.holds_escrow, "complaint filed");
    Ok(HttpResponse::Created().json(
        ComplaintView::of(&row, Reader::Party(ComplaintSide::Reporter)).with_thread(&row, &[]),
    ))
}

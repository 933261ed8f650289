use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::availability;
use crate::db::{self, holds::SlotHold, services::Service, slots::Claimant};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::marketplace;
use crate::state::AppState;

/// How long a hold lasts.
pub const HOLD_MINUTES: i64 = 5;
/// Live holds one customer may have at once.
pub const MAX_LIVE_HOLDS: i64 = 3;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    pub provider_id: String,
    pub service_id: String,
    /// A free start from `GET /v1/providers/{id}/slots`, RFC 3339.
    pub start: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoldView {
    pub hold_id: String,
    /// Book with `hold_id` before this, or the slots are free again.
    pub expires_at: DateTime<Utc>,
    pub provider_id: String,
    pub service_id: String,
    pub start: DateTime<Utc>,
    /// End of the last slot held (the service's duration plus the provider's buffer, rounded up to slots).
    pub end: DateTime<Utc>,
}

/// Hold a slot for five minutes while booking (customers only). Every slot
/// the booking would occupy is claimed at once; a slot has at most one live
/// hold or booking, so of several customers racing for it exactly one wins.
#[utoipa::path(post, path = "/v1/slots/hold", tag = "availability", security(("bearer" = [])),
    request_body = HoldRequest,
    responses((status = 201, body = HoldView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`customers_only`, `profile_incomplete` or `provider_not_verified`",
            body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`slot_unavailable` or `too_many_holds`", body = crate::error::ErrorBody)))]
pub async fn hold(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<HoldRequest>,
) -> ApiResult<HttpResponse> {
    me.require_customer()?;
    state.with_db(async |conn| {
        let profile = marketplace::ensure_bookable(conn, &req.provider_id).await?;
        let service = db::services::find(conn, &req.service_id)
            .await?
            .filter(|s| {
                Service::is_listed(s) && s.provider_id.as_deref() == Some(req.provider_id.as_str())
            })
            .ok_or(ApiError::NotFound("service"))?;
        let starts =
            availability::occupied_slots(conn, &profile, &service, req.start, "start").await?;
        if db::holds::live_count(conn, me.id()).await? >= MAX_LIVE_HOLDS {
            return Err(ApiError::Conflict(
                "too_many_holds",
                format!("at most {MAX_LIVE_HOLDS} slots may be held at once; book or let one expire"),
            ));
        }
        let now = db::now();
        let last = starts.last().copied().unwrap_or(req.start.naive_utc());
        let hold = SlotHold {
            id: db::new_id(),
            provider_id: profile.user_id.clone(),
            service_id: service.id.clone(),
            customer_id: me.id().to_owned(),
            start_at: req.start.naive_utc(),
            end_at: last + availability::slot_len(&profile),
            expires_at: now + Duration::minutes(HOLD_MINUTES),
            consumed_at: None,
            created_at: now,
        };
        db::transaction(conn, async |c| {
            db::holds::insert(c, &hold).await?;
            let claimant = Claimant::Hold {
                id: &hold.id,
                expires_at: hold.expires_at,
            };
            if !db::slots::claim(c, &hold.provider_id, &starts, claimant).await? {
                return Err(availability::slot_unavailable());
            }
            Ok(())
        })
        .await?;
        tracing::info!(hold = %hold.id, provider = %hold.provider_id, start = %hold.start_at, "slot held");
        Ok(HttpResponse::Created().json(HoldView {
            hold_id: hold.id,
            expires_at: db::utc(hold.expires_at),
            provider_id: hold.provider_id,
            service_id: hold.service_id,
            start: db::utc(hold.start_at),
            end: db::utc(hold.end_at),
        }))
    })
    .await
}

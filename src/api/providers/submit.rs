use actix_web::{web, HttpResponse};

use super::views::ProviderView;
use crate::db;
use crate::domain::{DocumentStatus, ProviderApproval};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::marketplace::{self, approval};
use crate::state::AppState;

/// Submit my provider account for review by the admins (`pending_review`),
/// from a draft or after a rejection. The profile must be complete
/// (403 `profile_incomplete`, naming what is missing) and at least one
/// document must be on file that was not rejected (409 `document_required`).
#[utoipa::path(post, path = "/v1/providers/me/submit", tag = "providers", security(("bearer" = [])),
    responses((status = 200, body = ProviderView),
        (status = 403, description = "`provider_only` or `profile_incomplete`", body = crate::error::ErrorBody),
        (status = 409, description = "`document_required`, `already_submitted`, `already_approved` or `suspended`",
            body = crate::error::ErrorBody)))]
pub async fn submit(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    state
        .in_transaction(async |conn| {
            let profile = db::providers::find_or_create(conn, me.id()).await?;
            approval::provider_may_submit(profile.approval)?;
            if !profile.is_complete() {
                return Err(marketplace::profile_incomplete(&profile.missing()));
            }
            let on_file = db::documents::of_provider(conn, me.id())
                .await?
                .iter()
                .any(|d| d.status != DocumentStatus::Rejected);
            if !on_file {
                return Err(ApiError::Conflict(
                    "document_required",
                    "upload an ID, licence or certificate (POST /v1/providers/me/documents) \
                     before submitting; rejected documents do not count"
                        .into(),
                ));
            }
            db::providers::set_approval(conn, me.id(), ProviderApproval::PendingReview, None, None)
                .await?;
            tracing::info!(provider = %me.id(), "provider submitted for review");
            let profile = db::providers::find_or_create(conn, me.id()).await?;
            Ok(HttpResponse::Ok().json(ProviderView::own(&me.user, &profile)))
        })
        .await
}

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::providers::views::ProviderView;
use crate::db;
use crate::domain::Reason;
use crate::domain::{ClientInfo, NotificationKind};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::marketplace;
use crate::notify::center::Notice;
use crate::notify::templates;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub verified: bool,
    /// Required when `verified` is false; shown to the provider.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Reason>,
}

/// Verify a provider account, or withdraw/decline verification (admins
/// only; a reason is required then, and the provider goes offline). The
/// provider is told by email.
#[utoipa::path(post, path = "/v1/admin/providers/{id}/verify", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "provider id")), request_body = VerifyRequest,
    responses((status = 200, body = ProviderView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn verify_provider(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<VerifyRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    if !req.verified && req.reason.is_none() {
        return Err(ApiError::validation(
            "reason",
            "is required when verified is false",
        ));
    }
    let id = path.into_inner();
    let (view, notified) = state
        .in_transaction(async |conn| {
            let (user, _) = marketplace::provider_account(conn, &id).await?;
            let was = db::providers::find_or_create(conn, &id).await?.is_verified();
            let reason = req.reason.as_ref().map(Reason::as_str);
            super::audit::record(
                conn,
                &me,
                &client,
                super::audit::Entry {
                    action: "provider.verify",
                    target_type: "provider",
                    target_id: &id,
                    before: Some(serde_json::json!({"verified": was})),
                    after: Some(serde_json::json!({"verified": req.verified})),
                    reason,
                },
            )
            .await?;
            db::providers::set_verification(conn, &id, req.verified, me.id(), reason).await?;
            let profile = db::providers::find_or_create(conn, &id).await?;
            tracing::info!(provider = %id, admin = %me.id(), verified = req.verified, "provider verification");
            let kind = if req.verified {
                NotificationKind::ProviderVerified
            } else {
                NotificationKind::ProviderWithdrawn
            };
            let notice = Notice::account(
                &id,
                kind,
                templates::provider_verification(&user.email, req.verified, reason),
                serde_json::json!({"verified": req.verified, "reason": reason}),
            );
            let notified = state.delivery.store(conn, vec![notice]).await?;
            Ok((ProviderView::own(&user, &profile), notified))
        })
        .await?;
    state.delivery.deliver(&notified);
    Ok(HttpResponse::Ok().json(view))
}

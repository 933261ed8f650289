//! The admins' side of the provider approval workflow (rules in
//! [`crate::marketplace::approval`]): `POST /v1/admin/providers/{id}/approval`
//! and its older boolean form `POST /v1/admin/providers/{id}/verify`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::providers::views::ProviderView;
use crate::db;
use crate::domain::{ClientInfo, NotificationKind, ProviderApproval, Reason};
use crate::error::ApiResult;
use crate::extract::{AuthUser, ValidJson};
use crate::marketplace::{self, approval};
use crate::notify::center::Notice;
use crate::notify::templates;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    /// `approved`, `rejected` (a draft or submitted account) or `suspended`
    /// (an approved one).
    pub status: ProviderApproval,
    /// Required to reject or suspend; shown to the provider.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Reason>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub verified: bool,
    /// Required when `verified` is false; shown to the provider.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Reason>,
}

/// Moves `id` to `to` for `me`; the audit log calls it `action`.
async fn decide(
    state: &AppState,
    me: &AuthUser,
    client: &ClientInfo,
    id: &str,
    to: impl FnOnce(ProviderApproval) -> ProviderApproval,
    reason: Option<Reason>,
    action: &'static str,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let (view, notified) = state
        .in_transaction(async |conn| {
            let (user, _) = marketplace::provider_account(conn, id).await?;
            let was = db::providers::find_or_create(conn, id).await?.approval;
            let to = to(was);
            approval::admin_may(was, to, reason.is_some())?;
            let reason = reason.as_ref().map(Reason::as_str);
            super::audit::record(
                conn,
                me,
                client,
                super::audit::Entry {
                    action,
                    target_type: "provider",
                    target_id: id,
                    before: Some(serde_json::json!({"approval": was})),
                    after: Some(serde_json::json!({"approval": to})),
                    reason,
                },
            )
            .await?;
            db::providers::set_approval(conn, id, to, Some(me.id()), reason).await?;
            let profile = db::providers::find_or_create(conn, id).await?;
            tracing::info!(provider = %id, admin = %me.id(), from = %was, to = %to, "provider approval");
            let kind = if to == ProviderApproval::Approved {
                NotificationKind::ProviderVerified
            } else {
                NotificationKind::ProviderWithdrawn
            };
            let notice = Notice::account(
                id,
                kind,
                // Mailed only to an account with an address (the center checks).
                templates::provider_approval(
                    user.email.as_deref().unwrap_or_default(),
                    to,
                    reason,
                ),
                serde_json::json!({"approval": to, "verified": to == ProviderApproval::Approved, "reason": reason}),
            );
            let notified = state.delivery.store(conn, vec![notice]).await?;
            Ok((ProviderView::own(&user, &profile), notified))
        })
        .await?;
    state.delivery.deliver(&notified);
    Ok(HttpResponse::Ok().json(view))
}

/// Decide on a provider account: approve it (bookable once complete),
/// reject a draft or submitted one, or suspend an approved one (a reason is
/// required for both; the provider goes offline). The provider is told.
#[utoipa::path(post, path = "/v1/admin/providers/{id}/approval", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "provider id")), request_body = ApprovalRequest,
    responses((status = 200, body = ProviderView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`already_approved`, `approval_transition`", body = crate::error::ErrorBody)))]
pub async fn approval(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<ApprovalRequest>,
) -> ApiResult<HttpResponse> {
    let to = req.status;
    decide(
        &state,
        &me,
        &client,
        &path,
        |_| to,
        req.reason,
        "provider.approval",
    )
    .await
}

/// Verify a provider account (`approved`), or withdraw/decline verification
/// (`suspended` when it was approved, `rejected` otherwise; a reason is
/// required then, and the provider goes offline). The provider is told by email.
#[utoipa::path(post, path = "/v1/admin/providers/{id}/verify", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "provider id")), request_body = VerifyRequest,
    responses((status = 200, body = ProviderView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn verify_provider(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<VerifyRequest>,
) -> ApiResult<HttpResponse> {
    let verified = req.verified;
    let to = move |was| match (verified, was) {
        (true, _) => ProviderApproval::Approved,
        (false, ProviderApproval::Approved) => ProviderApproval::Suspended,
        (false, _) => ProviderApproval::Rejected,
    };
    decide(
        &state,
        &me,
        &client,
        &path,
        to,
        req.reason,
        "provider.verify",
    )
    .await
}

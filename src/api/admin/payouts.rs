//! The admins' payout queue: list, approve (then sent) and reject (funds
//! back to the wallet), each audited.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::audit::{self, Entry};
use crate::api::cursor::{self, PageQuery};
use crate::api::payouts::views::{PayoutPage, PayoutView};
use crate::db;
use crate::domain::{ClientInfo, PayoutStatus, Reason};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct PayoutSearch {
    /// `requested` (the queue), `paid` or `failed`.
    pub status: Option<String>,
    pub provider_id: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Payouts, newest first (admins only).
#[utoipa::path(get, path = "/v1/admin/payouts", tag = "admin", security(("bearer" = [])),
    params(PayoutSearch),
    responses((status = 200, body = PayoutPage), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PayoutSearch>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let status: Option<PayoutStatus> = super::users::named("status", query.status.clone())?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let limit = page.limit()?;
    let after = page.after()?;
    let provider = query.provider_id.clone().filter(|s| !s.is_empty());
    let rows = state
        .with_db(async |c| {
            Ok(db::payouts::list(c, provider.as_deref(), status, after, limit).await?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PayoutPage {
        next_cursor: cursor::next(&rows, limit, |p| (p.created_at, p.id.clone())),
        items: rows.iter().map(PayoutView::from).collect(),
    }))
}

/// Approve a requested payout (admins only): it is sent at once; the answer
/// is `paid`, `failed` (the sender refused; funds returned) or still
/// `requested` when the sender could not be reached (retried).
#[utoipa::path(post, path = "/v1/admin/payouts/{id}/approve", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "payout id")),
    responses((status = 200, body = PayoutView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`payout_settled`", body = crate::error::ErrorBody)))]
pub async fn approve(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let id = path.into_inner();
    state
        .in_transaction(async |c| {
            let row = db::payouts::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("payout"))?;
            if row.status != PayoutStatus::Requested {
                return Err(settled(row.status));
            }
            if db::payouts::approve(c, &id, me.id()).await? {
                audit::record(
                    c,
                    &me,
                    &client,
                    Entry {
                        action: "payout.approve",
                        target_type: "payout",
                        target_id: &id,
                        before: Some(json!({"status": row.status})),
                        after: Some(json!({"approved": true, "amount": row.amount,
                            "currency": row.currency})),
                        reason: None,
                    },
                )
                .await?;
            }
            Ok(())
        })
        .await?;
    let row = crate::payouts::send(&state, &id).await?;
    Ok(HttpResponse::Ok().json(PayoutView::from(&row)))
}

fn settled(status: PayoutStatus) -> ApiError {
    ApiError::Conflict("payout_settled", format!("this payout is already {status}"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectPayout {
    /// Shown to the provider.
    #[schema(value_type = String)]
    pub reason: Reason,
}

/// Refuse a requested payout not yet approved (admins only): it fails and
/// the money goes back to the provider's wallet.
#[utoipa::path(post, path = "/v1/admin/payouts/{id}/reject", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "payout id")), request_body = RejectPayout,
    responses((status = 200, body = PayoutView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`payout_settled`, `payout_approved`", body = crate::error::ErrorBody)))]
pub async fn reject(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    body: crate::extract::LateJson<RejectPayout>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let id = path.into_inner();
    let row = state
        .with_db(async |c| {
            db::payouts::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("payout"))
        })
        .await?;
    if row.status != PayoutStatus::Requested {
        return Err(settled(row.status));
    }
    let req = body.parse()?;
    let reason = req.reason.into_inner();
    if !crate::payouts::reject(&state, &row, &reason).await? {
        return Err(settled(PayoutStatus::Failed));
    }
    state
        .with_db(async |c| {
            audit::record(
                c,
                &me,
                &client,
                Entry {
                    action: "payout.reject",
                    target_type: "payout",
                    target_id: &id,
                    before: Some(json!({"status": "requested"})),
                    after: Some(json!({"status": "failed"})),
                    reason: Some(&reason),
                },
            )
            .await
        })
        .await?;
    let row = state
        .with_db(async |c| {
            db::payouts::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("payout"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(PayoutView::from(&row)))
}

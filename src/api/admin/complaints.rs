//! The admins' complaint queue: the list with filters, taking a complaint,
//! and closing it (which may settle a held payout; rules in
//! [`crate::complaints`]). The thread is `GET /v1/complaints/{id}` and
//! `POST /v1/complaints/{id}/messages`, shared with the parties.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::users::named;
use crate::api::complaints::views::{ComplaintPage, ComplaintView};
use crate::api::complaints::Reader;
use crate::api::cursor::{self, PageQuery};
use crate::complaints::{self, Decision};
use crate::db::{self, complaints::ComplaintFilter};
use crate::domain::{ClientInfo, MessageText, NotificationKind, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::notify::center::Notice;
use crate::notify::Mail;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct ComplaintSearch {
    /// `open`, `in_review`, `resolved` or `rejected`.
    pub status: Option<String>,
    /// `low`, `medium` or `high`.
    pub severity: Option<String>,
    /// `service_quality`, `payment_issue`, `provider_behavior`, `customer_behavior`, `other`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Taken by this admin.
    pub assigned_to: Option<String>,
    pub booking_id: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Every complaint, newest first, by status, severity, type, assignee or booking (admins only).
#[utoipa::path(get, path = "/v1/admin/complaints", tag = "admin", security(("bearer" = [])),
    params(ComplaintSearch),
    responses((status = 200, body = ComplaintPage), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<ComplaintSearch>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let q = query.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = page.limit()?;
    let after = page.after()?;
    let filter = ComplaintFilter {
        status: named("status", q.status)?,
        severity: named("severity", q.severity)?,
        kind: named("type", q.kind)?,
        assigned_to: q.assigned_to,
        booking_id: q.booking_id,
        reporter_id: None,
    };
    let rows = state
        .with_db(async |c| Ok(db::complaints::page(c, &filter, after, limit).await?))
        .await?;
    let next_cursor = cursor::next(&rows, limit, |r| (r.created_at, r.id.clone()));
    Ok(HttpResponse::Ok().json(ComplaintPage {
        items: rows
            .iter()
            .map(|r| ComplaintView::of(r, Reader::Admin))
            .collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The admin to hand it to (default: me).
    pub admin_id: Option<String>,
}

/// Take an open complaint (or hand it to another admin); it is then `in_review`.
#[utoipa::path(post, path = "/v1/admin/complaints/{id}/assign", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "complaint id")), request_body = AssignRequest,
    responses((status = 200, body = ComplaintView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`complaint_closed`", body = crate::error::ErrorBody)))]
pub async fn assign(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    body: Option<web::Json<AssignRequest>>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let req = body.map(web::Json::into_inner).unwrap_or_default();
    let id = path.into_inner();
    let view = state
        .in_transaction(async |c| {
            let row = db::complaints::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("complaint"))?;
            let admin = req.admin_id.clone().unwrap_or_else(|| me.id().to_owned());
            let is_admin = db::users::find(c, &admin)
                .await?
                .is_some_and(|u| u.role == Role::Admin);
            if !is_admin {
                return Err(ApiError::validation("admin_id", "is not an admin"));
            }
            if !db::complaints::assign(c, &id, &admin, db::now()).await? {
                return Err(ApiError::Conflict(
                    "complaint_closed",
                    "this complaint is already closed".into(),
                ));
            }
            super::audit::record(
                c,
                &me,
                &client,
                super::audit::Entry {
                    action: "complaint.assign",
                    target_type: "complaint",
                    target_id: &id,
                    before: Some(
                        serde_json::json!({"status": row.status, "assigned_to": row.assigned_to}),
                    ),
                    after: Some(serde_json::json!({"status": "in_review", "assigned_to": admin})),
                    reason: None,
                },
            )
            .await?;
            let row = db::complaints::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("complaint"))?;
            Ok(ComplaintView::of(&row, Reader::Admin))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The complaint is founded.
    Resolved,
    /// The complaint is unfounded.
    Rejected,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    pub outcome: Outcome,
    /// What was decided, shown to both parties: 1 to 4000 characters.
    #[schema(value_type = String)]
    pub resolution: MessageText,
    /// Only for a resolved complaint that holds a completed job's payout:
    /// minor units back to the customer (0 up to everything held); the rest
    /// is paid out to the provider less commission on what they keep.
    pub refund_amount: Option<i64>,
}

/// Close a complaint. A complaint that held a completed job's payout pays
/// it out now, refunding `refund_amount` to the customer; both parties are
/// told the outcome.
#[utoipa::path(post, path = "/v1/admin/complaints/{id}/resolve", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "complaint id")), request_body = ResolveRequest,
    responses((status = 200, body = ComplaintView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`complaint_closed`, `no_held_escrow`, `booking_not_completed`",
            body = crate::error::ErrorBody)))]
pub async fn resolve(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<ResolveRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let id = path.into_inner();
    let upheld = matches!(req.outcome, Outcome::Resolved);
    let resolution = req.resolution.into_inner();
    let (view, refunds, notified) = state
        .in_transaction(async |c| {
            let row = db::complaints::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("complaint"))?;
            let decision = Decision {
                upheld,
                resolution: &resolution,
                refund: req.refund_amount,
            };
            let (closed, refunds) = complaints::decide(
                c,
                &row,
                me.id(),
                decision,
                state.config.money.commission_bps,
            )
            .await?;
            super::audit::record(
                c,
                &me,
                &client,
                super::audit::Entry {
                    action: if upheld {
                        "complaint.resolve"
                    } else {
                        "complaint.reject"
                    },
                    target_type: "complaint",
                    target_id: &id,
                    before: Some(
                        serde_json::json!({"status": row.status, "holds_escrow": row.holds_escrow}),
                    ),
                    after: Some(serde_json::json!({
                        "status": closed.status,
                        "refund_amount": closed.refund_amount,
                        "paid_out": row.holds_escrow && !closed.holds_escrow,
                    })),
                    reason: Some(&resolution),
                },
            )
            .await?;
            let subject = if upheld {
                "Your complaint was resolved"
            } else {
                "A complaint was closed"
            };
            let notices = [&closed.reporter_id, &closed.respondent_id]
                .into_iter()
                .map(|party| {
                    Notice::account(
                        party,
                        NotificationKind::ComplaintClosed,
                        Mail {
                            to: String::new(),
                            subject: subject.into(),
                            body: format!("{resolution}\n"),
                        },
                        serde_json::json!({
                            "complaint_id": closed.id,
                            "booking_id": closed.booking_id,
                            "status": closed.status,
                            "refund_amount": closed.refund_amount,
                        }),
                    )
                })
                .collect();
            let notified = state.delivery.store(c, notices).await?;
            Ok((ComplaintView::of(&closed, Reader::Admin), refunds, notified))
        })
        .await?;
    state.delivery.deliver(&notified);
    for refund in &refunds {
        if let Err(e) = crate::journal::send_refund(&state.journal, refund).await {
            tracing::warn!(refund = %refund.id, error = %e, "dispute refund not sent yet; will retry");
        }
    }
    tracing::info!(complaint = %id, admin = %me.id(), status = %view.status, "complaint closed");
    Ok(HttpResponse::Ok().json(view))
}

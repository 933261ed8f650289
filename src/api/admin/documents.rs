//! The admins' review of providers' KYC documents.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::users::named;
use crate::api::cursor::{self, PageQuery};
use crate::api::providers::documents::DocumentView;
use crate::db;
use crate::domain::{ClientInfo, DocumentStatus, NotificationKind, Reason};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::notify::center::Notice;
use crate::notify::Mail;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct DocumentSearch {
    /// `pending` (the review queue), `verified` or `rejected`.
    pub status: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentPage {
    /// Oldest first (the longest waiting on top).
    pub items: Vec<DocumentView>,
    pub next_cursor: Option<String>,
}

/// Providers' documents by review status, oldest first (admins only).
#[utoipa::path(get, path = "/v1/admin/documents", tag = "admin", security(("bearer" = [])),
    params(DocumentSearch),
    responses((status = 200, body = DocumentPage), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<DocumentSearch>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let q = query.into_inner();
    let status: Option<DocumentStatus> = named("status", q.status)?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = page.limit()?;
    let after = page.after()?;
    let rows = state
        .with_db(async |c| Ok(db::documents::queue(c, status, after, limit).await?))
        .await?;
    let next_cursor = cursor::next(&rows, limit, |d| (d.created_at, d.id.clone()));
    Ok(HttpResponse::Ok().json(DocumentPage {
        items: rows.iter().map(DocumentView::from).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyDocument {
    pub verified: bool,
    /// Required to reject; shown to the provider.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Reason>,
}

/// Verify or reject a pending document (a reason is required to reject);
/// the provider is told.
#[utoipa::path(post, path = "/v1/admin/documents/{id}/verify", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "document id")), request_body = VerifyDocument,
    responses((status = 200, body = DocumentView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`already_reviewed`", body = crate::error::ErrorBody)))]
pub async fn verify(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<VerifyDocument>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    if !req.verified && req.reason.is_none() {
        return Err(ApiError::validation(
            "reason",
            "is required to reject a document",
        ));
    }
    let id = path.into_inner();
    let reason = req.reason.map(Reason::into_inner);
    let status = if req.verified {
        DocumentStatus::Verified
    } else {
        DocumentStatus::Rejected
    };
    let (view, notified) = state
        .in_transaction(async |c| {
            let doc = db::documents::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("document"))?;
            if !db::documents::review(c, &id, status, reason.as_deref(), me.id(), db::now()).await?
            {
                return Err(ApiError::Conflict(
                    "already_reviewed",
                    "this document was already reviewed".into(),
                ));
            }
            super::audit::record(
                c,
                &me,
                &client,
                super::audit::Entry {
                    action: "document.verify",
                    target_type: "document",
                    target_id: &id,
                    before: Some(serde_json::json!({"status": doc.status})),
                    after: Some(
                        serde_json::json!({"status": status, "provider_id": doc.provider_id}),
                    ),
                    reason: reason.as_deref(),
                },
            )
            .await?;
            let (subject, body) = if req.verified {
                (format!("Your {} is verified", doc.kind), String::new())
            } else {
                (
                    format!("Your {} was not accepted", doc.kind),
                    format!(
                        "Note from the admin: {}\nUpload a new one.",
                        reason.as_deref().unwrap_or("")
                    ),
                )
            };
            let notice = Notice::account(
                &doc.provider_id,
                NotificationKind::DocumentReviewed,
                Mail {
                    to: String::new(),
                    subject,
                    body: format!("{body}\n"),
                },
                serde_json::json!({"document_id": id, "status": status, "reason": reason}),
            );
            let notified = state.delivery.store(c, vec![notice]).await?;
            let doc = db::documents::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("document"))?;
            Ok((DocumentView::from(&doc), notified))
        })
        .await?;
    state.delivery.deliver(&notified);
    Ok(HttpResponse::Ok().json(view))
}

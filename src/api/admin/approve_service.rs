use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::services::views::ServiceView;
use crate::db::{self, services::ServiceChanges};
use crate::domain::{ClientInfo, NotificationKind, Reason, ServiceStatus};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::notify::center::Notice;
use crate::notify::Mail;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    pub approved: bool,
    /// Required to reject; shown to the provider.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Reason>,
}

/// Approve or reject a service (admins only; rejecting needs a reason).
#[utoipa::path(post, path = "/v1/admin/services/{id}/approve", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "service id")), request_body = ApproveRequest,
    responses((status = 200, body = ServiceView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`admin_only`", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn approve_service(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<ApproveRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    if !req.approved && req.reason.is_none() {
        return Err(ApiError::validation(
            "reason",
            "is required to reject a service",
        ));
    }
    let id = path.into_inner();
    let (view, notified) = state
        .in_transaction(async |conn| {
            let was = db::services::find(conn, &id)
                .await?
                .ok_or(ApiError::NotFound("service"))?
                .status;
            let now = db::now();
            let note = req.reason.map(Reason::into_inner);
            super::audit::record(
                conn,
                &me,
                &client,
                super::audit::Entry {
                    action: "service.approve",
                    target_type: "service",
                    target_id: &id,
                    before: Some(serde_json::json!({"status": was})),
                    after: Some(serde_json::json!({"approved": req.approved})),
                    reason: note.as_deref(),
                },
            )
            .await?;
            let changes = ServiceChanges {
                status: Some(if req.approved {
                    ServiceStatus::Approved
                } else {
                    ServiceStatus::Rejected
                }),
                review_note: Some(note.clone()),
                reviewed_by: Some(Some(me.id().to_owned())),
                reviewed_at: Some(Some(now)),
                updated_at: Some(now),
                ..Default::default()
            };
            db::services::update(conn, &id, &changes).await?;
            let service = db::services::find(conn, &id)
                .await?
                .ok_or(ApiError::NotFound("service"))?;
            tracing::info!(service = %id, admin = %me.id(), status = %service.status, "service reviewed");
            let mut notified = Vec::new();
            if let Some(provider) = service.provider_id.as_deref() {
                let (kind, subject, body) = if req.approved {
                    (
                        NotificationKind::ServiceApproved,
                        format!("\"{}\" is approved", service.title),
                        "Customers can find and book it now.".to_owned(),
                    )
                } else {
                    (
                        NotificationKind::ServiceRejected,
                        format!("\"{}\" was not approved", service.title),
                        format!(
                            "Note from the admin: {}\nChange the service and it goes back for review.",
                            note.as_deref().unwrap_or("")
                        ),
                    )
                };
                let notice = Notice::account(
                    provider,
                    kind,
                    Mail {
                        to: String::new(),
                        subject,
                        body: format!("{body}\n"),
                    },
                    serde_json::json!({"service_id": service.id, "status": service.status, "note": note}),
                );
                notified = state.delivery.store(conn, vec![notice]).await?;
            }
            Ok((ServiceView::full(&service), notified))
        })
        .await?;
    state.delivery.deliver(&notified);
    Ok(HttpResponse::Ok().json(view))
}

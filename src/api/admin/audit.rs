//! The admin audit log: every admin action is written here, in the action's
//! own transaction where it has one, and read with `GET /v1/admin/audit-log`.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::cursor;
use crate::db::{self, admin_audit::AuditFilter, admin_audit::AuditRow, DbConn};
use crate::domain::ClientInfo;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// One admin action as it is recorded.
pub struct Entry<'a> {
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<&'a str>,
}

/// Appends `entry`, done by `me` from `client`, to the log.
pub async fn record(
    conn: &mut DbConn,
    me: &AuthUser,
    client: &ClientInfo,
    entry: Entry<'_>,
) -> ApiResult<()> {
    let row = AuditRow {
        id: db::new_id(),
        admin_id: me.id().to_owned(),
        action: entry.action.to_owned(),
        target_type: entry.target_type.to_owned(),
        target_id: entry.target_id.to_owned(),
        before: entry.before.map(|v| v.to_string()),
        after: entry.after.map(|v| v.to_string()),
        reason: entry.reason.map(str::to_owned),
        ip: client.ip.clone(),
        created_at: db::now(),
    };
    db::admin_audit::insert(conn, &row).await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub id: String,
    pub admin_id: String,
    /// e.g. `user.block`, `provider.verify`, `service.approve`, `booking.force`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub reason: Option<String>,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<&AuditRow> for AuditView {
    fn from(r: &AuditRow) -> Self {
        let json = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str(s).ok());
        Self {
            id: r.id.clone(),
            admin_id: r.admin_id.clone(),
            action: r.action.clone(),
            target_type: r.target_type.clone(),
            target_id: r.target_id.clone(),
            before: json(&r.before),
            after: json(&r.after),
            reason: r.reason.clone(),
            ip: r.ip.clone(),
            at: db::utc(r.created_at),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only this admin's actions.
    pub admin_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only actions on this user, provider, service or booking.
    pub target_id: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub items: Vec<AuditView>,
    pub next_cursor: Option<String>,
}

/// The audit log of admin actions, newest first (admins only).
#[utoipa::path(get, path = "/v1/admin/audit-log", tag = "admin", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let q = query.into_inner();
    let paging = cursor::PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = paging.limit()?;
    let before = paging.after()?;
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        admin_id: clean(q.admin_id),
        action: clean(q.action),
        target_id: clean(q.target_id),
    };
    if filter.action.as_ref().is_some_and(|a| {
        a.len() > 64
            || !a
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    }) {
        return Err(ApiError::validation("action", "is not an action name"));
    }
    state
        .with_db(async |c| {
            let rows = db::admin_audit::page(c, &filter, before, limit).await?;
            let next_cursor = cursor::next(&rows, limit, |r| (r.created_at, r.id.clone()));
            Ok(HttpResponse::Ok().json(AuditPage {
                items: rows.iter().map(AuditView::from).collect(),
                next_cursor,
            }))
        })
        .await
}

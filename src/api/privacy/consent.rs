use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{self, consents::ConsentRow};
use crate::domain::{ClientInfo, ConsentKind};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentDecision {
    pub kind: ConsentKind,
    /// The version of the text the user was shown, e.g. `2026-11`: 1 to 32
    /// letters, digits, `.`, `-` or `_`.
    pub version: String,
    pub granted: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// One to ten decisions, recorded together.
    pub consents: Vec<ConsentDecision>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    pub kind: ConsentKind,
    pub version: String,
    pub granted: bool,
    pub decided_at: DateTime<Utc>,
}

impl From<&ConsentRow> for ConsentView {
    fn from(r: &ConsentRow) -> Self {
        Self {
            kind: r.kind,
            version: r.version.clone(),
            granted: r.granted,
            decided_at: db::utc(r.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PrivacyStatus {
    /// The decision in force per kind (kinds never decided are absent).
    pub consents: Vec<ConsentView>,
    /// Every decision, oldest first.
    pub history: Vec<ConsentView>,
    /// `GET /v1/privacy/export` and `DELETE /v1/privacy/account`.
    pub export_url: &'static str,
    pub delete_url: &'static str,
}

fn status_of(history: &[ConsentRow]) -> PrivacyStatus {
    let mut current: Vec<ConsentView> = Vec::new();
    for row in history {
        current.retain(|c| c.kind != row.kind);
        current.push(row.into());
    }
    current.sort_by_key(|c| c.kind.as_str());
    PrivacyStatus {
        consents: current,
        history: history.iter().map(ConsentView::from).collect(),
        export_url: "/v1/privacy/export",
        delete_url: "/v1/privacy/account",
    }
}

/// Record consent decisions (granted or withdrawn), each with the version of
/// the text it was about; the latest per kind is in force.
#[utoipa::path(put, path = "/v1/privacy/consent", tag = "account", security(("bearer" = [])),
    request_body = ConsentRequest,
    responses((status = 200, body = PrivacyStatus), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn put(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    ValidJson(req): ValidJson<ConsentRequest>,
) -> ApiResult<HttpResponse> {
    if req.consents.is_empty() || req.consents.len() > 10 {
        return Err(ApiError::validation("consents", "send 1 to 10 decisions"));
    }
    for d in &req.consents {
        let ok = (1..=32).contains(&d.version.len())
            && d.version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !ok {
            return Err(ApiError::validation(
                "version",
                "must be 1 to 32 letters, digits, `.`, `-` or `_`",
            ));
        }
    }
    let history = state
        .in_transaction(async |c| {
            let at = db::now();
            for d in &req.consents {
                let row = ConsentRow {
                    id: db::new_id(),
                    user_id: me.id().to_owned(),
                    kind: d.kind,
                    version: d.version.clone(),
                    granted: d.granted,
                    ip: client.ip.clone(),
                    user_agent: client.user_agent.clone(),
                    created_at: at,
                };
                db::consents::insert(c, &row).await?;
            }
            Ok(db::consents::history(c, me.id()).await?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(status_of(&history)))
}

/// My consents in force, with versions and times, and every decision I made.
#[utoipa::path(get, path = "/v1/privacy/status", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = PrivacyStatus), (status = 401, body = crate::error::ErrorBody)))]
pub async fn status(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    let history = state
        .with_db(async |c| Ok(db::consents::history(c, me.id()).await?))
        .await?;
    Ok(HttpResponse::Ok().json(status_of(&history)))
}

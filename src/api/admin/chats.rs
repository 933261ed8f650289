use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::cursor::{self, PageQuery};
use crate::db;
use crate::domain::ClientInfo;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct ChatSearch {
    /// `booking` (customer <-> provider, the default) or `direct`
    /// (provider <-> admins).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// One booking's chat (`type=booking`).
    pub booking_id: Option<String>,
    /// One provider's direct conversation (`type=direct`).
    pub provider_id: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One message as the admins read it.
#[derive(Serialize, ToSchema)]
pub struct OverseenMessage {
    /// `booking` or `direct`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    #[schema(value_type = Object)]
    pub message: onsite_actors::protocol::ChatMessage,
}

#[derive(Serialize, ToSchema)]
pub struct OverseenPage {
    /// Newest first.
    pub items: Vec<OverseenMessage>,
    pub next_cursor: Option<String>,
}

/// Read chat, newest first: every booking's or one booking's, or the direct
/// provider conversations (admins only; read-only, and every read is in the
/// audit log).
#[utoipa::path(get, path = "/v1/admin/chats", tag = "admin", security(("bearer" = [])),
    params(ChatSearch),
    responses((status = 200, body = OverseenPage), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    query: web::Query<ChatSearch>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let q = query.into_inner();
    let direct = match q.kind.as_deref().unwrap_or("booking") {
        "booking" => false,
        "direct" => true,
        _ => {
            return Err(ApiError::validation(
                "type",
                "must be `booking` or `direct`",
            ))
        }
    };
    if direct && q.booking_id.is_some() {
        return Err(ApiError::validation(
            "booking_id",
            "direct conversations are by provider_id",
        ));
    }
    if !direct && q.provider_id.is_some() {
        return Err(ApiError::validation(
            "provider_id",
            "booking chat is by booking_id",
        ));
    }
    let paging = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = paging.limit()?;
    let after = paging.after()?;
    let page = state
        .in_transaction(async |c| {
            if let Some(booking) = &q.booking_id {
                db::bookings::find(c, booking)
                    .await?
                    .ok_or(ApiError::NotFound("booking"))?;
            }
            let target = q
                .booking_id
                .as_deref()
                .or(q.provider_id.as_deref())
                .unwrap_or("*");
            super::audit::record(
                c,
                &me,
                &client,
                super::audit::Entry {
                    action: "chat.read",
                    target_type: if direct {
                        "direct_chat"
                    } else {
                        "booking_chat"
                    },
                    target_id: target,
                    before: None,
                    after: None,
                    reason: None,
                },
            )
            .await?;
            let (items, next_cursor) = if direct {
                let rows = db::direct::page(c, q.provider_id.as_deref(), after, limit).await?;
                let next = cursor::next(&rows, limit, |m| (m.created_at, m.id.clone()));
                let items = rows
                    .iter()
                    .map(|m| OverseenMessage {
                        kind: "direct",
                        booking_id: None,
                        provider_id: Some(m.provider_id.clone()),
                        message: m.message(),
                    })
                    .collect();
                (items, next)
            } else {
                let rows = db::chat::page(c, q.booking_id.as_deref(), after, limit).await?;
                let next = cursor::next(&rows, limit, |m| (m.created_at, m.id.clone()));
                let items = rows
                    .iter()
                    .map(|m| OverseenMessage {
                        kind: "booking",
                        booking_id: Some(m.booking_id.clone()),
                        provider_id: None,
                        message: m.message(),
                    })
                    .collect();
                (items, next)
            };
            Ok(OverseenPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

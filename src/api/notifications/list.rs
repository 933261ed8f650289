use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::cursor::{self, PageQuery};
use crate::db;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::notify::center::NotificationView;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct NotificationPage {
    /// Newest first.
    pub items: Vec<NotificationView>,
    /// How many of all the caller's notifications are unread.
    pub unread_count: i64,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// My notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = NotificationPage), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let limit = query.limit()?;
    let before = query.after()?;
    state
        .with_db(async |conn| {
            let rows = db::notifications::page(conn, me.id(), before, limit).await?;
            let unread_count = db::notifications::unread_count(conn, me.id()).await?;
            let next_cursor = cursor::next(&rows, limit, |n| (n.created_at, n.id.clone()));
            Ok(HttpResponse::Ok().json(NotificationPage {
                items: rows.iter().map(NotificationView::from).collect(),
                unread_count,
                next_cursor,
            }))
        })
        .await
}

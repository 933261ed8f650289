use actix_web::{web, HttpResponse};

use super::views::ComplaintView;
use super::Reader;
use crate::db;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// A complaint with its thread: its reporter and the other party each see
/// their own side of the conversation with the admins, admins see both;
/// 404 for anyone else.
#[utoipa::path(get, path = "/v1/complaints/{id}", tag = "complaints", security(("bearer" = [])),
    params(("id" = String, Path, description = "complaint id")),
    responses((status = 200, body = ComplaintView), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let view = state
        .with_db(async |c| {
            let (row, reader) = super::visible(c, &me, &path).await?;
            let side = match reader {
                Reader::Party(side) => Some(side),
                Reader::Admin => None,
            };
            let messages = db::complaints::thread(c, &row.id, side).await?;
            let files = db::complaints::attachments(c, &row.id, side).await?;
            Ok(ComplaintView::of(&row, reader)
                .with_thread(&row, &messages)
                .with_attachments(&row, &files))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

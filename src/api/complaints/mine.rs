use actix_web::{web, HttpResponse};

use super::views::{ComplaintPage, ComplaintView};
use super::Reader;
use crate::api::cursor::{self, PageQuery};
use crate::db::{self, complaints::ComplaintFilter};
use crate::domain::ComplaintSide;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// The complaints I filed, newest first.
#[utoipa::path(get, path = "/v1/complaints/mine", tag = "complaints", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = ComplaintPage), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn mine(
    state: web::Data<AppState>,
    me: AuthUser,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let limit = page.limit()?;
    let after = page.after()?;
    let filter = ComplaintFilter {
        reporter_id: Some(me.id().to_owned()),
        ..Default::default()
    };
    let rows = state
        .with_db(async |c| Ok(db::complaints::page(c, &filter, after, limit).await?))
        .await?;
    let next_cursor = cursor::next(&rows, limit, |r| (r.created_at, r.id.clone()));
    Ok(HttpResponse::Ok().json(ComplaintPage {
        items: rows
            .iter()
            .map(|r| ComplaintView::of(r, Reader::Party(ComplaintSide::Reporter)))
            .collect(),
        next_cursor,
    }))
}

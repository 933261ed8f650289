use actix_web::{web, HttpResponse};

use super::view::PaymentView;
use crate::api::cursor::{self, PageQuery};
use crate::api::views::Page;
use crate::db;
use crate::domain::Role;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// My payments (admins: everyone's), newest first.
#[utoipa::path(get, path = "/v1/payments", tag = "payments", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Page<PaymentView>), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let limit = query.limit()?;
    let customer = (me.role() != Role::Admin).then(|| me.id());
    state
        .with_db(async |conn| {
            let rows = db::payments::list(conn, customer, query.after()?, limit).await?;
            let next_cursor = cursor::next(&rows, limit, |p| (p.created_at, p.id.clone()));
            let items = rows.iter().map(PaymentView::from).collect();
            Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
        })
        .await
}

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// Remove the exception of a date (providers only): the weekly hours apply again.
#[utoipa::path(delete, path = "/v1/providers/me/availability/exceptions/{date}", tag = "availability",
    security(("bearer" = [])), params(("date" = String, Path, description = "`YYYY-MM-DD`")),
    responses((status = 204, description = "removed"), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    let date = NaiveDate::parse_from_str(&path.into_inner(), "%Y-%m-%d")
        .map_err(|_| ApiError::validation("date", "must be a date YYYY-MM-DD"))?;
    state
        .with_db(async |conn| {
            let day = date.format("%Y-%m-%d").to_string();
            if !db::availability::delete_exception(conn, me.id(), &day).await? {
                return Err(ApiError::NotFound("exception"));
            }
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::view::BookingView;
use crate::api::cursor::{self, PageQuery};
use crate::api::views::Page;
use crate::db::{self, bookings::BookingFilter, bookings::Viewer};
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;
use onsite_actors::booking::BookingState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only bookings in this status.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

const STATUSES: [&str; 10] = [
    "pending_payment",
    "requested",
    "confirmed",
    "en_route",
    "arrived",
    "in_progress",
    "completed",
    "declined",
    "expired",
    "cancelled",
];

/// My bookings, as customer or provider (admins: all), newest first.
#[utoipa::path(get, path = "/v1/bookings", tag = "bookings", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = Page<BookingView>), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let viewer = if me.role() == Role::Admin {
        Viewer::Admin
    } else {
        Viewer::Party(me.id())
    };
    page(&state, &me, viewer, query.into_inner()).await
}

/// The `status` filter of a list.
pub fn status(raw: Option<&str>) -> ApiResult<Option<BookingState>> {
    raw.map(|s| {
        s.parse().map_err(|_| {
            ApiError::validation("status", format!("must be one of {}", STATUSES.join(", ")))
        })
    })
    .transpose()
}

pub async fn page(
    state: &AppState,
    me: &AuthUser,
    viewer: Viewer<'_>,
    query: ListQuery,
) -> ApiResult<HttpResponse> {
    let filter = BookingFilter {
        status: status(query.status.as_deref())?,
        ..Default::default()
    };
    let paging = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    filtered(state, me, viewer, &filter, paging).await
}

/// A page of `viewer`'s bookings matching `filter`.
pub async fn filtered(
    state: &AppState,
    me: &AuthUser,
    viewer: Viewer<'_>,
    filter: &BookingFilter,
    paging: PageQuery,
) -> ApiResult<HttpResponse> {
    let limit = paging.limit()?;
    state
        .with_db(async |conn| {
            let rows = db::bookings::list(conn, viewer, filter, paging.after()?, limit).await?;
            let next_cursor = cursor::next(&rows, limit, |b| (b.created_at, b.id.clone()));
            let items = rows.iter().map(|b| BookingView::new(b, me.id())).collect();
            Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
        })
        .await
}

/// One booking (its parties and admins only; anyone else gets 404).
#[utoipa::path(get, path = "/v1/bookings/{id}", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = BookingView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let booking = super::visible(conn, &me, &id).await?;
            let sla = db::sla::find(conn, &booking.id).await?;
            Ok(HttpResponse::Ok()
                .json(BookingView::new(&booking, me.id()).with_sla(sla, &booking.currency)))
        })
        .await
}

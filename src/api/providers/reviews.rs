use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::cursor::{self, PageQuery};
use crate::db::{self, reviews::PublishedReview};
use crate::domain::Role;
use crate::error::ApiResult;
use crate::marketplace;
use crate::state::AppState;

/// A customer's published review of a provider, as anyone sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// 1 to 5.
    pub rating: i32,
    pub comment: Option<String>,
    /// The author's first name and the initial of their last name.
    pub author: String,
    pub published_at: DateTime<Utc>,
    /// The provider's answer, if they gave one.
    pub reply: Option<ReplyView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyView {
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPage {
    /// Newest first.
    pub items: Vec<ReviewView>,
    pub next_cursor: Option<String>,
}

fn short_name(first: &str, last: &str) -> String {
    match last.chars().next() {
        Some(initial) => format!("{first} {initial}."),
        None => first.to_owned(),
    }
}

impl From<&PublishedReview> for ReviewView {
    fn from(p: &PublishedReview) -> Self {
        let r = &p.review;
        Self {
            rating: r.rating,
            comment: r.comment.clone(),
            author: short_name(&p.author_first_name, &p.author_last_name),
            published_at: db::utc(r.published_at.unwrap_or(r.created_at)),
            reply: r
                .reply
                .clone()
                .zip(r.replied_at)
                .map(|(text, at)| ReplyView {
                    text,
                    at: db::utc(at),
                }),
        }
    }
}

/// A provider's published reviews, newest first (hidden ones, awaiting the
/// other side or the end of the window, are not listed). 404 for anyone who
/// is not a bookable provider.
#[utoipa::path(get, path = "/v1/providers/{id}/reviews", tag = "reviews",
    params(("id" = String, Path, description = "provider id"), PageQuery),
    responses((status = 200, body = ReviewPage), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let limit = query.limit()?;
    let before = query.after()?;
    state
        .with_db(async |conn| {
            marketplace::bookable_provider(conn, &id).await?;
            let rows = db::reviews::published_of(conn, &id, Role::Customer, before, limit).await?;
            let next_cursor = cursor::next(&rows, limit, |p| {
                (
                    p.review.published_at.unwrap_or(p.review.created_at),
                    p.review.booking_id.clone(),
                )
            });
            Ok(HttpResponse::Ok().json(ReviewPage {
                items: rows.iter().map(ReviewView::from).collect(),
                next_cursor,
            }))
        })
        .await
}

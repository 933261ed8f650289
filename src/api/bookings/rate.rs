//! Reviews of a completed booking: the customer rates the provider, the
//! provider rates the customer, and the provider answers a published review
//! of them (rules in [`crate::reviews`]).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{self, reviews::ReviewRow};
use crate::domain::{BoundedText, LongText, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson};
use crate::reviews::{self, Draft};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct RateRequest {
    /// 1 to 5.
    pub rating: i64,
    /// Optional, up to 2000 characters.
    #[schema(value_type = Option<String>)]
    pub comment: Option<LongText>,
}

/// A review as its author sees it.
#[derive(Serialize, ToSchema)]
pub struct MyReviewView {
    pub booking_id: String,
    pub rating: i32,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    /// False until the other party has reviewed too or the window closed;
    /// until then nobody else sees it and it does not count in any average.
    pub published: bool,
    pub published_at: Option<DateTime<Utc>>,
}

impl From<&ReviewRow> for MyReviewView {
    fn from(r: &ReviewRow) -> Self {
        Self {
            booking_id: r.booking_id.clone(),
            rating: r.rating,
            comment: r.comment.clone(),
            created_at: db::utc(r.created_at),
            published: r.published_at.is_some(),
            published_at: r.published_at.map(db::utc),
        }
    }
}

async fn submit(
    state: &AppState,
    me: &AuthUser,
    id: &str,
    author: Role,
    body: LateJson<RateRequest>,
) -> ApiResult<HttpResponse> {
    let window = state.config.reviews.window;
    let review = state
        .in_transaction(async |c| {
            let booking = super::visible(c, me, id).await?;
            let body = body.parse()?;
            let draft = Draft {
                rating: body.rating,
                comment: body.comment.map(LongText::into_inner),
            };
            reviews::submit(c, &booking, author, me.id(), draft, window, db::now()).await
        })
        .await?;
    Ok(HttpResponse::Created().json(MyReviewView::from(&review)))
}

/// The customer rates the provider of a completed booking (once, within the
/// review window). Double-blind: published when the provider has rated the
/// customer too, or when the window closes.
#[utoipa::path(post, path = "/v1/bookings/{id}/rate", tag = "reviews", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RateRequest,
    responses((status = 201, body = MyReviewView), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn rate(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    body: LateJson<RateRequest>,
) -> ApiResult<HttpResponse> {
    submit(&state, &me, &id, Role::Customer, body).await
}

/// The provider rates the customer of a completed booking (once, within the
/// review window); double-blind like `/rate`.
#[utoipa::path(post, path = "/v1/bookings/{id}/rate-customer", tag = "reviews", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RateRequest,
    responses((status = 201, body = MyReviewView), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn rate_customer(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    body: LateJson<RateRequest>,
) -> ApiResult<HttpResponse> {
    submit(&state, &me, &id, Role::Provider, body).await
}

#[derive(Deserialize, ToSchema)]
pub struct ReplyRequest {
    /// 1 to 2000 characters.
    #[schema(value_type = String)]
    pub text: BoundedText<1, 2000>,
}

/// The provider answers the customer's published review of this booking,
/// once.
#[utoipa::path(post, path = "/v1/bookings/{id}/review/reply", tag = "reviews", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReplyRequest,
    responses((status = 204), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn reply(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    body: LateJson<ReplyRequest>,
) -> ApiResult<HttpResponse> {
    state
        .in_transaction(async |c| {
            let booking = super::visible(c, &me, &id).await?;
            if booking.provider_id != me.id() {
                return Err(ApiError::Forbidden(
                    "not_the_provider",
                    "only the reviewed provider answers a review".into(),
                ));
            }
            let text = body.parse()?.text.into_inner();
            let review = db::reviews::of_booking(c, &booking.id)
                .await?
                .into_iter()
                .find(|r| r.author_role == Role::Customer)
                .filter(|r| r.published_at.is_some())
                .ok_or(ApiError::NotFound("review"))?;
            if review.reply.is_some()
                || !db::reviews::reply(c, &booking.id, Role::Customer, &text, db::now()).await?
            {
                return Err(ApiError::Conflict(
                    "already_replied",
                    "a review is answered once".into(),
                ));
            }
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{self, content::Feedback};
use crate::domain::BoundedText;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// 1 to 5.
    pub rating: i32,
    /// Up to 2000 characters.
    #[schema(value_type = Option<String>)]
    pub message: Option<BoundedText<0, 2000>>,
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackView {
    pub id: String,
    /// `null` once its author's account is deleted.
    pub user_id: Option<String>,
    pub rating: i32,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Feedback> for FeedbackView {
    fn from(f: &Feedback) -> Self {
        Self {
            id: f.id.clone(),
            user_id: f.user_id.clone(),
            rating: f.rating,
            message: f.message.clone(),
            created_at: db::utc(f.created_at),
        }
    }
}

/// Tell us what you think (signed-in users).
#[utoipa::path(post, path = "/v1/feedback", tag = "content", security(("bearer" = [])),
    request_body = FeedbackRequest,
    responses((status = 201, body = FeedbackView), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<FeedbackRequest>,
) -> ApiResult<HttpResponse> {
    if !(1..=5).contains(&req.rating) {
        return Err(ApiError::validation("rating", "must be from 1 to 5"));
    }
    let row = Feedback {
        id: db::new_id(),
        user_id: Some(me.id().to_owned()),
        rating: req.rating,
        message: req.message.map(BoundedText::into_inner).unwrap_or_default(),
        created_at: db::now(),
    };
    state
        .with_db(async |c| Ok(db::content::insert_feedback(c, &row).await?))
        .await?;
    Ok(HttpResponse::Created().json(FeedbackView::from(&row)))
}

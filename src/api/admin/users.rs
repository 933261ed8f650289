//! The users an admin looks after: the list with filters, one user of any
//! role in full, and their login history.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::cursor::{self, PageQuery};
use crate::api::providers::views::ProviderView;
use crate::api::views::UserView;
use crate::db::{self, users::UserFilter};
use crate::domain::{LoginOutcome, Role, UserStatus};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::marketplace;
use crate::marketplace::discovery::parse_text;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct UserSearch {
    /// `customer`, `provider` or `admin`.
    pub role: Option<String>,
    /// `active`, `blocked` or `deleted`.
    pub status: Option<String>,
    /// Providers with (`true`) or without (`false`) a verification on file.
    pub verified: Option<bool>,
    /// Providers at this step of the approval workflow: `draft`,
    /// `pending_review` (the review queue), `approved`, `rejected`, `suspended`.
    pub approval: Option<String>,
    /// Part of the email, phone, first or last name (case-insensitive).
    pub q: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    /// Newest first.
    pub items: Vec<UserView>,
    pub next_cursor: Option<String>,
}

pub(super) fn named<T: std::str::FromStr>(
    field: &str,
    raw: Option<String>,
) -> ApiResult<Option<T>> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| ApiError::validation(field, format!("`{s}` is not a {field}"))),
    }
}

/// Every account, newest first, by role, status, verification or text (admins only).
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", security(("bearer" = [])),
    params(UserSearch),
    responses((status = 200, body = UserPage), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<UserSearch>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let q = query.into_inner();
    let paging = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = paging.limit()?;
    let before = paging.after()?;
    let filter = UserFilter {
        role: named::<Role>("role", q.role)?,
        status: named::<UserStatus>("status", q.status)?,
        verified: q.verified,
        approval: named("approval", q.approval)?,
        text: parse_text("q", &q.q)?,
    };
    state
        .with_db(async |c| {
            let users = db::users::admin_page(c, &filter, before, limit).await?;
            let next_cursor = cursor::next(&users, limit, |u| (u.created_at, u.id.clone()));
            Ok(HttpResponse::Ok().json(UserPage {
                items: users.iter().map(UserView::from).collect(),
                next_cursor,
            }))
        })
        .await
}

/// One account as an admin sees it.
#[derive(Serialize, ToSchema)]
pub struct AdminUserView {
    pub user: UserView,
    /// A provider's profile with its account details (providers only).
    pub provider: Option<ProviderView>,
    /// How providers rated this user as a customer (published reviews).
    pub customer_rating: CustomerRating,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerRating {
    pub average: f64,
    pub count: i64,
}

/// One user of any role, in full (admins only).
#[utoipa::path(get, path = "/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = AdminUserView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    state
        .with_db(async |c| {
            let user = db::users::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("user"))?;
            let provider = if user.role == Role::Provider {
                let (user, profile) = marketplace::provider_account(c, &user.id).await?;
                Some(ProviderView::own(&user, &profile))
            } else {
                None
            };
            let (sum, count) = db::users::customer_rating(c, &user.id).await?;
            Ok(HttpResponse::Ok().json(AdminUserView {
                user: UserView::from(&user),
                provider,
                customer_rating: CustomerRating {
                    average: db::reviews::average(sum, count),
                    count,
                },
            }))
        })
        .await
}

#[derive(Serialize, ToSchema)]
pub struct LoginView {
    pub at: DateTime<Utc>,
    /// What was typed as the identifier.
    pub identifier: String,
    #[schema(value_type = String)]
    pub outcome: LoginOutcome,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginPage {
    /// The latest 100 attempts, newest first.
    pub items: Vec<LoginView>,
}

/// A user's login attempts, newest first (admins only).
#[utoipa::path(get, path = "/v1/admin/users/{id}/logins", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = LoginPage), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn logins(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    state
        .with_db(async |c| {
            db::users::find(c, &id)
                .await?
                .ok_or(ApiError::NotFound("user"))?;
            let rows = db::audit::for_user(c, &id, 100).await?;
            Ok(HttpResponse::Ok().json(LoginPage {
                items: rows
                    .into_iter()
                    .map(|r| LoginView {
                        at: db::utc(r.created_at),
                        identifier: r.identifier,
                        outcome: r.outcome,
                        ip: r.ip,
                        user_agent: r.user_agent,
                    })
                    .collect(),
            }))
        })
        .await
}

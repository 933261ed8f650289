//! The admins' side of content: FAQ entries and pages (audited), feedback
//! and "reach us" messages (read, and marked handled).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::audit::{self, Entry};
use super::categories::position;
use crate::api::content::contact::ContactView;
use crate::api::content::feedback::FeedbackView;
use crate::api::content::read::{FaqView, PageView};
use crate::api::cursor::{self, PageQuery};
use crate::db::{self, content::Faq, content::Page};
use crate::domain::{BoundedText, ClientInfo};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson, ValidJson};
use crate::state::AppState;

type Question = BoundedText<1, 300>;
type Answer = BoundedText<1, 4000>;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqRequest {
    /// `en` (default), `fa`, `pt-BR`, ...
    pub lang: Option<String>,
    /// 1 to 300 characters.
    #[schema(value_type = String)]
    pub question: Question,
    /// 1 to 4000 characters, plain text.
    #[schema(value_type = String)]
    pub answer: Answer,
    /// 0 to 10000, lowest first; default 0.
    pub position: Option<i32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqChanges {
    pub lang: Option<String>,
    #[schema(value_type = Option<String>)]
    pub question: Option<Question>,
    #[schema(value_type = Option<String>)]
    pub answer: Option<Answer>,
    pub position: Option<i32>,
}

async fn record(
    c: &mut db::DbConn,
    me: &AuthUser,
    client: &ClientInfo,
    action: &'static str,
    target_type: &'static str,
    target_id: &str,
    after: Option<serde_json::Value>,
) -> ApiResult<()> {
    audit::record(
        c,
        me,
        client,
        Entry {
            action,
            target_type,
            target_id,
            before: None,
            after,
            reason: None,
        },
    )
    .await
}

/// Add a FAQ entry (admins only).
#[utoipa::path(post, path = "/v1/admin/faq", tag = "admin", security(("bearer" = [])),
    request_body = FaqRequest,
    responses((status = 201, body = FaqView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn create_faq(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    ValidJson(req): ValidJson<FaqRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let now = db::now();
    let row = Faq {
        id: db::new_id(),
        lang: crate::api::content::lang(req.lang.as_deref(), "lang")?,
        question: req.question.into_inner(),
        answer: req.answer.into_inner(),
        position: position(req.position)?.unwrap_or(0),
        created_at: now,
        updated_at: now,
    };
    state
        .in_transaction(async |c| {
            db::content::save_faq(c, &row).await?;
            record(
                c,
                &me,
                &client,
                "faq.create",
                "faq",
                &row.id,
                Some(json!({"lang": row.lang})),
            )
            .await
        })
        .await?;
    Ok(HttpResponse::Created().json(FaqView::from(&row)))
}

/// Edit a FAQ entry (admins only); absent fields stay.
#[utoipa::path(patch, path = "/v1/admin/faq/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "FAQ entry id")), request_body = FaqChanges,
    responses((status = 200, body = FaqView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn update_faq(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    body: LateJson<FaqChanges>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let row = state
        .in_transaction(async |c| {
            let mut row = db::content::find_faq(c, &path)
                .await?
                .ok_or(ApiError::NotFound("faq entry"))?;
            let req = body.parse()?;
            if let Some(l) = req.lang.as_deref() {
                row.lang = crate::api::content::lang(Some(l), "lang")?;
            }
            if let Some(q) = req.question {
                row.question = q.into_inner();
            }
            if let Some(a) = req.answer {
                row.answer = a.into_inner();
            }
            if let Some(p) = position(req.position)? {
                row.position = p;
            }
            row.updated_at = db::now();
            db::content::save_faq(c, &row).await?;
            record(
                c,
                &me,
                &client,
                "faq.update",
                "faq",
                &row.id,
                Some(json!({"lang": row.lang})),
            )
            .await?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(FaqView::from(&row)))
}

/// Remove a FAQ entry (admins only).
#[utoipa::path(delete, path = "/v1/admin/faq/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "FAQ entry id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_faq(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    state
        .in_transaction(async |c| {
            if !db::content::delete_faq(c, &path).await? {
                return Err(ApiError::NotFound("faq entry"));
            }
            record(c, &me, &client, "faq.delete", "faq", &path, None).await
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    /// `en` (default), `fa`, `pt-BR`, ...
    pub lang: Option<String>,
    /// 1 to 200 characters.
    #[schema(value_type = String)]
    pub title: BoundedText<1, 200>,
    /// Up to 20000 characters, plain text.
    #[schema(value_type = String)]
    pub body: BoundedText<0, 20000>,
}

/// Write a page such as `about` or `terms` in a language (admins only).
#[utoipa::path(put, path = "/v1/admin/pages/{slug}", tag = "admin", security(("bearer" = [])),
    params(("slug" = String, Path, description = "1 to 40 of a-z, 0-9, -")), request_body = PageRequest,
    responses((status = 200, body = PageView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn put_page(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
    ValidJson(req): ValidJson<PageRequest>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let row = Page {
        slug: crate::api::content::slug(&path)?.to_owned(),
        lang: crate::api::content::lang(req.lang.as_deref(), "lang")?,
        title: req.title.into_inner(),
        body: req.body.into_inner(),
        updated_by: Some(me.id().to_owned()),
        updated_at: db::now(),
    };
    state
        .in_transaction(async |c| {
            db::content::save_page(c, &row).await?;
            let target = format!("{}:{}", row.slug, row.lang);
            record(
                c,
                &me,
                &client,
                "page.update",
                "page",
                &target,
                Some(json!({"title": row.title})),
            )
            .await
        })
        .await?;
    Ok(HttpResponse::Ok().json(PageView::from(&row)))
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackPage {
    /// Newest first.
    pub items: Vec<FeedbackView>,
    pub next_cursor: Option<String>,
}

/// Feedback from users, newest first (admins only).
#[utoipa::path(get, path = "/v1/admin/feedback", tag = "admin", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = FeedbackPage), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn feedback(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let limit = query.limit()?;
    let after = query.after()?;
    let rows = state
        .with_db(async |c| Ok(db::content::feedback_page(c, None, after, limit).await?))
        .await?;
    Ok(HttpResponse::Ok().json(FeedbackPage {
        next_cursor: cursor::next(&rows, limit, |f| (f.created_at, f.id.clone())),
        items: rows.iter().map(FeedbackView::from).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct ContactSearch {
    /// `true`: not yet handled; `false`: handled.
    pub open: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactPage {
    /// Newest first.
    pub items: Vec<ContactView>,
    pub next_cursor: Option<String>,
}

/// "Reach us" messages, newest first (admins only).
#[utoipa::path(get, path = "/v1/admin/contact", tag = "admin", security(("bearer" = [])),
    params(ContactSearch),
    responses((status = 200, body = ContactPage), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn contact(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<ContactSearch>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let limit = page.limit()?;
    let after = page.after()?;
    let rows = state
        .with_db(async |c| Ok(db::content::contact_page(c, query.open, None, after, limit).await?))
        .await?;
    Ok(HttpResponse::Ok().json(ContactPage {
        next_cursor: cursor::next(&rows, limit, |m| (m.created_at, m.id.clone())),
        items: rows.iter().map(ContactView::from).collect(),
    }))
}

/// Mark a "reach us" message handled (admins only; audited).
#[utoipa::path(post, path = "/v1/admin/contact/{id}/handled", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id")),
    responses((status = 200, body = ContactView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`already_handled`", body = crate::error::ErrorBody)))]
pub async fn handled(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let row = state
        .in_transaction(async |c| {
            db::content::find_contact(c, &path)
                .await?
                .ok_or(ApiError::NotFound("message"))?;
            if !db::content::mark_handled(c, &path, me.id()).await? {
                return Err(ApiError::Conflict(
                    "already_handled",
                    "this message is already handled".into(),
                ));
            }
            record(
                c,
                &me,
                &client,
                "contact.handled",
                "contact_message",
                &path,
                None,
            )
            .await?;
            db::content::find_contact(c, &path)
                .await?
                .ok_or(ApiError::NotFound("message"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ContactView::from(&row)))
}

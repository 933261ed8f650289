use actix_web::{http::header, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::{self, content::Faq, content::Page};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct LangQuery {
    /// `en` (default), `fa`, `pt-BR`, ...: a language without content of
    /// its own gets the default language's.
    pub lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FaqView {
    pub id: String,
    pub lang: String,
    pub question: String,
    pub answer: String,
    pub position: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<&Faq> for FaqView {
    fn from(f: &Faq) -> Self {
        Self {
            id: f.id.clone(),
            lang: f.lang.clone(),
            question: f.question.clone(),
            answer: f.answer.clone(),
            position: f.position,
            updated_at: db::utc(f.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FaqList {
    /// The language the items are in (the default when the asked one has none).
    pub lang: String,
    /// In the admins' order.
    pub items: Vec<FaqView>,
}

#[derive(Serialize, ToSchema)]
pub struct PageView {
    pub slug: String,
    pub lang: String,
    pub title: String,
    /// Plain text.
    pub body: String,
    pub updated_at: DateTime<Utc>,
}

impl From<&Page> for PageView {
    fn from(p: &Page) -> Self {
        Self {
            slug: p.slug.clone(),
            lang: p.lang.clone(),
            title: p.title.clone(),
            body: p.body.clone(),
            updated_at: db::utc(p.updated_at),
        }
    }
}

/// The FAQ in a language (public).
#[utoipa::path(get, path = "/v1/content/faq", tag = "content", params(LangQuery),
    responses((status = 200, body = FaqList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn faq(
    state: web::Data<AppState>,
    query: web::Query<LangQuery>,
) -> ApiResult<HttpResponse> {
    let lang = super::lang(query.lang.as_deref(), "lang")?;
    let (lang, rows) = state
        .with_db(async |c| {
            let rows = db::content::faqs_in(c, &lang).await?;
            if rows.is_empty() && lang != super::DEFAULT_LANG {
                let rows = db::content::faqs_in(c, super::DEFAULT_LANG).await?;
                return Ok((super::DEFAULT_LANG.to_owned(), rows));
            }
            Ok((lang.clone(), rows))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(FaqList {
            lang,
            items: rows.iter().map(FaqView::from).collect(),
        }))
}

/// A page such as `about` or `terms` in a language (public).
#[utoipa::path(get, path = "/v1/content/pages/{slug}", tag = "content",
    params(("slug" = String, Path, description = "e.g. `about`"), LangQuery),
    responses((status = 200, body = PageView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<LangQuery>,
) -> ApiResult<HttpResponse> {
    let slug = super::slug(&path)?.to_owned();
    let lang = super::lang(query.lang.as_deref(), "lang")?;
    let row = state
        .with_db(async |c| {
            if let Some(p) = db::content::page(c, &slug, &lang).await? {
                return Ok(p);
            }
            db::content::page(c, &slug, super::DEFAULT_LANG)
                .await?
                .ok_or(ApiError::NotFound("page"))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(PageView::from(&row)))
}

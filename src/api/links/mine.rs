use actix_web::{web, HttpResponse};
use base64::Engine;
use rand::RngCore;

use super::LinkView;
use crate::db;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

fn providers_only(me: &AuthUser) -> ApiResult<()> {
    if me.role() != Role::Provider {
        return Err(ApiError::Forbidden(
            "provider_only",
            "only providers have booking links".into(),
        ));
    }
    Ok(())
}

/// 96 random bits, URL-safe: nobody finds a page they were not given.
fn new_slug() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// My booking link and its clicks and conversions.
#[utoipa::path(get, path = "/v1/providers/me/link", tag = "providers", security(("bearer" = [])),
    responses((status = 200, body = LinkView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, description = "no link yet: POST makes one", body = crate::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    providers_only(&me)?;
    let link = state
        .with_db(async |conn| Ok(db::links::of_provider(conn, me.id()).await?))
        .await?
        .ok_or(ApiError::NotFound("link"))?;
    Ok(HttpResponse::Ok().json(LinkView::new(&link, &state.config.http.public_url)))
}

/// Make my booking link, or a new one: the old link stops working at once
/// (the counts carry over).
#[utoipa::path(post, path = "/v1/providers/me/link", tag = "providers", security(("bearer" = [])),
    responses((status = 201, body = LinkView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn regenerate(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    providers_only(&me)?;
    let link = state
        .in_transaction(async |conn| {
            db::links::set_slug(conn, me.id(), &new_slug()).await?;
            db::links::of_provider(conn, me.id())
                .await?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("link vanished")))
        })
        .await?;
    tracing::info!(provider = %me.id(), "booking link made");
    Ok(HttpResponse::Created().json(LinkView::new(&link, &state.config.http.public_url)))
}

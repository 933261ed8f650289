//! Marketplace rules shared by the HTTP handlers and the bookings code: who
//! may be booked, which services customers may see, discovery paging.

pub mod approval;
pub mod cursor;
pub mod discovery;
pub mod geo;

use crate::db::{self, providers::ProviderProfile, services::Service, users::User, DbConn};
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};

/// 403 `profile_incomplete`, naming what is missing.
pub fn profile_incomplete(missing: &[&str]) -> ApiError {
    ApiError::Forbidden(
        "profile_incomplete",
        format!(
            "the provider profile is incomplete (missing: {}); complete it with PUT /v1/providers/me/profile",
            if missing.is_empty() { "profile".to_owned() } else { missing.join(", ") }
        ),
    )
}

/// 403 `provider_not_verified`.
pub fn provider_not_verified() -> ApiError {
    ApiError::Forbidden(
        "provider_not_verified",
        "the provider account has not been verified by an admin yet".into(),
    )
}

/// Checks that `provider_id` is an active provider account whose profile is
/// complete (`ProviderProfile::is_complete`) and verified by an admin, and
/// returns that profile. Publishing services, holding slots and booking all
/// go through this.
///
/// 404 `not_found` when there is no such active provider; 403
/// `profile_incomplete` (checked first: the provider can fix it alone), then
/// 403 `provider_not_verified`.
pub async fn ensure_bookable(conn: &mut DbConn, provider_id: &str) -> ApiResult<ProviderProfile> {
    let user = db::users::find(conn, provider_id)
        .await?
        .filter(|u| u.role == Role::Provider && u.is_active())
        .ok_or(ApiError::NotFound("provider"))?;
    let profile = db::providers::find(conn, &user.id)
        .await?
        .ok_or_else(|| profile_incomplete(&["bio", "skills", "base_location"]))?;
    if !profile.is_complete() {
        return Err(profile_incomplete(&profile.missing()));
    }
    if !profile.is_verified() {
        return Err(provider_not_verified());
    }
    Ok(profile)
}

/// True when customers may see and book this provider (the non-failing
/// form of [`ensure_bookable`] for already loaded rows).
pub fn is_bookable(user: &User, profile: &ProviderProfile) -> bool {
    user.role == Role::Provider
        && user.is_active()
        && profile.is_complete()
        && profile.is_verified()
}

/// A service customers may see and book, with its provider's profile: listed
/// (approved, active, not deleted, assigned) and of a bookable provider.
/// 404 `not_found` otherwise, whatever the reason, so nothing unlisted leaks.
pub async fn bookable_service(
    conn: &mut DbConn,
    service_id: &str,
) -> ApiResult<(Service, ProviderProfile)> {
    let service = db::services::find(conn, service_id)
        .await?
        .filter(Service::is_listed)
        .ok_or(ApiError::NotFound("service"))?;
    let provider_id = service.provider_id.clone().unwrap_or_default();
    match ensure_bookable(conn, &provider_id).await {
        Ok(profile) => Ok((service, profile)),
        Err(ApiError::Internal(e)) => Err(ApiError::Internal(e)),
        Err(_) => Err(ApiError::NotFound("service")),
    }
}

/// Whether `viewer` (or an anonymous caller) may see `service`: admins see
/// every one, its provider sees their own in any status, everyone else only
/// listed services of bookable providers.
pub async fn can_see_service(
    conn: &mut DbConn,
    viewer: Option<&User>,
    service: &Service,
) -> ApiResult<bool> {
    if let Some(v) = viewer {
        if v.role == Role::Admin || service.provider_id.as_deref() == Some(v.id.as_str()) {
            return Ok(true);
        }
    }
    if !service.is_listed() {
        return Ok(false);
    }
    let provider_id = service.provider_id.clone().unwrap_or_default();
    match ensure_bookable(conn, &provider_id).await {
        Ok(_) => Ok(true),
        Err(ApiError::Internal(e)) => Err(ApiError::Internal(e)),
        Err(_) => Ok(false),
    }
}

/// A provider customers may see and book, with their profile; 404
/// `not_found` for anyone else, whatever the reason.
pub async fn bookable_provider(
    conn: &mut DbConn,
    provider_id: &str,
) -> ApiResult<(User, ProviderProfile)> {
    let user = db::users::find(conn, provider_id)
        .await?
        .ok_or(ApiError::NotFound("provider"))?;
    let profile = db::providers::find(conn, provider_id)
        .await?
        .filter(|p| is_bookable(&user, p))
        .ok_or(ApiError::NotFound("provider"))?;
    Ok((user, profile))
}

/// A provider account by id (404 if there is none, or it was deleted), with
/// its profile (an empty one, not stored, if it has none yet).
pub async fn provider_account(
    conn: &mut DbConn,
    provider_id: &str,
) -> ApiResult<(User, ProviderProfile)> {
    let user = db::users::find(conn, provider_id)
        .await?
        .filter(|u| u.role == Role::Provider && u.status != crate::domain::UserStatus::Deleted)
        .ok_or(ApiError::NotFound("provider"))?;
    let profile = db::providers::find(conn, &user.id)
        .await?
        .unwrap_or_else(|| ProviderProfile::blank(&user.id));
    Ok((user, profile))
}

/// The id of the active category `key` names (its id or slug) for a
/// service's `category_id`: 400 naming `field` when there is none.
pub async fn service_category(conn: &mut DbConn, key: &str, field: &str) -> ApiResult<String> {
    crate::db::categories::find_by_key(conn, key)
        .await?
        .filter(|c| c.active)
        .map(|c| c.id)
        .ok_or_else(|| ApiError::validation(field, "is not an active category (id or slug)"))
}

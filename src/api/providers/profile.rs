use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::ProviderView;
use crate::db::{self, providers::ProfileFields};
use crate::domain::{Location, LongText, Skill};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

/// The whole profile (a PUT: fields left out are reset to their defaults).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    /// Up to 2000 characters; required for a complete profile.
    #[serde(default)]
    #[schema(value_type = String)]
    pub bio: Option<LongText>,
    /// Up to 20 skills such as `plumbing` (stored lower case); at least one
    /// for a complete profile.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub skills: Vec<Skill>,
    /// 0 to 80; default 0.
    #[serde(default)]
    pub experience_years: i32,
    /// Where the provider travels from; required for a complete profile.
    #[serde(default)]
    #[schema(value_type = Option<crate::api::views::LocationView>)]
    pub base_location: Option<Location>,
    /// How far the provider travels, above 0 and at most 500; default 10.
    pub service_radius_km: Option<f64>,
}

/// Set my provider profile (providers only). A profile is complete with a
/// bio, a skill and a base location; only complete, admin-verified providers
/// can publish services and be booked.
#[utoipa::path(put, path = "/v1/providers/me/profile", tag = "providers", security(("bearer" = [])),
    request_body = ProfileRequest,
    responses((status = 200, body = ProviderView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "`provider_only`", body = crate::error::ErrorBody)))]
pub async fn put(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<ProfileRequest>,
) -> ApiResult<HttpResponse> {
    me.require_provider()?;
    if !(0..=80).contains(&req.experience_years) {
        return Err(ApiError::validation(
            "experience_years",
            "must be from 0 to 80",
        ));
    }
    let radius = req.service_radius_km.unwrap_or(10.0);
    if !radius.is_finite() || radius <= 0.0 || radius > 500.0 {
        return Err(ApiError::validation(
            "service_radius_km",
            "must be a number above 0 and at most 500",
        ));
    }
    let mut skills: Vec<String> = Vec::new();
    for skill in req.skills {
        let skill = skill.into_inner();
        if !skills.contains(&skill) {
            skills.push(skill);
        }
    }
    if skills.len() > 20 {
        return Err(ApiError::validation("skills", "at most 20 skills"));
    }
    state
        .with_db(async |conn| {
            db::providers::find_or_create(conn, me.id()).await?;
            let location = req.base_location;
            let fields = ProfileFields {
                bio: req.bio.map(LongText::into_inner).unwrap_or_default(),
                skills: serde_json::to_string(&skills).map_err(ApiError::internal)?,
                experience_years: req.experience_years,
                base_lat: location.as_ref().map(|l| l.lat),
                base_lng: location.as_ref().map(|l| l.lng),
                base_address: location.and_then(|l| l.address),
                service_radius_km: radius,
                updated_at: db::now(),
            };
            db::providers::update_fields(conn, me.id(), &fields).await?;
            let mut profile = db::providers::find_or_create(conn, me.id()).await?;
            if profile.online && !profile.is_complete() {
                // An incomplete profile cannot be booked, so it is not online either.
                db::providers::set_online(conn, me.id(), false).await?;
                profile.online = false;
            }
            Ok(HttpResponse::Ok().json(ProviderView::own(&me.user, &profile)))
        })
        .await
}

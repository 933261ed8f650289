//! What the API shows of providers.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::views::LocationView;
use crate::db::{self, discovery::ProviderName, providers::ProviderProfile, users::User};

/// A latitude/longitude pair.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PointView {
    pub lat: f64,
    pub lng: f64,
}

/// A provider as customers see them: no email, phone or address. The base
/// location is rounded to 0.01 degrees (about a kilometre).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderView {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub avatar_url: Option<String>,
    pub bio: String,
    pub skills: Vec<String>,
    pub experience_years: i32,
    /// Approximate base location.
    pub location: Option<PointView>,
    /// How far from their base the provider travels.
    pub service_radius_km: f64,
    pub online: bool,
    pub verified: bool,
    /// Average rating 0-5 (0 while `rating_count` is 0).
    pub rating: f64,
    pub rating_count: i64,
    /// Distance from `near`, when the listing was asked with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// Whether the signed-in customer keeps this provider among their
    /// favorites (absent for anonymous callers and other roles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_favorite: Option<bool>,
    /// Only for the provider themselves and admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<ProviderAccountView>,
}

/// What only the provider and admins see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderAccountView {
    pub email: Option<String>,
    pub phone: Option<String>,
    /// True when bio, skills and base location are set.
    pub profile_complete: bool,
    /// Fields still missing for a complete profile.
    pub missing: Vec<String>,
    /// The exact base location with its address.
    pub base_location: Option<LocationView>,
    pub verified_at: Option<DateTime<Utc>>,
    /// Where the account is in the admins' review: `draft`,
    /// `pending_review`, `approved`, `rejected` or `suspended`.
    pub approval: crate::domain::ProviderApproval,
    /// The admin's note on the last verification decision.
    pub verification_note: Option<String>,
    /// True when customers can find and book this provider.
    pub bookable: bool,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Distances are shown to the metre.
pub fn round_km(d: f64) -> f64 {
    (d * 1000.0).round() / 1000.0
}

pub fn avatar_url(user_id: &str, avatar: Option<&String>) -> Option<String> {
    avatar.map(|_| format!("/v1/users/{user_id}/avatar"))
}

impl ProviderView {
    pub fn public(name: &ProviderName, p: &ProviderProfile, distance_km: Option<f64>) -> Self {
        Self {
            id: p.user_id.clone(),
            first_name: name.first_name.clone(),
            last_name: name.last_name.clone(),
            avatar_url: avatar_url(&p.user_id, name.avatar.as_ref()),
            bio: p.bio.clone(),
            skills: p.skills(),
            experience_years: p.experience_years,
            location: match (p.base_lat, p.base_lng) {
                (Some(lat), Some(lng)) => Some(PointView {
                    lat: round2(lat),
                    lng: round2(lng),
                }),
                _ => None,
            },
            service_radius_km: p.service_radius_km,
            online: p.online,
            verified: p.is_verified(),
            rating: p.rating,
            rating_count: p.rating_count,
            distance_km: distance_km.map(round_km),
            is_favorite: None,
            account: None,
        }
    }

    /// The view of a provider account by itself or by an admin.
    pub fn own(user: &User, p: &ProviderProfile) -> Self {
        let name = ProviderName {
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            avatar: user.avatar.clone(),
        };
        let mut view = Self::public(&name, p, None);
        view.account = Some(ProviderAccountView {
            email: user.email.clone(),
            phone: user.phone.clone(),
            profile_complete: p.is_complete(),
            missing: p.missing().into_iter().map(str::to_owned).collect(),
            base_location: match (p.base_lat, p.base_lng) {
                (Some(lat), Some(lng)) => Some(LocationView {
                    lat,
                    lng,
                    address: p.base_address.clone(),
                }),
                _ => None,
            },
            verified_at: p.verified_at.map(db::utc),
            approval: p.approval,
            verification_note: p.verification_note.clone(),
            bookable: crate::marketplace::is_bookable(user, p),
        });
        view
    }
}

/// Marks each view `is_favorite` for a signed-in customer (one query for the page).
pub async fn mark_favorites(
    conn: &mut db::DbConn,
    viewer: Option<&User>,
    views: &mut [ProviderView],
) -> crate::error::ApiResult<()> {
    let Some(viewer) = viewer.filter(|u| u.role == crate::domain::Role::Customer) else {
        return Ok(());
    };
    let ids: Vec<&str> = views.iter().map(|v| v.id.as_str()).collect();
    let favorites = db::favorites::among(conn, &viewer.id, &ids).await?;
    for view in views.iter_mut() {
        view.is_favorite = Some(favorites.contains(&view.id));
    }
    Ok(())
}

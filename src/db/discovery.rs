//! Discovery queries: listed services and bookable providers, filtered and
//! ordered in SQL. Geographic filtering here is only a latitude/longitude
//! bounding box (index `provider_profiles_geo`); the exact haversine distance
//! is computed by the caller.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::providers::ProviderProfile;
use super::schema::{provider_profiles, services, users};
use super::services::Service;
use super::DbConn;
use crate::db_run;
use crate::domain::{Role, ServiceStatus, UserStatus};

diesel::define_sql_function! {
    /// SQL `lower(text)`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A latitude/longitude box; `lng_wraps` when it crosses the antimeridian
/// (then longitudes `>= min_lng` or `<= max_lng` are inside), `lng_any` near a pole.
#[derive(Debug, Clone, Copy)]
pub struct BBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lng: f64,
    pub max_lng: f64,
    pub lng_wraps: bool,
    pub lng_any: bool,
}

/// The provider's public name and picture, shown next to their services.
#[derive(Debug, Clone, Queryable)]
pub struct ProviderName {
    pub first_name: String,
    pub last_name: String,
    pub avatar: Option<String>,
}

/// SQL order of a page, with the key of the last row already seen.
#[derive(Debug, Clone)]
pub enum Keyset {
    /// Newest first: ids below this one.
    Newest(Option<String>),
    /// Cheapest first, then by id.
    Price(Option<(i64, String)>),
    /// Best rated first, then by id.
    Rating(Option<(f64, String)>),
}

#[derive(Debug, Clone, Default)]
pub struct ServiceQuery {
    /// A `LIKE` pattern (lower case, escaped with `\`) for title or description.
    pub text: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub min_rating: Option<f64>,
    pub provider_id: Option<String>,
    /// A category id (resolved from an id or slug).
    pub category_id: Option<String>,
    pub bbox: Option<BBox>,
}

pub type ServiceRow = (Service, ProviderProfile, ProviderName);

/// Applies what makes a provider bookable: an active provider account with a
/// verified, complete profile (see `ProviderProfile::is_complete`).
macro_rules! bookable {
    ($q:expr) => {
        $q.filter(users::role.eq(Role::Provider))
            .filter(users::status.eq(UserStatus::Active))
            .filter(provider_profiles::verified_at.is_not_null())
            .filter(provider_profiles::bio.ne(""))
            .filter(provider_profiles::skills.ne("[]"))
            .filter(provider_profiles::base_lat.is_not_null())
            .filter(provider_profiles::base_lng.is_not_null())
    };
}

macro_rules! in_bbox {
    ($q:expr, $b:expr) => {{
        let b: &BBox = $b;
        let q = $q.filter(provider_profiles::base_lat.between(b.min_lat, b.max_lat));
        if b.lng_any {
            q
        } else if b.lng_wraps {
            q.filter(
                provider_profiles::base_lng
                    .ge(b.min_lng)
                    .or(provider_profiles::base_lng.le(b.max_lng)),
            )
        } else {
            q.filter(provider_profiles::base_lng.between(b.min_lng, b.max_lng))
        }
    }};
}

/// Services customers may see (approved, active, not deleted, of a bookable
/// provider) matching `filter`; in `order` after its key, at most `limit`
/// rows (`None`: all, for a caller that sorts by distance itself).
pub async fn listed_services(
    conn: &mut DbConn,
    filter: &ServiceQuery,
    order: &Keyset,
    limit: Option<i64>,
) -> QueryResult<Vec<ServiceRow>> {
    db_run!(conn, |c| {
        let mut q = bookable!(services::table
            .inner_join(
                provider_profiles::table.on(provider_profiles::user_id
                    .nullable()
                    .eq(services::provider_id)),
            )
            .inner_join(users::table.on(users::id.eq(provider_profiles::user_id)))
            .filter(services::status.eq(ServiceStatus::Approved))
            .filter(services::active.eq(true))
            .filter(services::deleted_at.is_null()))
        .select((
            Service::as_select(),
            ProviderProfile::as_select(),
            (users::first_name, users::last_name, users::avatar),
        ))
        .into_boxed();
        if let Some(pattern) = &filter.text {
            q = q.filter(
                lower(services::title)
                    .like(pattern)
                    .escape('\\')
                    .or(lower(services::description).like(pattern).escape('\\')),
            );
        }
        if let Some(min) = filter.min_price {
            q = q.filter(services::price_amount.ge(min));
        }
        if let Some(max) = filter.max_price {
            q = q.filter(services::price_amount.le(max));
        }
        if let Some(min) = filter.min_rating {
            q = q.filter(provider_profiles::rating.ge(min));
        }
        if let Some(provider) = &filter.provider_id {
            q = q.filter(services::provider_id.eq(provider));
        }
        if let Some(category) = &filter.category_id {
            q = q.filter(services::category_id.eq(category));
        }
        if let Some(b) = &filter.bbox {
            q = in_bbox!(q, b);
        }
        q = match order {
            Keyset::Newest(after) => {
                let q = q.order(services::id.desc());
                match after {
                    Some(id) => q.filter(services::id.lt(id.clone())),
                    None => q,
                }
            }
            Keyset::Price(after) => {
                let q = q.order((services::price_amount.asc(), services::id.asc()));
                match after {
                    Some((price, id)) => q.filter(
                        services::price_amount.gt(*price).or(services::price_amount
                            .eq(*price)
                            .and(services::id.gt(id.clone()))),
                    ),
                    None => q,
                }
            }
            Keyset::Rating(after) => {
                let q = q.order((provider_profiles::rating.desc(), services::id.asc()));
                match after {
                    Some((rating, id)) => q.filter(
                        provider_profiles::rating
                            .lt(*rating)
                            .or(provider_profiles::rating
                                .eq(*rating)
                                .and(services::id.gt(id.clone()))),
                    ),
                    None => q,
                }
            }
        };
        if let Some(n) = limit {
            q = q.limit(n);
        }
        q.load::<ServiceRow>(c).await
    })
}

#[derive(Debug, Clone, Default)]
pub struct ProviderQuery {
    /// A `LIKE` pattern (lower case, escaped with `\`) for name or bio.
    pub text: Option<String>,
    /// A skill, exactly as stored (lower case).
    pub skill: Option<String>,
    pub online: Option<bool>,
    pub min_rating: Option<f64>,
    pub bbox: Option<BBox>,
}

pub type ProviderRow = (ProviderProfile, ProviderName);

/// Bookable providers matching `filter`, ordered like [`listed_services`]
/// (`Keyset::Price` is not meaningful here and orders like `Newest`).
pub async fn bookable_providers(
    conn: &mut DbConn,
    filter: &ProviderQuery,
    order: &Keyset,
    limit: Option<i64>,
) -> QueryResult<Vec<ProviderRow>> {
    // Skills are stored as a JSON array of lower-case strings whose
    // characters need no escaping (see `domain::Skill`).
    let skill_pattern = filter.skill.as_ref().map(|s| format!("%\"{s}\"%"));
    db_run!(conn, |c| {
        let mut q = bookable!(provider_profiles::table
            .inner_join(users::table.on(users::id.eq(provider_profiles::user_id))))
        .select((
            ProviderProfile::as_select(),
            (users::first_name, users::last_name, users::avatar),
        ))
        .into_boxed();
        if let Some(pattern) = &filter.text {
            q = q.filter(
                lower(users::first_name)
                    .like(pattern)
                    .escape('\\')
                    .or(lower(users::last_name).like(pattern).escape('\\'))
                    .or(lower(provider_profiles::bio).like(pattern).escape('\\')),
            );
        }
        if let Some(pattern) = &skill_pattern {
            q = q.filter(provider_profiles::skills.like(pattern));
        }
        if let Some(online) = filter.online {
            q = q.filter(provider_profiles::online.eq(online));
        }
        if let Some(min) = filter.min_rating {
            q = q.filter(provider_profiles::rating.ge(min));
        }
        if let Some(b) = &filter.bbox {
            q = in_bbox!(q, b);
        }
        q = match order {
            Keyset::Rating(after) => {
                let q = q.order((
                    provider_profiles::rating.desc(),
                    provider_profiles::user_id.asc(),
                ));
                match after {
                    Some((rating, id)) => q.filter(
                        provider_profiles::rating
                            .lt(*rating)
                            .or(provider_profiles::rating
                                .eq(*rating)
                                .and(provider_profiles::user_id.gt(id.clone()))),
                    ),
                    None => q,
                }
            }
            Keyset::Newest(after) => {
                let q = q.order(provider_profiles::user_id.desc());
                match after {
                    Some(id) => q.filter(provider_profiles::user_id.lt(id.clone())),
                    None => q,
                }
            }
            Keyset::Price(_) => q.order(provider_profiles::user_id.desc()),
        };
        if let Some(n) = limit {
            q = q.limit(n);
        }
        q.load::<ProviderRow>(c).await
    })
}

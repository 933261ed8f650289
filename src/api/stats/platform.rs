use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::domain::Role;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct PlatformStats {
    pub users: UsersByRole,
    /// Verified providers with an active account.
    pub active_providers: i64,
    /// Of those, online now.
    pub online_providers: i64,
    /// Approved, active services.
    pub services: i64,
    pub bookings: BookingTotals,
}

#[derive(Serialize, ToSchema)]
pub struct UsersByRole {
    pub customers: i64,
    pub providers: i64,
    pub admins: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BookingTotals {
    pub total: i64,
    pub completed: i64,
    /// `completed / total`, 0 to 1 (0 without bookings).
    pub completion_rate: f64,
}

/// The platform in numbers (public, aggregate only).
#[utoipa::path(get, path = "/v1/stats/platform", tag = "stats",
    responses((status = 200, body = PlatformStats)))]
pub async fn get(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state
        .with_db(async |c| {
            let (active_providers, online_providers) = db::stats::active_providers(c).await?;
            let (total, completed) = db::stats::bookings_total(c).await?;
            Ok(HttpResponse::Ok().json(PlatformStats {
                users: UsersByRole {
                    customers: db::stats::users_with_role(c, Role::Customer).await?,
                    providers: db::stats::users_with_role(c, Role::Provider).await?,
                    admins: db::stats::users_with_role(c, Role::Admin).await?,
                },
                active_providers,
                online_providers,
                services: db::stats::listed_services(c).await?,
                bookings: BookingTotals {
                    total,
                    completed,
                    completion_rate: if total == 0 {
                        0.0
                    } else {
                        ((completed as f64 / total as f64) * 1000.0).round() / 1000.0
                    },
                },
            }))
        })
        .await
}

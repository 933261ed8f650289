//! `/v1/favorites`: a customer's favorite providers.

pub mod add;
pub mod list;
pub mod remove;

use actix_web::web;

use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/favorites")
            .wrap(crate::only!(Customers))
            .route(web::post().to(add::add))
            .route(web::get().to(list::list)),
    )
    .service(
        web::resource("/v1/favorites/{provider_id}")
            .wrap(crate::only!(Customers))
            .route(web::delete().to(remove::remove)),
    );
}

/// Favorites are a customer's list.
fn customer(me: &AuthUser) -> ApiResult<()> {
    if me.role() != Role::Customer {
        return Err(ApiError::Forbidden(
            "customers_only",
            "favorites are kept by customers".into(),
        ));
    }
    Ok(())
}

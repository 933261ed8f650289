//! `/v1/bookings`: create, read, the state-machine transitions (through each
//! booking's session actor) and the journal.

pub mod create;
pub mod events;
pub mod invoice;
pub mod location;
pub mod rate;
pub mod read;
pub mod transitions;
pub mod view;

use actix_web::web;

use crate::db::{self, bookings::Booking, DbConn};
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/bookings")
            .route(web::post().to(create::create).wrap(crate::only!(Customers)))
            .route(web::get().to(read::list)),
    )
    .service(web::resource("/v1/bookings/{id}").route(web::get().to(read::get)))
    .service(
        web::resource("/v1/bookings/{id}/accept")
            .wrap(crate::only!(Providers))
            .route(web::post().to(transitions::accept)),
    )
    .service(
        web::resource("/v1/bookings/{id}/decline")
            .wrap(crate::only!(Providers))
            .route(web::post().to(transitions::decline)),
    )
    .service(
        web::resource("/v1/bookings/{id}/start")
            .wrap(crate::only!(Providers))
            .route(web::post().to(transitions::start)),
    )
    .service(
        web::resource("/v1/bookings/{id}/complete")
            .wrap(crate::only!(Providers))
            .route(web::post().to(transitions::complete)),
    )
    .service(web::resource("/v1/bookings/{id}/cancel").route(web::post().to(transitions::cancel)))
    .service(
        web::resource("/v1/bookings/{id}/reschedule")
            .wrap(crate::only!(Customers))
            .route(web::post().to(transitions::reschedule)),
    )
    .service(web::resource("/v1/bookings/{id}/events").route(web::get().to(events::list)))
    .service(web::resource("/v1/bookings/{id}/invoice").route(web::get().to(invoice::get)))
    .service(
        web::resource("/v1/bookings/{id}/location")
            .wrap(crate::only!(Parties))
            .route(web::post().to(location::post)),
    )
    .service(
        web::resource("/v1/bookings/{id}/rate")
            .wrap(crate::only!(Customers))
            .route(web::post().to(rate::rate)),
    )
    .service(
        web::resource("/v1/bookings/{id}/rate-customer")
            .wrap(crate::only!(Providers))
            .route(web::post().to(rate::rate_customer)),
    )
    .service(
        web::resource("/v1/bookings/{id}/review/reply")
            .wrap(crate::only!(Providers))
            .route(web::post().to(rate::reply)),
    );
}

/// The booking if `me` may see it (a party or an admin); 404 otherwise, so
/// strangers cannot even learn that it exists.
pub async fn visible(conn: &mut DbConn, me: &AuthUser, id: &str) -> ApiResult<Booking> {
    db::bookings::find(conn, id)
        .await?
        .filter(|b| b.is_party(me.id()) || me.role() == Role::Admin)
        .ok_or(ApiError::NotFound("booking"))
}

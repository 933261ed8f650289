//! `/v1/payments`: intents with idempotency keys, confirmation through the
//! gateway, signed webhooks, and the list of payments.

pub mod confirm;
pub mod intents;
pub mod list;
pub mod view;
pub mod webhook;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/payments/intents")
            .wrap(crate::only!(Customers))
            .route(web::post().to(intents::create)),
    )
    .service(
        web::resource("/v1/payments/intents/{id}/confirm")
            .wrap(crate::only!(Customers))
            .route(web::post().to(confirm::confirm)),
    )
    .service(
        web::resource("/v1/payments/webhooks/{gateway}").route(web::post().to(webhook::receive)),
    )
    .service(web::resource("/v1/payments").route(web::get().to(list::list)));
}

//! `/v1/slots/*`: holding slots while booking.

pub mod hold;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/slots/hold")
            .wrap(crate::only!(Customers))
            .route(web::post().to(hold::hold)),
    );
}

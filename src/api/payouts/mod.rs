//! `/v1/wallet/payouts` and `/v1/wallet/payout-account`: a provider takes
//! earnings out of their wallet (the rules are in [`crate::payouts`]).

pub mod account;
pub mod request;
pub mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/wallet/payouts")
            .wrap(crate::only!(Providers))
            .route(web::post().to(request::request))
            .route(web::get().to(request::list)),
    )
    .service(
        web::resource("/v1/wallet/payout-account")
            .wrap(crate::only!(Providers))
            .route(web::put().to(account::set))
            .route(web::get().to(account::get)),
    );
}

//! `/v1/privacy/*`: my data as JSON, my consents, and erasing my account.

pub mod consent;
pub mod delete;
pub mod export;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/privacy/account")
            .wrap(crate::only!(Parties))
            .route(web::delete().to(delete::delete_account)),
    )
    .service(web::resource("/v1/privacy/consent").route(web::put().to(consent::put)))
    .service(web::resource("/v1/privacy/status").route(web::get().to(consent::status)))
    .service(web::resource("/v1/privacy/export").route(web::get().to(export::export)));
}

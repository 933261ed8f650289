//! `/v1/admin/*`: back-office routes (admins only).

pub mod bookings;
pub mod ledger;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/admin/bookings").route(web::get().to(bookings::list)))
        .service(
            web::resource("/v1/admin/bookings/{id}/force").route(web::post().to(bookings::force)),
        )
        .service(web::resource("/v1/admin/ledger/summary").route(web::get().to(ledger::summary)))
        .service(
            web::resource("/v1/admin/ledger/transactions")
                .route(web::get().to(ledger::transactions)),
        );
}

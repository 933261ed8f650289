//! `/v1/categories/*`: the service categories customers browse by (kept by
//! the admins under `/v1/admin/categories`).

pub mod get;
pub mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/categories").route(web::get().to(get::list)))
        .service(web::resource("/v1/categories/{id}").route(web::get().to(get::get)))
        .service(web::resource("/v1/categories/{id}/image").route(web::get().to(get::image)));
}

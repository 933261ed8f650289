//! `/v1/services/*`: providers' services and their discovery.

pub mod access;
pub mod create;
pub mod delete;
pub mod get;
pub mod images;
pub mod list;
pub mod update;
pub mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/services")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create).wrap(crate::only!(Providers))),
    )
    .service(
        web::resource("/v1/services/{id}")
            .route(web::get().to(get::get))
            .route(web::patch().to(update::update))
            .route(web::delete().to(delete::delete)),
    )
    .service(
        web::resource("/v1/services/{id}/images")
            .route(web::get().to(images::list))
            .route(web::post().to(images::upload)),
    )
    .service(
        web::resource("/v1/services/{id}/images/{image_id}")
            .route(web::get().to(images::get))
            .route(web::delete().to(images::delete)),
    );
}

//! `/v1/notifications`: the caller's notification center. A user only ever
//! sees their own (anyone else's is a 404).

pub mod list;
pub mod read;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/notifications").route(web::get().to(list::list)))
        .service(web::resource("/v1/notifications/read-all").route(web::post().to(read::read_all)))
        .service(web::resource("/v1/notifications/{id}/read").route(web::post().to(read::read)));
}

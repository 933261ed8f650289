//! `/v1/me`: the caller's own profile, avatar, notification settings and push devices.

pub mod avatar;
pub mod devices;
pub mod notification_settings;
pub mod totp;
pub mod update;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/me").route(web::patch().to(update::update)))
        .service(web::resource("/v1/me/avatar").route(web::post().to(avatar::upload)))
        .service(
            web::resource("/v1/me/notification-settings")
                .route(web::get().to(notification_settings::get))
                .route(web::put().to(notification_settings::put)),
        )
        .service(
            web::resource("/v1/me/devices")
                .route(web::get().to(devices::list))
                .route(web::post().to(devices::register)),
        )
        .service(web::resource("/v1/me/devices/{id}").route(web::delete().to(devices::delete)))
        .service(
            web::resource("/v1/me/totp")
                .route(web::get().to(totp::status))
                .route(web::post().to(totp::enrol))
                .route(web::delete().to(totp::disable)),
        )
        .service(web::resource("/v1/me/totp/confirm").route(web::post().to(totp::confirm)))
        .service(web::resource("/v1/users/{id}/avatar").route(web::get().to(avatar::download)));
}

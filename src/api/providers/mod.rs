//! `/v1/providers/*`: provider profiles, discovery, availability and slots.

pub mod availability_get;
pub mod availability_put;
pub mod documents;
pub mod exception_delete;
pub mod exception_post;
pub mod get;
pub mod list;
pub mod online;
pub mod profile;
pub mod reviews;
pub mod schedule;
pub mod slots;
pub mod submit;
pub mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The `me` routes first: `/v1/providers/{id}` would match them too.
    cfg.service(
        web::scope("/v1/providers")
            .service(
                web::resource("/me/profile")
                    .wrap(crate::only!(Providers))
                    .route(web::put().to(profile::put)),
            )
            .service(
                web::resource("/me/online")
                    .wrap(crate::only!(Providers))
                    .route(web::put().to(online::put)),
            )
            .service(
                web::resource("/me/submit")
                    .wrap(crate::only!(Providers))
                    .route(web::post().to(submit::submit)),
            )
            .service(
                web::resource("/me/availability")
                    .wrap(crate::only!(Providers))
                    .route(web::get().to(availability_get::get))
                    .route(web::put().to(availability_put::put)),
            )
            .service(
                web::resource("/me/availability/exceptions")
                    .wrap(crate::only!(Providers))
                    .route(web::post().to(exception_post::post)),
            )
            .service(
                web::resource("/me/availability/exceptions/{date}")
                    .wrap(crate::only!(Providers))
                    .route(web::delete().to(exception_delete::delete)),
            )
            .service(
                web::resource("/me/documents")
                    .wrap(crate::only!(Providers))
                    .route(web::post().to(documents::upload))
                    .route(web::get().to(documents::list)),
            )
            .service(web::resource("").route(web::get().to(list::list)))
            .service(web::resource("/{id}").route(web::get().to(get::get)))
            .service(web::resource("/{id}/reviews").route(web::get().to(reviews::list)))
            .service(web::resource("/{id}/slots").route(web::get().to(slots::list))),
    )
    .service(web::resource("/v1/documents/{id}/file").route(web::get().to(documents::file)));
}

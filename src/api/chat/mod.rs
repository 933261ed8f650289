//! Booking chat over HTTP (history and a fallback for sending), the other
//! party's contact while chat is active, and my conversations.

pub mod contact;
pub mod conversations;
pub mod direct;
pub mod messages;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/bookings/{id}/chat")
            .route(web::get().to(messages::history))
            .route(web::post().to(messages::send).wrap(crate::only!(Parties))),
    )
    .service(web::resource("/v1/bookings/{id}/contact").route(web::get().to(contact::get)))
    .service(web::resource("/v1/chats").route(web::get().to(conversations::list)))
    .service(
        web::resource("/v1/chats/direct/{user_id}")
            .route(web::get().to(direct::history))
            .route(web::post().to(direct::send)),
    );
}

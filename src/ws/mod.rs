//! The websocket gateway, `GET /ws` (PROTOCOL.md).
//!
//! Each socket is served by two small tasks on actix-ws rather than an
//! `actix-web-actors` `WebsocketContext` actor: a reader that parses frames and
//! forwards them to the booking sessions (the actors), and a writer that drains
//! the connection's bounded [`ClientQueue`](onsite_actors::client::ClientQueue)
//! into the socket. `WebsocketContext` buffers outgoing frames without bound
//! and gives no signal when the peer stops reading; actix-ws's `Session::text`
//! waits when the socket's small buffer is full, which is what lets a slow
//! client be coalesced and, if it stays full, closed with 1013 instead of
//! growing the server's memory.

mod conn;
pub mod handler;
mod inbound;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/ws").route(web::get().to(handler::upgrade)));
}

/// Closes every socket of `user_id` with 4401 (blocked, logged out everywhere,
/// password reset): their access is revoked.
pub fn close_user(state: &crate::state::AppState, user_id: &str) {
    crate::cluster::close_user(state, user_id, onsite_actors::client::close::REVOKED);
    state
        .dispatcher
        .do_send(onsite_actors::messages::CloseUser {
            user_id: user_id.to_owned(),
            code: onsite_actors::client::close::REVOKED,
        });
}

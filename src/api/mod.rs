//! The HTTP surface: one module per resource, one handler per file.

pub mod addresses;
pub mod admin;
pub mod auth;
pub mod bookings;
pub mod categories;
pub mod chat;
pub mod complaints;
pub mod content;
pub mod cursor;
pub mod dates;
pub mod docs;
pub mod favorites;
pub mod geo;
pub mod health;
pub mod links;
pub mod me;
pub mod notifications;
pub mod openapi;
pub mod pages;
pub mod payments;
pub mod payouts;
pub mod privacy;
pub mod providers;
pub mod services;
pub mod slots;
pub mod stats;
pub mod views;
pub mod wallet;

use actix_web::web;

/// Every route of the API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(health::routes)
        .configure(pages::routes)
        .configure(docs::routes)
        .configure(auth::routes)
        .configure(me::routes)
        .configure(addresses::routes)
        .configure(geo::routes)
        .configure(links::routes)
        .configure(bookings::routes)
        .configure(payments::routes)
        .configure(wallet::routes)
        .configure(payouts::routes)
        .configure(content::routes)
        .configure(providers::routes)
        .configure(services::routes)
        .configure(categories::routes)
        .configure(slots::routes)
        .configure(admin::routes)
        .configure(chat::routes)
        .configure(notifications::routes)
        .configure(complaints::routes)
        .configure(favorites::routes)
        .configure(stats::routes)
        .configure(privacy::routes)
        .configure(crate::ws::routes);
}

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    addresses, admin, auth, bookings, categories, chat, complaints, content, docs, favorites, geo,
    health, links, me, notifications, payments, payouts, privacy, providers, services, slots,
    stats, wallet,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "onsite", description = "Realtime dispatch server for on-site service marketplaces. \
        Errors are always `{\"error\":{\"code\",\"message\",\"field?\"}}`."),
    paths(
        health::root, health::live, health::ready,
        super::pages::verify_email::show, super::pages::verify_email::submit,
        super::pages::reset_password::show, super::pages::reset_password::submit,
        super::pages::accept_invitation::show, super::pages::accept_invitation::submit, crate::metrics::scrape, docs::page, document,
        auth::register::register, auth::login::login, auth::otp::verify, auth::refresh::refresh,
        auth::logout::logout, auth::logout::logout_all, auth::me::me,
        auth::email::send_verification, auth::email::verify,
        auth::phone::send_otp, auth::phone::verify,
        auth::phone_login::send, auth::phone_login::login,
        auth::oidc::login,
        auth::password::forgot, auth::password::reset, auth::password::change,
        auth::sessions::list, auth::sessions::revoke, auth::invitation::accept,
        me::update::update, me::avatar::upload, me::avatar::download,
        bookings::create::create, bookings::read::list, bookings::read::get,
        bookings::transitions::accept, bookings::transitions::decline, bookings::transitions::start,
        bookings::transitions::complete, bookings::transitions::cancel, bookings::transitions::reschedule,
        bookings::events::list, bookings::invoice::get, bookings::rate::rate, bookings::rate::rate_customer, bookings::rate::reply,
        favorites::add::add, favorites::list::list, favorites::remove::remove,
        complaints::file::file, complaints::mine::mine, complaints::get::get, complaints::message::message,
        complaints::attachments::upload, complaints::attachments::download,
        admin::complaints::list, admin::complaints::assign, admin::complaints::resolve,
        admin::export::bookings, admin::export::users, admin::export::payments, admin::export::ledger,
        payments::intents::create, payments::confirm::confirm, payments::webhook::receive, payments::list::list,
        wallet::wallet,
        bookings::location::post, chat::messages::history, chat::messages::send,
        chat::contact::get, chat::conversations::list, chat::direct::history, chat::direct::send, admin::sessions::list,
        admin::block::block, admin::block::unblock, admin::audit::list,
        admin::users::list, admin::users::get, admin::users::logins, admin::revenue::revenue,
        stats::platform::get, stats::trends::get, stats::top::get, stats::locations::get, privacy::delete::delete_account, privacy::consent::put, privacy::consent::status, privacy::export::export,
        crate::ws::handler::upgrade,
        admin::bookings::list, admin::bookings::force, admin::ledger::summary, admin::ledger::transactions,
        providers::profile::put, providers::online::put, providers::submit::submit, providers::list::list,
        providers::get::get, providers::reviews::list,
        providers::availability_get::get, providers::availability_put::put,
        providers::exception_post::post, providers::exception_delete::delete,
        providers::slots::list, slots::hold::hold,
        services::create::create, services::list::list, services::get::get,
        services::update::update, services::delete::delete,
        admin::invite_provider::invite_provider, admin::invite_admin::invite_admin,
        admin::verify_provider::verify_provider, admin::verify_provider::approval,
        admin::performance::performance, admin::chats::list,
        admin::documents::list, admin::documents::verify,
        providers::documents::upload, providers::documents::list, providers::documents::file,
        services::images::upload, services::images::list, services::images::get, services::images::delete,
        categories::get::list, categories::get::get, categories::get::image,
        payouts::request::request, payouts::request::list, payouts::account::set, payouts::account::get,
        admin::payouts::list, admin::payouts::approve, admin::payouts::reject,
        content::read::faq, content::read::page, content::feedback::send, content::contact::send,
        admin::content::create_faq, admin::content::update_faq, admin::content::delete_faq,
        admin::content::put_page, admin::content::feedback, admin::content::contact,
        admin::content::handled,
        admin::categories::create, admin::categories::update, admin::categories::delete,
        admin::categories::set_image, admin::categories::remove_image,
        admin::list_services::list_services, admin::create_service::create_service,
        admin::approve_service::approve_service, admin::assign_service::assign_service,
        admin::unassign_service::unassign_service,
        notifications::list::list, notifications::read::read, notifications::read::read_all,
        me::notification_settings::get, me::notification_settings::put,
        me::devices::register, me::devices::list, me::devices::delete,
        me::totp::status, me::totp::enrol, me::totp::confirm, me::totp::disable, auth::totp::verify,
        addresses::list::list, addresses::create::create, addresses::update::update,
        addresses::delete::delete, geo::search::search, geo::reverse::reverse,
        links::mine::get, links::mine::regenerate, links::public::get,
    ),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "account"), (name = "providers"), (name = "services"),
        (name = "availability"), (name = "bookings"), (name = "realtime"), (name = "payments"), (name = "notifications"), (name = "reviews"), (name = "favorites"), (name = "complaints"), (name = "stats"), (name = "admin"),
        (name = "operations"), (name = "pages", description = "HTML pages the links in mail open"),
        (name = "geo", description = "Address search and reverse geocoding"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, content_type = "application/json", description = "the OpenAPI 3.1 document")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

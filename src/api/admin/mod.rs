//! `/v1/admin/*`: invitations, provider verification, service moderation,
//! bookings (list, force), complaints, the ledger and the audit log of admin actions.
//! Admins only.

pub mod approve_service;
pub mod assign_service;
pub mod audit;
pub mod block;
pub mod bookings;
pub mod categories;
pub mod chats;
pub mod complaints;
pub mod content;
pub mod create_service;
pub mod documents;
pub mod export;
pub mod invite;
pub mod invite_admin;
pub mod invite_provider;
pub mod ledger;
pub mod list_services;
pub mod payouts;
pub mod performance;
pub mod revenue;
pub mod sessions;
pub mod unassign_service;
pub mod users;
pub mod verify_provider;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1/admin")
            .wrap(crate::only!(Admins))
            .service(
                web::resource("/providers").route(web::post().to(invite_provider::invite_provider)),
            )
            .service(
                web::resource("/providers/{id}/approval")
                    .route(web::post().to(verify_provider::approval)),
            )
            .service(
                web::resource("/providers/{id}/performance")
                    .route(web::get().to(performance::performance)),
            )
            .service(
                web::resource("/providers/{id}/verify")
                    .route(web::post().to(verify_provider::verify_provider)),
            )
            .service(web::resource("/admins").route(web::post().to(invite_admin::invite_admin)))
            .service(web::resource("/categories").route(web::post().to(categories::create)))
            .service(web::resource("/payouts").route(web::get().to(payouts::list)))
            .service(web::resource("/faq").route(web::post().to(content::create_faq)))
            .service(
                web::resource("/faq/{id}")
                    .route(web::patch().to(content::update_faq))
                    .route(web::delete().to(content::delete_faq)),
            )
            .service(web::resource("/pages/{slug}").route(web::put().to(content::put_page)))
            .service(web::resource("/feedback").route(web::get().to(content::feedback)))
            .service(web::resource("/contact").route(web::get().to(content::contact)))
            .service(web::resource("/contact/{id}/handled").route(web::post().to(content::handled)))
            .service(web::resource("/payouts/{id}/approve").route(web::post().to(payouts::approve)))
            .service(web::resource("/payouts/{id}/reject").route(web::post().to(payouts::reject)))
            .service(
                web::resource("/categories/{id}")
                    .route(web::patch().to(categories::update))
                    .route(web::delete().to(categories::delete)),
            )
            .service(
                web::resource("/categories/{id}/image")
                    .route(web::put().to(categories::set_image))
                    .route(web::delete().to(categories::remove_image)),
            )
            .service(
                web::resource("/services")
                    .route(web::get().to(list_services::list_services))
                    .route(web::post().to(create_service::create_service)),
            )
            .service(
                web::resource("/services/{id}/approve")
                    .route(web::post().to(approve_service::approve_service)),
            )
            .service(
                web::resource("/services/{id}/assign")
                    .route(web::post().to(assign_service::assign_service)),
            )
            .service(
                web::resource("/services/{id}/unassign")
                    .route(web::post().to(unassign_service::unassign_service)),
            )
            .service(web::resource("/bookings").route(web::get().to(bookings::list)))
            .service(web::resource("/bookings/{id}/force").route(web::post().to(bookings::force)))
            .service(web::resource("/users").route(web::get().to(users::list)))
            .service(web::resource("/users/{id}").route(web::get().to(users::get)))
            .service(web::resource("/users/{id}/logins").route(web::get().to(users::logins)))
            .service(web::resource("/users/{id}/block").route(web::post().to(block::block)))
            .service(web::resource("/users/{id}/unblock").route(web::post().to(block::unblock)))
            .service(web::resource("/documents").route(web::get().to(documents::list)))
            .service(
                web::resource("/documents/{id}/verify").route(web::post().to(documents::verify)),
            )
            .service(web::resource("/chats").route(web::get().to(chats::list)))
            .service(web::resource("/complaints").route(web::get().to(complaints::list)))
            .service(
                web::resource("/complaints/{id}/assign").route(web::post().to(complaints::assign)),
            )
            .service(
                web::resource("/complaints/{id}/resolve")
                    .route(web::post().to(complaints::resolve)),
            )
            .service(web::resource("/export/bookings.csv").route(web::get().to(export::bookings)))
            .service(web::resource("/export/users.csv").route(web::get().to(export::users)))
            .service(web::resource("/export/payments.csv").route(web::get().to(export::payments)))
            .service(web::resource("/export/ledger.csv").route(web::get().to(export::ledger)))
            .service(web::resource("/sessions").route(web::get().to(sessions::list)))
            .service(web::resource("/audit-log").route(web::get().to(audit::list)))
            .service(web::resource("/stats/revenue").route(web::get().to(revenue::revenue)))
            .service(web::resource("/ledger/summary").route(web::get().to(ledger::summary)))
            .service(
                web::resource("/ledger/transactions").route(web::get().to(ledger::transactions)),
            ),
    );
}

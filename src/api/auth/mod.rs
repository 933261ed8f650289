//! `/v1/auth/*`: registration, login, tokens, verification, passwords, sessions.

use serde::Serialize;

use crate::api::views::UserView;
use crate::auth::tokens::Issued;

/// What a login, a refresh or an accepted invitation answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: UserView,
}

impl From<Issued> for TokenPair {
    fn from(i: Issued) -> Self {
        Self {
            access_token: i.access_token,
            refresh_token: i.refresh_token,
            token_type: "Bearer",
            expires_in: i.expires_in,
            user: UserView::from(&i.user),
        }
    }
}

pub mod email;
pub mod invitation;
pub mod login;
pub mod logout;
pub mod me;
pub mod oidc;
pub mod otp;
pub mod password;
pub mod phone;
pub mod phone_login;
pub mod refresh;
pub mod register;
pub mod sessions;
pub mod totp;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1/auth")
            .service(
                web::resource("/register")
                    .wrap(crate::limit!(RegisterIp))
                    .route(web::post().to(register::register)),
            )
            .service(
                web::resource("/login")
                    .wrap(crate::limit!(LoginIp))
                    .route(web::post().to(login::login)),
            )
            .service(
                web::resource("/otp/verify")
                    .wrap(crate::limit!(LoginIp))
                    .route(web::post().to(otp::verify)),
            )
            .service(
                web::resource("/oidc/{provider}")
                    .wrap(crate::limit!(LoginIp))
                    .route(web::post().to(oidc::login)),
            )
            .service(
                web::resource("/otp/send")
                    .wrap(crate::limit!(CodesIp))
                    .route(web::post().to(phone_login::send)),
            )
            .service(
                web::resource("/otp/login")
                    .wrap(crate::limit!(LoginIp))
                    .route(web::post().to(phone_login::login)),
            )
            .service(
                web::resource("/totp/verify")
                    .wrap(crate::limit!(LoginIp))
                    .route(web::post().to(totp::verify)),
            )
            .service(web::resource("/refresh").route(web::post().to(refresh::refresh)))
            .service(web::resource("/logout").route(web::post().to(logout::logout)))
            .service(web::resource("/logout-all").route(web::post().to(logout::logout_all)))
            .service(web::resource("/me").route(web::get().to(me::me)))
            .service(
                web::resource("/email/send-verification")
                    .wrap(crate::limit!(CodesIp))
                    .route(web::post().to(email::send_verification)),
            )
            .service(web::resource("/email/verify").route(web::post().to(email::verify)))
            .service(
                web::resource("/phone/send-otp")
                    .wrap(crate::limit!(CodesIp))
                    .route(web::post().to(phone::send_otp)),
            )
            .service(web::resource("/phone/verify").route(web::post().to(phone::verify)))
            .service(
                web::resource("/password/forgot")
                    .wrap(crate::limit!(CodesIp))
                    .route(web::post().to(password::forgot)),
            )
            .service(
                web::resource("/password/reset")
                    .wrap(crate::limit!(LoginIp))
                    .route(web::post().to(password::reset)),
            )
            .service(web::resource("/password/change").route(web::post().to(password::change)))
            .service(web::resource("/invitations/accept").route(web::post().to(invitation::accept)))
            .service(web::resource("/sessions").route(web::get().to(sessions::list)))
            .service(web::resource("/sessions/{id}").route(web::delete().to(sessions::revoke))),
    );
}

//! The pages the links in mail open in a browser: confirm an email address,
//! choose a new password, accept an invitation. Opening a link only shows a
//! form (a mail scanner that fetches links consumes nothing); the form posts
//! back to the same address and the page says how it went. Every value is
//! escaped; the pages load nothing and post only to themselves.

pub mod accept_invitation;
pub mod reset_password;
pub mod verify_email;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::Password;
use crate::error::ApiError;
use crate::invoices::html::escape;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/verify-email")
            .route(web::get().to(verify_email::show))
            .route(web::post().to(verify_email::submit)),
    )
    .service(
        web::resource("/reset-password")
            .route(web::get().to(reset_password::show))
            .route(web::post().to(reset_password::submit)),
    )
    .service(
        web::resource("/accept-invitation")
            .route(web::get().to(accept_invitation::show))
            .route(web::post().to(accept_invitation::submit)),
    );
}

/// `?token=` of a link.
#[derive(Deserialize)]
pub struct TokenQuery {
    pub token: Option<String>,
}

/// A page: a title, a paragraph, and optionally a form (already escaped HTML).
fn page(
    status: actix_web::http::StatusCode,
    title: &str,
    text: &str,
    form: Option<String>,
) -> HttpResponse {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title><style>\
body{{font-family:system-ui,Helvetica,Arial,sans-serif;color:#222;max-width:26rem;margin:3rem auto;padding:0 1rem}}\
h1{{font-size:1.4rem}}label{{display:block;margin:.8rem 0 .3rem}}input{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}\
button{{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}}</style></head><body><h1>{t}</h1><p>{p}</p>{f}</body></html>",
        t = escape(title),
        p = escape(text),
        f = form.unwrap_or_default()
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

fn ok(title: &str, text: &str) -> HttpResponse {
    page(actix_web::http::StatusCode::OK, title, text, None)
}

/// The page for a refused action: the error's own words (never internals).
fn failed(title: &str, e: &ApiError) -> HttpResponse {
    let text = match e {
        ApiError::Internal(_) | ApiError::Unavailable => {
            "Something went wrong on our side. Please try again in a moment.".to_owned()
        }
        other => other.to_string(),
    };
    page(actix_web::ResponseError::status_code(e), title, &text, None)
}

/// A form posting `token` back, with the given fields (already escaped HTML).
fn form(token: &str, fields: &str, button: &str) -> String {
    format!(
        "<form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{}\">{fields}\
<button type=\"submit\">{}</button></form>",
        escape(token),
        escape(button)
    )
}

/// What a link's page says and asks.
struct Ask {
    title: &'static str,
    text: &'static str,
    /// The form's fields (HTML) besides the token.
    fields: &'static str,
    button: &'static str,
}

impl Ask {
    /// The page the link opens: the form, or why the link is no good.
    fn show(&self, token: Option<&str>) -> HttpResponse {
        match token.filter(|t| !t.is_empty()) {
            Some(token) => page(
                actix_web::http::StatusCode::OK,
                self.title,
                self.text,
                Some(form(token, self.fields, self.button)),
            ),
            None => no_token(),
        }
    }

    /// The form again, with what to fix.
    fn again(&self, token: &str, message: &str) -> HttpResponse {
        page(
            actix_web::http::StatusCode::BAD_REQUEST,
            self.title,
            message,
            Some(form(token, self.fields, self.button)),
        )
    }
}

const PASSWORD_FIELDS: &str = "<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"8\">\
<label for=\"repeat\">The same again</label>\
<input id=\"repeat\" name=\"repeat\" type=\"password\" autocomplete=\"new-password\" required minlength=\"8\">";

const PASSWORD_RULE: &str =
    "At least 8 characters, with an upper-case letter, a lower-case letter and a digit.";

/// A posted password form.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordForm {
    pub token: String,
    pub password: String,
    /// The password typed again.
    pub repeat: String,
}

impl PasswordForm {
    /// The chosen password, or what to tell the person.
    fn chosen(&self) -> Result<Password, String> {
        if self.password != self.repeat {
            return Err("The two passwords differ. Please type them again.".into());
        }
        Password::try_from(self.password.clone()).map_err(|why| format!("The password {why}."))
    }
}

fn no_token() -> HttpResponse {
    page(
        actix_web::http::StatusCode::BAD_REQUEST,
        "This link is incomplete",
        "Open the link from the email again, or copy all of it into the address bar.",
        None,
    )
}

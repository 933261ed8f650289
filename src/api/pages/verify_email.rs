use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{failed, ok, Ask, TokenQuery};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Submitted {
    pub token: String,
}

const ASK: Ask = Ask {
    title: "Confirm your email address",
    text: "Press the button to confirm this address for your account.",
    fields: "",
    button: "Confirm",
};

/// The link in the verification mail: a button that confirms the address.
#[utoipa::path(get, path = "/verify-email", tag = "pages",
    params(("token" = Option<String>, Query, description = "the token from the mail's link")),
    responses((status = 200, description = "an HTML page with the form to confirm an email address", content_type = "text/html", body = String),
        (status = 400, description = "an HTML page: the link is incomplete", content_type = "text/html", body = String)))]
pub async fn show(query: web::Query<TokenQuery>) -> HttpResponse {
    ASK.show(query.token.as_deref())
}

/// The form's answer: the address confirmed, and an HTML page saying how it went.
#[utoipa::path(post, path = "/verify-email", tag = "pages",
    request_body(content = Submitted, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "an HTML page: done", content_type = "text/html", body = String),
        (status = 400, description = "an HTML page: refused, with the reason", content_type = "text/html", body = String)))]
pub async fn submit(state: web::Data<AppState>, form: web::Form<Submitted>) -> HttpResponse {
    match crate::api::auth::email::verify_token(&state, &form.token).await {
        Ok(()) => ok(
            "Email address confirmed",
            "Thank you. You can close this page and go back to the app.",
        ),
        Err(e) => failed("This address could not be confirmed", &e),
    }
}

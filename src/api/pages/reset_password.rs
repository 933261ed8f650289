use actix_web::{web, HttpResponse};

use super::{failed, ok, Ask, PasswordForm, TokenQuery, PASSWORD_FIELDS, PASSWORD_RULE};
use crate::error::ApiError;
use crate::state::AppState;

const ASK: Ask = Ask {
    title: "Choose a new password",
    text: PASSWORD_RULE,
    fields: PASSWORD_FIELDS,
    button: "Set the password",
};

/// The link in the reset mail: a form for the new password.
#[utoipa::path(get, path = "/reset-password", tag = "pages",
    params(("token" = Option<String>, Query, description = "the token from the mail's link")),
    responses((status = 200, description = "an HTML page with the form to choose a new password", content_type = "text/html", body = String),
        (status = 400, description = "an HTML page: the link is incomplete", content_type = "text/html", body = String)))]
pub async fn show(query: web::Query<TokenQuery>) -> HttpResponse {
    ASK.show(query.token.as_deref())
}

/// The form's answer: the new password set, and an HTML page saying how it went.
#[utoipa::path(post, path = "/reset-password", tag = "pages",
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "an HTML page: done", content_type = "text/html", body = String),
        (status = 400, description = "an HTML page: refused, with the reason (and the form again when it can be fixed)", content_type = "text/html", body = String)))]
pub async fn submit(state: web::Data<AppState>, form: web::Form<PasswordForm>) -> HttpResponse {
    let password = match form.chosen() {
        Ok(p) => p,
        Err(why) => return ASK.again(&form.token, &why),
    };
    match crate::api::auth::password::reset_with_token(&state, &form.token, &password).await {
        Ok(()) => ok(
            "Your password is changed",
            "Sign in with it in the app. Every device that was signed in has been signed out.",
        ),
        Err(e @ ApiError::Validation { .. }) => ASK.again(&form.token, &e.to_string()),
        Err(e) => failed("The password could not be changed", &e),
    }
}

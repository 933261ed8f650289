use actix_web::{web, HttpResponse};

use super::{failed, ok, Ask, PasswordForm, TokenQuery, PASSWORD_FIELDS, PASSWORD_RULE};
use crate::api::auth::invitation::{accept_token, Accepted};
use crate::domain::ClientInfo;
use crate::state::AppState;

const ASK: Ask = Ask {
    title: "Welcome: choose your password",
    text: PASSWORD_RULE,
    fields: PASSWORD_FIELDS,
    button: "Create my account",
};

/// The link in the invitation mail: a form to choose the account's password.
#[utoipa::path(get, path = "/accept-invitation", tag = "pages",
    params(("token" = Option<String>, Query, description = "the token from the mail's link")),
    responses((status = 200, description = "an HTML page with the form to accept an invitation", content_type = "text/html", body = String),
        (status = 400, description = "an HTML page: the link is incomplete", content_type = "text/html", body = String)))]
pub async fn show(query: web::Query<TokenQuery>) -> HttpResponse {
    ASK.show(query.token.as_deref())
}

/// The form's answer: the invitation accepted, and an HTML page saying how it went.
#[utoipa::path(post, path = "/accept-invitation", tag = "pages",
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "an HTML page: done", content_type = "text/html", body = String),
        (status = 400, description = "an HTML page: refused, with the reason (and the form again when it can be fixed)", content_type = "text/html", body = String)))]
pub async fn submit(
    state: web::Data<AppState>,
    client: ClientInfo,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let password = match form.chosen() {
        Ok(p) => p,
        Err(why) => return ASK.again(&form.token, &why),
    };
    match accept_token(&state, &client, &form.token, &password, false).await {
        // The browser gets no session: the person signs in in the app.
        Ok(Accepted::SignedIn(_) | Accepted::PasswordSet) => ok(
            "Your account is ready",
            "Your password is set. Sign in with your email address and it in the app.",
        ),
        Err(e) => failed("The invitation could not be accepted", &e),
    }
}

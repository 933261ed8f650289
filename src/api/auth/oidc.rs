//! `POST /v1/auth/oidc/{provider}`: sign in (or up) with Google or another
//! configured OpenID Connect provider.
//!
//! A provider's subject signs into the account it is linked to. A subject
//! seen for the first time is linked to the account with the same email
//! only when the provider says it verified that email; otherwise it gets a
//! new customer account (holding the email only if verified).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::login::{refuse_unless_active, second_step, signed_in, Audit};
use crate::auth::oidc::{OidcError, Person, Proof};
use crate::db::{self, users::User};
use crate::domain::{ClientInfo, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::state::AppState;

/// Either the authorization code flow's `code` with its `code_verifier` and
/// `redirect_uri`, or a native sign-in's `id_token`; always the `nonce` the
/// app put into its request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcLoginRequest {
    pub code: Option<String>,
    /// The PKCE verifier of the code's challenge (S256).
    pub code_verifier: Option<String>,
    /// As in the authorization request; one the provider is set up for.
    pub redirect_uri: Option<String>,
    pub id_token: Option<String>,
    pub nonce: String,
}

impl From<OidcError> for ApiError {
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::UnknownProvider => ApiError::NotFound("provider"),
            OidcError::Unavailable(why) => {
                tracing::warn!(error = %why, "OpenID Connect provider unreachable");
                ApiError::Upstream(
                    "oidc_unavailable",
                    "the sign-in provider cannot be reached; try again shortly".into(),
                )
            }
            OidcError::Rejected(why) => ApiError::Unauthorized("oidc_rejected", why),
        }
    }
}

/// Sign in with an OpenID Connect provider (`google`, ...).
#[utoipa::path(post, path = "/v1/auth/oidc/{provider}", tag = "auth",
    params(("provider" = String, Path, description = "a configured provider, e.g. `google`")),
    request_body = OidcLoginRequest,
    responses((status = 200, description = "signed in (`mfa_required` or `otp_required` when the account has a second step)", body = super::TokenPair),
        (status = 201, description = "a new customer account", body = super::TokenPair),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, description = "the code or ID token is not accepted", body = crate::error::ErrorBody),
        (status = 403, description = "account blocked", body = crate::error::ErrorBody),
        (status = 404, description = "no such provider", body = crate::error::ErrorBody),
        (status = 503, description = "the provider cannot be reached", body = crate::error::ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    http: actix_web::HttpRequest,
    provider: web::Path<String>,
    ValidJson(req): ValidJson<OidcLoginRequest>,
) -> ApiResult<HttpResponse> {
    let proof = match (req.id_token, req.code, req.code_verifier, req.redirect_uri) {
        (Some(token), None, None, None) => Proof::IdToken(token),
        (None, Some(code), Some(verifier), Some(redirect_uri)) => Proof::Code {
            code,
            verifier,
            redirect_uri,
        },
        (None, Some(_), _, _) => {
            return Err(ApiError::validation(
                "code_verifier",
                "a code comes with its code_verifier and redirect_uri",
            ))
        }
        _ => {
            return Err(ApiError::validation(
                "id_token",
                "give id_token, or code with code_verifier and redirect_uri",
            ))
        }
    };
    let provider = provider.into_inner();
    let person = state.oidc.verify(&provider, &proof, &req.nonce).await?;
    let identifier = person
        .email
        .clone()
        .unwrap_or_else(|| format!("{provider}:{}", person.subject));
    let audit = Audit {
        identifier: &identifier,
        client: &client,
    };
    state
        .with_db(async |conn| {
            let lang = crate::i18n::middleware::requested(&http);
            let (user, created) = account_for(conn, &provider, &person, lang).await?;
            refuse_unless_active(conn, &user, &audit).await?;
            if created {
                tracing::info!(user = %user.id, %provider, "account created by OpenID Connect");
                return signed_in(&state, conn, &user, &client, &audit, StatusCode::CREATED).await;
            }
            second_step(&state, conn, &user, &client, &audit).await
        })
        .await
}

/// The linked account, the account of the same verified email (now linked),
/// or a new customer account; and whether it is new.
async fn account_for(
    conn: &mut db::DbConn,
    provider: &str,
    person: &Person,
    lang: Option<crate::i18n::Lang>,
) -> ApiResult<(User, bool)> {
    if let Some(link) = db::oidc::find(conn, provider, &person.subject).await? {
        db::oidc::touch(conn, &link.id).await?;
        let user = db::users::find(conn, &link.user_id)
            .await?
            .ok_or(ApiError::NotFound("user"))?;
        return Ok((user, false));
    }
    let verified_email = person.email.as_deref().filter(|_| person.email_verified);
    if let Some(email) = verified_email {
        if let Some(user) = db::users::find_by_email(conn, email).await? {
            db::oidc::link(conn, &user.id, provider, &person.subject, Some(email)).await?;
            if user.email_verified_at.is_none() {
                db::users::mark_email_verified(conn, &user.id).await?;
            }
            return Ok((user, false));
        }
    }
    let mut user = User::new_account(
        verified_email.map(str::to_owned),
        None,
        None,
        person.given_name.clone().unwrap_or_default(),
        person.family_name.clone().unwrap_or_default(),
        Role::Customer,
    );
    if verified_email.is_some() {
        user.email_verified_at = Some(db::now());
    }
    user.language = lang.map(|l| l.tag().to_owned());
    db::users::insert(conn, &user).await?;
    db::oidc::link(conn, &user.id, provider, &person.subject, verified_email).await?;
    Ok((user, true))
}

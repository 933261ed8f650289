use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::views::UserView;
use crate::auth::challenge::{self, Purpose};
use crate::auth::password;
use crate::auth::AuthError;
use crate::db::{self, users::User};
use crate::domain::{Email, Password, PersonName, Phone, Role, Username};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(value_type = String, format = "email")]
    pub email: Email,
    #[schema(value_type = Option<String>, example = "+27821234567")]
    pub phone: Option<Phone>,
    /// 8+ characters with upper, lower and a digit.
    #[schema(value_type = String)]
    pub password: Password,
    #[schema(value_type = String)]
    pub first_name: PersonName,
    #[schema(value_type = String)]
    pub last_name: PersonName,
    /// `customer` or `provider`; `admin` is refused.
    pub role: Role,
    /// Optional: 3 to 30 of `a-z0-9_.`, unique whatever the case.
    #[schema(value_type = Option<String>)]
    pub username: Option<Username>,
}

#[derive(Serialize, ToSchema)]
pub struct RegisterResponse {
    pub user: UserView,
    /// The email verification sent to the new address; confirm it with
    /// `POST /v1/auth/email/verify`.
    /// `null` when a verification was sent to this address moments ago (by an
    /// earlier account); ask again with `POST /v1/auth/email/send-verification`.
    pub email_verification: Option<ChallengeRef>,
}

#[derive(Serialize, ToSchema)]
pub struct ChallengeRef {
    pub challenge_id: String,
}

/// Create a customer or provider account.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = RegisterResponse), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "role admin refused", body = crate::error::ErrorBody),
        (status = 409, description = "email or phone taken", body = crate::error::ErrorBody)))]
pub async fn register(
    state: web::Data<AppState>,
    http: actix_web::HttpRequest,
    ValidJson(req): ValidJson<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    // The language the app asks in becomes the account's.
    let lang = crate::i18n::middleware::requested(&http);
    if req.role == Role::Admin {
        return Err(ApiError::Forbidden(
            "role_not_allowed",
            "admin accounts cannot be self-registered".into(),
        ));
    }
    // The connection goes back before argon2 runs (SQLite has one).
    state
        .with_db(async |conn| {
            ensure_free(conn, &req.email, req.phone.as_ref()).await?;
            if let Some(name) = &req.username {
                if db::users::username_taken(conn, name.as_str(), None).await? {
                    return Err(ApiError::Conflict(
                        "username_taken",
                        "another account has this username".into(),
                    ));
                }
            }
            Ok(())
        })
        .await?;
    let hash = password::hash_async(req.password.expose().to_owned()).await?;
    state
        .with_db(async |conn| {
            let mut user = User::new_account(
                Some(req.email.as_str().to_owned()),
                req.phone.map(Phone::into_inner),
                Some(hash),
                req.first_name.into_inner(),
                req.last_name.into_inner(),
                req.role,
            );
            user.username = req.username.map(Username::into_inner);
            user.language = lang.map(|l| l.tag().to_owned());
            if let Err(err) = db::users::insert(conn, &user).await {
                // A racing registration with the same email or phone.
                if db::is_unique_violation(&err) {
                    return Err(ApiError::Conflict(
                        "account_exists",
                        "an account with this email, phone or username already exists".into(),
                    ));
                }
                return Err(err.into());
            }
            // The account exists now: a throttled verification mail must not fail it.
            let issued = match challenge::issue(
                &state,
                conn,
                Some(&user.id),
                Purpose::EmailVerify,
                req.email.as_str(),
                true,
                true,
            )
            .await
            {
                Ok(issued) => {
                    super::email::queue_verification_mail(
                        &state,
                        conn,
                        req.email.as_str(),
                        &issued,
                        lang.unwrap_or_default(),
                    )
                    .await?;
                    Some(ChallengeRef {
                        challenge_id: issued.id,
                    })
                }
                Err(AuthError::RateLimited { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            tracing::info!(user = %user.id, role = %user.role, "account registered");
            Ok(HttpResponse::Created().json(RegisterResponse {
                user: UserView::from(&user),
                email_verification: issued,
            }))
        })
        .await
}

/// 409 when the email or phone belongs to another account.
pub async fn ensure_free(
    conn: &mut db::DbConn,
    email: &Email,
    phone: Option<&Phone>,
) -> ApiResult<()> {
    if db::users::email_taken(conn, email.as_str()).await? {
        return Err(ApiError::Conflict(
            "email_taken",
            "an account with this email already exists".into(),
        ));
    }
    if let Some(phone) = phone {
        if db::users::phone_taken(conn, phone.as_str(), None).await? {
            return Err(ApiError::Conflict(
                "phone_taken",
                "an account with this phone number already exists".into(),
            ));
        }
    }
    Ok(())
}

//! Request extractors: strict JSON bodies, the authenticated user, client info.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use serde::de::DeserializeOwned;

use crate::db::{self, users::User};
use crate::domain::{ClientInfo, Role, UserStatus};
use crate::error::ApiError;
use crate::state::AppState;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;

/// A JSON body parsed into `T`; syntax errors are `400 malformed_json`, and a
/// field that does not parse is `400 validation_failed` naming the field.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json") || m.ends_with("+json")
            });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ));
            }
            let bytes = body
                .await
                .map_err(|e| match e.as_response_error().status_code() {
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE => {
                        ApiError::PayloadTooLarge(JSON_LIMIT)
                    }
                    _ => ApiError::BadRequest(
                        "malformed_body",
                        "the request body could not be read".into(),
                    ),
                })?;
            parse_json(&bytes).map(ValidJson)
        })
    }
}

/// A JSON body read now but judged later: the handler calls
/// [`LateJson::parse`] once it has checked who is asking and that they may
/// see the resource, so a stranger gets 404 rather than a hint about the
/// input. Errors are those of [`ValidJson`].
pub struct LateJson<T>(Result<T, ApiError>);

impl<T> LateJson<T> {
    pub fn parse(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for LateJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = ValidJson::<T>::from_request(req, payload);
        Box::pin(async move { Ok(LateJson(body.await.map(|ValidJson(t)| t))) })
    }
}

/// Parses JSON bytes, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data if path != "." => {
                ApiError::validation(path, strip_position(&inner.to_string()))
            }
            serde_json::error::Category::Data => {
                ApiError::BadRequest("validation_failed", strip_position(&inner.to_string()))
            }
            _ => ApiError::BadRequest(
                "malformed_json",
                format!(
                    "the body is not valid JSON: {}",
                    strip_position(&inner.to_string())
                ),
            ),
        }
    })
}

/// serde_json appends " at line L column C"; clients do not need it in field errors.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

impl FromRequest for ClientInfo {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

/// The authenticated caller: a valid access token whose login session is
/// still live and whose account is active.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub session_id: String,
}

impl AuthUser {
    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }

    /// 403 `provider_only` unless the caller is a provider.
    pub fn require_provider(&self) -> Result<(), ApiError> {
        if self.role() == Role::Provider {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "provider_only",
                "only provider accounts may do this".into(),
            ))
        }
    }

    /// 403 `customer_only` unless the caller is a customer.
    pub fn require_customer(&self) -> Result<(), ApiError> {
        if self.role() == Role::Customer {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "customer_only",
                "only customer accounts may do this".into(),
            ))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role() == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "admin_only",
                "only admins may do this".into(),
            ))
        }
    }
}

/// The bearer token of a request, from `Authorization: Bearer ...`.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Resolves an access token to its live user and session.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state.jwt.verify(token).ok_or_else(|| {
        ApiError::Unauthorized(
            "invalid_token",
            "the access token is invalid or expired".into(),
        )
    })?;
    state
        .with_db(async |conn| {
            let session = db::sessions::find_session(conn, &claims.sid).await?;
            let live = session.is_some_and(|s| s.user_id == claims.sub && s.is_live(db::now()));
            if !live {
                return Err(ApiError::Unauthorized(
                    "session_revoked",
                    "this login session has ended; log in again".into(),
                ));
            }
            let user = db::users::find(conn, &claims.sub).await?.ok_or_else(|| {
                ApiError::Unauthorized("session_revoked", "the account no longer exists".into())
            })?;
            if user.status == UserStatus::Blocked {
                return Err(ApiError::Forbidden(
                    "account_blocked",
                    "this account is blocked".into(),
                ));
            }
            if !user.is_active() {
                return Err(ApiError::Unauthorized(
                    "session_revoked",
                    "the account no longer exists".into(),
                ));
            }
            Ok(AuthUser {
                user,
                session_id: claims.sid,
            })
        })
        .await
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("state missing")))?;
            let token = token.ok_or_else(|| {
                ApiError::Unauthorized(
                    "missing_token",
                    "send Authorization: Bearer <access token>".into(),
                )
            })?;
            // Its own task: when a sibling extractor (say the JSON body) fails
            // first, this future is dropped, and a query must not be cut short.
            actix_web::rt::spawn(async move { authenticate(&state, &token).await })
                .await
                .map_err(|e| ApiError::internal(anyhow::anyhow!("auth task failed: {e}")))?
        })
    }
}

/// The caller on routes anyone may call: `None` without an `Authorization`
/// header; with one, the token must be valid (else 401 as on other routes).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

impl MaybeUser {
    pub fn user(&self) -> Option<&User> {
        self.0.as_ref().map(|a| &a.user)
    }
}

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(header::AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(MaybeUser(None)) });
        }
        let auth = AuthUser::from_request(req, payload);
        Box::pin(async move { auth.await.map(|a| MaybeUser(Some(a))) })
    }
}

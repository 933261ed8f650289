//! The one error type every handler returns, rendered as
//! `{"error": {"code": "...", "message": "...", "field"?: "..."}}`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Every failure a client can see. Internal causes are logged, never rendered.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Validation { field: String, message: String },
    #[error("{0}")]
    BadRequest(&'static str, String),
    #[error("{1}")]
    Unauthorized(&'static str, String),
    #[error("{1}")]
    Forbidden(&'static str, String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{1}")]
    Conflict(&'static str, String),
    #[error("{1}")]
    Unprocessable(&'static str, String),
    #[error("{1}")]
    PaymentRequired(String, String),
    #[error("account locked; try again in {retry_after_s} seconds")]
    Locked { retry_after_s: i64 },
    #[error("too many requests; try again in {retry_after_s} seconds")]
    RateLimited {
        retry_after_s: i64,
        /// The bucket's size, for `RateLimit-Limit` (a rate limit's refusal).
        limit: Option<u32>,
    },
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("service unavailable")]
    Unavailable,
    /// Unavailable until a known time (503 with `Retry-After`).
    #[error("{message}")]
    UnavailableFor { message: String, retry_after_s: i64 },
    /// A service we depend on is down (503 with its own code).
    #[error("{1}")]
    Upstream(&'static str, String),
    #[error("internal server error")]
    Internal(#[source] anyhow::Error),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable snake_case code.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The request field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized("unauthorized", message.into())
    }

    pub fn code(&self) -> &str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::BadRequest(code, _)
            | Self::Unauthorized(code, _)
            | Self::Forbidden(code, _)
            | Self::Conflict(code, _)
            | Self::Unprocessable(code, _)
            | Self::Upstream(code, _) => code,
            Self::PaymentRequired(code, _) => code,
            Self::NotFound(_) => "not_found",
            Self::Locked { .. } => "account_locked",
            Self::RateLimited { .. } => "rate_limited",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Unavailable | Self::UnavailableFor { .. } => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn body(&self) -> ErrorBody {
        let message = match self {
            Self::Internal(_) => {
                "internal server error; quote the x-request-id response header when reporting it"
                    .to_owned()
            }
            Self::BadRequest(_, m) => m.clone(),
            other => other.to_string(),
        };
        let field = match self {
            Self::Validation { field, .. } => Some(field.clone()),
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message,
                field,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation { .. } | Self::BadRequest(..) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(..) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(..) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(..) => StatusCode::CONFLICT,
            Self::Unprocessable(..) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PaymentRequired(..) => StatusCode::PAYMENT_REQUIRED,
            Self::Locked { .. } => StatusCode::LOCKED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable | Self::UnavailableFor { .. } | Self::Upstream(..) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            // The span of the request carries the request id.
            tracing::error!(error = ?cause, "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        match self {
            Self::Locked { retry_after_s } | Self::UnavailableFor { retry_after_s, .. } => {
                res.insert_header((header::RETRY_AFTER, retry_after_s.max(&1).to_string()));
            }
            Self::RateLimited {
                retry_after_s,
                limit,
            } => {
                let wait = (*retry_after_s).max(1);
                res.insert_header((header::RETRY_AFTER, wait.to_string()));
                if let Some(limit) = limit {
                    let reset = u64::try_from(wait).unwrap_or(1);
                    for pair in crate::edge::limits::headers(*limit, 0, reset) {
                        res.insert_header(pair);
                    }
                }
            }
            Self::Unauthorized(..) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        res.json(self.body())
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(err: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as A;
        match err {
            A::Unauthorized(code, message) => Self::Unauthorized(code, message),
            A::BadRequest(code, message) => Self::BadRequest(code, message),
            A::Burned => Self::BadRequest("too_many_attempts", A::Burned.to_string()),
            A::RateLimited { retry_after_s } => Self::RateLimited {
                retry_after_s,
                limit: None,
            },
            A::Db(e) => e.into(),
            A::Internal(e) => Self::Internal(e),
        }
    }
}

impl From<onsite_actors::protocol::parse::FieldError> for ApiError {
    fn from(err: onsite_actors::protocol::parse::FieldError) -> Self {
        Self::validation(err.field, err.message)
    }
}

impl From<crate::db::ledger::LedgerError> for ApiError {
    fn from(err: crate::db::ledger::LedgerError) -> Self {
        Self::internal(err)
    }
}

impl From<crate::payments::escrow::EscrowError> for ApiError {
    fn from(err: crate::payments::escrow::EscrowError) -> Self {
        Self::internal(err)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Internal(err.into())
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(err: crate::db::PoolError) -> Self {
        tracing::error!(error = %err, "database pool unavailable");
        Self::Unavailable
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::Internal(anyhow::anyhow!("blocking task failed: {err}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(err: &ApiError) -> String {
        let bytes = err.error_response().into_body().try_into_bytes().unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn internal_errors_show_no_cause() {
        let err = ApiError::internal(anyhow::anyhow!(
            "SELECT * FROM users WHERE secret at /work/src/db.rs:42"
        ));
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_of(&err);
        assert!(body.contains(r#""code":"internal""#), "{body}");
        for leak in ["SELECT", "users", "/work", ".rs"] {
            assert!(!body.contains(leak), "{leak} leaked: {body}");
        }
        let db = ApiError::from(diesel::result::Error::NotFound);
        assert!(!body_of(&db).to_lowercase().contains("record"));
    }

    #[test]
    fn validation_errors_name_the_field() {
        let body = body_of(&ApiError::validation("email", "must be an email"));
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["error"]["code"], "validation_failed");
        assert_eq!(json["error"]["field"], "email");
    }
}

//! Cross-cutting request handling: request ids and tracing spans, and the JSON
//! shape for errors produced outside our handlers (unknown routes, wrong
//! methods, framework-level payload errors).

use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpMessage, HttpResponse};
use tracing::Instrument;

use crate::error::{ErrorBody, ErrorDetail};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, from `x-request-id` or generated.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn usable(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// Gives every request an id (the client's `x-request-id` if sane, else a new
/// UUID), runs it as a task inside a span carrying that id, and echoes the id
/// in the response.
pub async fn request_id<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| usable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    // The request runs as its own task: if the client hangs up, the work it
    // started (a query, a transaction) still finishes instead of being dropped
    // half-way, which SQLite's blocking wrapper cannot survive on actix's
    // current-thread workers.
    let task = actix_web::rt::spawn(next.call(req).instrument(span.clone()));
    let mut res = task.await.map_err(|e| {
        actix_web::Error::from(crate::error::ApiError::internal(anyhow::anyhow!(
            "request task failed: {e}"
        )))
    })??;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    crate::metrics::request(
        res.request().method().as_str(),
        res.request().match_pattern().as_deref(),
        status,
        elapsed,
    );
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, elapsed_ms, "handled"));
    Ok(res)
}

/// Rewrites any error response that is not already ours (a JSON error or an
/// HTML page) into a JSON error.
pub fn json_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Ours already: a JSON error, or one of the HTML pages mail links open
    // (actix's own errors are text/plain).
    let is_ours = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
    });
    if is_ours {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (code, message) = match status.as_u16() {
        400 => (
            "bad_request",
            "the request could not be understood".to_owned(),
        ),
        404 => ("not_found", "no such route".to_owned()),
        405 => (
            "method_not_allowed",
            "this route does not accept that method".to_owned(),
        ),
        413 => (
            "payload_too_large",
            "the request body is too large".to_owned(),
        ),
        415 => (
            "unsupported_media_type",
            "unsupported content type".to_owned(),
        ),
        s if s >= 500 => (
            "internal",
            "internal server error; quote the x-request-id response header when reporting it"
                .to_owned(),
        ),
        _ => (
            "error",
            status.canonical_reason().unwrap_or("error").to_lowercase(),
        ),
    };
    let allow = res.headers().get(header::ALLOW).cloned();
    let (req, _) = res.into_parts();
    let mut new = HttpResponse::build(status);
    if let Some(allow) = allow {
        new.insert_header((header::ALLOW, allow));
    }
    let new = new.json(ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message,
            field: None,
        },
    });
    let res: ServiceResponse<EitherBody<B>> = ServiceResponse::new(req, new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Who a role gate lets through.
#[derive(Debug, Clone, Copy)]
pub enum Only {
    Admins,
    Providers,
    Customers,
    /// Customers and providers: the parties of bookings (not admins).
    Parties,
}

impl Only {
    fn admits(self, role: crate::domain::Role) -> bool {
        use crate::domain::Role;
        matches!(
            (self, role),
            (Self::Admins, Role::Admin)
                | (Self::Providers, Role::Provider)
                | (Self::Customers, Role::Customer)
                | (Self::Parties, Role::Customer | Role::Provider)
        )
    }

    fn refusal(self) -> crate::error::ApiError {
        let (code, message) = match self {
            Self::Admins => ("admin_only", "only admins may do this"),
            Self::Providers => ("provider_only", "only provider accounts may do this"),
            Self::Customers => ("customers_only", "only customers may do this"),
            Self::Parties => ("parties_only", "only customers and providers may do this"),
        };
        crate::error::ApiError::Forbidden(code, message.into())
    }
}

/// A role gate in front of a scope, resource or route: a valid access token
/// of another role is refused with 403 before the request body is read, so
/// a caller who may not use a route learns nothing about its input. A
/// missing or invalid token passes to the handler, whose `AuthUser`
/// answers 401 (and checks the session is still live).
pub async fn only(
    who: Only,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let role = crate::extract::bearer(req.request()).and_then(|token| {
        req.app_data::<actix_web::web::Data<crate::state::AppState>>()
            .and_then(|state| state.jwt.verify(&token))
            .map(|claims| claims.role)
    });
    if let Some(role) = role {
        if !who.admits(role) {
            let (req, _) = req.into_parts();
            let res = actix_web::ResponseError::error_response(&who.refusal());
            return Ok(ServiceResponse::new(req, res).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The gate for [`Only`] `who`, ready for `.wrap(...)`.
#[macro_export]
macro_rules! only {
    ($who:ident) => {
        actix_web::middleware::from_fn(|req, next| {
            $crate::middleware::only($crate::middleware::Only::$who, req, next)
        })
    };
}

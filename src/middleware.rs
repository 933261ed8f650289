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
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, elapsed_ms, "handled"));
    Ok(res)
}

/// Rewrites any error response that is not already our JSON error into one.
pub fn json_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
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

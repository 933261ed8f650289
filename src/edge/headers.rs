//! Security headers on every response, and CORS for the origins in
//! `ONSITE_CORS_ORIGINS` (through `actix-cors`).

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;

const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000; includeSubDomains");

/// `X-Content-Type-Options`, a `Content-Security-Policy` that no page may
/// frame (a route's own stricter policy stays), `Referrer-Policy`, and HSTS
/// in production (`ONSITE_ENV=production`, served behind HTTPS).
pub async fn security(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let production = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .is_some_and(|s| s.config.env == crate::config::Environment::Production);
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if production {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    Ok(res)
}

/// Parses `ONSITE_CORS_ORIGINS`: comma-separated origins
/// (`https://console.example.com`), or `*` for any origin (bearer tokens
/// only: no cookies are used, so no credentials are allowed).
pub fn parse_origins(raw: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for origin in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if origin == "*" {
            out.push(origin.to_owned());
            continue;
        }
        let url = url::Url::parse(origin).map_err(|_| format!("`{origin}` is not an origin"))?;
        let exact = url.origin().ascii_serialization();
        if !matches!(url.scheme(), "http" | "https") || exact != origin.trim_end_matches('/') {
            return Err(format!(
                "`{origin}` is not an origin like https://console.example.com (no path)"
            ));
        }
        out.push(exact);
    }
    Ok(out)
}

/// The CORS policy: none (no `Access-Control-*` header; browsers on other
/// origins are refused) unless origins are configured.
pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::HeaderName::from_static("x-request-id"),
            header::RETRY_AFTER,
            header::HeaderName::from_static("ratelimit-limit"),
            header::HeaderName::from_static("ratelimit-remaining"),
            header::HeaderName::from_static("ratelimit-reset"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact() {
        assert_eq!(
            parse_origins("https://console.example.com, http://localhost:5173").unwrap(),
            ["https://console.example.com", "http://localhost:5173"]
        );
        assert_eq!(parse_origins("*").unwrap(), ["*"]);
        assert!(parse_origins("https://console.example.com/app").is_err());
        assert!(parse_origins("console.example.com").is_err());
        assert!(parse_origins("ftp://x.example").is_err());
    }
}

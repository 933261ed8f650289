//! The language of a request: `Accept-Language` for error messages (any
//! error answer, ours or the framework's, is translated by its code), and
//! [`RequestLang`] for handlers that send texts before an account exists.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, ACCEPT_LANGUAGE, CONTENT_LANGUAGE, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};

use super::Lang;

/// The caller's language by `Accept-Language` (`None` if it names none we speak).
pub fn requested(req: &HttpRequest) -> Option<Lang> {
    header_lang(req.headers())
}

fn header_lang(headers: &actix_web::http::header::HeaderMap) -> Option<Lang> {
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::negotiate)
}

/// The request's language (English when the header names none we speak).
pub struct RequestLang(pub Lang);

impl FromRequest for RequestLang {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self(requested(req).unwrap_or_default())))
    }
}

/// Translates the `message` of a JSON error answer into the request's
/// language when the catalogue has its code, and says so in `Content-Language`.
pub async fn localize(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lang = header_lang(req.headers()).unwrap_or_default();
    let res = next.call(req).await?.map_into_boxed_body();
    let json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if lang == Lang::En || res.status().as_u16() < 400 || !json {
        return Ok(res);
    }
    let (request, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body).await.map_err(|e| {
        actix_web::Error::from(crate::error::ApiError::internal(anyhow::anyhow!(
            "reading an error body: {e}"
        )))
    })?;
    let (mut head, body) = match translate(lang, &bytes) {
        Some(text) => {
            let mut head = head;
            head.headers_mut()
                .insert(CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
            (head, actix_web::web::Bytes::from(text))
        }
        None => (head, bytes),
    };
    head.headers_mut()
        .remove(actix_web::http::header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(
        request,
        head.set_body(body).map_into_boxed_body(),
    ))
}

fn translate(lang: Lang, body: &[u8]) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let error = value.get_mut("error")?;
    let code = error.get("code")?.as_str()?.to_owned();
    let field = error
        .get("field")
        .and_then(|f| f.as_str())
        .unwrap_or_default()
        .to_owned();
    let detail = error
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_owned();
    let text = super::lookup(
        lang,
        &format!("error-{code}"),
        &[("field", &field), ("detail", &detail)],
    )?;
    error["message"] = serde_json::Value::String(text);
    serde_json::to_string(&value).ok()
}

//! Public content and what users send in: FAQ and pages (the admins write
//! them under `/v1/admin/faq` and `/v1/admin/pages`), feedback from
//! signed-in users, "reach us" messages from anyone. Texts are plain text:
//! stored as given (validated) and returned inside JSON; clients render
//! them as text, never as HTML.

pub mod contact;
pub mod feedback;
pub mod read;

use actix_web::web;

use crate::error::{ApiError, ApiResult};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/content/faq").route(web::get().to(read::faq)))
        .service(web::resource("/v1/content/pages/{slug}").route(web::get().to(read::page)))
        .service(web::resource("/v1/feedback").route(web::post().to(feedback::send)))
        .service(
            web::resource("/v1/contact")
                .wrap(crate::limit!(ContactIp))
                .route(web::post().to(contact::send)),
        );
}

/// The default language of content.
pub const DEFAULT_LANG: &str = "en";

/// A language tag such as `en`, `fa` or `pt-BR` (`field` names it in a 400).
pub fn lang(raw: Option<&str>, field: &str) -> ApiResult<String> {
    let raw = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_LANG);
    let (primary, region) = match raw.split_once('-') {
        Some((p, r)) => (p, Some(r)),
        None => (raw, None),
    };
    let ok = (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()));
    if !ok {
        return Err(ApiError::validation(
            field,
            "must be a language tag such as en, fa or pt-BR",
        ));
    }
    Ok(match region {
        Some(r) => format!(
            "{}-{}",
            primary.to_ascii_lowercase(),
            r.to_ascii_uppercase()
        ),
        None => primary.to_ascii_lowercase(),
    })
}

/// A page's slug: 1 to 40 of `a-z`, `0-9`, `-`.
pub fn slug(raw: &str) -> ApiResult<&str> {
    if (1..=40).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Ok(raw)
    } else {
        Err(ApiError::NotFound("page"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(lang(None, "lang").unwrap(), "en");
        assert_eq!(lang(Some("FA"), "lang").unwrap(), "fa");
        assert_eq!(lang(Some("pt-br"), "lang").unwrap(), "pt-BR");
        for bad in ["e", "english", "en-", "en-USA", "1n", "en_US"] {
            assert!(lang(Some(bad), "lang").is_err(), "{bad}");
        }
    }
}

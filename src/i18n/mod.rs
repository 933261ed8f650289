//! Languages: which one a caller reads (`Accept-Language`, else the saved
//! `users.language`), the message catalogues under `locales/` (Project
//! Fluent), and numbers, money and dates written the way each reads them.
//!
//! English is the source text: the code writes it, and an id a catalogue
//! lacks falls back to it. Persian (right to left) proves the path: its
//! catalogue translates the texts and mails of sign-in, the booking
//! notifications and the error messages by code; numbers take Persian
//! digits and dates the Solar Hijri calendar.

pub mod format;
pub mod jalali;
pub mod middleware;

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The languages onsite speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fa,
}

impl Lang {
    pub const ALL: [Self; 2] = [Self::En, Self::Fa];

    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fa => "fa",
        }
    }

    /// `ltr` or `rtl`, for HTML pages.
    pub fn dir(self) -> &'static str {
        match self {
            Self::En => "ltr",
            Self::Fa => "rtl",
        }
    }

    /// `fa`, `fa-IR`, `EN-gb`...: the language part decides.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The best of an `Accept-Language` header we speak (q-values honoured,
    /// `*` and unknown tags skipped); `None` when none is.
    pub fn negotiate(header: &str) -> Option<Self> {
        let mut best: Option<(f32, usize, Self)> = None;
        for (i, part) in header.split(',').enumerate().take(20) {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Self::parse) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            // Higher q wins; among equals, the earlier.
            if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
                best = Some((q, i, lang));
            }
        }
        best.map(|(_, _, l)| l)
    }

    /// A user's saved language, else English.
    pub fn of(saved: Option<&str>) -> Self {
        saved.and_then(Self::parse).unwrap_or_default()
    }
}

struct Catalogues {
    en: FluentBundle<FluentResource>,
    fa: FluentBundle<FluentResource>,
}

fn bundle(lang: Lang, source: &'static str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Plain text (SMS, mail, JSON): no bidi isolation marks around values.
    bundle.set_use_isolating(false);
    match FluentResource::try_new(source.to_owned()) {
        Ok(resource) => {
            if let Err(errors) = bundle.add_resource(resource) {
                tracing::error!(
                    lang = lang.tag(),
                    ?errors,
                    "message catalogue has clashing ids"
                );
            }
        }
        Err((resource, errors)) => {
            tracing::error!(
                lang = lang.tag(),
                ?errors,
                "message catalogue does not parse"
            );
            let _ = bundle.add_resource(resource);
        }
    }
    bundle
}

fn catalogues() -> &'static Catalogues {
    static CATALOGUES: OnceLock<Catalogues> = OnceLock::new();
    CATALOGUES.get_or_init(|| Catalogues {
        en: bundle(Lang::En, include_str!("../../locales/en/onsite.ftl")),
        fa: bundle(Lang::Fa, include_str!("../../locales/fa/onsite.ftl")),
    })
}

/// Message `id` in `lang` with `args`, if that catalogue has it.
pub fn lookup(lang: Lang, id: &str, args: &[(&str, &str)]) -> Option<String> {
    let c = catalogues();
    let bundle = match lang {
        Lang::En => &c.en,
        Lang::Fa => &c.fa,
    };
    let pattern = bundle.get_message(id)?.value()?;
    let mut fluent_args = FluentArgs::new();
    for (k, v) in args {
        fluent_args.set(*k, FluentValue::from(*v));
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            lang = lang.tag(),
            id,
            ?errors,
            "message formatted with errors"
        );
    }
    Some(text.into_owned())
}

/// Message `id` in `lang`, else in English, else `fallback` (the source text).
pub fn text(
    lang: Lang,
    id: &str,
    args: &[(&str, &str)],
    fallback: impl FnOnce() -> String,
) -> String {
    lookup(lang, id, args)
        .or_else(|| lookup(Lang::En, id, args))
        .unwrap_or_else(fallback)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_header_picks_the_best_language_we_speak() {
        assert_eq!(Lang::negotiate("fa"), Some(Lang::Fa));
        assert_eq!(Lang::negotiate("fa-IR,fa;q=0.9,en;q=0.8"), Some(Lang::Fa));
        assert_eq!(Lang::negotiate("de-DE, en;q=0.5, fa;q=0.7"), Some(Lang::Fa));
        assert_eq!(Lang::negotiate("en-GB,fa;q=0.1"), Some(Lang::En));
        assert_eq!(Lang::negotiate("de, fr;q=0.9"), None);
        assert_eq!(Lang::negotiate("fa;q=0, en"), Some(Lang::En));
        assert_eq!(Lang::negotiate(""), None);
    }

    #[test]
    fn both_catalogues_parse_and_persian_falls_back_to_english() {
        let fa = lookup(Lang::Fa, "sms-login-code", &[("code", "123456")]).unwrap();
        assert!(fa.contains("123456") && fa.contains("کد ورود"), "{fa}");
        let en = lookup(Lang::En, "sms-login-code", &[("code", "123456")]).unwrap();
        assert!(en.starts_with("Your onsite sign-in code is 123456"), "{en}");
        assert_eq!(
            text(Lang::Fa, "no-such-id", &[], || "source".into()),
            "source"
        );
        // Every Persian message formats without errors given its arguments.
        let c = catalogues();
        let source = include_str!("../../locales/fa/onsite.ftl");
        for line in source.lines() {
            let Some((id, _)) = line.split_once(" =") else {
                continue;
            };
            if id.starts_with(|c: char| c.is_ascii_lowercase()) {
                assert!(c.fa.get_message(id.trim()).is_some(), "{id}");
            }
        }
    }
}

//! Numbers, money and dates as each language writes them.

use chrono::{DateTime, Utc};

use super::{jalali, Lang};

/// Western digits to Persian ones (and `.`/`,` to the Persian separators).
pub fn digits(lang: Lang, text: &str) -> String {
    match lang {
        Lang::En => text.to_owned(),
        Lang::Fa => text
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(0x06F0 + (c as u32 - '0' as u32)).unwrap_or(c),
                '.' => '٫',
                ',' => '٬',
                other => other,
            })
            .collect(),
    }
}

/// An amount in minor units with its currency: `ZAR 1,250.00`, `۱٬۲۵۰٫۰۰ ZAR`.
pub fn money(lang: Lang, minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let number = format!("{sign}{grouped}.{:02}", abs % 100);
    match lang {
        Lang::En => format!("{currency} {number}"),
        Lang::Fa => format!("{} {currency}", digits(lang, &number)),
    }
}

/// A moment in a time zone: `Wed 2 Dec 2026 14:30 (Africa/Johannesburg)`, or
/// in Persian the Solar Hijri date, `۱۱ آذر ۱۴۰۵، ۱۴:۳۰ (Asia/Tehran)`.
pub fn moment(lang: Lang, at: DateTime<Utc>, tz: &str) -> String {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let local = at.with_timezone(&zone);
    let name = zone.name();
    match lang {
        Lang::En => format!("{} ({name})", local.format("%a %-d %b %Y %H:%M")),
        Lang::Fa => {
            let date = local.date_naive();
            let text = match jalali::from_gregorian(date) {
                Some((y, m, d)) => format!(
                    "{d} {} {y}، {}",
                    jalali::MONTHS[(m as usize).saturating_sub(1) % 12],
                    local.format("%H:%M")
                ),
                None => local.format("%Y-%m-%d %H:%M").to_string(),
            };
            format!("{} ({name})", digits_only(&text))
        }
    }
}

/// Persian digits without touching `:` or the separators.
fn digits_only(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x06F0 + (c as u32 - '0' as u32)).unwrap_or(c),
            other => other,
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn money_and_moments_read_per_language() {
        assert_eq!(money(Lang::En, 125_000, "ZAR"), "ZAR 1,250.00");
        assert_eq!(money(Lang::Fa, 125_000, "IRR"), "۱٬۲۵۰٫۰۰ IRR");
        assert_eq!(money(Lang::En, -5, "ZAR"), "ZAR -0.05");
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 11, 0, 0).unwrap();
        assert_eq!(
            moment(Lang::En, at, "Africa/Johannesburg"),
            "Wed 2 Dec 2026 13:00 (Africa/Johannesburg)"
        );
        assert_eq!(
            moment(Lang::Fa, at, "Asia/Tehran"),
            "۱۱ آذر ۱۴۰۵، ۱۴:۳۰ (Asia/Tehran)"
        );
    }
}

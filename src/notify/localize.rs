//! Account notices in the recipient's language. Booking notices are written
//! in it from the start (`booking.rs` knows the service, the names and the
//! zone); the notices the admin handlers, chat and payouts make are written in
//! English and put into the recipient's saved language here, as they are
//! stored: from the catalogue's `notice-<kind>-title` / `-body`, with the
//! notice's own `data` as the arguments. A kind the catalogue lacks stays
//! English.

use serde_json::Value;

use super::center::Notice;
use crate::domain::NotificationKind as K;
use crate::i18n::{self, format, Lang};

/// The kinds translated here (the others are translated where they are made).
const fn made_in_english(kind: K) -> bool {
    matches!(
        kind,
        K::ProviderVerified
            | K::ProviderWithdrawn
            | K::ServiceApproved
            | K::ServiceRejected
            | K::DocumentReviewed
            | K::PayoutPaid
            | K::PayoutFailed
            | K::ComplaintMessage
            | K::ComplaintClosed
            | K::AdminMessage
            | K::ChatMessage
    )
}

/// Puts `notice` (and its mail) into `lang`, if it is one of the kinds made
/// in English and the catalogue has it.
pub fn account_notice(notice: &mut Notice, lang: Lang) {
    if lang == Lang::En || !made_in_english(notice.kind) {
        return;
    }
    let args = arguments(&notice.data, lang);
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let id = format!("notice-{}", notice.kind.as_str());
    let (Some(title), Some(body)) = (
        i18n::lookup(lang, &format!("{id}-title"), &args),
        i18n::lookup(lang, &format!("{id}-body"), &args),
    ) else {
        return;
    };
    if let Some(mail) = notice.mail.as_mut() {
        mail.subject = title.clone();
        // A link the English mail carried stays under the translated text.
        mail.body = match notice.data["url"].as_str() {
            Some(url) => format!("{body}\n\n{url}\n"),
            None => format!("{body}\n"),
        };
    }
    notice.title = title;
    notice.body = body;
}

/// The catalogue's arguments from a notice's `data`: each top-level text or
/// number (absent ones as empty text, so a message never shows a raw
/// placeholder), the chat text as `text`, and `amount` with `currency` as
/// `money` in the locale's digits.
fn arguments(data: &Value, lang: Lang) -> Vec<(&'static str, String)> {
    let text = |key: &str| match &data[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let money = match (data["amount"].as_i64(), data["currency"].as_str()) {
        (Some(amount), Some(currency)) => format::money(lang, amount, currency),
        _ => String::new(),
    };
    vec![
        ("status", text("status")),
        ("reason", text("reason")),
        ("note", text("note")),
        ("reference", text("reference")),
        (
            "text",
            data["message"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        ("money", money),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::notify::Mail;
    use serde_json::json;

    fn notice(kind: K, data: Value) -> Notice {
        Notice {
            user_id: "u".into(),
            kind,
            title: "English title".into(),
            body: "English body".into(),
            booking_id: None,
            data,
            mail: Some(Mail {
                to: "a@example.com".into(),
                subject: "English title".into(),
                body: "English body\n".into(),
            }),
        }
    }

    #[test]
    fn an_account_notice_is_put_in_persian_with_its_data() {
        let mut n = notice(
            K::PayoutPaid,
            json!({"payout_id": "p", "status": "paid", "amount": 125_000, "currency": "ZAR"}),
        );
        account_notice(&mut n, Lang::Fa);
        assert!(
            n.title.contains("۱٬۲۵۰") || n.title.contains("۱۲۵۰"),
            "{}",
            n.title
        );
        assert_eq!(n.mail.as_ref().unwrap().subject, n.title);
        let mut n = notice(
            K::DocumentReviewed,
            json!({"status": "rejected", "reason": "blurred"}),
        );
        account_notice(&mut n, Lang::Fa);
        assert!(
            n.body.contains("blurred") && n.body.contains("پذیرفته نشد"),
            "{}",
            n.body
        );
        // A missing reason leaves no placeholder behind.
        let mut n = notice(
            K::ServiceRejected,
            json!({"service_id": "s", "status": "rejected", "note": null}),
        );
        account_notice(&mut n, Lang::Fa);
        assert!(!n.body.contains('{') && !n.body.contains('$'), "{}", n.body);
    }

    #[test]
    fn english_and_booking_notices_are_left_as_made() {
        let mut n = notice(K::PayoutPaid, json!({"amount": 1, "currency": "ZAR"}));
        account_notice(&mut n, Lang::En);
        assert_eq!(n.title, "English title");
        let mut n = notice(K::BookingAccepted, json!({}));
        account_notice(&mut n, Lang::Fa);
        assert_eq!(n.title, "English title");
    }
}

//! What a booking's change tells whom, and the words for it: the service, the
//! time in the provider's time zone, the other party with a link to their
//! public profile, the address with a map link, the money, and the answer
//! deadline or the cancellation policy where they apply.

use crate::i18n::{self, format, Lang};
use chrono::NaiveDateTime;
use onsite_actors::booking::{Actor, BookingEvent, BookingState, Transition};
use onsite_actors::journal::{Cause, Change};
use serde_json::json;

use super::center::Notice;
use super::Mail;
use crate::db::{self, bookings::Booking, users::User, DbConn};
use crate::domain::NotificationKind as K;
use crate::payments::policy::{CancelPolicy, RefundRule};

/// What a notice says about the booking's move.
struct Moved<'a> {
    from: BookingState,
    to: BookingState,
    reason: Option<&'a str>,
    /// For a reminder: how long before the start.
    lead_minutes: Option<i32>,
    /// For a cancellation: the policy rule that applied and what it refunded.
    refunded: Option<(RefundRule, i64)>,
}

/// "tomorrow", "in 1 h", "in 30 min": how far ahead a reminder is.
fn lead_text(lead_minutes: Option<i32>) -> String {
    match lead_minutes.unwrap_or(0) {
        1440 => "tomorrow".to_owned(),
        m if m > 1440 && m % 1440 == 0 => format!("in {} days", m / 1440),
        60 => "in 1 h".to_owned(),
        m if m > 60 && m % 60 == 0 => format!("in {} h", m / 60),
        m => format!("in {m} min"),
    }
}

/// Both parties' reminder of a scheduled booking, `lead_minutes` before it.
pub async fn reminders(
    conn: &mut DbConn,
    public_url: &str,
    cancel: &CancelPolicy,
    b: &Booking,
    lead_minutes: i32,
) -> diesel::QueryResult<(Vec<Notice>, Vec<User>)> {
    let (details, parties) = Details::load(conn, public_url, b, true).await?;
    let moved = Moved {
        from: b.status,
        to: b.status,
        reason: None,
        lead_minutes: Some(lead_minutes),
        refunded: None,
    };
    let notices = [b.customer_id.as_str(), b.provider_id.as_str()]
        .into_iter()
        .map(|user| details.notice(user, K::BookingReminder, b, &moved, cancel))
        .collect();
    Ok((notices, parties))
}

/// Who hears of `change` (already applied to `b`) and what they are told,
/// with both parties (the recipients) as loaded for it.
pub async fn notices(
    conn: &mut DbConn,
    public_url: &str,
    cancel: &CancelPolicy,
    b: &Booking,
    t: &Transition,
    change: &Change,
    refunded: Option<(RefundRule, i64)>,
) -> diesel::QueryResult<(Vec<Notice>, Vec<User>)> {
    use BookingState as S;
    let customer = b.customer_id.as_str();
    let provider = b.provider_id.as_str();
    let mut to: Vec<(&str, K)> = Vec::new();
    if change.cause == Cause::Force {
        to.extend([(customer, K::BookingForced), (provider, K::BookingForced)]);
    } else if change.cause == Cause::Event(BookingEvent::BalanceCaptured) {
        to.push((provider, K::BalancePaid));
    } else {
        match (t.from, t.to) {
            (_, S::Requested) => to.push((provider, K::BookingRequested)),
            (S::Requested, S::Confirmed) => to.push((customer, K::BookingAccepted)),
            (S::Confirmed, S::Confirmed) => to.push((provider, K::BookingRescheduled)),
            (_, S::Declined) => to.push((customer, K::BookingDeclined)),
            (S::Requested, S::Expired) => {
                to.extend([(customer, K::BookingExpired), (provider, K::BookingExpired)])
            }
            (_, S::Expired) => to.push((customer, K::BookingExpired)),
            (_, S::EnRoute) => to.push((customer, K::ProviderEnRoute)),
            (_, S::Arrived) => to.push((customer, K::ProviderArrived)),
            (_, S::InProgress) => to.push((customer, K::JobStarted)),
            (_, S::Completed) => {
                to.extend([(customer, K::JobCompleted), (provider, K::JobCompleted)])
            }
            (_, S::Cancelled) => match change.actor {
                Actor::Customer => to.push((provider, K::BookingCancelled)),
                Actor::Provider => to.push((customer, K::BookingCancelled)),
                Actor::Admin | Actor::System => to.extend([
                    (customer, K::BookingCancelled),
                    (provider, K::BookingCancelled),
                ]),
            },
            _ => {}
        }
    }
    if to.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    // The local time matters only for a scheduled job or an answer deadline.
    let needs_zone = b.scheduled_at.is_some() || to.iter().any(|(_, k)| *k == K::BookingRequested);
    let (details, parties) = Details::load(conn, public_url, b, needs_zone).await?;
    let notices = to
        .into_iter()
        .map(|(user, kind)| {
            let moved = Moved {
                from: t.from,
                to: t.to,
                reason: change.reason.as_deref(),
                lead_minutes: None,
                refunded,
            };
            details.notice(user, kind, b, &moved, cancel)
        })
        .collect();
    Ok((notices, parties))
}

/// What every booking notice says about the booking.
struct Details {
    service: String,
    customer_name: String,
    provider_name: String,
    provider_link: String,
    /// The zone of the job (the provider's).
    timezone: String,
    /// Users who chose a zone of their own (`time_zone`, or the older
    /// `settings.timezone`; IANA names).
    user_zones: Vec<(String, String)>,
    /// Each party's saved language.
    user_langs: Vec<(String, Lang)>,
}

impl Details {
    /// Three queries at most (commits run on SQLite's one connection): both
    /// parties at once, the service, and the provider's zone when it matters.
    /// A party who set `settings.timezone` (an IANA name, through
    /// `PATCH /v1/me`) reads times in that zone instead.
    async fn load(
        conn: &mut DbConn,
        public_url: &str,
        b: &Booking,
        needs_zone: bool,
    ) -> diesel::QueryResult<(Self, Vec<User>)> {
        let parties = db::users::find_many(conn, &[&b.customer_id, &b.provider_id]).await?;
        let name = |id: &str| {
            parties
                .iter()
                .find(|u| u.id == id)
                .map(|u| {
                    format!("{} {}", u.first_name, u.last_name)
                        .trim()
                        .to_owned()
                })
                .unwrap_or_default()
        };
        let customer_name = name(&b.customer_id);
        let provider_name = name(&b.provider_id);
        let service = db::services::find(conn, &b.service_id)
            .await?
            .map(|s| s.title)
            .unwrap_or_else(|| "your booking".to_owned());
        let timezone = if needs_zone {
            db::providers::find(conn, &b.provider_id)
                .await?
                .map(|p| p.timezone)
                .unwrap_or_else(|| "UTC".to_owned())
        } else {
            "UTC".to_owned()
        };
        let user_zones = parties
            .iter()
            .filter_map(|u| {
                let settings: serde_json::Value = serde_json::from_str(&u.settings).ok()?;
                let tz = u
                    .time_zone
                    .clone()
                    .or_else(|| settings["timezone"].as_str().map(str::to_owned))?;
                tz.parse::<chrono_tz::Tz>().ok()?;
                Some((u.id.clone(), tz))
            })
            .collect();
        let user_langs = parties
            .iter()
            .map(|u| (u.id.clone(), Lang::of(u.language.as_deref())))
            .collect();
        let details = Self {
            user_zones,
            user_langs,
            service,
            customer_name,
            provider_name,
            provider_link: format!("{public_url}/v1/providers/{}", b.provider_id),
            timezone,
        };
        Ok((details, parties))
    }

    fn notice(
        &self,
        user: &str,
        kind: K,
        b: &Booking,
        t: &Moved<'_>,
        cancel: &CancelPolicy,
    ) -> Notice {
        let to_provider = user == b.provider_id;
        // Times read in the recipient's own zone if they chose one, else the job's.
        let tz = self
            .user_zones
            .iter()
            .find(|(id, _)| id == user)
            .map_or(self.timezone.as_str(), |(_, tz)| tz.as_str());
        let when = local_time(b.scheduled_at, tz);
        let money = format!("{} {}", amount(b.paid_amount()), b.currency);
        let map = format!(
            "https://www.openstreetmap.org/?mlat={:.6}&mlon={:.6}",
            b.location_lat, b.location_lng
        );
        let reason = t
            .reason
            .map(|r| format!(" Reason: {r}."))
            .unwrap_or_default();
        let (mut title, mut body) = match kind {
            K::BookingRequested => (
                format!("New request: {}", self.service),
                format!(
                    "{} asks for {} ({}), {}. Answer by {}.",
                    self.customer_name,
                    self.service,
                    b.reference,
                    when,
                    local_time(b.respond_by, tz)
                ),
            ),
            K::BookingAccepted => (
                format!("{} accepted your booking", self.provider_name),
                format!(
                    "{} ({}) is confirmed for {}.",
                    self.service, b.reference, when
                ),
            ),
            K::BookingDeclined => (
                "Your request was declined".to_owned(),
                format!(
                    "{} declined {} ({}). You are refunded {money} in full.",
                    self.provider_name, self.service, b.reference
                ),
            ),
            K::BookingExpired if to_provider => (
                "A request expired".to_owned(),
                format!(
                    "{} ({}) was not answered in time; the customer is refunded.",
                    self.service, b.reference
                ),
            ),
            K::BookingExpired => (
                "Your booking expired".to_owned(),
                if t.from == BookingState::PendingPayment {
                    format!("{} ({}) was not paid in time.", self.service, b.reference)
                } else {
                    format!(
                        "{} ({}) was not answered in time. You are refunded {money} in full.",
                        self.service, b.reference
                    )
                },
            ),
            K::BookingCancelled => (
                format!("Booking {} was cancelled", b.reference),
                format!(
                    "{} for {} was cancelled.{reason} {}",
                    self.service,
                    when,
                    refund_text(t.refunded, &b.currency, to_provider, cancel)
                ),
            ),
            K::BalancePaid => (
                format!("Balance paid for {}", b.reference),
                format!(
                    "{} paid the balance of {} ({}): {money} is now held for the job.",
                    self.customer_name, self.service, b.reference
                ),
            ),
            K::BookingRescheduled => (
                format!("Booking {} moved", b.reference),
                format!("{} moved {} to {}.", self.customer_name, self.service, when),
            ),
            K::ProviderEnRoute => (
                format!("{} is on the way", self.provider_name),
                format!("Follow them live in the app ({}).", b.reference),
            ),
            K::ProviderArrived => (
                format!("{} has arrived", self.provider_name),
                format!(
                    "{} is at the door for {}.",
                    self.provider_name, self.service
                ),
            ),
            K::JobStarted => (
                format!("{} started", self.service),
                format!("{} started the job ({}).", self.provider_name, b.reference),
            ),
            K::JobCompleted => (
                format!("{} is done", self.service),
                format!(
                    "Receipt for {}: {} {} plus a tip of {} {}, {money} in all, paid.",
                    b.reference,
                    amount(b.total_amount),
                    b.currency,
                    amount(b.tip_amount),
                    b.currency
                ),
            ),
            K::BookingForced => (
                format!("Booking {} was changed by support", b.reference),
                format!("It is now {}.{reason}", t.to),
            ),
            K::BookingReminder => (
                format!("Reminder: {} {}", self.service, lead_text(t.lead_minutes)),
                format!(
                    "{} with {} ({}) starts {}.",
                    self.service,
                    if to_provider {
                        &self.customer_name
                    } else {
                        &self.provider_name
                    },
                    b.reference,
                    when
                ),
            ),
            // Not caused by a transition (see `money` and the admin handlers).
            K::PaymentFailed
            | K::RefundIssued
            | K::ProviderVerified
            | K::ProviderWithdrawn
            | K::ServiceApproved
            | K::ServiceRejected
            | K::ChatMessage
            | K::AdminMessage
            | K::ComplaintMessage
            | K::ComplaintClosed
            | K::DocumentReviewed
            | K::PayoutPaid
            | K::PayoutFailed => (
                format!("Booking {}", b.reference),
                format!("It is now {}.", t.to),
            ),
        };
        // In the recipient's language, where its catalogue has this notice.
        let lang = self
            .user_langs
            .iter()
            .find(|(id, _)| id == user)
            .map_or(Lang::En, |(_, l)| *l);
        if lang != Lang::En {
            let when = b.scheduled_at.map_or_else(
                || i18n::text(lang, "notice-asap", &[], || "as soon as possible".into()),
                |at| format::moment(lang, db::utc(at), tz),
            );
            let money = format::money(lang, b.paid_amount(), &b.currency);
            // References stay as printed on the invoice, for support.
            let reference = b.reference.clone();
            let args = [
                ("provider", self.provider_name.as_str()),
                ("customer", self.customer_name.as_str()),
                ("service", self.service.as_str()),
                ("reference", reference.as_str()),
                ("when", when.as_str()),
                ("money", money.as_str()),
            ];
            let id = format!("notice-{}", kind.as_str());
            if let (Some(t), Some(d)) = (
                i18n::lookup(lang, &format!("{id}-title"), &args),
                i18n::lookup(lang, &format!("{id}-body"), &args),
            ) {
                title = t;
                body = d;
            }
        }
        // A job booked by deposit still owes its balance: say so when it starts.
        if kind == K::JobStarted && b.balance_due() > 0 {
            let due = if lang == Lang::En {
                format!("{} {}", amount(b.balance_due()), b.currency)
            } else {
                format::money(lang, b.balance_due(), &b.currency)
            };
            let owed = i18n::text(
                lang,
                "notice-balance-due",
                &[("money", due.as_str())],
                || format!("The balance of {due} is due before the job is completed."),
            );
            body = format!("{body} {owed}");
        }
        let other = if to_provider {
            json!({"id": b.customer_id, "name": self.customer_name})
        } else {
            json!({"id": b.provider_id, "name": self.provider_name, "profile_url": self.provider_link})
        };
        let mut data = json!({
            "booking_id": b.id,
            "reference": b.reference,
            "status": t.to,
            "service": {"id": b.service_id, "title": self.service},
            "scheduled_at": b.scheduled_at.map(db::utc),
            "timezone": tz,
            "address": b.address,
            "location": {"lat": b.location_lat, "lng": b.location_lng},
            "map_url": map,
            "price": {"amount": b.total_amount, "currency": b.currency},
            "tip": {"amount": b.tip_amount, "currency": b.currency},
            "balance_due": {"amount": b.balance_due(), "currency": b.currency},
            "payment": payment_state(b, t),
            "other_party": other,
        });
        if kind == K::BookingRequested {
            data["respond_by"] = json!(b.respond_by.map(db::utc));
            data["actions"] = json!({
                "accept": format!("/v1/bookings/{}/accept", b.id),
                "decline": format!("/v1/bookings/{}/decline", b.id),
            });
        }
        let mail = Mail {
            to: String::new(),
            subject: title.clone(),
            body: format!(
                "{body}\n\n\
                 Booking: {reference}\n\
                 Service: {service}\n\
                 When: {when}\n\
                 Where: {address}\n\
                 Map: {map}\n\
                 Price: {price} {currency} (tip {tip} {currency}), {payment}\n\
                 {other_label}: {other_name}{link}\n",
                reference = b.reference,
                service = self.service,
                when = when,
                address = b.address.as_deref().unwrap_or("the booked location"),
                price = amount(b.total_amount),
                tip = amount(b.tip_amount),
                payment = payment_text(payment_state(b, t)),
                currency = b.currency,
                other_label = if to_provider { "Customer" } else { "Provider" },
                other_name = if to_provider {
                    &self.customer_name
                } else {
                    &self.provider_name
                },
                link = if to_provider {
                    String::new()
                } else {
                    format!(" ({})", self.provider_link)
                },
            ),
        };
        Notice {
            user_id: user.to_owned(),
            kind,
            title,
            body,
            booking_id: Some(b.id.clone()),
            data,
            mail: Some(mail),
        }
    }
}

/// A money event of a booking that is not a transition: a refused card
/// (`PaymentFailed`, with the gateway's code) or a refund that reached the
/// card (`RefundIssued`, with its amount), to the customer.
/// In the customer's saved language.
pub async fn money(
    conn: &mut DbConn,
    b: &Booking,
    kind: K,
    amount_minor: i64,
    code: Option<&str>,
) -> diesel::QueryResult<Notice> {
    let lang = db::users::find(conn, &b.customer_id)
        .await?
        .map_or(Lang::En, |u| Lang::of(u.language.as_deref()));
    let (mut title, mut body) = match kind {
        K::RefundIssued => (
            format!("Refund of {} {}", amount(amount_minor), b.currency),
            format!(
                "{} {} for {} is on its way back to your card.",
                amount(amount_minor),
                b.currency,
                b.reference
            ),
        ),
        _ => (
            "Your payment did not go through".to_owned(),
            format!(
                "The card was refused ({}); {} still awaits payment.",
                code.unwrap_or("declined"),
                b.reference
            ),
        ),
    };
    if lang != Lang::En {
        let money = format::money(lang, amount_minor, &b.currency);
        let args = [
            ("money", money.as_str()),
            ("reference", b.reference.as_str()),
            ("code", code.unwrap_or("declined")),
        ];
        let id = format!("notice-{}", kind.as_str());
        if let (Some(t), Some(d)) = (
            i18n::lookup(lang, &format!("{id}-title"), &args),
            i18n::lookup(lang, &format!("{id}-body"), &args),
        ) {
            title = t;
            body = d;
        }
    }
    Ok(Notice {
        user_id: b.customer_id.clone(),
        kind,
        title: title.clone(),
        body: body.clone(),
        booking_id: Some(b.id.clone()),
        data: json!({
            "booking_id": b.id,
            "reference": b.reference,
            "amount": {"amount": amount_minor, "currency": b.currency},
            "code": code,
        }),
        mail: Some(Mail {
            to: String::new(),
            subject: title,
            body: format!("{body}\n"),
        }),
    })
}

/// What a cancellation did with the money, as the rule that applied decided it.
fn refund_text(
    refunded: Option<(RefundRule, i64)>,
    currency: &str,
    to_provider: bool,
    cancel: &CancelPolicy,
) -> String {
    let Some((rule, refunded)) = refunded else {
        return "Nothing was paid, so nothing is refunded.".to_owned();
    };
    let money = format!("{} {currency}", amount(refunded));
    let why = match rule {
        RefundRule::BeforeCutoff => {
            format!(
                "in full, more than {} h before the start",
                cancel.cutoff.num_hours()
            )
        }
        RefundRule::LateCancellation => format!(
            "{}% of what was paid, less than {} h before the start",
            cancel.late_refund_bps / 100,
            cancel.cutoff.num_hours()
        ),
        RefundRule::AfterArrival => "nothing, after the provider arrived".to_owned(),
        RefundRule::StillRequested => "in full, before the provider answered".to_owned(),
        RefundRule::ProviderCancelled => "in full, the provider cancelled".to_owned(),
        RefundRule::AdminCancelled => "in full, support cancelled".to_owned(),
        other => other.to_string(),
    };
    if to_provider {
        format!("The customer is refunded {money} ({why}).")
    } else {
        format!("You are refunded {money} ({why}).")
    }
}

/// Minor units as a decimal amount (`15000` -> `150.00`).
fn amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// Where the customer's money is once the booking moved: `unpaid`,
/// `in_escrow`, `released` (to the provider, on completion), `refunded`,
/// `partly_refunded` or `not_refunded` (a cancellation the policy did not refund).
fn payment_state(b: &Booking, t: &Moved<'_>) -> &'static str {
    use BookingState as S;
    let paid = b.paid_amount();
    match (t.from, t.to, t.refunded) {
        (_, S::PendingPayment, _) | (S::PendingPayment, S::Expired | S::Cancelled, _) => "unpaid",
        (_, S::Completed, _) => "released",
        (_, S::Cancelled, Some((_, 0))) => "not_refunded",
        (_, S::Cancelled, Some((_, r))) if r < paid => "partly_refunded",
        (_, S::Declined | S::Expired | S::Cancelled, _) => "refunded",
        _ => "in_escrow",
    }
}

fn payment_text(state: &str) -> &'static str {
    match state {
        "unpaid" => "not paid",
        "released" => "paid to the provider",
        "not_refunded" => "not refunded under the cancellation policy",
        "partly_refunded" => "partly refunded",
        "refunded" => "refunded in full",
        _ => "held safely until the job is done",
    }
}

/// A stored UTC time in `tz` (`Tue 1 Dec 14:30 (Africa/Johannesburg)`), or
/// "as soon as possible" for an on-demand job.
fn local_time(at: Option<NaiveDateTime>, tz: &str) -> String {
    let Some(at) = at else {
        return "as soon as possible".to_owned();
    };
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => format!(
            "{} ({tz})",
            at.and_utc()
                .with_timezone(&zone)
                .format("%a %-d %b %Y %H:%M")
        ),
        Err(_) => format!("{} (UTC)", at.and_utc().format("%a %-d %b %Y %H:%M")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_local_times_read_as_people_write_them() {
        assert_eq!(amount(15_000), "150.00");
        assert_eq!(amount(5), "0.05");
        assert_eq!(amount(-250), "-2.50");
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T12:30:00Z")
            .map(|d| d.naive_utc())
            .ok();
        assert_eq!(
            local_time(at, "Africa/Johannesburg"),
            "Tue 1 Dec 2026 14:30 (Africa/Johannesburg)"
        );
        assert_eq!(local_time(None, "UTC"), "as soon as possible");
    }
}

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::views::LocationView;
use crate::db::{self, bookings::Booking};
use crate::domain::Money;

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceView {
    /// The service's base price.
    pub base: Money,
    /// Job-size multiplier (1.0, 1.5, 2.0; for custom jobs the custom price is the total).
    pub multiplier: f64,
    /// What the customer pays before any tip.
    pub total: Money,
    /// What is paid to book it, when the service asks a deposit (`null`: the
    /// whole total is paid to book).
    pub deposit: Option<Money>,
    /// What is still owed of the total (the balance after a deposit, until
    /// it is paid; paid with `POST /v1/payments/intents` like the deposit).
    /// The job cannot complete while it is above zero.
    pub balance_due: Money,
    /// When the balance was paid.
    pub balance_paid_at: Option<DateTime<Utc>>,
}

/// A booking as one of its parties (or an admin) sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingView {
    pub id: String,
    /// Human reference, `BK-` and six characters.
    pub reference: String,
    /// `pending_payment`, `requested`, `confirmed`, `en_route`, `arrived`,
    /// `in_progress`, `completed`, `declined`, `expired` or `cancelled`.
    pub status: onsite_actors::booking::BookingState,
    pub customer_id: String,
    pub provider_id: String,
    pub service_id: String,
    /// Start of the job; `null` for on-demand bookings.
    pub scheduled_at: Option<DateTime<Utc>>,
    pub duration_minutes: i32,
    pub location: LocationView,
    pub notes: Option<String>,
    /// `small`, `medium`, `large` or `custom`.
    pub job_size: crate::payments::policy::JobSize,
    pub price: PriceView,
    pub tip: Money,
    /// The provider's queue number for the day.
    pub token_number: i32,
    pub token_date: String,
    /// Your own chat token (customers get it on payment, providers on accept).
    pub chat_token: Option<String>,
    pub chat_active: bool,
    pub payment_due_at: Option<DateTime<Utc>>,
    pub respond_by: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    /// The latest journal sequence number.
    pub seq: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The job's SLA once it started (in the booking's own view, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaView>,
}

/// How the job kept to its estimated duration.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaView {
    pub started_at: DateTime<Utc>,
    pub estimated_minutes: i32,
    /// From start to completion, whole minutes rounded up (`null` until completed).
    pub actual_minutes: Option<i32>,
    /// Ran over the estimate plus the grace (`null` until completed).
    pub breached: Option<bool>,
    /// Taken from the provider's payout and refunded to the customer.
    pub penalty: Money,
}

impl BookingView {
    /// With the job's SLA, when it started.
    pub fn with_sla(mut self, sla: Option<crate::db::sla::SlaRow>, currency: &str) -> Self {
        self.sla = sla.map(|s| SlaView {
            started_at: db::utc(s.started_at),
            estimated_minutes: s.estimated_minutes,
            actual_minutes: s.actual_minutes,
            breached: s.breached,
            penalty: Money::new(s.penalty, currency),
        });
        self
    }

    /// The view for `viewer` (their own chat token only; admins see none).
    pub fn new(b: &Booking, viewer: &str) -> Self {
        let chat_token = if viewer == b.customer_id {
            b.customer_chat_token.clone()
        } else if viewer == b.provider_id {
            b.provider_chat_token.clone()
        } else {
            None
        };
        let chat_active = b.status.chat_active();
        Self {
            id: b.id.clone(),
            reference: b.reference.clone(),
            status: b.status,
            customer_id: b.customer_id.clone(),
            provider_id: b.provider_id.clone(),
            service_id: b.service_id.clone(),
            scheduled_at: b.scheduled_at.map(db::utc),
            duration_minutes: b.duration_minutes,
            location: LocationView {
                lat: b.location_lat,
                lng: b.location_lng,
                address: b.address.clone(),
            },
            notes: b.notes.clone(),
            job_size: b.job_size,
            price: PriceView {
                base: Money::new(b.base_amount, &b.currency),
                multiplier: f64::from(b.multiplier_bps) / 10_000.0,
                total: Money::new(b.total_amount, &b.currency),
                deposit: (b.deposit_amount > 0).then(|| Money::new(b.deposit_amount, &b.currency)),
                balance_due: Money::new(b.balance_due(), &b.currency),
                balance_paid_at: b.balance_paid_at.map(db::utc),
            },
            tip: Money::new(b.tip_amount, &b.currency),
            token_number: b.token_number,
            token_date: b.token_date.clone(),
            chat_token,
            chat_active,
            payment_due_at: b.payment_due_at.map(db::utc),
            respond_by: b.respond_by.map(db::utc),
            cancel_reason: b.cancel_reason.clone(),
            seq: b.last_seq,
            created_at: db::utc(b.created_at),
            updated_at: db::utc(b.updated_at),
            completed_at: b.completed_at.map(db::utc),
            sla: None,
        }
    }
}

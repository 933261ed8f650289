use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, payments::Payment};
use crate::domain::Money;

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: String,
    pub booking_id: String,
    /// What it pays of the booking's price (`purpose`) plus the tip.
    pub amount: Money,
    /// `full` (the whole price, to book), `deposit` (to book) or `balance`
    /// (the rest after a deposit).
    pub purpose: crate::payments::policy::PaymentPurpose,
    pub tip: Money,
    pub status: onsite_actors::payment::PaymentStatus,
    pub failure_code: Option<String>,
    pub refunded: Money,
    pub created_at: DateTime<Utc>,
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        Self {
            id: p.id.clone(),
            booking_id: p.booking_id.clone(),
            amount: Money::new(p.amount, &p.currency),
            purpose: p.purpose,
            tip: Money::new(p.tip_amount, &p.currency),
            status: p.status,
            failure_code: p.failure_code.clone(),
            refunded: Money::new(p.refunded_amount, &p.currency),
            created_at: db::utc(p.created_at),
        }
    }
}

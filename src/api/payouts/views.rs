//! What the API shows of a payout.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, payouts::PayoutRow};
use crate::domain::{Money, PayoutStatus};

#[derive(Serialize, ToSchema)]
pub struct PayoutView {
    pub id: String,
    pub provider_id: String,
    pub amount: Money,
    /// `requested`, `paid` or `failed` (the money is back in the wallet).
    pub status: PayoutStatus,
    /// Where it goes.
    pub destination: String,
    /// Set once it may be sent: by an admin, or at once (`auto`).
    pub approved_at: Option<DateTime<Utc>>,
    /// The sender's reference for the transfer, once paid.
    pub reference: Option<String>,
    /// Why it failed (or why the last send could not be made).
    pub failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

impl From<&PayoutRow> for PayoutView {
    fn from(p: &PayoutRow) -> Self {
        Self {
            id: p.id.clone(),
            provider_id: p.provider_id.clone(),
            amount: Money::new(p.amount, &p.currency),
            status: p.status,
            destination: p.destination.clone(),
            approved_at: p.approved_at.map(db::utc),
            reference: p.reference.clone(),
            failure: p.failure.clone(),
            created_at: db::utc(p.created_at),
            settled_at: p.settled_at.map(db::utc),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PayoutPage {
    /// Newest first.
    pub items: Vec<PayoutView>,
    pub next_cursor: Option<String>,
}

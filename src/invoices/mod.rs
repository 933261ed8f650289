//! Invoices: what a completed booking cost, as a document the customer (or
//! the provider, with the commission) can keep. The number and the issue
//! date are fixed when the job completes (`db::invoices::issue`, in the
//! completion's transaction); the lines are read from the booking and the
//! ledger, so a refund made later (a resolved complaint) shows on it.

pub mod html;
pub mod pdf;

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::PlatformConfig;
use crate::db::{self, bookings::Booking, ledger, DbConn};
use crate::domain::Money;
use crate::payments::policy::JobSize;
use onsite_actors::payment::RefundStatus;

/// Whose copy: the customer's (what was paid) or the provider's (what was
/// earned, after the platform's commission).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Copy {
    Customer,
    Provider,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Party {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Issuer {
    pub name: String,
    pub address: Vec<String>,
    pub tax_id: Option<String>,
    pub email: String,
}

/// One line: what it is for and its amount (negative for refunds and the commission).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Line {
    pub description: String,
    pub amount: Money,
}

/// A booking's invoice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceDoc {
    /// `INV-YYYYMMDD-NNNNN`, consecutive and never reused.
    pub number: String,
    pub issued_at: NaiveDateTime,
    pub copy: Copy,
    pub booking_id: String,
    pub booking_reference: String,
    pub service: String,
    pub completed_at: Option<NaiveDateTime>,
    pub address: Option<String>,
    pub issuer: Issuer,
    pub customer: Party,
    pub provider: Party,
    /// What was charged: the base price, the job size's part, the tip.
    pub lines: Vec<Line>,
    pub total_charged: Money,
    /// Money given back (cancellation policy, SLA penalty, complaints).
    pub refunds: Vec<Line>,
    /// What the customer paid in the end: charged less refunds.
    pub total_paid: Money,
    /// Provider's copy: the platform's commission (negative).
    pub commission: Option<Line>,
    /// Provider's copy: what reached the provider's wallet.
    pub earnings: Option<Money>,
    /// Still held in escrow (a payment complaint is open), if anything.
    pub held: Option<Money>,
}

impl InvoiceDoc {
    /// The file name a download or an attachment gets.
    pub fn file_name(&self, ext: &str) -> String {
        format!("{}.{ext}", self.number)
    }
}

fn name_of(u: Option<&db::users::User>) -> Party {
    match u {
        Some(u) => Party {
            name: format!("{} {}", u.first_name, u.last_name)
                .trim()
                .to_owned(),
            email: u.email.clone().unwrap_or_default(),
        },
        None => Party {
            name: "(account closed)".into(),
            email: String::new(),
        },
    }
}

/// The multiplier of a job size in basis points, as people read it: `x1.5`.
fn multiplier(bps: i32) -> String {
    let whole = bps / 10_000;
    let frac = (bps % 10_000).abs();
    if frac == 0 {
        format!("x{whole}")
    } else {
        let s = format!("{frac:04}");
        format!("x{whole}.{}", s.trim_end_matches('0'))
    }
}

/// Assembles the invoice of a completed booking, or `None` if it has none.
pub async fn load(
    conn: &mut DbConn,
    platform: &PlatformConfig,
    b: &Booking,
    copy: Copy,
) -> diesel::QueryResult<Option<InvoiceDoc>> {
    let Some(invoice) = db::invoices::for_booking(conn, &b.id).await? else {
        return Ok(None);
    };
    let service = db::services::find(conn, &b.service_id)
        .await?
        .map(|s| s.title)
        .unwrap_or_else(|| "Service".into());
    let parties = db::users::find_many(conn, &[&b.customer_id, &b.provider_id]).await?;
    let party = |id: &str| name_of(parties.iter().find(|u| u.id == id));
    let money = |amount: i64| Money {
        amount,
        currency: b.currency.clone(),
    };
    let mut lines = Vec::new();
    if b.job_size == JobSize::Custom {
        lines.push(Line {
            description: format!("{service} (agreed price)"),
            amount: money(b.total_amount),
        });
    } else {
        lines.push(Line {
            description: format!("{service} (base price)"),
            amount: money(b.base_amount),
        });
        if b.total_amount != b.base_amount {
            lines.push(Line {
                description: format!(
                    "Job size: {} ({})",
                    b.job_size.as_str(),
                    multiplier(b.multiplier_bps)
                ),
                amount: money(b.total_amount - b.base_amount),
            });
        }
    }
    if b.tip_amount > 0 {
        lines.push(Line {
            description: "Tip (all of it for the provider)".into(),
            amount: money(b.tip_amount),
        });
    }
    // All of it, or only the deposit when an admin completed a job whose
    // balance was never paid (which says so).
    if b.balance_unpaid() > 0 {
        lines.push(Line {
            description: "Balance after the deposit, not paid".into(),
            amount: money(-b.balance_unpaid()),
        });
    }
    let charged = b.paid_amount();
    let refunds: Vec<Line> = db::payments::refunds_for(conn, &b.id)
        .await?
        .into_iter()
        .filter(|r| r.status != RefundStatus::Failed)
        .map(|r| Line {
            description: format!("Refund: {}", r.rule.as_str().replace('_', " ")),
            amount: money(-r.amount),
        })
        .collect();
    let refunded: i64 = refunds.iter().map(|l| -l.amount.amount).sum();
    let held = ledger::booking_sum(conn, &b.id, ledger::ESCROW).await?;
    let (commission, earnings) = match copy {
        Copy::Customer => (None, None),
        Copy::Provider => {
            let commission = ledger::booking_sum(conn, &b.id, ledger::COMMISSION).await?;
            let earned =
                ledger::booking_sum(conn, &b.id, &ledger::provider(&b.provider_id)).await?;
            (
                Some(Line {
                    description: format!(
                        "Platform commission ({}% of the price)",
                        percent(b.commission_bps)
                    ),
                    amount: money(-commission),
                }),
                Some(money(earned)),
            )
        }
    };
    Ok(Some(InvoiceDoc {
        number: invoice.number,
        issued_at: invoice.issued_at,
        copy,
        booking_id: b.id.clone(),
        booking_reference: b.reference.clone(),
        service,
        completed_at: b.completed_at,
        address: b.address.clone(),
        issuer: Issuer {
            name: platform.name.clone(),
            address: platform.address.clone(),
            tax_id: platform.tax_id.clone(),
            email: platform.email.clone(),
        },
        customer: party(&b.customer_id),
        provider: party(&b.provider_id),
        lines,
        total_charged: money(charged),
        refunds,
        total_paid: money(charged - refunded),
        commission,
        earnings,
        held: (held > 0).then(|| money(held)),
    }))
}

/// Basis points as a percentage without needless decimals: 1500 -> `15`, 1250 -> `12.5`.
fn percent(bps: i32) -> String {
    let s = format!("{}.{:02}", bps / 100, (bps % 100).abs());
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_and_percentages_read_as_people_write_them() {
        assert_eq!(multiplier(15_000), "x1.5");
        assert_eq!(multiplier(20_000), "x2");
        assert_eq!(multiplier(12_500), "x1.25");
        assert_eq!(percent(1500), "15");
        assert_eq!(percent(1250), "12.5");
        assert_eq!(percent(5), "0.05");
    }
}

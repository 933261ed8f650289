//! How money is decided: the price fixed when a booking is born, the
//! deposit it may be booked with, the commission on completion and the
//! cancellation policy. Pure integer arithmetic in minor units, rounding half up.
//!
//! A booking's escrow holds what has been paid for it: the whole price (plus
//! any tip), or only the deposit until the balance is paid. Every split below
//! works on what is held, never on a price that was not paid.

use chrono::{Duration, NaiveDateTime};
use onsite_actors::booking::{Actor, BookingState};
use onsite_actors::{named_enum, text_column};

named_enum! {
    /// Which rule decided a refund (`refunds.rule`).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum RefundRule ("refund rule") {
        /// The provider declined: everything back.
        Declined = "declined",
        /// Nobody answered in time: everything back.
        Expired = "expired",
        /// Any other full refund the state machine asks for.
        RefundInFull = "refund_in_full",
        /// The provider cancelled: everything back.
        ProviderCancelled = "provider_cancelled",
        /// An admin (or the system) cancelled: everything back.
        AdminCancelled = "admin_cancelled",
        /// The customer cancelled before the provider answered: everything back.
        StillRequested = "still_requested",
        /// The customer cancelled after the provider arrived: nothing back.
        AfterArrival = "after_arrival",
        /// The customer cancelled before the cut-off: everything back.
        BeforeCutoff = "before_cutoff",
        /// The customer cancelled after the cut-off: the late share back.
        LateCancellation = "late_cancellation",
        /// The job ran over its SLA: the configured penalty back.
        SlaPenalty = "sla_penalty",
        /// An admin resolved a payment complaint with a refund.
        Dispute = "dispute",
    }
}

text_column!(RefundRule);

named_enum! {
    /// How big the job is: it fixes the price from the service's base price.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum JobSize ("job size") {
        /// The base price.
        Small = "small",
        /// 1.5 x the base price.
        Medium = "medium",
        /// 2 x the base price.
        Large = "large",
        /// A price agreed beforehand (`custom_price`).
        Custom = "custom",
    }
}

text_column!(JobSize);

impl JobSize {
    /// Price multiplier in basis points (custom jobs are priced by `custom_price`).
    pub const fn multiplier_bps(self) -> i32 {
        match self {
            Self::Small | Self::Custom => 10_000,
            Self::Medium => 15_000,
            Self::Large => 20_000,
        }
    }
}

named_enum! {
    /// What a payment pays for (`payments.purpose`).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum PaymentPurpose ("payment purpose") {
        /// The whole price, to book.
        Full = "full",
        /// The service's deposit, to book.
        Deposit = "deposit",
        /// The rest of the price after a deposit, before the job can complete.
        Balance = "balance",
    }
}

text_column!(PaymentPurpose);

/// What a service asks up front to book it: `{"percent": 30}` (a whole
/// percent of the booking's price, 1 to 99) or `{"fixed": 5000}` (minor units
/// of the service's currency, less than its price). The rest, the balance, is
/// paid before the job completes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DepositRule {
    Percent(i32),
    Fixed(i64),
}

impl DepositRule {
    /// The rule stored as `services.deposit_percent` / `deposit_fixed`.
    pub fn from_columns(percent: Option<i32>, fixed: Option<i64>) -> Option<Self> {
        match (percent, fixed) {
            (Some(p), _) => Some(Self::Percent(p)),
            (None, Some(a)) => Some(Self::Fixed(a)),
            (None, None) => None,
        }
    }

    /// The two columns for `rule` (both `None` for no deposit).
    pub fn columns(rule: Option<Self>) -> (Option<i32>, Option<i64>) {
        match rule {
            Some(Self::Percent(p)) => (Some(p), None),
            Some(Self::Fixed(a)) => (None, Some(a)),
            None => (None, None),
        }
    }

    /// Why the rule cannot apply to a service priced `price`, if it cannot.
    pub fn check(self, price: i64) -> Result<Self, &'static str> {
        match self {
            Self::Percent(p) if !(1..=99).contains(&p) => Err("percent must be from 1 to 99"),
            Self::Fixed(a) if a < 1 => Err("fixed must be at least 1"),
            Self::Fixed(a) if a >= price => Err("fixed must be less than the price"),
            rule => Ok(rule),
        }
    }
}

/// The deposit a booking priced `total` is booked with under `rule`: 0 (the
/// whole price is paid to book) without a rule, or when the rule would ask
/// nothing or everything (a fixed deposit above a small job's price).
pub fn deposit(rule: Option<DepositRule>, total: i64) -> i64 {
    let asked = match rule {
        None => 0,
        Some(DepositRule::Percent(p)) => bps_of(total, u32::try_from(p).unwrap_or(0) * 100),
        Some(DepositRule::Fixed(amount)) => amount,
    };
    if asked <= 0 || asked >= total {
        0
    } else {
        asked
    }
}

/// A booking's price, fixed at creation, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// The service's base price.
    pub base: i64,
    pub multiplier_bps: i32,
    /// What the customer pays (before any tip).
    pub total: i64,
}

/// Why a price could not be fixed (each names the request field at fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("must be in {0}")]
    WrongCurrency(String),
    #[error("is required for a custom job")]
    CustomWithoutPrice,
    #[error("is only for job_size custom")]
    PriceWithoutCustom,
    #[error("is too large")]
    TooLarge,
}

/// The price of a job of `size` on a service priced `base` in `currency`;
/// `custom` is the agreed price (amount, currency) of a custom job. The
/// client's own idea of the price is never an input.
pub fn price(
    size: JobSize,
    base: i64,
    currency: &str,
    custom: Option<(i64, &str)>,
) -> Result<Price, PriceError> {
    let total = match (size, custom) {
        (JobSize::Custom, Some((amount, cur))) if cur == currency => amount,
        (JobSize::Custom, Some(_)) => return Err(PriceError::WrongCurrency(currency.to_owned())),
        (JobSize::Custom, None) => return Err(PriceError::CustomWithoutPrice),
        (_, Some(_)) => return Err(PriceError::PriceWithoutCustom),
        (size, None) => {
            let total = i128::from(base) * i128::from(size.multiplier_bps()) / 10_000;
            i64::try_from(total).map_err(|_| PriceError::TooLarge)?
        }
    };
    Ok(Price {
        base,
        multiplier_bps: size.multiplier_bps(),
        total,
    })
}

/// The configurable part of the cancellation policy.
#[derive(Debug, Clone, Copy)]
pub struct CancelPolicy {
    /// Customer cancellations at least this long before the start are refunded in full.
    pub cutoff: Duration,
    /// What a later customer cancellation refunds of the price, in basis points.
    pub late_refund_bps: u32,
}

impl Default for CancelPolicy {
    fn default() -> Self {
        Self {
            cutoff: Duration::hours(24),
            late_refund_bps: 5000,
        }
    }
}

/// `amount * bps / 10000`, rounded half up.
pub fn bps_of(amount: i64, bps: u32) -> i64 {
    let product = i128::from(amount) * i128::from(bps);
    i64::try_from((product + 5000) / 10000).unwrap_or(i64::MAX)
}

/// Which rule applies to a cancellation and what share of the price it refunds.
pub fn cancellation_rule(
    policy: &CancelPolicy,
    from: BookingState,
    actor: Actor,
    scheduled_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> (RefundRule, u32) {
    match (actor, from) {
        (Actor::Provider, _) => (RefundRule::ProviderCancelled, 10_000),
        (Actor::Admin | Actor::System, _) => (RefundRule::AdminCancelled, 10_000),
        (_, BookingState::Requested) => (RefundRule::StillRequested, 10_000),
        (_, BookingState::Arrived | BookingState::InProgress) => (RefundRule::AfterArrival, 0),
        _ => match scheduled_at {
            Some(start) if now + policy.cutoff <= start => (RefundRule::BeforeCutoff, 10_000),
            _ => (RefundRule::LateCancellation, policy.late_refund_bps),
        },
    }
}

/// Where the money held in escrow for a booking goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub to_customer: i64,
    pub to_provider: i64,
    pub commission: i64,
}

/// The part of `held` that paid for the job rather than the tip.
fn price_held(held: i64, tip: i64) -> i64 {
    held - tip.clamp(0, held.max(0))
}

/// Splits `held` (what was paid of the price, plus `tip`) when `refund_bps`
/// of what was paid goes back to the customer: the tip is always refunded
/// with any refund of a job not done; the rest goes to the provider minus
/// commission on it. So a cancellation policy applies to what was paid: all
/// of it, or only the deposit.
pub fn split(held: i64, tip: i64, refund_bps: u32, commission_bps: u32) -> Split {
    let paid = price_held(held, tip);
    let refunded_price = bps_of(paid, refund_bps).min(paid);
    let to_customer = held - paid + refunded_price;
    let kept = held - to_customer;
    let commission = bps_of(kept, commission_bps).min(kept);
    Split {
        to_customer,
        to_provider: kept - commission,
        commission,
    }
}

/// What an SLA breach takes from the provider's share `to_provider`:
/// `penalty_bps` of the price, never more than the share.
pub fn sla_penalty(to_provider: i64, total: i64, penalty_bps: u32) -> i64 {
    bps_of(total, penalty_bps).clamp(0, to_provider.max(0))
}

/// A held payment settled by an admin's resolution of a dispute: `refund`
/// (at most what is held) back to the customer; commission on the part of
/// the price not refunded; the rest to the provider.
pub fn dispute(held: i64, total: i64, refund: i64, commission_bps: u32) -> Split {
    let to_customer = refund.clamp(0, held);
    let kept = held - to_customer;
    let commission = bps_of((total - to_customer).max(0), commission_bps).min(kept);
    Split {
        to_customer,
        to_provider: kept - commission,
        commission,
    }
}

/// Completion: commission on the price paid, the rest (price minus
/// commission, plus the whole tip) to the provider.
pub fn release(held: i64, tip: i64, commission_bps: u32) -> Split {
    let commission = bps_of(price_held(held, tip), commission_bps).min(held);
    Split {
        to_customer: 0,
        to_provider: held - commission,
        commission,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_keeps_15_percent_of_the_price_not_the_tip() {
        let s = release(15_000 + 2_000, 2_000, 1500);
        assert_eq!(
            s,
            Split {
                to_customer: 0,
                to_provider: 12_750 + 2_000,
                commission: 2_250
            }
        );
    }

    #[test]
    fn splits_always_add_up() {
        for held_total in [1, 7, 999, 15_000, 123_457] {
            for tip in [0, 1, 350] {
                for bps in [0, 5000, 10_000] {
                    let s = split(held_total + tip, tip, bps, 1500);
                    assert_eq!(
                        s.to_customer + s.to_provider + s.commission,
                        held_total + tip
                    );
                    assert!(s.to_customer >= 0 && s.to_provider >= 0 && s.commission >= 0);
                }
            }
        }
        assert_eq!(
            split(10_300, 300, 5000, 1500),
            Split {
                to_customer: 5_300,
                to_provider: 4_250,
                commission: 750
            }
        );
    }

    #[test]
    fn a_cancellation_refunds_its_share_of_what_was_paid() {
        // Only a 3,000 deposit of a 10,000 price is held: a late cancellation
        // (50%) refunds 1,500 of it; commission only on the 1,500 kept.
        let s = split(3_000, 0, 5000, 1500);
        assert_eq!(
            (s.to_customer, s.commission, s.to_provider),
            (1_500, 225, 1_275)
        );
        // After the provider arrived nothing comes back, of the deposit too.
        let s = split(3_000, 0, 0, 1500);
        assert_eq!(
            (s.to_customer, s.commission, s.to_provider),
            (0, 450, 2_550)
        );
        // A full refund gives back the deposit and the tip.
        let s = split(3_200, 200, 10_000, 1500);
        assert_eq!((s.to_customer, s.commission, s.to_provider), (3_200, 0, 0));
    }

    #[test]
    fn a_deposit_is_part_of_the_price_or_none() {
        use DepositRule::*;
        assert_eq!(deposit(None, 10_000), 0);
        assert_eq!(deposit(Some(Percent(30)), 10_000), 3_000);
        assert_eq!(deposit(Some(Percent(33)), 1_001), 330);
        assert_eq!(deposit(Some(Fixed(2_500)), 10_000), 2_500);
        // More than a small job's price: that job is paid in full to book it.
        assert_eq!(deposit(Some(Fixed(12_000)), 10_000), 0);
        assert_eq!(deposit(Some(Fixed(10_000)), 10_000), 0);
        // Rounds to nothing: paid in full.
        assert_eq!(deposit(Some(Percent(1)), 40), 0);
        assert_eq!(Percent(0).check(100), Err("percent must be from 1 to 99"));
        assert_eq!(Percent(100).check(100), Err("percent must be from 1 to 99"));
        assert_eq!(
            Fixed(100).check(100),
            Err("fixed must be less than the price")
        );
        assert_eq!(Fixed(0).check(100), Err("fixed must be at least 1"));
        assert_eq!(Fixed(99).check(100), Ok(Fixed(99)));
        for rule in [Percent(30), Fixed(99)] {
            let (p, f) = DepositRule::columns(Some(rule));
            assert_eq!(DepositRule::from_columns(p, f), Some(rule));
        }
        assert_eq!(DepositRule::from_columns(None, None), None);
    }

    #[test]
    fn completion_of_a_deposit_only_booking_takes_commission_on_what_was_paid() {
        let s = release(3_000, 0, 1500);
        assert_eq!((s.commission, s.to_provider), (450, 2_550));
    }

    #[test]
    fn the_price_is_the_base_times_the_job_size() {
        let p = |size, custom| price(size, 10_000, "ZAR", custom);
        assert_eq!(p(JobSize::Small, None).map(|p| p.total), Ok(10_000));
        assert_eq!(p(JobSize::Medium, None).map(|p| p.total), Ok(15_000));
        assert_eq!(p(JobSize::Large, None).map(|p| p.total), Ok(20_000));
        assert_eq!(
            p(JobSize::Custom, Some((12_345, "ZAR"))).map(|p| (p.base, p.total)),
            Ok((10_000, 12_345))
        );
        assert_eq!(
            p(JobSize::Custom, Some((1, "USD"))),
            Err(PriceError::WrongCurrency("ZAR".into()))
        );
        assert_eq!(
            p(JobSize::Custom, None),
            Err(PriceError::CustomWithoutPrice)
        );
        assert_eq!(
            p(JobSize::Small, Some((1, "ZAR"))),
            Err(PriceError::PriceWithoutCustom)
        );
        assert_eq!(
            price(JobSize::Large, i64::MAX, "ZAR", None),
            Err(PriceError::TooLarge)
        );
    }

    #[test]
    fn the_rule_follows_who_when_and_where() {
        let p = CancelPolicy::default();
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default();
        let far = Some(now + Duration::hours(48));
        let near = Some(now + Duration::hours(2));
        use BookingState as S;
        assert_eq!(
            cancellation_rule(&p, S::Requested, Actor::Customer, near, now).0,
            RefundRule::StillRequested
        );
        assert_eq!(
            cancellation_rule(&p, S::Confirmed, Actor::Customer, far, now),
            (RefundRule::BeforeCutoff, 10_000)
        );
        assert_eq!(
            cancellation_rule(&p, S::Confirmed, Actor::Customer, near, now),
            (RefundRule::LateCancellation, 5000)
        );
        assert_eq!(
            cancellation_rule(&p, S::EnRoute, Actor::Customer, None, now).0,
            RefundRule::LateCancellation
        );
        assert_eq!(
            cancellation_rule(&p, S::Arrived, Actor::Customer, far, now),
            (RefundRule::AfterArrival, 0)
        );
        assert_eq!(
            cancellation_rule(&p, S::Arrived, Actor::Provider, far, now),
            (RefundRule::ProviderCancelled, 10_000)
        );
        assert_eq!(
            cancellation_rule(&p, S::Confirmed, Actor::Admin, near, now).0,
            RefundRule::AdminCancelled
        );
    }

    #[test]
    fn a_dispute_refund_takes_commission_only_on_what_the_provider_keeps() {
        // 100.00 price + 10.00 tip held; 30.00 refunded: commission 15% of 70.00.
        let s = dispute(11_000, 10_000, 3_000, 1500);
        assert_eq!(
            (s.to_customer, s.commission, s.to_provider),
            (3_000, 1_050, 6_950)
        );
        assert_eq!(s.to_customer + s.commission + s.to_provider, 11_000);
        // A refund of everything leaves nothing to split; more than held is capped.
        let all = dispute(11_000, 10_000, 50_000, 1500);
        assert_eq!(
            (all.to_customer, all.commission, all.to_provider),
            (11_000, 0, 0)
        );
    }

    #[test]
    fn an_sla_penalty_never_exceeds_the_providers_share() {
        assert_eq!(sla_penalty(8_500, 10_000, 1000), 1_000);
        assert_eq!(sla_penalty(500, 10_000, 1000), 500);
        assert_eq!(sla_penalty(8_500, 10_000, 0), 0);
    }
}

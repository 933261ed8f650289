//! The payment lifecycle: a payment's statuses, what moves it, and the same for
//! its refunds. Pure functions, like the booking table beside it; the server's
//! confirm, webhook, capture and sweeper paths all go through [`transition`].
//!
//! | from | event | to |
//! |---|---|---|
//! | requires_confirmation, failed | `Begin` (a confirm, or a webhook reporting a capture) | processing |
//! | processing | `Capture` (the booking took it into escrow) | succeeded |
//! | processing | `Decline` (the card was refused) | failed |
//! | processing | `Void` (charged, but the booking could no longer be paid: refunded at the gateway) | failed |
//! | processing | `Interrupt` (the process died before the gateway answered) | failed |
//! | processing | `Abandon` (the gateway was unreachable or the method unknown: nothing was charged) | requires_confirmation |
//!
//! Only one confirmation runs at a time because `Begin` is refused from
//! `processing`; a succeeded payment never moves again (its refunds are
//! rows of their own, below). A failed payment may be confirmed again.
//!
//! | refund from | event | to |
//! |---|---|---|
//! | pending | `Settle` (the gateway confirmed) | succeeded |
//! | pending | `Fail` (the gateway refused for good) | failed |

use std::fmt;

use crate::named_enum;

named_enum! {
    /// Where a payment is.
    #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
    #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
    pub enum PaymentStatus ("payment status") {
        /// Created; the customer has not confirmed it yet.
        RequiresConfirmation = "requires_confirmation",
        /// A charge is under way (one at a time).
        Processing = "processing",
        /// Captured into escrow. Final.
        Succeeded = "succeeded",
        /// Declined, voided or interrupted; may be confirmed again.
        Failed = "failed",
    }
}

named_enum! {
    /// What happens to a payment.
    pub enum PaymentEvent ("payment event") {
        Begin = "begin",
        Capture = "capture",
        Decline = "decline",
        Void = "void",
        Interrupt = "interrupt",
        Abandon = "abandon",
    }
}

named_enum! {
    /// Where a refund is.
    #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow), diesel(sql_type = diesel::sql_types::Text))]
    pub enum RefundStatus ("refund status") {
        /// Committed in the ledger; not yet confirmed by the gateway.
        Pending = "pending",
        /// The gateway confirmed it.
        Succeeded = "succeeded",
        /// The gateway refused it for good.
        Failed = "failed",
    }
}

named_enum! {
    /// What happens to a refund.
    pub enum RefundEvent ("refund event") {
        Settle = "settle",
        Fail = "fail",
    }
}

#[cfg(feature = "diesel")]
crate::text_column!(PaymentStatus, RefundStatus);

/// An event that does not apply to the status it was asked of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused<S, E> {
    pub from: S,
    pub event: E,
}

impl<S: fmt::Display, E: fmt::Display> fmt::Display for Refused<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} payment cannot {}", self.from, self.event)
    }
}

/// The payment table.
pub const fn transition(
    from: PaymentStatus,
    event: PaymentEvent,
) -> Result<PaymentStatus, Refused<PaymentStatus, PaymentEvent>> {
    use PaymentEvent as E;
    use PaymentStatus as S;
    match (from, event) {
        (S::RequiresConfirmation | S::Failed, E::Begin) => Ok(S::Processing),
        (S::Processing, E::Capture) => Ok(S::Succeeded),
        (S::Processing, E::Decline | E::Void | E::Interrupt) => Ok(S::Failed),
        (S::Processing, E::Abandon) => Ok(S::RequiresConfirmation),
        _ => Err(Refused { from, event }),
    }
}

/// The refund table.
pub const fn refund_transition(
    from: RefundStatus,
    event: RefundEvent,
) -> Result<RefundStatus, Refused<RefundStatus, RefundEvent>> {
    match (from, event) {
        (RefundStatus::Pending, RefundEvent::Settle) => Ok(RefundStatus::Succeeded),
        (RefundStatus::Pending, RefundEvent::Fail) => Ok(RefundStatus::Failed),
        _ => Err(Refused { from, event }),
    }
}

impl PaymentStatus {
    /// Nothing ever moves a succeeded payment.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Succeeded)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use PaymentEvent as E;
    use PaymentStatus as S;

    /// Every (status, event) pair, written out: the table above, and nothing else.
    #[test]
    fn the_payment_table_is_exactly_this() {
        let expected = |from: S, event: E| -> Option<S> {
            Some(match (from, event) {
                (S::RequiresConfirmation, E::Begin) => S::Processing,
                (S::Failed, E::Begin) => S::Processing,
                (S::Processing, E::Capture) => S::Succeeded,
                (S::Processing, E::Decline) => S::Failed,
                (S::Processing, E::Void) => S::Failed,
                (S::Processing, E::Interrupt) => S::Failed,
                (S::Processing, E::Abandon) => S::RequiresConfirmation,
                _ => return None,
            })
        };
        let mut allowed = 0;
        for &from in S::ALL {
            for &event in E::ALL {
                let got = transition(from, event);
                assert_eq!(got.ok(), expected(from, event), "{from} {event}");
                if let Err(refused) = got {
                    assert_eq!(refused, Refused { from, event });
                } else {
                    allowed += 1;
                }
            }
        }
        assert_eq!(allowed, 7);
        assert_eq!(S::ALL.len() * E::ALL.len(), 24);
    }

    #[test]
    fn a_succeeded_payment_never_moves() {
        assert!(S::Succeeded.is_final());
        for &event in E::ALL {
            assert!(transition(S::Succeeded, event).is_err(), "{event}");
        }
    }

    #[test]
    fn only_one_capture_runs_at_a_time() {
        assert!(transition(S::Processing, E::Begin).is_err());
    }

    #[test]
    fn the_refund_table_is_exactly_this() {
        for &from in RefundStatus::ALL {
            for &event in RefundEvent::ALL {
                let want = match (from, event) {
                    (RefundStatus::Pending, RefundEvent::Settle) => Some(RefundStatus::Succeeded),
                    (RefundStatus::Pending, RefundEvent::Fail) => Some(RefundStatus::Failed),
                    _ => None,
                };
                assert_eq!(refund_transition(from, event).ok(), want, "{from} {event}");
            }
        }
    }

    #[test]
    fn statuses_have_their_stored_names() {
        for &s in S::ALL {
            assert_eq!(s.as_str().parse::<S>().unwrap(), s);
        }
        assert!("refunded".parse::<S>().is_err());
    }
}

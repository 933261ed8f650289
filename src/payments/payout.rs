//! The port payouts leave through, and the simulated sender (the embedded
//! default). A send is keyed by the payout's id: sending the same payout
//! again (a retry after a crash or a timeout) never pays twice.

use std::collections::HashMap;
use std::sync::Mutex;

/// One payout to send.
pub struct PayoutOrder<'a> {
    /// The payout's id: the idempotency key of the send.
    pub id: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    /// Where it goes (`payout_accounts.destination`).
    pub destination: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum PayoutError {
    /// Refused for good (closed account, unknown destination): the payout
    /// fails and the money goes back to the wallet.
    #[error("payout refused: {0}")]
    Refused(String),
    /// Not known to have happened (network, 5xx): try again later with the
    /// same id.
    #[error("payout sender unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait PayoutSender: Send + Sync {
    fn name(&self) -> &'static str;
    /// Whether `destination` is an account this sender can pay (checked
    /// when a provider sets it); why not, if not.
    fn check_destination(&self, _destination: &str) -> Result<(), &'static str> {
        Ok(())
    }
    /// Sends the payout; the sender's reference for the transfer.
    async fn send(&self, order: &PayoutOrder<'_>) -> Result<String, PayoutError>;
}

/// Destinations: `sim_bank_ok` (paid), `sim_bank_closed` (refused,
/// `account_closed`), `sim_bank_down` (unavailable, as a sender outage).
/// A payout id is paid at most once.
#[derive(Default)]
pub struct SimulatedPayouts {
    sent: Mutex<HashMap<String, String>>,
}

#[async_trait::async_trait]
impl PayoutSender for SimulatedPayouts {
    fn name(&self) -> &'static str {
        "sim"
    }

    async fn send(&self, order: &PayoutOrder<'_>) -> Result<String, PayoutError> {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(reference) = sent.get(order.id) {
            return Ok(reference.clone());
        }
        match order.destination {
            "sim_bank_ok" => {
                let reference = format!("sim_po_{}", uuid::Uuid::new_v4().simple());
                sent.insert(order.id.to_owned(), reference.clone());
                Ok(reference)
            }
            "sim_bank_closed" => Err(PayoutError::Refused("account_closed".into())),
            "sim_bank_down" => Err(PayoutError::Unavailable("the bank did not answer".into())),
            _ => Err(PayoutError::Refused("unknown_destination".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_payout_is_sent_once_whatever_the_retries() {
        let sim = SimulatedPayouts::default();
        let order = PayoutOrder {
            id: "po-1",
            amount: 500,
            currency: "ZAR",
            destination: "sim_bank_ok",
        };
        let first = sim.send(&order).await.ok();
        assert!(first.is_some());
        assert_eq!(sim.send(&order).await.ok(), first);
        let closed = PayoutOrder {
            id: "po-2",
            destination: "sim_bank_closed",
            ..order
        };
        assert!(matches!(
            sim.send(&closed).await,
            Err(PayoutError::Refused(_))
        ));
    }
}

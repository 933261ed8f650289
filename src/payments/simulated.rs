//! The simulated gateway: behaves like a card network for development and tests.
//! Payment methods: `sim_card_ok` (captured), `sim_card_declined` (declined,
//! `card_declined`), `sim_card_insufficient_funds` (declined,
//! `insufficient_funds`). A payment id is charged at most once; refunds never
//! exceed what was captured and are idempotent per refund id.

use std::collections::HashMap;
use std::sync::Mutex;

use super::gateway::{ChargeOrder, ChargeOutcome, GatewayError, PaymentGateway};

#[derive(Default)]
pub struct SimulatedGateway {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// payment id -> (reference, captured amount)
    charges: HashMap<String, (String, i64)>,
    /// reference -> refunded so far
    refunded: HashMap<String, i64>,
    /// refund id -> refund reference
    refunds: HashMap<String, String>,
}

impl SimulatedGateway {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl PaymentGateway for SimulatedGateway {
    fn name(&self) -> &'static str {
        "sim"
    }

    async fn charge(&self, order: &ChargeOrder<'_>) -> Result<ChargeOutcome, GatewayError> {
        let (payment_id, amount, method) = (order.payment_id, order.amount, order.method);
        let mut state = self.lock();
        if let Some((reference, _)) = state.charges.get(payment_id) {
            return Ok(ChargeOutcome::Captured {
                reference: reference.clone(),
            });
        }
        match method {
            "sim_card_ok" => {
                let reference = format!("sim_ch_{}", uuid::Uuid::new_v4().simple());
                state
                    .charges
                    .insert(payment_id.to_owned(), (reference.clone(), amount));
                Ok(ChargeOutcome::Captured { reference })
            }
            "sim_card_declined" => Ok(ChargeOutcome::Declined {
                code: "card_declined".into(),
            }),
            "sim_card_insufficient_funds" => Ok(ChargeOutcome::Declined {
                code: "insufficient_funds".into(),
            }),
            other => Err(GatewayError::UnknownMethod(other.to_owned())),
        }
    }

    /// The simulator decides at once: a reference it minted is captured.
    async fn status(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        if reference.starts_with("sim_ch_") {
            Ok(ChargeOutcome::Captured {
                reference: reference.to_owned(),
            })
        } else {
            Err(GatewayError::Unavailable(format!(
                "unknown charge {reference}"
            )))
        }
    }

    async fn refund(
        &self,
        reference: &str,
        refund_id: &str,
        amount: i64,
    ) -> Result<String, GatewayError> {
        let mut state = self.lock();
        if let Some(existing) = state.refunds.get(refund_id) {
            return Ok(existing.clone());
        }
        // A restart forgets captured charges; accept refunds of references we
        // minted (`sim_ch_`) but never more than once per refund id.
        if !reference.starts_with("sim_ch_") {
            return Err(GatewayError::Unavailable(format!(
                "unknown charge {reference}"
            )));
        }
        let captured = state
            .charges
            .values()
            .find(|(r, _)| r == reference)
            .map(|(_, a)| *a);
        let already = state.refunded.get(reference).copied().unwrap_or(0);
        if captured.is_some_and(|c| already + amount > c) {
            return Err(GatewayError::Unavailable(
                "refund exceeds the captured amount".into(),
            ));
        }
        state
            .refunded
            .insert(reference.to_owned(), already + amount);
        let id = format!("sim_re_{}", uuid::Uuid::new_v4().simple());
        state.refunds.insert(refund_id.to_owned(), id.clone());
        Ok(id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn charges_once_and_refunds_within_the_capture() {
        let g = SimulatedGateway::default();
        let order = |payment_id, method| ChargeOrder {
            payment_id,
            attempt: "1",
            amount: 1000,
            currency: "ZAR",
            method,
        };
        let a = g.charge(&order("p1", "sim_card_ok")).await.unwrap();
        let b = g.charge(&order("p1", "sim_card_ok")).await.unwrap();
        assert_eq!(a, b);
        assert!(matches!(
            g.charge(&order("p2", "sim_card_declined")).await.unwrap(),
            ChargeOutcome::Declined { .. }
        ));
        assert!(g.charge(&order("p3", "visa")).await.is_err());
        let ChargeOutcome::Captured { reference } = a else {
            panic!()
        };
        g.refund(&reference, "r1", 600).await.unwrap();
        assert_eq!(
            g.refund(&reference, "r1", 600).await.unwrap(),
            g.refund(&reference, "r1", 600).await.unwrap()
        );
        assert!(g.refund(&reference, "r2", 500).await.is_err());
        g.refund(&reference, "r3", 400).await.unwrap();
    }
}

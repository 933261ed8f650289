/// The result of charging a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// The money is captured; `reference` is the gateway's id for it.
    Captured { reference: String },
    /// The card was refused, e.g. `card_declined`, `insufficient_funds`.
    Declined { code: String },
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("unknown payment method `{0}`")]
    UnknownMethod(String),
    #[error("the payment gateway is unavailable: {0}")]
    Unavailable(String),
}

/// A card network. Charges and refunds are idempotent per payment id / reference.
#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync {
    fn name(&self) -> &'static str;

    /// Charges `amount` for our payment `payment_id` with `method`.
    async fn charge(
        &self,
        payment_id: &str,
        amount: i64,
        currency: &str,
        method: &str,
    ) -> Result<ChargeOutcome, GatewayError>;

    /// Refunds `amount` of a captured charge; returns the refund's reference.
    async fn refund(
        &self,
        reference: &str,
        refund_id: &str,
        amount: i64,
    ) -> Result<String, GatewayError>;
}

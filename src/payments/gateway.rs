/// The result of charging a card, or of asking the gateway where a charge is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// The money is captured; `reference` is the gateway's id for it.
    Captured { reference: String },
    /// The card was refused, e.g. `card_declined`, `insufficient_funds`.
    Declined { code: String },
    /// Not decided yet: the customer's bank wants them to authenticate
    /// (3-D Secure), or the network is still working. The payment stays
    /// `processing` with this `reference` until the gateway's webhook or a
    /// poll ([`PaymentGateway::status`]) settles it. `client_secret` lets the
    /// app finish the authentication with the gateway's SDK.
    Pending {
        reference: String,
        client_secret: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("unknown payment method `{0}`")]
    UnknownMethod(String),
    #[error("the payment gateway is unavailable: {0}")]
    Unavailable(String),
}

/// One charge to make.
#[derive(Debug, Clone, Copy)]
pub struct ChargeOrder<'a> {
    /// Our payment's id: a gateway keeps it with the charge.
    pub payment_id: &'a str,
    /// Names this confirmation: retries of one confirmation (a timeout, a
    /// 5xx) reuse it and are answered with the first result; a new
    /// confirmation (another card after a decline) gets a new one.
    pub attempt: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub method: &'a str,
}

/// A card network. Charges and refunds are idempotent per attempt / refund id.
#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync {
    fn name(&self) -> &'static str;

    /// Charges the order: authorises, then captures into the platform's
    /// balance (where escrow lives).
    async fn charge(&self, order: &ChargeOrder<'_>) -> Result<ChargeOutcome, GatewayError>;

    /// Where the charge `reference` stands now, finishing it if it can (an
    /// authorisation the customer completed is captured). Used by polling
    /// confirmations, webhooks and the sweeper alike.
    async fn status(&self, reference: &str) -> Result<ChargeOutcome, GatewayError>;

    /// Refunds `amount` of a captured charge; returns the refund's reference.
    async fn refund(
        &self,
        reference: &str,
        refund_id: &str,
        amount: i64,
    ) -> Result<String, GatewayError>;
}

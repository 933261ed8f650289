//! Stripe (`ONSITE_PAYMENT_GATEWAY=stripe`): PaymentIntents with manual
//! capture into the platform's balance (where escrow lives), refunds, and
//! Connect transfers for payouts (`ONSITE_PAYOUT_SENDER=stripe`). Webhooks
//! are verified with [`crate::payments::webhook::verify`] (Stripe's scheme).
//!
//! A confirmation authorises the card (`capture_method=manual`) and captures
//! at once when the authorisation succeeds; an authorisation that needs the
//! customer (3-D Secure) is captured later, when the webhook or a poll finds
//! it authorised. Nothing is ever captured that onsite did not ask to capture,
//! so an authorisation a crash left behind lapses at the bank by itself.

mod client;
pub mod events;

pub use client::{StripeClient, StripeError};

use serde_json::Value;

use super::gateway::{ChargeOrder, ChargeOutcome, GatewayError, PaymentGateway};
use super::payout::{PayoutError, PayoutOrder, PayoutSender};

pub struct StripeGateway {
    client: StripeClient,
}

impl StripeGateway {
    pub fn new(client: StripeClient) -> Self {
        Self { client }
    }

    /// What a PaymentIntent's state means for onsite; captures it when it
    /// waits for capture (the capture's key is the intent's, so a capture
    /// retried by a poll and a webhook at once happens once).
    async fn settle(&self, intent: &Value) -> Result<ChargeOutcome, GatewayError> {
        let id = text(intent, "id")
            .ok_or_else(|| GatewayError::Unavailable("a PaymentIntent without an id".into()))?;
        match text(intent, "status").unwrap_or_default() {
            "requires_capture" => {
                let captured = self
                    .client
                    .post(
                        &format!("/v1/payment_intents/{id}/capture"),
                        &[],
                        &format!("onsite-capture-{id}"),
                    )
                    .await
                    .map_err(unavailable)?;
                match text(&captured, "status") {
                    Some("succeeded") => Ok(ChargeOutcome::Captured {
                        reference: id.to_owned(),
                    }),
                    other => Err(GatewayError::Unavailable(format!(
                        "capture of {id} left it {other:?}"
                    ))),
                }
            }
            "succeeded" => Ok(ChargeOutcome::Captured {
                reference: id.to_owned(),
            }),
            "requires_action" | "processing" | "requires_confirmation" => {
                Ok(ChargeOutcome::Pending {
                    reference: id.to_owned(),
                    client_secret: text(intent, "client_secret").map(str::to_owned),
                })
            }
            "canceled" => Ok(ChargeOutcome::Declined {
                code: "canceled".into(),
            }),
            // requires_payment_method: the last attempt failed.
            _ => {
                let error = &intent["last_payment_error"];
                let code = text(error, "decline_code")
                    .or_else(|| text(error, "code"))
                    .unwrap_or("card_declined");
                Ok(ChargeOutcome::Declined {
                    code: code.to_owned(),
                })
            }
        }
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn unavailable(e: StripeError) -> GatewayError {
    GatewayError::Unavailable(e.to_string())
}

#[async_trait::async_trait]
impl PaymentGateway for StripeGateway {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn charge(&self, order: &ChargeOrder<'_>) -> Result<ChargeOutcome, GatewayError> {
        let form = [
            ("amount", order.amount.to_string()),
            ("currency", order.currency.to_ascii_lowercase()),
            ("payment_method", order.method.to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("capture_method", "manual".to_owned()),
            ("confirm", "true".to_owned()),
            ("metadata[payment_id]", order.payment_id.to_owned()),
        ];
        let key = format!("onsite-pi-{}-{}", order.payment_id, order.attempt);
        match self.client.post("/v1/payment_intents", &form, &key).await {
            Ok(intent) => self.settle(&intent).await,
            // A card error is a decline (402), whatever the intent says.
            Err(StripeError::Api {
                kind,
                code,
                decline_code,
                ..
            }) if kind == "card_error" => Ok(ChargeOutcome::Declined {
                code: decline_code
                    .or(code)
                    .unwrap_or_else(|| "card_declined".into()),
            }),
            Err(StripeError::Api {
                status: 400 | 404,
                param: Some(param),
                ..
            }) if param == "payment_method" => {
                Err(GatewayError::UnknownMethod(order.method.to_owned()))
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn status(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        if !reference.starts_with("pi_") {
            return Err(GatewayError::Unavailable(format!(
                "{reference} is not a PaymentIntent"
            )));
        }
        let intent = self
            .client
            .get(&format!("/v1/payment_intents/{reference}"))
            .await
            .map_err(unavailable)?;
        self.settle(&intent).await
    }

    async fn refund(
        &self,
        reference: &str,
        refund_id: &str,
        amount: i64,
    ) -> Result<String, GatewayError> {
        let form = [
            ("payment_intent", reference.to_owned()),
            ("amount", amount.to_string()),
            ("metadata[refund_id]", refund_id.to_owned()),
        ];
        let refund = self
            .client
            .post("/v1/refunds", &form, &format!("onsite-refund-{refund_id}"))
            .await
            .map_err(unavailable)?;
        match (text(&refund, "id"), text(&refund, "status")) {
            (Some(id), Some("succeeded" | "pending")) => Ok(id.to_owned()),
            (id, status) => Err(GatewayError::Unavailable(format!(
                "refund {id:?} is {status:?}"
            ))),
        }
    }
}

/// Payouts as Connect transfers from the platform's balance to the
/// provider's connected account (`acct_...`, their payout destination).
pub struct StripeConnect {
    client: StripeClient,
}

impl StripeConnect {
    pub fn new(client: StripeClient) -> Self {
        Self { client }
    }
}

#[async_trait::async_trait]
impl PayoutSender for StripeConnect {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn check_destination(&self, destination: &str) -> Result<(), &'static str> {
        match destination.strip_prefix("acct_") {
            Some(rest) if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Ok(())
            }
            _ => Err("must be the provider's Stripe connected account id (acct_...)"),
        }
    }

    async fn send(&self, order: &PayoutOrder<'_>) -> Result<String, PayoutError> {
        let form = [
            ("amount", order.amount.to_string()),
            ("currency", order.currency.to_ascii_lowercase()),
            ("destination", order.destination.to_owned()),
            ("transfer_group", format!("payout-{}", order.id)),
            ("metadata[payout_id]", order.id.to_owned()),
        ];
        match self
            .client
            .post(
                "/v1/transfers",
                &form,
                &format!("onsite-transfer-{}", order.id),
            )
            .await
        {
            Ok(transfer) => text(&transfer, "id")
                .map(str::to_owned)
                .ok_or_else(|| PayoutError::Unavailable("a transfer without an id".into())),
            Err(e) if e.is_transient() => Err(PayoutError::Unavailable(e.to_string())),
            // The platform's balance is short (captures not yet available):
            // not the provider's fault, so tried again later.
            Err(e @ StripeError::Api { .. }) if matches!(&e, StripeError::Api { code: Some(c), .. } if c == "balance_insufficient") => {
                Err(PayoutError::Unavailable(e.to_string()))
            }
            // A refusal for good: a closed or unknown account, insufficient
            // platform balance, a currency the account cannot take.
            Err(StripeError::Api { code, message, .. }) => {
                Err(PayoutError::Refused(code.unwrap_or(message)))
            }
            Err(e) => Err(PayoutError::Unavailable(e.to_string())),
        }
    }
}

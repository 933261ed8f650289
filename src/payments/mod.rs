//! Money movement: the payment gateway port, escrow's exits, the simulated gateway (the
//! embedded default), webhook signatures, and the cancellation policy.

pub mod capture;
pub mod escrow;
pub mod gateway;
pub mod payout;
pub mod policy;
pub mod simulated;
pub mod stripe;
pub mod webhook;

pub use gateway::{ChargeOrder, ChargeOutcome, GatewayError, PaymentGateway};

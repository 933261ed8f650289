use serde::{Deserialize, Serialize};

/// An amount in minor units (cents) with its ISO 4217 currency code. Never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "RawMoney")]
pub struct Money {
    /// Minor units, e.g. 75000 = R750.00.
    pub amount: i64,
    /// ISO 4217 code, upper case, e.g. `ZAR`.
    pub currency: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMoney {
    amount: i64,
    currency: String,
}

/// The largest amount accepted anywhere (10^12 minor units), so sums never overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

impl TryFrom<RawMoney> for Money {
    type Error = String;

    fn try_from(raw: RawMoney) -> Result<Self, Self::Error> {
        if raw.amount <= 0 || raw.amount > MAX_AMOUNT {
            return Err(format!(
                "amount must be between 1 and {MAX_AMOUNT} minor units"
            ));
        }
        let currency = raw.currency.trim().to_uppercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err("currency must be a three-letter ISO 4217 code such as ZAR".into());
        }
        Ok(Self {
            amount: raw.amount,
            currency,
        })
    }
}

impl Money {
    pub fn new(amount: i64, currency: &str) -> Self {
        Self {
            amount,
            currency: currency.to_owned(),
        }
    }
}

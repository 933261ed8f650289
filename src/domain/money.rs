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

    /// For people: `ZAR 1,234.50`, `JPY 1,200`, `-USD 3.05`.
    pub fn display(&self) -> String {
        let digits = minor_digits(&self.currency);
        let abs = self.amount.unsigned_abs();
        let unit = 10u64.pow(digits);
        let (major, minor) = (abs / unit, abs % unit);
        let mut grouped = String::new();
        for (i, ch) in major.to_string().chars().rev().enumerate() {
            if i > 0 && i % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let major: String = grouped.chars().rev().collect();
        let sign = if self.amount < 0 { "-" } else { "" };
        if digits == 0 {
            format!("{sign}{} {major}", self.currency)
        } else {
            format!(
                "{sign}{} {major}.{minor:0width$}",
                self.currency,
                width = digits as usize
            )
        }
    }
}

/// Decimal places of a currency's minor unit (ISO 4217).
fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod display_tests {
    use super::Money;

    #[test]
    fn amounts_read_as_people_write_them() {
        assert_eq!(Money::new(123_450, "ZAR").display(), "ZAR 1,234.50");
        assert_eq!(Money::new(5, "USD").display(), "USD 0.05");
        assert_eq!(Money::new(-305, "USD").display(), "-USD 3.05");
        assert_eq!(Money::new(1_200, "JPY").display(), "JPY 1,200");
        assert_eq!(Money::new(1_234_567, "KWD").display(), "KWD 1,234.567");
        assert_eq!(Money::new(100_000_000, "EUR").display(), "EUR 1,000,000.00");
    }
}

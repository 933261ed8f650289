use serde::Deserialize;

/// A new password that meets the policy: 8 to 128 characters with an upper-case
/// letter, a lower-case letter and a digit. (Passwords presented at login are
/// plain strings: the policy applies to new ones only.)
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl Password {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl TryFrom<String> for Password {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let len = raw.chars().count();
        if !(8..=128).contains(&len)
            || !raw.chars().any(|c| c.is_uppercase())
            || !raw.chars().any(|c| c.is_lowercase())
            || !raw.chars().any(|c| c.is_ascii_digit())
        {
            return Err(
                "must be 8 to 128 characters with an upper-case letter, a lower-case letter and a digit"
                    .to_owned(),
            );
        }
        Ok(Self(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(Password::try_from("Secret123".to_owned()).is_ok());
        for bad in [
            "Sh0rt",
            "alllower123",
            "ALLUPPER123",
            "NoDigitsHere",
            &"Aa1".repeat(50),
        ] {
            assert!(Password::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }
}

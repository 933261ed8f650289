use serde::Deserialize;

/// A phone number in E.164 form (`+` and 8 to 15 digits); spaces, dashes and
/// brackets are removed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Phone(String);

impl Phone {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        if (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
        {
            Ok(Self(compact))
        } else {
            Err("must be an international number such as +27821234567".to_owned())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        assert_eq!(
            Phone::try_from("+27 82 123-4567".to_owned())
                .unwrap()
                .as_str(),
            "+27821234567"
        );
        for bad in [
            "0821234567",
            "+12",
            "+2782123456789012",
            "+27abc1234567",
            "",
        ] {
            assert!(Phone::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }
}

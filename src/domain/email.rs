use serde::Deserialize;

/// A lower-cased, syntactically plausible email address.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let email = raw.trim().to_lowercase();
        let err = || "must be an email address such as name@example.com".to_owned();
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(err)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(err());
        }
        Ok(Self(email))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_refuses() {
        assert_eq!(
            Email::try_from(" Ann@Example.COM ".to_owned())
                .unwrap()
                .as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "a b@x.com",
            "ann@localhost",
            "a@b@c.com",
            "a@x..com",
        ] {
            assert!(Email::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }
}

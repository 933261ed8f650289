use serde::Deserialize;

/// Names nobody may take: they read as the platform speaking, or as routes.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "support",
    "help",
    "onsite",
    "staff",
    "moderator",
    "security",
    "billing",
    "api",
    "www",
    "mail",
    "me",
    "null",
    "undefined",
    "anonymous",
    "official",
    "team",
    "info",
    "contact",
    "abuse",
    "postmaster",
    "noreply",
    "no_reply",
    "no.reply",
];

/// A username: 3 to 30 of `a-z`, `0-9`, `_` and `.`, stored lower-case (so
/// `Ann.Lee` and `ann.lee` are one name), not starting or ending with a dot
/// nor holding two in a row, not all digits (that reads as a phone number),
/// and not a reserved word.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Username(String);

impl Username {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl TryFrom<String> for Username {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let name = raw.trim().to_lowercase();
        let shaped = (3..=30).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
            && !name.starts_with('.')
            && !name.ends_with('.')
            && !name.contains("..");
        if !shaped {
            return Err(
                "must be 3 to 30 letters, digits, `_` or `.` (no dot first, last or twice in a row)"
                    .to_owned(),
            );
        }
        if name.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must hold a letter (digits alone read as a phone number)".to_owned());
        }
        if RESERVED.contains(&name.as_str()) {
            return Err("is reserved; choose another".to_owned());
        }
        Ok(Self(name))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_and_shaped() {
        let ok = |s: &str| Username::try_from(s.to_owned()).map(Username::into_inner);
        assert_eq!(ok(" Ann.Lee_2 ").unwrap(), "ann.lee_2");
        for bad in [
            "ab",
            "a".repeat(31).as_str(),
            ".ann",
            "ann.",
            "an..n",
            "ann lee",
            "ann@x",
            "12345",
            "Admin",
            "élodie",
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
    }
}

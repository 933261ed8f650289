use serde::Deserialize;

/// A person's first or last name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PersonName(String);

impl PersonName {
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let name = raw.trim();
        let len = name.chars().count();
        if !(1..=100).contains(&len) || name.chars().any(char::is_control) {
            return Err("must be 1 to 100 characters".to_owned());
        }
        Ok(Self(name.to_owned()))
    }
}

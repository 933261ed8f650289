use serde::Deserialize;

/// Trimmed free text of `MIN` to `MAX` characters without control characters
/// (line breaks and tabs allowed).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct BoundedText<const MIN: usize, const MAX: usize>(String);

/// A service title: 1 to 120 characters.
pub type Title = BoundedText<1, 120>;
/// A service description or a provider bio: up to 2000 characters.
pub type LongText = BoundedText<0, 2000>;
/// A reason given by an admin: 1 to 500 characters.
pub type Reason = BoundedText<1, 500>;
/// A complaint's description or a message in its thread: 1 to 4000 characters.
pub type MessageText = BoundedText<1, 4000>;

impl<const MIN: usize, const MAX: usize> BoundedText<MIN, MAX> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<String> for BoundedText<MIN, MAX> {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let text = raw.trim();
        let len = text.chars().count();
        if !(MIN..=MAX).contains(&len) {
            return Err(if MIN == 0 {
                format!("must be at most {MAX} characters")
            } else {
                format!("must be {MIN} to {MAX} characters")
            });
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err("must not contain control characters".into());
        }
        Ok(Self(text.to_owned()))
    }
}

/// A provider skill such as `plumbing`: lower-cased, 1 to 50 characters of
/// letters, digits, spaces and `- & / + . '`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Skill(String);

impl Skill {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl TryFrom<String> for Skill {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let skill = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let skill = skill.to_lowercase();
        let len = skill.chars().count();
        let ok_chars = skill
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '&' | '/' | '+' | '.' | '\''));
        if !(1..=50).contains(&len) || !ok_chars {
            return Err("each skill must be 1 to 50 letters, digits, spaces or - & / + . '".into());
        }
        Ok(Self(skill))
    }
}

/// A category's slug such as `home-cleaning`: 2 to 40 characters of
/// `a-z`, `0-9` and `-`, neither starting nor ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Slug(String);

impl Slug {
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let ok = (2..=40).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if ok {
            Ok(Self(raw))
        } else {
            Err("must be 2 to 40 of a-z, 0-9 and -, not starting or ending with -".into())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(Slug::try_from("home-cleaning".to_owned()).is_ok());
        assert!(Slug::try_from("a1".to_owned()).is_ok());
        for bad in [
            "a",
            "-abc",
            "abc-",
            "Home",
            "h\u{e9}",
            "a b",
            &"x".repeat(41),
        ] {
            assert!(Slug::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn bounded_text() {
        assert_eq!(
            Title::try_from("  Fix a tap ".to_owned()).unwrap().as_str(),
            "Fix a tap"
        );
        assert!(Title::try_from("   ".to_owned()).is_err());
        assert!(Title::try_from("x".repeat(121)).is_err());
        assert!(LongText::try_from(String::new()).is_ok());
        assert!(LongText::try_from("a\u{0}b".to_owned()).is_err());
        assert!(LongText::try_from("line\nbreak".to_owned()).is_ok());
    }

    #[test]
    fn skills() {
        assert_eq!(
            Skill::try_from("  Drain   Cleaning ".to_owned())
                .unwrap()
                .as_str(),
            "drain cleaning"
        );
        for bad in ["", "a%b", "under_score", "quote\"", &"x".repeat(51)] {
            assert!(Skill::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }
}

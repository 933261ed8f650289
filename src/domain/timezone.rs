use serde::Deserialize;

/// An IANA time zone name such as `Europe/Berlin` or `Africa/Johannesburg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct TimeZone(pub chrono_tz::Tz);

impl TimeZone {
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl TryFrom<String> for TimeZone {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(Self)
            .map_err(|_| "must be an IANA time zone such as Europe/Berlin".to_owned())
    }
}

/// A local wall-clock time `HH:MM` (00:00 to 24:00), as minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct ClockTime(pub u16);

impl TryFrom<String> for ClockTime {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let err = || "must be a time HH:MM between 00:00 and 24:00".to_owned();
        let (h, m) = raw.trim().split_once(':').ok_or_else(err)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(err());
        }
        let h: u16 = h.parse().map_err(|_| err())?;
        let m: u16 = m.parse().map_err(|_| err())?;
        if m > 59 || h > 24 || (h == 24 && m != 0) {
            return Err(err());
        }
        Ok(Self(h * 60 + m))
    }
}

/// Formats minutes after midnight as `HH:MM`.
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(
            TimeZone::try_from("Europe/Berlin".to_owned())
                .unwrap()
                .name(),
            "Europe/Berlin"
        );
        assert!(TimeZone::try_from("Mars/Olympus".to_owned()).is_err());
        assert_eq!(ClockTime::try_from("09:30".to_owned()).unwrap().0, 570);
        assert_eq!(ClockTime::try_from("24:00".to_owned()).unwrap().0, 1440);
        for bad in ["9:30", "24:01", "12:60", "noon", "12-30"] {
            assert!(ClockTime::try_from(bad.to_owned()).is_err(), "{bad}");
        }
        assert_eq!(clock(570), "09:30");
    }
}

use serde::Deserialize;

/// A point on Earth with an optional street address: `lat` in [-90, 90],
/// `lng` in [-180, 180], both finite.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawLocation")]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
    pub address: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocation {
    lat: f64,
    lng: f64,
    address: Option<String>,
}

impl TryFrom<RawLocation> for Location {
    type Error = String;

    fn try_from(raw: RawLocation) -> Result<Self, Self::Error> {
        if !raw.lat.is_finite() || !(-90.0..=90.0).contains(&raw.lat) {
            return Err("lat must be a number in [-90, 90]".into());
        }
        if !raw.lng.is_finite() || !(-180.0..=180.0).contains(&raw.lng) {
            return Err("lng must be a number in [-180, 180]".into());
        }
        let address = raw
            .address
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        if address.as_ref().is_some_and(|a| a.chars().count() > 300) {
            return Err("address must be at most 300 characters".into());
        }
        Ok(Self {
            lat: raw.lat,
            lng: raw.lng,
            address,
        })
    }
}

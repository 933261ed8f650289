//! Typed addresses to places and back (`GET /v1/geo/search`, `/reverse`, and
//! the address book's background locating).
//!
//! Two [`Geocoder`]s: [`Coordinates`], the embedded default, which knows
//! only `lat,lng` input, and [`nominatim::Nominatim`], a client for any
//! Nominatim-compatible service (`ONSITE_GEOCODER_URL`) that keeps to the
//! service's rate, names itself, and caches what it was told.

pub mod locate;
pub mod nominatim;

use serde::Serialize;
use utoipa::ToSchema;

/// A place a search or a reverse lookup found.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Place {
    pub lat: f64,
    pub lng: f64,
    /// One line to show, in the asked language where the service has it.
    pub display_name: String,
    /// House number and road.
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
}

impl Place {
    /// A bare point: what `lat,lng` input means.
    pub fn point(lat: f64, lng: f64) -> Self {
        Self {
            lat,
            lng,
            display_name: format!("{lat:.6}, {lng:.6}"),
            street: None,
            city: None,
            region: None,
            postal_code: None,
            country: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// The service did not answer usefully (down, slow, over its limit).
    #[error("the geocoder is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait Geocoder: Send + Sync {
    /// Up to `limit` places for `query`, best first; `language` is a
    /// language tag for the names.
    async fn search(
        &self,
        query: &str,
        language: &str,
        limit: usize,
    ) -> Result<Vec<Place>, GeoError>;
    /// What is at a point, if anything is known.
    async fn reverse(&self, lat: f64, lng: f64, language: &str) -> Result<Option<Place>, GeoError>;
    /// `coordinates` or `nominatim`, for the answers.
    fn source(&self) -> &'static str;
}

/// The embedded default: understands `lat,lng` (or two decimal numbers
/// separated by spaces) and nothing else.
pub struct Coordinates;

#[async_trait::async_trait]
impl Geocoder for Coordinates {
    async fn search(&self, query: &str, _: &str, _: usize) -> Result<Vec<Place>, GeoError> {
        Ok(parse_point(query)
            .map(|(lat, lng)| Place::point(lat, lng))
            .into_iter()
            .collect())
    }

    async fn reverse(&self, lat: f64, lng: f64, _: &str) -> Result<Option<Place>, GeoError> {
        Ok(Some(Place::point(lat, lng)))
    }

    fn source(&self) -> &'static str {
        "coordinates"
    }
}

/// `-33.9249, 18.4241`, `-33.9249,18.4241` or `-33.9249 18.4241` (spaces
/// alone need a decimal point in both numbers, so `12 34` stays an
/// address); latitude first, both in range.
pub fn parse_point(input: &str) -> Option<(f64, f64)> {
    let input = input.trim();
    let (a, b) = match input.split_once(',') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => {
            let mut parts = input.split_whitespace();
            let (a, b) = (parts.next()?, parts.next()?);
            if parts.next().is_some() || !a.contains('.') || !b.contains('.') {
                return None;
            }
            (a, b)
        }
    };
    let number = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
            .then(|| s.parse::<f64>().ok())
            .flatten()
            .filter(|v| v.is_finite())
    };
    let (lat, lng) = (number(a)?, number(b)?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)).then_some((lat, lng))
}

/// The configured geocoder.
pub fn from_config(
    config: &crate::config::GeocoderConfig,
) -> anyhow::Result<std::sync::Arc<dyn Geocoder>> {
    Ok(match &config.url {
        Some(url) => std::sync::Arc::new(nominatim::Nominatim::new(
            url.clone(),
            &config.user_agent,
            config.rate_per_s,
        )?),
        None => std::sync::Arc::new(Coordinates),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::parse_point;

    #[test]
    fn points_are_read_in_the_usual_spellings_and_addresses_are_not() {
        assert_eq!(parse_point("-33.9249, 18.4241"), Some((-33.9249, 18.4241)));
        assert_eq!(parse_point("-33.9249,18.4241"), Some((-33.9249, 18.4241)));
        assert_eq!(parse_point(" 35.7 51.4 "), Some((35.7, 51.4)));
        assert_eq!(parse_point("10,20"), Some((10.0, 20.0)));
        for address in [
            "12 34",
            "12 Long Street, Cape Town",
            "91, 20",
            "10,200",
            "nan,1",
            "1e3,2",
            "",
            "35.7 51.4 9.1",
        ] {
            assert_eq!(parse_point(address), None, "{address}");
        }
    }
}

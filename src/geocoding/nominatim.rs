//! A client for Nominatim's HTTP API (`/search` and `/reverse` in `jsonv2`
//! with address details), as its usage policy asks: at most the configured
//! requests per second (one for the public service), an identifying
//! `User-Agent`, and repeated questions answered from a cache.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::{parse_point, GeoError, Geocoder, Place};

/// How long an answer is reused, and how many are kept.
const CACHE_TTL: Duration = Duration::from_secs(24 * 3600);
const CACHE_SIZE: usize = 2048;

pub struct Nominatim {
    base: url::Url,
    http: reqwest::Client,
    pace: DefaultDirectRateLimiter,
    cache: Mutex<Cache>,
}

impl Nominatim {
    pub fn new(base: url::Url, user_agent: &str, rate_per_s: u32) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(Duration::from_secs(10))
            .build()?;
        let rate = NonZeroU32::new(rate_per_s).unwrap_or(NonZeroU32::MIN);
        Ok(Self {
            base,
            http,
            // No bursts: requests are spaced evenly at the rate.
            pace: RateLimiter::direct(Quota::per_second(rate).allow_burst(NonZeroU32::MIN)),
            cache: Mutex::new(Cache::default()),
        })
    }

    fn endpoint(&self, path: &str) -> url::Url {
        let mut url = self.base.clone();
        let joined = format!("{}/{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url
    }

    /// One GET, after waiting for its turn; the body as `T`.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, GeoError> {
        self.pace.until_ready().await;
        let res = self
            .http
            .get(self.endpoint(path))
            .query(query)
            .send()
            .await
            .map_err(|e| GeoError::Unavailable(e.without_url().to_string()))?;
        let status = res.status();
        if !status.is_success() {
            return Err(GeoError::Unavailable(format!("HTTP {status}")));
        }
        res.json::<T>()
            .await
            .map_err(|e| GeoError::Unavailable(format!("unreadable answer: {}", e.without_url())))
    }

    async fn cached(&self, key: &str) -> Option<Vec<Place>> {
        self.cache.lock().await.get(key)
    }

    async fn remember(&self, key: String, places: Vec<Place>) {
        self.cache.lock().await.put(key, places);
    }
}

#[async_trait::async_trait]
impl Geocoder for Nominatim {
    async fn search(
        &self,
        query: &str,
        language: &str,
        limit: usize,
    ) -> Result<Vec<Place>, GeoError> {
        // Coordinates never leave the server.
        if let Some((lat, lng)) = parse_point(query) {
            return Ok(vec![Place::point(lat, lng)]);
        }
        let query = query.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = format!("s|{language}|{limit}|{}", query.to_lowercase());
        if let Some(hit) = self.cached(&key).await {
            return Ok(hit);
        }
        let found: Vec<Found> = self
            .get(
                "search",
                &[
                    ("q", query),
                    ("format", "jsonv2".into()),
                    ("addressdetails", "1".into()),
                    ("limit", limit.to_string()),
                    ("accept-language", language.to_owned()),
                ],
            )
            .await?;
        let places: Vec<Place> = found
            .into_iter()
            .filter_map(Found::place)
            .take(limit)
            .collect();
        self.remember(key, places.clone()).await;
        Ok(places)
    }

    async fn reverse(&self, lat: f64, lng: f64, language: &str) -> Result<Option<Place>, GeoError> {
        // About a metre: nearer points share an answer.
        let key = format!("r|{language}|{lat:.5}|{lng:.5}");
        if let Some(hit) = self.cached(&key).await {
            return Ok(hit.into_iter().next());
        }
        let found: Reverse = self
            .get(
                "reverse",
                &[
                    ("lat", format!("{lat:.7}")),
                    ("lon", format!("{lng:.7}")),
                    ("format", "jsonv2".into()),
                    ("addressdetails", "1".into()),
                    ("accept-language", language.to_owned()),
                ],
            )
            .await?;
        // Nominatim answers 200 with {"error": "Unable to geocode"} for the sea.
        let place = match found {
            Reverse::Found(f) => f.place(),
            Reverse::Nothing { .. } => None,
        };
        self.remember(key, place.clone().into_iter().collect())
            .await;
        Ok(place)
    }

    fn source(&self) -> &'static str {
        "nominatim"
    }
}

/// One result of `/search` or `/reverse` (jsonv2, with `addressdetails`).
#[derive(Deserialize)]
struct Found {
    lat: String,
    lon: String,
    display_name: String,
    #[serde(default)]
    address: HashMap<String, String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Reverse {
    Found(Found),
    Nothing {
        #[allow(dead_code)]
        error: String,
    },
}

impl Found {
    fn place(self) -> Option<Place> {
        let lat: f64 = self.lat.parse().ok()?;
        let lng: f64 = self.lon.parse().ok()?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
            return None;
        }
        let a = &self.address;
        let first = |keys: &[&str]| keys.iter().find_map(|k| a.get(*k).cloned());
        let road = first(&["road", "pedestrian", "footway", "street"]);
        let street = match (a.get("house_number"), road) {
            (Some(n), Some(r)) => Some(format!("{n} {r}")),
            (None, r) => r,
            (Some(n), None) => Some(n.clone()),
        };
        Some(Place {
            lat,
            lng,
            display_name: self.display_name,
            street,
            city: first(&["city", "town", "village", "municipality", "suburb"]),
            region: first(&["state", "province", "region", "county"]),
            postal_code: a.get("postcode").cloned(),
            country: a.get("country_code").map(|c| c.to_uppercase()),
        })
    }
}

/// Answers by question, oldest evicted first, each for [`CACHE_TTL`].
#[derive(Default)]
struct Cache {
    entries: HashMap<String, (Instant, Vec<Place>)>,
    order: VecDeque<String>,
}

impl Cache {
    fn get(&self, key: &str) -> Option<Vec<Place>> {
        self.entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, places)| places.clone())
    }

    fn put(&mut self, key: String, places: Vec<Place>) {
        if self
            .entries
            .insert(key.clone(), (Instant::now(), places))
            .is_none()
        {
            self.order.push_back(key);
        }
        while self.order.len() > CACHE_SIZE {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }
}

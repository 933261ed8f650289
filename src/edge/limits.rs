//! Rate limits: GCRA through the `governor` crate, one keyed limiter per
//! bucket (an IP's /64 or an account), and one per socket for chat and
//! location frames. A bucket allows `n` requests per `per` with bursts of
//! up to `n`, refilling evenly. Each is set by its `ONSITE_RATE_*` variable
//! (`20/60s`, `5/1h`, `off`); `ONSITE_RATE_LIMITS=off` turns them all off.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::error::ApiError;

/// `n` per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub n: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn new(n: u32, per_s: u64) -> Self {
        Self {
            n,
            per: Duration::from_secs(per_s),
        }
    }

    /// `N/<count><s|m|h>` (e.g. `20/60s`, `5/1h`), or `off` (`None`).
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || format!("`{raw}` is not like `20/60s`, `5/1h` or `off`");
        let (n, per) = raw.split_once('/').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        let per = per.trim();
        let (count, unit) = per.split_at(per.len().saturating_sub(1));
        let count: u64 = count.parse().map_err(|_| bad())?;
        let secs = match unit {
            "s" => count,
            "m" => count * 60,
            "h" => count * 3600,
            _ => return Err(bad()),
        };
        if n == 0 || secs == 0 || secs > 7 * 86_400 {
            return Err(bad());
        }
        Ok(Some(Self {
            n,
            per: Duration::from_secs(secs),
        }))
    }

    fn quota(self) -> Quota {
        let n = NonZeroU32::new(self.n).unwrap_or(NonZeroU32::MIN);
        let every = (self.per / n.get()).max(Duration::from_nanos(1));
        Quota::with_period(every)
            .unwrap_or_else(|| Quota::per_second(n))
            .allow_burst(n)
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.n, self.per.as_secs())
    }
}

/// What a request counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Sign-in attempts per client address.
    LoginIp,
    /// Sign-in attempts per identifier (whoever sends them).
    LoginAccount,
    /// Registrations per client address.
    RegisterIp,
    /// Codes and links sent (OTP, e-mail verification, password reset) per
    /// client address.
    CodesIp,
    /// The same per account, e-mail address or phone number.
    CodesAccount,
    /// Bookings created per customer.
    Bookings,
    /// "Reach us" messages per client address.
    ContactIp,
    /// Address searches and reverse lookups per account.
    GeoAccount,
}

impl Bucket {
    pub const ALL: [Self; 8] = [
        Self::LoginIp,
        Self::LoginAccount,
        Self::RegisterIp,
        Self::CodesIp,
        Self::CodesAccount,
        Self::Bookings,
        Self::ContactIp,
        Self::GeoAccount,
    ];

    /// The variable that sets it.
    pub fn var(self) -> &'static str {
        match self {
            Self::LoginIp => "ONSITE_RATE_LOGIN_IP",
            Self::LoginAccount => "ONSITE_RATE_LOGIN_ACCOUNT",
            Self::RegisterIp => "ONSITE_RATE_REGISTER_IP",
            Self::CodesIp => "ONSITE_RATE_CODES_IP",
            Self::CodesAccount => "ONSITE_RATE_CODES_ACCOUNT",
            Self::Bookings => "ONSITE_RATE_BOOKINGS",
            Self::ContactIp => "ONSITE_RATE_CONTACT_IP",
            Self::GeoAccount => "ONSITE_RATE_GEO_ACCOUNT",
        }
    }

    pub fn default_rate(self) -> Rate {
        match self {
            Self::LoginIp => Rate::new(20, 60),
            Self::LoginAccount => Rate::new(10, 60),
            Self::RegisterIp => Rate::new(10, 3600),
            Self::CodesIp => Rate::new(20, 3600),
            Self::CodesAccount => Rate::new(5, 3600),
            Self::Bookings => Rate::new(30, 3600),
            Self::ContactIp => Rate::new(5, 3600),
            // Typing an address searches as the user types.
            Self::GeoAccount => Rate::new(60, 60),
        }
    }
}

/// The limits in force (`None`: off).
#[derive(Clone, Debug)]
pub struct LimitsConfig {
    pub http: HashMap<Bucket, Rate>,
    /// Chat frames per socket (`ONSITE_RATE_WS_CHAT`, default 20/10s).
    pub ws_chat: Option<Rate>,
    /// Location frames per socket (`ONSITE_RATE_WS_LOCATION`, default 50/10s).
    pub ws_location: Option<Rate>,
}

impl LimitsConfig {
    /// Reads `ONSITE_RATE_*` through `get`; `Err((var, reason))`.
    pub fn read(get: &impl Fn(&str) -> Option<String>) -> Result<Self, (&'static str, String)> {
        let all_off = match get("ONSITE_RATE_LIMITS").as_deref().map(str::trim) {
            None | Some("on") => false,
            Some("off") => true,
            Some(other) => {
                return Err((
                    "ONSITE_RATE_LIMITS",
                    format!("`{other}` is neither `on` nor `off`"),
                ))
            }
        };
        let rate =
            |var: &'static str, default: Rate| -> Result<Option<Rate>, (&'static str, String)> {
                if all_off {
                    return Ok(None);
                }
                match get(var) {
                    None => Ok(Some(default)),
                    Some(raw) => Rate::parse(&raw).map_err(|e| (var, e)),
                }
            };
        let mut http = HashMap::new();
        for bucket in Bucket::ALL {
            if let Some(r) = rate(bucket.var(), bucket.default_rate())? {
                http.insert(bucket, r);
            }
        }
        Ok(Self {
            http,
            ws_chat: rate("ONSITE_RATE_WS_CHAT", Rate::new(20, 10))?,
            ws_location: rate("ONSITE_RATE_WS_LOCATION", Rate::new(50, 10))?,
        })
    }
}

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// One socket's limiter for one kind of frame.
pub type SocketLimiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock>;

/// How much of a bucket is left after a request it let through.
#[derive(Clone, Copy, Debug)]
pub struct Verdict {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_s: u64,
}

/// Every keyed limiter of the server.
pub struct Limits {
    buckets: HashMap<Bucket, (Rate, Keyed)>,
    clock: DefaultClock,
    config: LimitsConfig,
}

fn secs_up(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl Limits {
    pub fn new(config: &LimitsConfig) -> Self {
        let clock = DefaultClock::default();
        let buckets = config
            .http
            .iter()
            .map(|(bucket, rate)| {
                let limiter = RateLimiter::dashmap_with_clock(rate.quota(), clock.clone())
                    .with_middleware::<StateInformationMiddleware>();
                (*bucket, (*rate, limiter))
            })
            .collect();
        Self {
            buckets,
            clock,
            config: config.clone(),
        }
    }

    /// Counts a request against `bucket` for `key`: 429 `rate_limited`
    /// (with `Retry-After` and `RateLimit-*`) when it is used up; `None`
    /// when the bucket is off.
    pub fn check(&self, bucket: Bucket, key: &str) -> Result<Option<Verdict>, ApiError> {
        let Some((rate, limiter)) = self.buckets.get(&bucket) else {
            return Ok(None);
        };
        let key = key.to_owned();
        match limiter.check_key(&key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let used = rate.n.saturating_sub(remaining);
                Ok(Some(Verdict {
                    limit: rate.n,
                    remaining,
                    reset_s: secs_up(rate.per / rate.n.max(1) * used),
                }))
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                tracing::info!(bucket = ?bucket, "rate limited");
                Err(ApiError::RateLimited {
                    retry_after_s: i64::try_from(secs_up(wait)).unwrap_or(i64::MAX),
                    limit: Some(rate.n),
                })
            }
        }
    }

    /// A fresh limiter for one socket's frames of one kind (`None`: off).
    pub fn socket(&self, chat: bool) -> Option<SocketLimiter> {
        let rate = if chat {
            self.config.ws_chat
        } else {
            self.config.ws_location
        }?;
        Some(RateLimiter::direct_with_clock(
            rate.quota(),
            self.clock.clone(),
        ))
    }

    /// Forgets keys whose buckets are full again (memory stays bounded by
    /// the clients seen within one period).
    pub fn housekeep(&self) {
        for (_, limiter) in self.buckets.values() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
pub fn headers(limit: u32, remaining: u32, reset_s: u64) -> [(HeaderName, HeaderValue); 3] {
    [
        (LIMIT, HeaderValue::from(limit)),
        (REMAINING, HeaderValue::from(remaining)),
        (RESET, HeaderValue::from(reset_s)),
    ]
}

/// A per-address limit in front of a route: refused with 429 before the
/// handler runs; the answer carries the bucket's `RateLimit-*` headers.
pub async fn guard(
    bucket: Bucket,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let verdict = match req.app_data::<actix_web::web::Data<crate::state::AppState>>() {
        Some(state) => {
            let key = super::client_ip::of(req.request())
                .map_or_else(|| "unknown".to_owned(), super::client_ip::limit_key);
            state.limits.check(bucket, &key)
        }
        None => Ok(None),
    };
    match verdict {
        Err(refusal) => {
            let (req, _) = req.into_parts();
            let res = actix_web::ResponseError::error_response(&refusal);
            Ok(ServiceResponse::new(req, res).map_into_right_body())
        }
        Ok(verdict) => {
            let mut res = next.call(req).await?;
            if let Some(v) = verdict {
                for (name, value) in headers(v.limit, v.remaining, v.reset_s) {
                    res.headers_mut().insert(name, value);
                }
            }
            Ok(res.map_into_left_body())
        }
    }
}

/// The per-address [`guard`] for bucket `$bucket`, ready for `.wrap(...)`.
#[macro_export]
macro_rules! limit {
    ($bucket:ident) => {
        actix_web::middleware::from_fn(|req, next| {
            $crate::edge::limits::guard($crate::edge::limits::Bucket::$bucket, req, next)
        })
    };
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_refuse_nonsense() {
        assert_eq!(Rate::parse("20/60s").unwrap(), Some(Rate::new(20, 60)));
        assert_eq!(Rate::parse("5/1h").unwrap(), Some(Rate::new(5, 3600)));
        assert_eq!(Rate::parse("3/2m").unwrap(), Some(Rate::new(3, 120)));
        assert_eq!(Rate::parse("off").unwrap(), None);
        for bad in [
            "20", "0/60s", "20/0s", "20/60", "x/60s", "20/60d", "20/8000h",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bucket_lets_its_burst_through_then_refuses_with_a_wait() {
        let mut http = HashMap::new();
        http.insert(Bucket::LoginIp, Rate::new(3, 60));
        let limits = Limits::new(&LimitsConfig {
            http,
            ws_chat: None,
            ws_location: None,
        });
        let seen: Vec<u32> = (0..3)
            .map(|_| {
                limits
                    .check(Bucket::LoginIp, "a")
                    .unwrap()
                    .unwrap()
                    .remaining
            })
            .collect();
        assert_eq!(seen, [2, 1, 0]);
        match limits.check(Bucket::LoginIp, "a") {
            Err(ApiError::RateLimited {
                retry_after_s,
                limit,
            }) => {
                assert!((1..=20).contains(&retry_after_s), "{retry_after_s}");
                assert_eq!(limit, Some(3));
            }
            other => panic!("{other:?}"),
        }
        // Another key and a bucket that is off are not affected.
        assert!(limits.check(Bucket::LoginIp, "b").unwrap().is_some());
        assert!(limits.check(Bucket::Bookings, "a").unwrap().is_none());
    }
}

//! One typed configuration, read from `ONSITE_*` environment variables with
//! defaults that run on a developer's machine.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use onsite_actors::proximity::ProximityConfig;
use onsite_actors::session::SessionConfig;

use crate::payments::policy::CancelPolicy;

/// Where the server runs and what it talks to, by concern. Every default is
/// written once, in [`Config::from_lookup`], and every duration is typed once,
/// as the code that uses it needs it.
#[derive(Clone, Debug)]
pub struct Config {
    pub env: Environment,
    pub http: HttpConfig,
    /// SQLite file, generated secrets, uploads, mail outbox.
    pub data_dir: PathBuf,
    pub db: DbConfig,
    /// Several nodes: set by `ONSITE_REDIS_URL` (with a shared PostgreSQL);
    /// `None` runs one node alone.
    pub cluster: Option<ClusterConfig>,
    pub mail: MailConfig,
    pub auth: AuthConfig,
    /// The arrival rule.
    pub proximity: ProximityConfig,
    pub money: MoneyConfig,
    pub sessions: SessionsConfig,
    pub notify: NotifyConfig,
    pub reviews: ReviewsConfig,
    /// Where uploads go: `s3://bucket?endpoint=...` (`ONSITE_BLOB_URL`), or
    /// files under `$ONSITE_DATA_DIR/uploads/` when unset.
    pub blob_url: Option<String>,
    pub ws: WsConfig,
    /// The `tracing` filter (`ONSITE_LOG`).
    pub log: String,
    pub edge: EdgeConfig,
    /// Who issues the invoices.
    pub platform: PlatformConfig,
    pub geocoder: GeocoderConfig,
}

/// Turning typed addresses into places. Without `ONSITE_GEOCODER_URL` only
/// `lat,lng` input is understood.
#[derive(Clone, Debug)]
pub struct GeocoderConfig {
    /// `ONSITE_GEOCODER_URL`: a Nominatim-compatible service
    /// (`https://nominatim.openstreetmap.org`, or your own).
    pub url: Option<url::Url>,
    /// `ONSITE_GEOCODER_USER_AGENT` (default `onsite/<version> (<platform email>)`):
    /// Nominatim's policy asks every application to name itself.
    pub user_agent: String,
    /// `ONSITE_GEOCODER_RATE` (default 1): requests per second at most, the
    /// public Nominatim's limit.
    pub rate_per_s: u32,
}

/// The platform's details printed on every invoice.
#[derive(Clone, Debug)]
pub struct PlatformConfig {
    /// `ONSITE_PLATFORM_NAME` (default `onsite`).
    pub name: String,
    /// `ONSITE_PLATFORM_ADDRESS`: postal address, lines separated by `;`.
    pub address: Vec<String>,
    /// `ONSITE_PLATFORM_TAX_ID`: VAT or tax number, printed when set.
    pub tax_id: Option<String>,
    /// `ONSITE_PLATFORM_EMAIL` (default: the address mail is sent from).
    pub email: String,
}

/// What faces the network: proxies, rate limits, CORS, metrics, shutdown.
#[derive(Clone, Debug)]
pub struct EdgeConfig {
    /// `ONSITE_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `ONSITE_CORS_ORIGINS`: browser origins allowed to call the API.
    pub cors_origins: Vec<String>,
    pub limits: crate::edge::limits::LimitsConfig,
    /// `ONSITE_METRICS_BIND`: serve `/metrics` there instead of on the API port.
    pub metrics_bind: Option<SocketAddr>,
    /// `ONSITE_LOG_FORMAT=json`: one JSON object per log line.
    pub log_json: bool,
    /// `ONSITE_SHUTDOWN_GRACE_S` (default 10): how long a SIGTERM waits for
    /// requests, sessions and outboxes before the process exits.
    pub shutdown_grace: Duration,
}

#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub bind: SocketAddr,
    /// Where clients reach this server (links in mail), without a trailing `/`.
    pub public_url: String,
    pub workers: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct DbConfig {
    pub url: String,
    /// PostgreSQL connections (SQLite always has exactly one).
    pub pool_size: usize,
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `None`: mail is written as `.eml` files to the outbox.
    pub smtp_url: Option<String>,
    pub from: String,
}

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// `None` means "generate one and keep it in the data dir" (development only).
    pub jwt_secret: Option<String>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub lockout_threshold: u32,
    pub lockout_duration: Duration,
    /// The admin created on first start if there is none (both set or neither).
    pub bootstrap_admin: Option<(String, String)>,
    /// Sign-in through OpenID Connect providers (`ONSITE_OIDC_PROVIDERS`).
    pub oidc: Vec<OidcProvider>,
}

/// One OpenID Connect provider, named in `ONSITE_OIDC_PROVIDERS=google,...`
/// and set by `ONSITE_OIDC_<NAME>_*`.
#[derive(Clone)]
pub struct OidcProvider {
    /// Lower case, as in the route `/v1/auth/oidc/{provider}`.
    pub name: String,
    /// `_ISSUER` (default `https://accounts.google.com` for `google`): where
    /// discovery starts; ID tokens must name it exactly.
    pub issuer: String,
    /// `_CLIENT_ID`: the audience ID tokens must be issued for.
    pub client_id: String,
    /// `_CLIENT_SECRET`: for the code exchange of a confidential client.
    pub client_secret: Option<String>,
    /// `_REDIRECT_URIS` (comma-separated): the redirect URIs the apps use in
    /// the code flow; a code sent with another is refused.
    pub redirect_uris: Vec<String>,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<set>"),
            )
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

fn oidc_providers(get: &impl Fn(&str) -> Option<String>) -> Result<Vec<OidcProvider>, ConfigError> {
    let names = get("ONSITE_OIDC_PROVIDERS").unwrap_or_default();
    let mut out: Vec<OidcProvider> = Vec::new();
    for name in names
        .split(',')
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
    {
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            || name.len() > 30
        {
            return Err(bad(
                "ONSITE_OIDC_PROVIDERS",
                format!("`{name}`: provider names are 1 to 30 of a-z0-9"),
            ));
        }
        if out.iter().any(|p| p.name == name) {
            return Err(bad(
                "ONSITE_OIDC_PROVIDERS",
                format!("`{name}` is named twice"),
            ));
        }
        let var = |suffix: &str| format!("ONSITE_OIDC_{}_{suffix}", name.to_uppercase());
        let issuer = match get(&var("ISSUER")) {
            Some(i) => i.trim().trim_end_matches('/').to_owned(),
            None if name == "google" => "https://accounts.google.com".into(),
            None => {
                return Err(bad(
                    "ONSITE_OIDC_PROVIDERS",
                    format!("`{name}` needs {}", var("ISSUER")),
                ))
            }
        };
        if url::Url::parse(&issuer).is_err() {
            return Err(bad(
                "ONSITE_OIDC_PROVIDERS",
                format!("{} `{issuer}` is not a URL", var("ISSUER")),
            ));
        }
        let Some(client_id) = get(&var("CLIENT_ID")).filter(|c| !c.trim().is_empty()) else {
            return Err(bad(
                "ONSITE_OIDC_PROVIDERS",
                format!("`{name}` needs {}", var("CLIENT_ID")),
            ));
        };
        out.push(OidcProvider {
            name: name.clone(),
            issuer,
            client_id: client_id.trim().to_owned(),
            client_secret: get(&var("CLIENT_SECRET")).filter(|s| !s.is_empty()),
            redirect_uris: get(&var("REDIRECT_URIS"))
                .unwrap_or_default()
                .split(',')
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty())
                .collect(),
        });
    }
    Ok(out)
}

/// Money and the clocks of a booking's payment.
#[derive(Clone, Debug)]
pub struct MoneyConfig {
    /// Platform commission in basis points of the price.
    pub commission_bps: u32,
    /// The cancellation policy's configurable part.
    pub cancel: CancelPolicy,
    /// How long a new booking waits for payment before it expires.
    pub payment_window: chrono::Duration,
    /// How long a paid request waits for the provider's answer.
    pub request_timeout: chrono::Duration,
    /// Secret of the simulated gateway's signed webhooks (derived from the JWT secret if unset).
    pub webhook_secret: Option<String>,
    /// The job's SLA: how far past its estimated duration a job may run
    /// before it counts as breached (`ONSITE_SLA_GRACE_MINUTES`, 15).
    pub sla_grace: chrono::Duration,
    /// What a breach costs the provider, in basis points of the price,
    /// refunded to the customer (`ONSITE_SLA_PENALTY_BPS`, 0: none).
    pub sla_penalty_bps: u32,
    /// `ONSITE_PAYOUT_APPROVAL=auto`: payouts are sent as soon as they are
    /// requested; `manual` (the default): an admin approves each.
    pub payout_auto: bool,
    /// `ONSITE_PAYOUT_MINIMUM` (minor units, default 1000): the smallest payout.
    pub payout_minimum: i64,
    /// `ONSITE_PAYMENT_GATEWAY`: `sim` (the default) or `stripe`.
    pub gateway: Gateway,
    /// `ONSITE_PAYOUT_SENDER`: `sim` or `stripe` (Connect transfers); the
    /// gateway's by default.
    pub payout_sender: Gateway,
    /// Stripe's keys, when either of the above is `stripe`.
    pub stripe: Option<StripeConfig>,
}

/// Who moves the money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gateway {
    Simulated,
    Stripe,
}

/// Stripe's keys. `Debug` shows neither secret.
#[derive(Clone)]
pub struct StripeConfig {
    /// `ONSITE_STRIPE_SECRET_KEY` (`sk_live_...` / `sk_test_...` / `rk_...`).
    pub secret_key: String,
    /// `ONSITE_STRIPE_WEBHOOK_SECRET` (`whsec_...`): the endpoint's signing secret.
    pub webhook_secret: String,
    /// `ONSITE_STRIPE_API_BASE` (default `https://api.stripe.com`), for a
    /// stand-in in tests.
    pub api_base: String,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"<redacted>")
            .field("webhook_secret", &"<redacted>")
            .field("api_base", &self.api_base)
            .finish()
    }
}

fn gateway_named(
    name: &'static str,
    value: Option<String>,
) -> Result<Option<Gateway>, ConfigError> {
    match value.as_deref() {
        None => Ok(None),
        Some("sim") => Ok(Some(Gateway::Simulated)),
        Some("stripe") => Ok(Some(Gateway::Stripe)),
        Some(other) => Err(bad(
            name,
            format!("`{other}` is neither `sim` nor `stripe`"),
        )),
    }
}

/// A node of a cluster: nodes share PostgreSQL and talk over Redis.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// `ONSITE_REDIS_URL` (`redis://host:6379/0`).
    pub redis_url: String,
    /// `ONSITE_NODE_ID` (default: random at each start): names this node in
    /// leases, channels and logs.
    pub node_id: String,
    /// `ONSITE_LEASE_S` (default 10): how long a node owns a booking (or a
    /// background pass) without renewing it; after a node dies, its
    /// bookings move to another node after at most this long.
    pub lease: Duration,
    /// `ONSITE_FORWARD_TIMEOUT_S` (default 5): how long a command forwarded
    /// to the owner node waits for its answer.
    pub forward_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct SessionsConfig {
    /// A booking session with no commands for this long stops (it restarts on demand).
    pub idle: Duration,
    /// Start the job automatically once the provider has arrived.
    pub auto_start: bool,
    /// How often expired bookings and holds are swept.
    pub sweep_interval: Duration,
}

#[derive(Clone, Debug)]
pub struct ReviewsConfig {
    /// How long after completion the parties may review each other
    /// (`ONSITE_REVIEW_WINDOW_S`, 14 days); hidden reviews are published
    /// when it closes.
    pub window: chrono::Duration,
}

#[derive(Clone, Debug)]
pub struct NotifyConfig {
    /// Reminders of a scheduled booking, in minutes before its start.
    pub reminders: Vec<i32>,
    /// How long a worker holds a claimed outbox row (`ONSITE_OUTBOX_LEASE_S`,
    /// 300): a row claimed by a worker that died is sent again after this.
    /// Keep it well above the slowest send (SMTP and push time out at 30 s).
    pub outbox_lease: Duration,
    /// Mobile push through FCM when set; else `push-*.json` files in the outbox.
    pub fcm: Option<FcmConfig>,
    /// SMS through Twilio when set (`ONSITE_SMS_PROVIDER=twilio`); else
    /// `sms-*.txt` files in the outbox.
    pub twilio: Option<TwilioConfig>,
}

/// Twilio's Messages API. `Debug` does not show the auth token.
#[derive(Clone)]
pub struct TwilioConfig {
    /// `ONSITE_TWILIO_ACCOUNT_SID` (`AC...`).
    pub account_sid: String,
    /// `ONSITE_TWILIO_AUTH_TOKEN`.
    pub auth_token: String,
    /// `ONSITE_TWILIO_FROM`: the sending number (E.164) or a Messaging
    /// Service SID (`MG...`).
    pub from: String,
    /// `ONSITE_TWILIO_API_BASE` (default `https://api.twilio.com`).
    pub api_base: String,
}

impl std::fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("from", &self.from)
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// `ONSITE_FCM_PROJECT_ID` and `ONSITE_FCM_CREDENTIALS` (the path of the
/// service-account key file, JSON as Google issues it).
#[derive(Clone, Debug)]
pub struct FcmConfig {
    pub project_id: String,
    pub credentials: PathBuf,
    /// `ONSITE_FCM_ENDPOINT`: the FCM API's base URL (a stand-in in tests).
    pub endpoint: String,
}

#[derive(Clone, Debug)]
pub struct WsConfig {
    /// Frames a slow websocket client may have queued before it is closed (1013).
    pub queue: usize,
    /// The same for an admin's socket, which may monitor every live booking
    /// of the cluster (one queued frame per booking and party at least).
    pub admin_queue: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// A start-up error that names the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn bad(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let env = match get("ONSITE_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(bad(
                    "ONSITE_ENV",
                    format!("`{other}` is neither `development` nor `production`"),
                ))
            }
        };
        let bind = parse(&get, "ONSITE_BIND", "127.0.0.1:8080".parse().ok())?;
        let data_dir = PathBuf::from(get("ONSITE_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = get("ONSITE_DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("onsite.db").display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "ONSITE_DATABASE_URL",
                "must start with sqlite://, postgres:// or postgresql://",
            ));
        }
        let smtp_url = get("ONSITE_SMTP_URL");
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(bad(
                    "ONSITE_SMTP_URL",
                    "must start with smtp:// or smtps://",
                ));
            }
        }
        let public_url = get("ONSITE_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_owned();
        url::Url::parse(&public_url).map_err(|e| bad("ONSITE_PUBLIC_URL", e.to_string()))?;
        let jwt_secret = get("ONSITE_JWT_SECRET");
        if let Some(secret) = &jwt_secret {
            if secret.len() < 32 {
                return Err(bad("ONSITE_JWT_SECRET", "must be at least 32 characters"));
            }
        }
        let admin_email = get("ONSITE_ADMIN_EMAIL");
        let admin_password = get("ONSITE_ADMIN_PASSWORD");
        if admin_email.is_some() != admin_password.is_some() {
            return Err(bad(
                "ONSITE_ADMIN_PASSWORD",
                "ONSITE_ADMIN_EMAIL and ONSITE_ADMIN_PASSWORD must be set together",
            ));
        }
        let radius: f64 = parse(&get, "ONSITE_PROXIMITY_RADIUS_M", Some(2.0))?;
        if !radius.is_finite() || radius <= 0.0 {
            return Err(bad(
                "ONSITE_PROXIMITY_RADIUS_M",
                "must be a positive number",
            ));
        }
        let commission_bps: u32 = parse(&get, "ONSITE_COMMISSION_BPS", Some(1500))?;
        if commission_bps > 10_000 {
            return Err(bad("ONSITE_COMMISSION_BPS", "must be between 0 and 10000"));
        }
        let config = Config {
            env,
            http: HttpConfig {
                bind,
                public_url,
                workers: parse_opt(&get, "ONSITE_WORKERS")?,
            },
            db: DbConfig {
                url: database_url,
                pool_size: parse(&get, "ONSITE_DB_POOL_SIZE", Some(10))?,
            },
            cluster: match get("ONSITE_REDIS_URL") {
                None => None,
                Some(redis_url) => {
                    if !redis_url.starts_with("redis://") && !redis_url.starts_with("rediss://") {
                        return Err(bad(
                            "ONSITE_REDIS_URL",
                            "must be a redis:// or rediss:// URL",
                        ));
                    }
                    let lease: f64 = parse(&get, "ONSITE_LEASE_S", Some(10.0))?;
                    if !(1.0..=600.0).contains(&lease) {
                        return Err(bad("ONSITE_LEASE_S", "must be between 1 and 600 seconds"));
                    }
                    let forward: f64 = parse(&get, "ONSITE_FORWARD_TIMEOUT_S", Some(5.0))?;
                    if !(0.1..=120.0).contains(&forward) {
                        return Err(bad(
                            "ONSITE_FORWARD_TIMEOUT_S",
                            "must be between 0.1 and 120 seconds",
                        ));
                    }
                    let node_id = get("ONSITE_NODE_ID").unwrap_or_else(|| {
                        format!("node-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
                    });
                    if node_id.is_empty()
                        || node_id.len() > 64
                        || !node_id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    {
                        return Err(bad("ONSITE_NODE_ID", "1 to 64 letters, digits, '-' or '_'"));
                    }
                    Some(ClusterConfig {
                        redis_url,
                        node_id,
                        lease: Duration::from_secs_f64(lease),
                        forward_timeout: Duration::from_secs_f64(forward),
                    })
                }
            },
            mail: MailConfig {
                smtp_url,
                from: get("ONSITE_MAIL_FROM")
                    .unwrap_or_else(|| "onsite <no-reply@onsite.local>".into()),
            },
            auth: AuthConfig {
                jwt_secret,
                access_token_ttl: Duration::from_secs(parse(
                    &get,
                    "ONSITE_ACCESS_TOKEN_TTL_S",
                    Some(15 * 60),
                )?),
                refresh_token_ttl: Duration::from_secs(
                    parse::<u64>(&get, "ONSITE_REFRESH_TOKEN_TTL_DAYS", Some(30))? * 86_400,
                ),
                lockout_threshold: parse(&get, "ONSITE_LOCKOUT_THRESHOLD", Some(5))?,
                lockout_duration: Duration::from_secs(
                    parse::<u64>(&get, "ONSITE_LOCKOUT_MINUTES", Some(15))? * 60,
                ),
                bootstrap_admin: admin_email.zip(admin_password),
                oidc: oidc_providers(&get)?,
            },
            proximity: ProximityConfig {
                radius_m: radius,
                dwell_s: parse(&get, "ONSITE_PROXIMITY_DWELL_S", Some(300))?,
                stale_s: parse(&get, "ONSITE_PROXIMITY_STALE_S", Some(60))?,
                max_accuracy_m: parse(&get, "ONSITE_PROXIMITY_MAX_ACCURACY_M", Some(20.0))?,
            },
            money: MoneyConfig {
                commission_bps,
                cancel: CancelPolicy {
                    cutoff: chrono::Duration::hours(i64::from(parse::<u32>(
                        &get,
                        "ONSITE_CANCEL_CUTOFF_HOURS",
                        Some(24),
                    )?)),
                    late_refund_bps: {
                        let bps: u32 = parse(&get, "ONSITE_LATE_CANCEL_REFUND_BPS", Some(5000))?;
                        if bps > 10_000 {
                            return Err(bad(
                                "ONSITE_LATE_CANCEL_REFUND_BPS",
                                "must be between 0 and 10000",
                            ));
                        }
                        bps
                    },
                },
                payment_window: minutes(&get, "ONSITE_PAYMENT_WINDOW_MINUTES", 15)?,
                request_timeout: minutes(&get, "ONSITE_REQUEST_TIMEOUT_MINUTES", 30)?,
                webhook_secret: get("ONSITE_PAYMENT_WEBHOOK_SECRET"),
                sla_grace: minutes(&get, "ONSITE_SLA_GRACE_MINUTES", 15)?,
                sla_penalty_bps: {
                    let bps: u32 = parse(&get, "ONSITE_SLA_PENALTY_BPS", Some(0))?;
                    if bps > 10_000 {
                        return Err(bad("ONSITE_SLA_PENALTY_BPS", "must be between 0 and 10000"));
                    }
                    bps
                },
                payout_auto: match get("ONSITE_PAYOUT_APPROVAL").as_deref() {
                    None | Some("manual") => false,
                    Some("auto") => true,
                    Some(other) => {
                        return Err(bad(
                            "ONSITE_PAYOUT_APPROVAL",
                            format!("`{other}` is neither `manual` nor `auto`"),
                        ))
                    }
                },
                payout_minimum: {
                    let min: i64 = parse(&get, "ONSITE_PAYOUT_MINIMUM", Some(1000))?;
                    if !(1..=crate::domain::MAX_AMOUNT).contains(&min) {
                        return Err(bad(
                            "ONSITE_PAYOUT_MINIMUM",
                            "must be a positive amount in minor units",
                        ));
                    }
                    min
                },
                gateway: gateway_named("ONSITE_PAYMENT_GATEWAY", get("ONSITE_PAYMENT_GATEWAY"))?
                    .unwrap_or(Gateway::Simulated),
                payout_sender: match gateway_named(
                    "ONSITE_PAYOUT_SENDER",
                    get("ONSITE_PAYOUT_SENDER"),
                )? {
                    Some(g) => g,
                    None => gateway_named("ONSITE_PAYMENT_GATEWAY", get("ONSITE_PAYMENT_GATEWAY"))?
                        .unwrap_or(Gateway::Simulated),
                },
                stripe: match (
                    get("ONSITE_STRIPE_SECRET_KEY"),
                    get("ONSITE_STRIPE_WEBHOOK_SECRET"),
                ) {
                    (Some(secret_key), Some(webhook_secret)) => Some(StripeConfig {
                        secret_key,
                        webhook_secret,
                        api_base: get("ONSITE_STRIPE_API_BASE")
                            .unwrap_or_else(|| "https://api.stripe.com".into()),
                    }),
                    _ => None,
                },
            },
            sessions: SessionsConfig {
                idle: Duration::from_secs(parse(&get, "ONSITE_SESSION_IDLE_S", Some(300))?),
                auto_start: parse(&get, "ONSITE_AUTO_START", Some(false))?,
                sweep_interval: Duration::from_millis(
                    (parse::<f64>(&get, "ONSITE_SWEEP_INTERVAL_S", Some(15.0))?.clamp(0.05, 3600.0)
                        * 1000.0) as u64,
                ),
            },
            notify: NotifyConfig {
                reminders: reminders(get("ONSITE_REMINDERS_MINUTES").as_deref())?,
                outbox_lease: {
                    let secs: u64 = parse(&get, "ONSITE_OUTBOX_LEASE_S", Some(300))?;
                    if secs == 0 {
                        return Err(bad("ONSITE_OUTBOX_LEASE_S", "must be at least 1"));
                    }
                    Duration::from_secs(secs)
                },
                twilio: match get("ONSITE_SMS_PROVIDER").as_deref() {
                    None | Some("outbox") => None,
                    Some("twilio") => {
                        let need = |name: &'static str| {
                            get(name).ok_or_else(|| {
                                bad(name, "required with ONSITE_SMS_PROVIDER=twilio")
                            })
                        };
                        let account_sid = need("ONSITE_TWILIO_ACCOUNT_SID")?;
                        if !account_sid.starts_with("AC") {
                            return Err(bad(
                                "ONSITE_TWILIO_ACCOUNT_SID",
                                "must be an account SID (AC...)",
                            ));
                        }
                        let from = need("ONSITE_TWILIO_FROM")?;
                        if !from.starts_with("MG")
                            && crate::domain::Phone::try_from(from.clone()).is_err()
                        {
                            return Err(bad(
                                "ONSITE_TWILIO_FROM",
                                "must be an E.164 number or a Messaging Service SID (MG...)",
                            ));
                        }
                        Some(TwilioConfig {
                            account_sid,
                            auth_token: need("ONSITE_TWILIO_AUTH_TOKEN")?,
                            from,
                            api_base: get("ONSITE_TWILIO_API_BASE")
                                .unwrap_or_else(|| "https://api.twilio.com".into())
                                .trim_end_matches('/')
                                .to_owned(),
                        })
                    }
                    Some(other) => {
                        return Err(bad(
                            "ONSITE_SMS_PROVIDER",
                            format!("`{other}` is neither `outbox` nor `twilio`"),
                        ))
                    }
                },
                fcm: match (get("ONSITE_FCM_PROJECT_ID"), get("ONSITE_FCM_CREDENTIALS")) {
                    (None, None) => None,
                    (Some(project_id), Some(credentials)) => Some(FcmConfig {
                        project_id,
                        credentials: PathBuf::from(credentials),
                        endpoint: get("ONSITE_FCM_ENDPOINT")
                            .unwrap_or_else(|| "https://fcm.googleapis.com".into())
                            .trim_end_matches('/')
                            .to_owned(),
                    }),
                    _ => {
                        return Err(bad(
                            "ONSITE_FCM_CREDENTIALS",
                            "ONSITE_FCM_PROJECT_ID and ONSITE_FCM_CREDENTIALS must be set together",
                        ))
                    }
                },
            },
            blob_url: get("ONSITE_BLOB_URL").filter(|u| !u.trim().is_empty()),
            reviews: ReviewsConfig {
                window: {
                    let secs: i64 = parse(&get, "ONSITE_REVIEW_WINDOW_S", Some(14 * 86_400))?;
                    if !(1..=365 * 86_400).contains(&secs) {
                        return Err(bad(
                            "ONSITE_REVIEW_WINDOW_S",
                            "must be between 1 and 31536000 seconds",
                        ));
                    }
                    chrono::Duration::seconds(secs)
                },
            },
            ws: WsConfig {
                queue: parse(&get, "ONSITE_WS_QUEUE", Some(256))?,
                admin_queue: parse(&get, "ONSITE_WS_ADMIN_QUEUE", Some(65_536))?,
            },
            log: get("ONSITE_LOG").unwrap_or_else(|| "info".into()),
            platform: PlatformConfig {
                name: get("ONSITE_PLATFORM_NAME").unwrap_or_else(|| "onsite".into()),
                address: get("ONSITE_PLATFORM_ADDRESS")
                    .map(|a| {
                        a.split(';')
                            .map(|l| l.trim().to_owned())
                            .filter(|l| !l.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                tax_id: get("ONSITE_PLATFORM_TAX_ID").filter(|t| !t.trim().is_empty()),
                email: match get("ONSITE_PLATFORM_EMAIL") {
                    Some(e) => e,
                    None => {
                        let from = get("ONSITE_MAIL_FROM")
                            .unwrap_or_else(|| "onsite <no-reply@onsite.local>".into());
                        from.parse::<lettre::message::Mailbox>()
                            .map(|m| m.email.to_string())
                            .unwrap_or(from)
                    }
                },
            },
            geocoder: GeocoderConfig {
                url: match get("ONSITE_GEOCODER_URL").filter(|u| !u.trim().is_empty()) {
                    None => None,
                    Some(raw) => {
                        let url = url::Url::parse(raw.trim())
                            .map_err(|e| bad("ONSITE_GEOCODER_URL", format!("`{raw}`: {e}")))?;
                        if !matches!(url.scheme(), "http" | "https") {
                            return Err(bad("ONSITE_GEOCODER_URL", "must be an http(s) URL"));
                        }
                        Some(url)
                    }
                },
                user_agent: get("ONSITE_GEOCODER_USER_AGENT").unwrap_or_else(|| {
                    let contact = get("ONSITE_PLATFORM_EMAIL")
                        .unwrap_or_else(|| "no-reply@onsite.local".into());
                    format!("onsite/{} ({contact})", env!("CARGO_PKG_VERSION"))
                }),
                rate_per_s: {
                    let rate: u32 = parse(&get, "ONSITE_GEOCODER_RATE", Some(1))?;
                    if !(1..=100).contains(&rate) {
                        return Err(bad("ONSITE_GEOCODER_RATE", "must be between 1 and 100"));
                    }
                    rate
                },
            },
            edge: EdgeConfig {
                trusted_proxies: crate::edge::client_ip::parse_proxies(
                    &get("ONSITE_TRUSTED_PROXIES").unwrap_or_default(),
                )
                .map_err(|e| bad("ONSITE_TRUSTED_PROXIES", e))?,
                cors_origins: crate::edge::headers::parse_origins(
                    &get("ONSITE_CORS_ORIGINS").unwrap_or_default(),
                )
                .map_err(|e| bad("ONSITE_CORS_ORIGINS", e))?,
                limits: crate::edge::limits::LimitsConfig::read(&get)
                    .map_err(|(var, reason)| bad(var, reason))?,
                metrics_bind: parse_opt(&get, "ONSITE_METRICS_BIND")?,
                log_json: match get("ONSITE_LOG_FORMAT").as_deref() {
                    None | Some("text") => false,
                    Some("json") => true,
                    Some(other) => {
                        return Err(bad(
                            "ONSITE_LOG_FORMAT",
                            format!("`{other}` is neither `text` nor `json`"),
                        ))
                    }
                },
                shutdown_grace: Duration::from_secs(parse(
                    &get,
                    "ONSITE_SHUTDOWN_GRACE_S",
                    Some(10),
                )?),
            },
            data_dir,
        };
        config.check_payments()?;
        config.check_production()?;
        if config.cluster.is_some() && config.is_sqlite() {
            return Err(bad(
                "ONSITE_REDIS_URL",
                "several nodes share one PostgreSQL database: set ONSITE_DATABASE_URL=postgres://... (SQLite is for one node)",
            ));
        }
        Ok(config)
    }

    /// Stripe needs both keys; a secret key that is not one is refused now,
    /// not at the first payment.
    fn check_payments(&self) -> Result<(), ConfigError> {
        let m = &self.money;
        if m.gateway != Gateway::Stripe && m.payout_sender != Gateway::Stripe {
            return Ok(());
        }
        let Some(stripe) = &m.stripe else {
            return Err(bad(
                "ONSITE_STRIPE_SECRET_KEY",
                "ONSITE_STRIPE_SECRET_KEY and ONSITE_STRIPE_WEBHOOK_SECRET are required for Stripe",
            ));
        };
        if !["sk_", "rk_"]
            .iter()
            .any(|p| stripe.secret_key.starts_with(p))
        {
            return Err(bad(
                "ONSITE_STRIPE_SECRET_KEY",
                "must be a Stripe secret or restricted key (sk_... or rk_...)",
            ));
        }
        if !stripe.webhook_secret.starts_with("whsec_") {
            return Err(bad(
                "ONSITE_STRIPE_WEBHOOK_SECRET",
                "must be the endpoint's signing secret (whsec_...)",
            ));
        }
        url::Url::parse(&stripe.api_base)
            .map_err(|e| bad("ONSITE_STRIPE_API_BASE", e.to_string()))?;
        if self.env == Environment::Production && !stripe.api_base.starts_with("https://") {
            return Err(bad(
                "ONSITE_STRIPE_API_BASE",
                "must be https:// in production",
            ));
        }
        Ok(())
    }

    fn check_production(&self) -> Result<(), ConfigError> {
        if self.env != Environment::Production {
            return Ok(());
        }
        if self.auth.jwt_secret.is_none() {
            return Err(bad(
                "ONSITE_JWT_SECRET",
                "required when ONSITE_ENV=production (generated secrets are for development)",
            ));
        }
        if !self.http.public_url.starts_with("https://") {
            return Err(bad(
                "ONSITE_PUBLIC_URL",
                "must be the https:// address of the TLS-terminating proxy when ONSITE_ENV=production",
            ));
        }
        Ok(())
    }

    pub fn is_sqlite(&self) -> bool {
        self.db.url.starts_with("sqlite:")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Where the embedded blob store keeps uploads.
    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    pub fn data_path(&self, name: &str) -> PathBuf {
        Path::new(&self.data_dir).join(name)
    }

    /// What every booking session shares.
    pub fn session_config(&self) -> SessionConfig {
        SessionConfig {
            idle_timeout: self.sessions.idle,
            proximity: self.proximity,
            auto_start: self.sessions.auto_start,
            ..SessionConfig::default()
        }
    }
}

/// `1440,60` (the default): minutes before a booking's start, each 1 to 43200;
/// `none` for no reminders.
fn reminders(raw: Option<&str>) -> Result<Vec<i32>, ConfigError> {
    let var = "ONSITE_REMINDERS_MINUTES";
    let raw = raw.map(str::trim).unwrap_or("1440,60");
    if raw == "none" {
        return Ok(Vec::new());
    }
    let mut leads = raw
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<i32>()
                .ok()
                .filter(|m| (1..=43_200).contains(m))
                .ok_or_else(|| {
                    bad(
                        var,
                        format!("`{p}` is not a number of minutes from 1 to 43200"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    leads.sort_unstable_by(|a, b| b.cmp(a));
    leads.dedup();
    Ok(leads)
}

fn minutes(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: i64,
) -> Result<chrono::Duration, ConfigError> {
    let n: i64 = parse(get, var, Some(default))?;
    if !(0..=7 * 24 * 60).contains(&n) {
        return Err(bad(var, "must be between 0 and 10080 minutes"));
    }
    Ok(chrono::Duration::minutes(n))
}

fn parse<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: Option<T>,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match parse_opt(get, var)? {
        Some(v) => Ok(v),
        None => default.ok_or_else(|| bad(var, "is required")),
    }
}

fn parse_opt<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<T>, ConfigError>
where
    T::Err: std::fmt::Display,
{
    get(var)
        .map(|raw| {
            raw.trim()
                .parse::<T>()
                .map_err(|e| bad(var, format!("`{raw}`: {e}")))
        })
        .transpose()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_run_locally() {
        let c = with(&[]).unwrap();
        assert_eq!(c.http.bind.to_string(), "127.0.0.1:8080");
        assert!(c.is_sqlite());
        assert_eq!(c.money.commission_bps, 1500);
        assert_eq!(c.proximity.dwell_s, 300);
    }

    #[test]
    fn stripe_needs_both_keys_of_the_right_kind_and_never_shows_them() {
        assert_eq!(with(&[]).unwrap().money.gateway, Gateway::Simulated);
        let err = with(&[("ONSITE_PAYMENT_GATEWAY", "stripe")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_STRIPE_SECRET_KEY");
        let err = with(&[("ONSITE_PAYMENT_GATEWAY", "paypal")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_PAYMENT_GATEWAY");
        let keys = [
            ("ONSITE_PAYMENT_GATEWAY", "stripe"),
            ("ONSITE_STRIPE_SECRET_KEY", "sk_test_abc"),
            ("ONSITE_STRIPE_WEBHOOK_SECRET", "whsec_def"),
        ];
        let c = with(&keys).unwrap();
        assert_eq!(
            c.money.payout_sender,
            Gateway::Stripe,
            "payouts follow the gateway"
        );
        let shown = format!("{:?}", c.money.stripe);
        assert!(
            !shown.contains("sk_test_abc") && !shown.contains("whsec_def"),
            "{shown}"
        );
        let err = with(&[
            keys[0],
            ("ONSITE_STRIPE_SECRET_KEY", "pk_test_abc"),
            keys[2],
        ])
        .unwrap_err();
        assert_eq!(
            err.var, "ONSITE_STRIPE_SECRET_KEY",
            "a publishable key is not a secret key"
        );
        let err = with(&[keys[0], keys[1], ("ONSITE_STRIPE_WEBHOOK_SECRET", "abc")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_STRIPE_WEBHOOK_SECRET");
        let c = with(&[keys[0], keys[1], keys[2], ("ONSITE_PAYOUT_SENDER", "sim")]).unwrap();
        assert_eq!(c.money.payout_sender, Gateway::Simulated);
    }

    #[test]
    fn twilio_needs_its_account_and_never_shows_the_token() {
        let err = with(&[("ONSITE_SMS_PROVIDER", "twilio")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_TWILIO_ACCOUNT_SID");
        let err = with(&[("ONSITE_SMS_PROVIDER", "carrier-pigeon")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_SMS_PROVIDER");
        let base = [
            ("ONSITE_SMS_PROVIDER", "twilio"),
            ("ONSITE_TWILIO_ACCOUNT_SID", "AC123"),
            ("ONSITE_TWILIO_AUTH_TOKEN", "tok-secret"),
        ];
        let err = with(&[base[0], base[1], base[2], ("ONSITE_TWILIO_FROM", "onsite")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_TWILIO_FROM");
        let c = with(&[base[0], base[1], base[2], ("ONSITE_TWILIO_FROM", "MG42")]).unwrap();
        let shown = format!("{:?}", c.notify.twilio);
        assert!(
            shown.contains("AC123") && !shown.contains("tok-secret"),
            "{shown}"
        );
        assert!(
            with(&[]).unwrap().notify.twilio.is_none(),
            "the outbox by default"
        );
    }

    #[test]
    fn bad_value_names_the_variable() {
        let err = with(&[("ONSITE_PROXIMITY_DWELL_S", "soon")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_PROXIMITY_DWELL_S");
        let err = with(&[("ONSITE_BIND", "nowhere")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_BIND");
        let err = with(&[("ONSITE_DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_DATABASE_URL");
        let err = with(&[("ONSITE_REMINDERS_MINUTES", "60,soon")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_REMINDERS_MINUTES");
        assert_eq!(with(&[]).unwrap().notify.reminders, [1440, 60]);
        assert!(with(&[("ONSITE_REMINDERS_MINUTES", "none")])
            .unwrap()
            .notify
            .reminders
            .is_empty());
    }

    #[test]
    fn production_requires_secret_and_https() {
        let err = with(&[("ONSITE_ENV", "production")]).unwrap_err();
        assert_eq!(err.var, "ONSITE_JWT_SECRET");
        let secret = "x".repeat(40);
        let err =
            with(&[("ONSITE_ENV", "production"), ("ONSITE_JWT_SECRET", &secret)]).unwrap_err();
        assert_eq!(err.var, "ONSITE_PUBLIC_URL");
        with(&[
            ("ONSITE_ENV", "production"),
            ("ONSITE_JWT_SECRET", &secret),
            ("ONSITE_PUBLIC_URL", "https://api.example.com"),
        ])
        .unwrap();
    }
}

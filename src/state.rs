//! Everything a request handler needs, shared across workers.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use actix::{Actor, Addr};
use onsite_actors::dispatcher::Dispatcher;
use onsite_actors::live::LiveBookings;

use crate::auth::jwt::JwtKeys;
use crate::config::{Config, Environment, Gateway};
use crate::db::{self, DbConn, DbPool};
use crate::error::ApiResult;
use crate::journal::DbJournal;
use crate::notify::center::Delivery;
use crate::notify::{
    build_mailer, FcmPush, Mailer, OutboxPush, OutboxSms, PushSender, SmsSender, TwilioSms,
};
use crate::payments::payout::{PayoutSender, SimulatedPayouts};
use crate::payments::stripe::{StripeClient, StripeConnect, StripeGateway};
use crate::payments::{simulated::SimulatedGateway, PaymentGateway};

pub struct AppState {
    pub config: Config,
    pub db: DbPool,
    pub jwt: JwtKeys,
    /// Key for the HMAC of one-time codes (derived from the JWT secret).
    pub code_key: Vec<u8>,
    pub mailer: Arc<dyn Mailer>,
    pub sms: Arc<dyn SmsSender>,
    pub push: Arc<dyn PushSender>,
    /// A real argon2 hash that no password matches, verified against when the
    /// account is unknown so both cases cost the same time.
    pub dummy_hash: String,
    /// Routes commands to the booking sessions (the single writers).
    pub dispatcher: Addr<Dispatcher>,
    pub gateway: Arc<dyn PaymentGateway>,
    pub journal: DbJournal,
    /// Where committed notifications go: sockets now, mail by the outbox worker.
    pub delivery: Delivery,
    /// Key of the payment gateway's signed webhooks.
    pub webhook_secret: Vec<u8>,
    /// Each provider's bookings that take fixes (kept by the sessions).
    pub live: LiveBookings,
    /// Uploaded files (avatars, service galleries, provider documents).
    pub blobs: Arc<dyn crate::uploads::BlobStore>,
    /// The rate limits' buckets.
    pub limits: crate::edge::limits::Limits,
    /// Where providers' payouts are sent.
    pub payouts: Arc<dyn PayoutSender>,
    /// Addresses to places and back.
    pub geocoder: Arc<dyn crate::geocoding::Geocoder>,
    /// Wakes the background geocoding of saved addresses.
    pub geo_wake: Arc<tokio::sync::Notify>,
    /// The OpenID Connect providers people may sign in with.
    pub oidc: Arc<crate::auth::oidc::Oidc>,
    /// This node's part in a cluster (`ONSITE_REDIS_URL`); `None` alone.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
}

impl AppState {
    /// Runs `body` with a pooled connection, given back when `body` ends (see
    /// [`DbPool::run`]): how handlers reach the database.
    pub async fn with_db<T>(
        &self,
        body: impl AsyncFnOnce(&mut DbConn) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.db.run(body).await?
    }

    /// [`with_db`](Self::with_db) with the queries in one transaction.
    pub async fn in_transaction<T>(
        &self,
        body: impl AsyncFnOnce(&mut DbConn) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.db.transaction(body).await
    }

    pub async fn build(config: Config, db: DbPool) -> anyhow::Result<Self> {
        let secret = load_secret(&config)?;
        let code_key = Sha256::new()
            .chain_update(b"onsite/one-time-codes/")
            .chain_update(&secret)
            .finalize()
            .to_vec();
        let dummy = crate::auth::secrets::random_token();
        let dummy_hash = tokio::task::spawn_blocking(move || crate::auth::password::hash(&dummy))
            .await?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (gateway, payouts) = money_movers(&config)?;
        let delivery = Delivery::default();
        // Read once; from here on the sessions keep it (every change of
        // state goes through one, here or on another node).
        let live = LiveBookings::default();
        live.extend(db.run(async |c| db::bookings::all_live(c).await).await??);
        let cluster = match &config.cluster {
            Some(c) => Some(crate::cluster::Cluster::new(
                c,
                delivery.presence(),
                live.clone(),
            )?),
            None => None,
        };
        let journal = DbJournal::new(&config, db.clone(), gateway.clone(), delivery.clone())
            .with_fences(cluster.as_ref().map(|c| c.fences.clone()))
            .with_writers(&config)
            .with_batched_reads();
        let mut dispatcher = Dispatcher::new(Arc::new(journal.clone()), config.session_config())
            .with_presence(delivery.presence())
            .with_live(live.clone());
        if let Some(c) = &cluster {
            dispatcher = dispatcher.with_fanout(c.clone());
        }
        let monitors_on = dispatcher.monitors_flag();
        let dispatcher = dispatcher.start();
        match &cluster {
            Some(c) => {
                c.attach(dispatcher.clone(), monitors_on);
                let uplink = crate::cluster::Uplink {
                    dispatcher: dispatcher.clone(),
                    cluster: c.clone(),
                }
                .start();
                delivery.attach(uplink.recipient());
            }
            None => delivery.attach(dispatcher.clone().recipient()),
        }
        let webhook_secret = match (&config.money.stripe, &config.money.webhook_secret) {
            (Some(stripe), _) if config.money.gateway == Gateway::Stripe => {
                stripe.webhook_secret.as_bytes().to_vec()
            }
            (_, Some(s)) => s.as_bytes().to_vec(),
            (_, None) => Sha256::new()
                .chain_update(b"onsite/payment-webhooks/")
                .chain_update(&secret)
                .finalize()
                .to_vec(),
        };
        Ok(Self {
            dispatcher,
            delivery,
            gateway,
            journal,
            webhook_secret,
            jwt: JwtKeys::new(&secret, config.auth.access_token_ttl),
            code_key,
            mailer: build_mailer(&config)?,
            sms: match &config.notify.twilio {
                Some(twilio) => Arc::new(TwilioSms::new(twilio)?),
                None => Arc::new(OutboxSms {
                    dir: config.outbox_dir(),
                }),
            },
            push: match &config.notify.fcm {
                Some(fcm) => Arc::new(FcmPush::new(fcm)?),
                None => Arc::new(OutboxPush {
                    dir: config.outbox_dir(),
                }),
            },
            dummy_hash,
            live,
            blobs: crate::uploads::open(&config).await?,
            limits: crate::edge::limits::Limits::new(&config.edge.limits),
            payouts,
            geocoder: crate::geocoding::from_config(&config.geocoder)?,
            geo_wake: Arc::new(tokio::sync::Notify::new()),
            oidc: Arc::new(crate::auth::oidc::Oidc::new(&config.auth.oidc)?),
            cluster,
            db,
            config,
        })
    }
}

/// The payment gateway and the payout sender the configuration names.
fn money_movers(
    config: &Config,
) -> anyhow::Result<(Arc<dyn PaymentGateway>, Arc<dyn PayoutSender>)> {
    let client = || -> anyhow::Result<StripeClient> {
        let stripe = config
            .money
            .stripe
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("Stripe is configured without its keys"))?;
        StripeClient::new(&stripe.api_base, &stripe.secret_key)
    };
    let gateway: Arc<dyn PaymentGateway> = match config.money.gateway {
        Gateway::Simulated => {
            if config.env == Environment::Production {
                tracing::warn!("ONSITE_PAYMENT_GATEWAY is the simulator: no real money is taken");
            }
            Arc::new(SimulatedGateway::default())
        }
        Gateway::Stripe => Arc::new(StripeGateway::new(client()?)),
    };
    let payouts: Arc<dyn PayoutSender> = match config.money.payout_sender {
        Gateway::Simulated => Arc::new(SimulatedPayouts::default()),
        Gateway::Stripe => Arc::new(StripeConnect::new(client()?)),
    };
    Ok((gateway, payouts))
}

/// `ONSITE_JWT_SECRET`, or in development a random secret generated once and
/// kept in `$ONSITE_DATA_DIR/jwt_secret` (mode 0600).
pub fn load_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &config.auth.jwt_secret {
        return Ok(secret.as_bytes().to_vec());
    }
    if config.env == Environment::Production {
        anyhow::bail!("ONSITE_JWT_SECRET is required in production");
    }
    let path = config.data_path("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let secret = format!(
        "{}{}",
        crate::auth::secrets::random_token(),
        crate::auth::secrets::random_token()
    );
    write_private(&path, &secret)?;
    tracing::info!(path = %path.display(), "generated a development JWT secret");
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

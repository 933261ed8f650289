//! `onsite seed-load`: prepares customer/provider pairs with confirmed
//! bookings for the websocket load generator (`benches/loadgen.rs`).
//!
//! Rows are written directly (not through the API) but exactly as the real
//! flow leaves them: a verified, complete, online provider with one approved
//! service; a booking that went `pending_payment -> requested -> confirmed`
//! (version 2) with both chat tokens, a captured payment and its funding
//! posting in escrow, and the journal rows seq 1..4 (three `booking` events
//! and `chat_state` active), so `last_seq` is 4. Every user gets a login
//! session and an access token signed with the server's key.
//!
//! Every seeded account shares one password, [`PASSWORD`], hashed once.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use diesel::QueryResult;
use onsite_actors::booking::BookingState;
use onsite_actors::payment::PaymentStatus;
use onsite_actors::protocol::{BookingChanged, ChatState, EventBody};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::auth::jwt::JwtKeys;
use crate::auth::secrets;
use crate::config::Config;
use crate::db::{
    self, bookings::Booking, events::EventRow, ledger, payments::Payment,
    providers::ProviderProfile, services::Service, sessions::Session, users::User, DbConn, DbPool,
};
use crate::domain::{LedgerKind, Role, ServiceStatus, UserStatus};

/// The password of every seeded account.
pub const PASSWORD: &str = "LoadTest123";

/// Every provider's base and every job lie within about a kilometre of this
/// point (Johannesburg); the load generator streams its fixes 5 km north of
/// it, so no fix ever comes near a job's target and no booking "arrives".
pub const CENTER: (f64, f64) = (-26.2041, 28.0473);

/// Pairs written per database transaction.
const BATCH: usize = 250;

/// Price of every seeded service (minor units).
const PRICE: i64 = 25_000;
const CURRENCY: &str = "ZAR";

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub pairs: usize,
    /// Lifetime of the minted access tokens.
    pub token_ttl: Duration,
}

/// One customer/provider pair and their booking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedPair {
    pub booking_id: String,
    pub customer_token: String,
    pub provider_token: String,
}

/// What `seed-load --out FILE` writes and the load generator reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedFile {
    /// Where the server listens (`ONSITE_PUBLIC_URL`, by default `http://$ONSITE_BIND`).
    pub base_url: String,
    pub pairs: Vec<SeedPair>,
}

impl SeedFile {
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let file = std::fs::File::create(path)?;
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut out, self)?;
        std::io::Write::flush(&mut out)?;
        Ok(())
    }

    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let file = std::fs::File::open(path)?;
        Ok(serde_json::from_reader(std::io::BufReader::new(file))?)
    }
}

/// Migrates, then seeds `opts.pairs` pairs into the configured database,
/// minting tokens with the server's key (the data dir's generated secret, or
/// `ONSITE_JWT_SECRET`).
pub async fn seed(config: &Config, opts: &SeedOptions) -> anyhow::Result<SeedFile> {
    db::migrate::run(config).await?;
    let pool = DbPool::connect(config).await?;
    let secret = crate::state::load_secret(config)?;
    let jwt = JwtKeys::new(&secret, opts.token_ttl);
    let password_hash =
        tokio::task::spawn_blocking(|| crate::auth::password::hash(PASSWORD)).await?;
    let password_hash = password_hash.map_err(|e| anyhow::anyhow!("{e}"))?;
    let session_ttl = config.auth.refresh_token_ttl.max(opts.token_ttl);
    let session_ttl = chrono::Duration::seconds(i64::try_from(session_ttl.as_secs())?);

    let mut references = pool.run(async |c| existing_references(c).await).await??;
    // Distinguishes this run's accounts from earlier runs' in the same database.
    let run = format!("{:08x}", rand::rng().random::<u32>());
    let mut pairs = Vec::with_capacity(opts.pairs);
    let mut start = 0;
    while start < opts.pairs {
        let end = (start + BATCH).min(opts.pairs);
        let mut batch = Vec::with_capacity(end - start);
        for i in start..end {
            let reference = fresh_reference(&mut references);
            batch.push(PairRows::new(
                &run,
                i,
                &password_hash,
                reference,
                config.money.commission_bps,
                session_ttl,
            ));
        }
        pool.transaction(async |c| {
            for rows in &batch {
                rows.insert(c).await?;
            }
            Ok::<_, anyhow::Error>(())
        })
        .await?;
        for rows in &batch {
            pairs.push(SeedPair {
                booking_id: rows.booking.id.clone(),
                customer_token: jwt.issue(
                    &rows.customer.id,
                    Role::Customer,
                    &rows.customer_session.id,
                )?,
                provider_token: jwt.issue(
                    &rows.provider.id,
                    Role::Provider,
                    &rows.provider_session.id,
                )?,
            });
        }
        start = end;
    }
    Ok(SeedFile {
        base_url: config.http.public_url.clone(),
        pairs,
    })
}

async fn existing_references(conn: &mut DbConn) -> QueryResult<HashSet<String>> {
    Ok(db::bookings::references(conn).await?.into_iter().collect())
}

const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A `BK-XXXXXX` reference not used yet (the same alphabet as the API's).
fn fresh_reference(taken: &mut HashSet<String>) -> String {
    let mut rng = rand::rng();
    loop {
        let code: String = (0..6)
            .map(|_| char::from(REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())]))
            .collect();
        let reference = format!("BK-{code}");
        if taken.insert(reference.clone()) {
            return reference;
        }
    }
}

/// A point within roughly `km` of [`CENTER`], spread deterministically by `i`.
fn near_center(i: usize, km: f64) -> (f64, f64) {
    // Golden-angle spiral: evenly spread, no randomness needed.
    let n = i as f64;
    let r = km * ((n % 997.0) / 997.0).sqrt() / 111.0;
    let a = n * 2.399_963_229_728_653;
    (CENTER.0 + r * a.sin(), CENTER.1 + r * a.cos())
}

/// Every row of one pair.
struct PairRows {
    customer: User,
    provider: User,
    profile: ProviderProfile,
    service: Service,
    booking: Booking,
    payment: Payment,
    events: Vec<EventRow>,
    customer_session: Session,
    provider_session: Session,
}

impl PairRows {
    fn new(
        run: &str,
        i: usize,
        password_hash: &str,
        reference: String,
        commission_bps: u32,
        session_ttl: chrono::Duration,
    ) -> Self {
        let now = db::now();
        let user = |role: Role, first: &str| User {
            id: db::new_id(),
            email: Some(format!("load-{run}-{role}-{i}@onsite.test")),
            phone: None,
            password_hash: Some(password_hash.to_owned()),
            first_name: first.to_owned(),
            last_name: format!("{i}"),
            role,
            status: UserStatus::Active,
            email_verified_at: Some(now),
            phone_verified_at: None,
            failed_logins: 0,
            locked_until: None,
            avatar: None,
            location_lat: None,
            location_lng: None,
            address: None,
            settings: "{}".into(),
            created_at: now,
            updated_at: now,
            username: None,
            pending_phone: None,
            language: None,
            time_zone: None,
        };
        let customer = user(Role::Customer, "Load Customer");
        let provider = user(Role::Provider, "Load Provider");
        let base = near_center(i, 1.0);
        let target = near_center(i + 500, 1.0);
        let profile = ProviderProfile {
            bio: "Seeded for the websocket load test.".into(),
            skills: r#"["plumbing"]"#.into(),
            experience_years: 5,
            base_lat: Some(base.0),
            base_lng: Some(base.1),
            base_address: Some("Load test base".into()),
            online: true,
            verified_at: Some(now),
            verified_by: Some("seed-load".into()),
            verification_note: Some("seeded for a load test".into()),
            approval: crate::domain::ProviderApproval::Approved,
            ..ProviderProfile::blank(&provider.id)
        };
        let service = Service {
            id: db::new_id(),
            provider_id: Some(provider.id.clone()),
            title: "Load test plumbing".into(),
            description: "Seeded for the websocket load test.".into(),
            price_amount: PRICE,
            currency: CURRENCY.into(),
            duration_minutes: 60,
            status: ServiceStatus::Approved,
            active: true,
            review_note: None,
            reviewed_by: Some("seed-load".into()),
            reviewed_at: Some(now),
            created_by: provider.id.clone(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
            category_id: None,
            deposit_percent: None,
            deposit_fixed: None,
        };
        let booking_id = db::new_id();
        let payment = Payment {
            id: db::new_id(),
            booking_id: booking_id.clone(),
            customer_id: customer.id.clone(),
            amount: PRICE,
            tip_amount: 0,
            currency: CURRENCY.into(),
            status: PaymentStatus::Succeeded,
            gateway: "sim".into(),
            gateway_ref: Some(format!("sim_ch_{}", uuid::Uuid::new_v4().simple())),
            failure_code: None,
            refunded_amount: 0,
            created_at: now,
            updated_at: now,
            purpose: crate::payments::policy::PaymentPurpose::Full,
        };
        let booking = Booking {
            id: booking_id.clone(),
            reference,
            customer_id: customer.id.clone(),
            provider_id: provider.id.clone(),
            service_id: service.id.clone(),
            status: BookingState::Confirmed,
            // create (0) -> payment captured (1) -> accepted (2)
            version: 2,
            last_seq: 4,
            scheduled_at: None,
            location_lat: target.0,
            location_lng: target.1,
            address: Some("Load test job".into()),
            notes: None,
            job_size: crate::payments::policy::JobSize::Small,
            base_amount: PRICE,
            multiplier_bps: 10_000,
            total_amount: PRICE,
            tip_amount: 0,
            currency: CURRENCY.into(),
            commission_bps: i32::try_from(commission_bps).unwrap_or(1500),
            token_date: now.date().to_string(),
            token_number: 1,
            duration_minutes: 60,
            customer_chat_token: Some(secrets::random_token()),
            provider_chat_token: Some(secrets::random_token()),
            payment_due_at: Some(now + chrono::Duration::minutes(15)),
            respond_by: Some(now + chrono::Duration::minutes(30)),
            cancel_reason: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
            deposit_amount: 0,
            balance_paid_at: None,
        };
        let event = |seq: i64, body: EventBody, by: &str| {
            crate::journal::booking_event(&booking_id, seq, body, Some(by), now).0
        };
        let transition = |status, previous, by: &str| {
            EventBody::Booking(BookingChanged::new(previous, status, Some(by), None, false))
        };
        use BookingState as S;
        let events = vec![
            event(
                1,
                transition(S::PendingPayment, None, &customer.id),
                &customer.id,
            ),
            event(
                2,
                transition(S::Requested, Some(S::PendingPayment), &customer.id),
                &customer.id,
            ),
            event(
                3,
                transition(S::Confirmed, Some(S::Requested), &provider.id),
                &provider.id,
            ),
            event(
                4,
                EventBody::ChatState(ChatState { active: true }),
                &provider.id,
            ),
        ];
        let session = |user_id: &str| Session {
            id: db::new_id(),
            user_id: user_id.to_owned(),
            user_agent: Some("onsite seed-load".into()),
            ip: None,
            created_at: now,
            last_used_at: now,
            expires_at: now + session_ttl,
            revoked_at: None,
            revoked_reason: None,
        };
        Self {
            customer_session: session(&customer.id),
            provider_session: session(&provider.id),
            customer,
            provider,
            profile,
            service,
            booking,
            payment,
            events,
        }
    }

    async fn insert(&self, c: &mut DbConn) -> anyhow::Result<()> {
        db::users::insert(c, &self.customer).await?;
        db::users::insert(c, &self.provider).await?;
        db::providers::insert(c, &self.profile).await?;
        db::services::insert(c, &self.service).await?;
        db::bookings::insert(c, &self.booking).await?;
        db::payments::insert(c, &self.payment).await?;
        let b = &self.booking;
        ledger::post(
            c,
            ledger::Posting {
                kind: LedgerKind::Funding,
                booking_id: Some(&b.id),
                payment_id: Some(&self.payment.id),
                memo: format!("payment for {}", b.reference),
                currency: &b.currency,
                legs: vec![
                    (ledger::customer(&b.customer_id), -self.payment.amount),
                    (ledger::ESCROW.to_owned(), self.payment.amount),
                ],
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        for event in &self.events {
            db::events::insert(c, event).await?;
        }
        db::sessions::insert_session(c, &self.customer_session).await?;
        db::sessions::insert_session(c, &self.provider_session).await?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn references_are_unique_and_well_formed() {
        let mut taken = HashSet::new();
        for _ in 0..5000 {
            let r = fresh_reference(&mut taken);
            assert_eq!(r.len(), 9);
            assert!(r.starts_with("BK-"));
        }
        assert_eq!(taken.len(), 5000);
    }

    #[test]
    fn points_stay_near_the_center() {
        for i in 0..3000 {
            let (lat, lng) = near_center(i, 1.0);
            let km = crate::marketplace::geo::distance_km((lat, lng), CENTER);
            assert!(km <= 1.2, "{i}: {km}");
        }
    }

    #[test]
    fn the_seed_file_round_trips() {
        let file = SeedFile {
            base_url: "http://127.0.0.1:8080".into(),
            pairs: vec![SeedPair {
                booking_id: "b".into(),
                customer_token: "c".into(),
                provider_token: "p".into(),
            }],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seed.json");
        file.write(&path).unwrap();
        let back = SeedFile::read(&path).unwrap();
        assert_eq!(back.pairs[0].provider_token, "p");
        assert_eq!(back.base_url, file.base_url);
    }
}

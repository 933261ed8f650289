//! `onsite-lifecycle`: complete bookings over real HTTP at a fixed rate.
//!
//! It reads the file written by `onsite seed-load` (customers, providers and
//! their services) and starts one booking life every 1/`--rate` seconds,
//! round robin over the pairs, for `--duration` seconds: create, payment
//! intent, confirm, accept, provider fixes at the door until `arrived` (the
//! server should run with a short `ONSITE_PROXIMITY_DWELL_S`), start,
//! complete. Lives run concurrently; each call's latency is recorded under its
//! name and the report gives p50/p99/max per call. Open loop: a slow server
//! does not slow the arrivals down.
//!
//! ```sh
//! benches/run-lifecycle.sh 200 30     # 200 lives per second for 30 s
//! ```

#[path = "loadgen/core.rs"]
#[allow(dead_code)]
mod bookkeeping;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use hdrhistogram::Histogram;
use serde_json::{json, Value};
use tokio::time::{sleep, sleep_until, Instant};

use bookkeeping::{latency_histogram, record, Percentiles};

#[derive(Parser, Debug)]
#[command(
    name = "onsite-lifecycle",
    about = "Complete bookings over HTTP at a fixed rate"
)]
struct Args {
    /// The seed file written by `onsite seed-load --out`.
    #[arg(long)]
    seed: std::path::PathBuf,
    /// Booking lives started per second.
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// Seconds of arrivals.
    #[arg(long, default_value_t = 30.0)]
    duration: f64,
    /// Fixes a provider sends at most before giving a life up.
    #[arg(long, default_value_t = 20)]
    max_fixes: u32,
}

/// One pair's ids, read from the server once.
struct Party {
    customer: String,
    provider: String,
    service_id: String,
    lat: f64,
    lng: f64,
}

#[derive(Default)]
struct Stats {
    calls: BTreeMap<&'static str, Histogram<u64>>,
    lives_started: u64,
    lives_done: u64,
    failures: BTreeMap<String, u64>,
}

impl Stats {
    fn record(&mut self, call: &'static str, took: Duration) {
        if !self.calls.contains_key(call) {
            let Ok(h) = latency_histogram() else { return };
            self.calls.insert(call, h);
        }
        if let Some(h) = self.calls.get_mut(call) {
            record(h, took);
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = tokio::task::LocalSet::new();
    match local.block_on(&runtime, run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.rate > 0.0 && args.rate <= 5000.0,
        "--rate must be in (0, 5000]"
    );
    let duration = Duration::try_from_secs_f64(args.duration)
        .map_err(|_| anyhow::anyhow!("--duration must be a number of seconds"))?;
    let seed = onsite::loadseed::SeedFile::read(&args.seed)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.seed.display()))?;
    anyhow::ensure!(!seed.pairs.is_empty(), "no pairs in the seed file");
    let base = seed.base_url.trim_end_matches('/').to_owned();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(30))
        .build()?;

    // Each pair's service and job location, from its seeded booking.
    let mut parties = Vec::with_capacity(seed.pairs.len());
    for pair in &seed.pairs {
        let b: Value = client
            .get(format!("{base}/v1/bookings/{}", pair.booking_id))
            .bearer_auth(&pair.customer_token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        parties.push(Rc::new(Party {
            customer: pair.customer_token.clone(),
            provider: pair.provider_token.clone(),
            service_id: b["service_id"].as_str().unwrap_or_default().to_owned(),
            lat: b["location"]["lat"].as_f64().unwrap_or_default(),
            lng: b["location"]["lng"].as_f64().unwrap_or_default(),
        }));
    }
    eprintln!(
        "{} pairs; {} lives/s for {:.0} s against {base}",
        parties.len(),
        args.rate,
        args.duration
    );

    let stats = Rc::new(RefCell::new(Stats::default()));
    let step = Duration::from_secs_f64(1.0 / args.rate);
    let start = Instant::now();
    let until = start + duration;
    let mut lives = Vec::new();
    let mut n: u64 = 0;
    loop {
        let at = start + step.mul_f64(n as f64);
        if at >= until {
            break;
        }
        sleep_until(at).await;
        let party = parties[(n as usize) % parties.len()].clone();
        let (client, base, stats) = (client.clone(), base.clone(), stats.clone());
        stats.borrow_mut().lives_started += 1;
        let max_fixes = args.max_fixes;
        lives.push(tokio::task::spawn_local(async move {
            let outcome = life(&client, &base, &party, &stats, max_fixes).await;
            let mut s = stats.borrow_mut();
            match outcome {
                Ok(()) => s.lives_done += 1,
                Err(e) => *s.failures.entry(e).or_default() += 1,
            }
        }));
        n += 1;
    }
    for life in lives {
        let _ = life.await;
    }
    let wall = start.elapsed();
    let s = stats.borrow();
    eprintln!(
        "{} lives started, {} completed, in {:.1} s",
        s.lives_started,
        s.lives_done,
        wall.as_secs_f64()
    );
    for (why, count) in &s.failures {
        eprintln!("  failed {count}x: {why}");
    }
    println!("| call | n | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    let mut all = latency_histogram()?;
    for (call, h) in &s.calls {
        let p = Percentiles::of(h);
        println!(
            "| {call} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            p.count, p.p50, p.p90, p.p99, p.max
        );
        all.add(h)?;
    }
    let p = Percentiles::of(&all);
    println!(
        "| every call | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        p.count, p.p50, p.p90, p.p99, p.max
    );
    anyhow::ensure!(s.failures.is_empty(), "some booking lives failed");
    Ok(())
}

/// One call: its latency recorded under `name`; a non-2xx answer is an error.
async fn call(
    stats: &RefCell<Stats>,
    name: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<Value, String> {
    let started = Instant::now();
    let res = request.send().await.map_err(|e| format!("{name}: {e}"))?;
    let status = res.status();
    let body = res.text().await.map_err(|e| format!("{name}: {e}"))?;
    stats.borrow_mut().record(name, started.elapsed());
    if !status.is_success() {
        let code = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        return Err(format!("{name}: {status} {code}"));
    }
    Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn life(
    client: &reqwest::Client,
    base: &str,
    p: &Party,
    stats: &RefCell<Stats>,
    max_fixes: u32,
) -> Result<(), String> {
    let post = |path: String, token: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
    };
    let booking = call(
        stats,
        "create booking",
        post(
            "/v1/bookings".into(),
            &p.customer,
            json!({"service_id": p.service_id, "job_size": "small",
                "location": {"lat": p.lat, "lng": p.lng, "address": "1 Load St"}}),
        ),
    )
    .await?;
    let id = booking["id"].as_str().unwrap_or_default().to_owned();
    let intent = call(
        stats,
        "payment intent",
        post(
            "/v1/payments/intents".into(),
            &p.customer,
            json!({"booking_id": id}),
        )
        .header("idempotency-key", uuid::Uuid::new_v4().to_string()),
    )
    .await?;
    let intent_id = intent["id"].as_str().unwrap_or_default();
    call(
        stats,
        "confirm payment",
        post(
            format!("/v1/payments/intents/{intent_id}/confirm"),
            &p.customer,
            json!({"payment_method": "sim_card_ok"}),
        ),
    )
    .await?;
    call(
        stats,
        "accept",
        post(format!("/v1/bookings/{id}/accept"), &p.provider, json!({})),
    )
    .await?;
    // At the door until the server says arrived.
    let mut arrived = false;
    for _ in 0..max_fixes {
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        call(
            stats,
            "location fix",
            post(
                format!("/v1/bookings/{id}/location"),
                &p.provider,
                json!({"lat": p.lat, "lng": p.lng, "accuracy_m": 5, "at": at}),
            ),
        )
        .await?;
        sleep(Duration::from_millis(200)).await;
        let b = call(
            stats,
            "get booking",
            client
                .get(format!("{base}/v1/bookings/{id}"))
                .bearer_auth(&p.provider),
        )
        .await?;
        if b["status"] == "arrived" {
            arrived = true;
            break;
        }
    }
    if !arrived {
        return Err(format!("not arrived after {max_fixes} fixes"));
    }
    call(
        stats,
        "start",
        post(format!("/v1/bookings/{id}/start"), &p.provider, json!({})),
    )
    .await?;
    call(
        stats,
        "complete",
        post(
            format!("/v1/bookings/{id}/complete"),
            &p.provider,
            json!({}),
        ),
    )
    .await?;
    Ok(())
}

//! `onsite-notifybench`: how long a paid request takes to reach its provider.
//!
//! It reads the file written by `onsite seed-load`. The provider of each of
//! the first `--pairs` pairs keeps a websocket open without subscribing to
//! anything; each pair's customer then books the provider's service again and
//! pays it, `--requests` times in all, `--pairs` at a time. For every paid
//! request it measures:
//!
//! - **commit -> frame**: from the notification's `created_at` (stamped in
//!   the transaction that commits the request, just before the commit) to
//!   the provider's receipt of the `notification` frame;
//! - **commit -> mail file**: from the same `created_at` to the modification
//!   time of the request's `.eml` file in the server's outbox (`--outbox`),
//!   written by the mail worker.
//!
//! Server and generator run on one machine, so both clocks are the same one.
//!
//! ```sh
//! benches/run-notify.sh 1000      # builds, starts a server, seeds, runs this
//! ```

#[path = "loadgen/core.rs"]
#[allow(dead_code)]
mod bookkeeping;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use clap::Parser;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use bookkeeping::{latency_histogram, record, Percentiles};

#[derive(Parser, Debug)]
#[command(
    name = "onsite-notifybench",
    about = "Paid request -> provider notification latency"
)]
struct Args {
    /// The seed file written by `onsite seed-load --out`.
    #[arg(long)]
    seed: PathBuf,
    /// The server's outbox directory ($ONSITE_DATA_DIR/outbox).
    #[arg(long)]
    outbox: PathBuf,
    /// Paid requests in all.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Customer/provider pairs used, each booking in turn (the concurrency).
    #[arg(long, default_value_t = 10)]
    pairs: usize,
}

/// When each request's notification was stored, and when its frame arrived.
#[derive(Default)]
struct Seen {
    /// booking reference -> (created_at, frame received)
    frames: HashMap<String, (SystemTime, SystemTime)>,
}

fn parse_time(s: &str) -> anyhow::Result<SystemTime> {
    Ok(chrono::DateTime::parse_from_rfc3339(s)?
        .with_timezone(&chrono::Utc)
        .into())
}

async fn watch_provider(url: String, seen: Arc<Mutex<Seen>>) -> anyhow::Result<()> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    while let Some(msg) = ws.next().await {
        let Message::Text(text) = msg? else { continue };
        let at = SystemTime::now();
        let frame: Value = serde_json::from_str(&text)?;
        if frame["type"] != "notification" || frame["notification"]["kind"] != "booking_requested" {
            continue;
        }
        let n = &frame["notification"];
        let created = parse_time(n["created_at"].as_str().unwrap_or_default())?;
        let reference = n["data"]["reference"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        seen.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .frames
            .insert(reference, (created, at));
    }
    Ok(())
}

struct Pair {
    customer: String,
    service_id: String,
    location: Value,
}

async fn expect(res: reqwest::Response, what: &str) -> anyhow::Result<Value> {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or_default();
    if !status.is_success() {
        anyhow::bail!("{what}: {status} {body}");
    }
    Ok(body)
}

/// Books and pays one request; returns its reference.
async fn paid_request(http: &reqwest::Client, base: &str, p: &Pair) -> anyhow::Result<String> {
    let booking = expect(
        http.post(format!("{base}/v1/bookings"))
            .bearer_auth(&p.customer)
            .json(&json!({"service_id": p.service_id, "location": p.location, "job_size": "small"}))
            .send()
            .await?,
        "book",
    )
    .await?;
    let intent = expect(
        http.post(format!("{base}/v1/payments/intents"))
            .bearer_auth(&p.customer)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&json!({"booking_id": booking["id"]}))
            .send()
            .await?,
        "intent",
    )
    .await?;
    expect(
        http.post(format!(
            "{base}/v1/payments/intents/{}/confirm",
            intent["id"].as_str().unwrap_or_default()
        ))
        .bearer_auth(&p.customer)
        .json(&json!({"payment_method": "sim_card_ok"}))
        .send()
        .await?,
        "confirm",
    )
    .await?;
    Ok(booking["reference"].as_str().unwrap_or_default().to_owned())
}

/// booking reference -> modification time of its request mail.
fn mail_files(outbox: &std::path::Path) -> HashMap<String, SystemTime> {
    let re = regex_lite_reference();
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(outbox).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".eml") || name.starts_with('.') {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        if !text.contains("Subject: New request") {
            continue;
        }
        if let (Some(reference), Ok(meta)) = (re(&text), entry.metadata()) {
            if let Ok(modified) = meta.modified() {
                out.insert(reference, modified);
            }
        }
    }
    out
}

/// Finds the first `BK-XXXXXX` reference in a text.
fn regex_lite_reference() -> impl Fn(&str) -> Option<String> {
    |text: &str| {
        let start = text.find("BK-")?;
        let candidate: String = text[start..].chars().take(9).collect();
        (candidate.len() == 9 && candidate[3..].chars().all(|c| c.is_ascii_alphanumeric()))
            .then_some(candidate)
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let seed = onsite::loadseed::SeedFile::read(&args.seed)?;
    anyhow::ensure!(
        seed.pairs.len() >= args.pairs,
        "the seed file has too few pairs"
    );
    let base = seed.base_url.trim_end_matches('/').to_owned();
    let ws_base = base.replacen("http", "ws", 1);
    let http = reqwest::Client::new();
    let seen = Arc::new(Mutex::new(Seen::default()));

    let mut pairs = Vec::new();
    for sp in &seed.pairs[..args.pairs] {
        // The seeded booking says which service and where.
        let b = expect(
            http.get(format!("{base}/v1/bookings/{}", sp.booking_id))
                .bearer_auth(&sp.customer_token)
                .send()
                .await?,
            "seeded booking",
        )
        .await?;
        let location = b["location"].clone();
        pairs.push(Pair {
            customer: sp.customer_token.clone(),
            service_id: b["service_id"].as_str().unwrap_or_default().to_owned(),
            location,
        });
        let url = format!("{ws_base}/ws?token={}", sp.provider_token);
        let seen = seen.clone();
        tokio::spawn(async move {
            if let Err(e) = watch_provider(url, seen).await {
                eprintln!("provider socket: {e}");
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let pairs = Arc::new(pairs);
    let per_pair = args.requests.div_ceil(args.pairs);
    let mut tasks = Vec::new();
    let mut references = Vec::new();
    for i in 0..args.pairs {
        let (http, base, pairs) = (http.clone(), base.clone(), pairs.clone());
        let count = per_pair.min(args.requests - (i * per_pair).min(args.requests));
        tasks.push(tokio::spawn(async move {
            let mut refs = Vec::new();
            for _ in 0..count {
                refs.push(paid_request(&http, &base, &pairs[i]).await?);
            }
            anyhow::Ok(refs)
        }));
    }
    for t in tasks {
        references.extend(t.await??);
    }

    // Wait (up to 30 s) for every frame and every mail.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mails = loop {
        let mails = mail_files(&args.outbox);
        let frames = seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .frames
            .len();
        let mailed = references.iter().filter(|r| mails.contains_key(*r)).count();
        if (frames >= references.len() && mailed == references.len())
            || tokio::time::Instant::now() > deadline
        {
            break mails;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let mut frame_h = latency_histogram()?;
    let mut mail_h = latency_histogram()?;
    let (mut frames, mut mailed) = (0, 0);
    let seen = seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for r in &references {
        let Some((created, at)) = seen.frames.get(r) else {
            continue;
        };
        frames += 1;
        record(
            &mut frame_h,
            at.duration_since(*created).unwrap_or_default(),
        );
        if let Some(written) = mails.get(r) {
            mailed += 1;
            record(
                &mut mail_h,
                written.duration_since(*created).unwrap_or_default(),
            );
        }
    }
    let f = Percentiles::of(&frame_h);
    let m = Percentiles::of(&mail_h);
    println!(
        "{} paid requests ({} at a time): {} frames, {} mails",
        references.len(),
        args.pairs,
        frames,
        mailed
    );
    println!("commit -> notification frame: {f}");
    println!("commit -> mail file in the outbox: {m}");
    anyhow::ensure!(frames == references.len(), "frames missing");
    anyhow::ensure!(mailed == references.len(), "mails missing");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onsite-notifybench: {e}");
            ExitCode::FAILURE
        }
    }
}

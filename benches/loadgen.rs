//! `onsite-loadgen`: a websocket load generator for `GET /ws`.
//!
//! It reads the file written by `onsite seed-load`, opens a websocket for the
//! customer and for the provider of every pair (ramped), subscribes both to
//! their booking, then streams provider fixes at `--rate` Hz for `--duration`
//! seconds, each provider at its own phase of the period so the fixes arrive
//! evenly spread. The latency of a fix is the time from just before the
//! provider's send to the customer's receipt of the matching `location`
//! event (matched by the device time `at`, which the server echoes exactly).
//! The run includes every booking's first fix (the `en_route` wave) unless
//! `--warmup` asks for a warm-up first. Fixes the server coalesced (a newer
//! fix of the same party replaced a queued one: latest wins) are counted
//! apart from fixes never delivered, and the server's CPU is also given per
//! relayed fix.
//!
//! Cheap by design, since it shares the machine with the server: one thread
//! (a current-thread tokio runtime), one small task per socket, 4 KiB read
//! buffers, no per-fix allocation beyond the frame text.
//!
//! ```sh
//! onsite seed-load --pairs 1000 --out /tmp/seed.json --token-ttl-s 3600
//! onsite-loadgen --seed /tmp/seed.json --rate 1 --duration 30 --server-pid $PID
//! ```

#[path = "loadgen/core.rs"]
mod bookkeeping;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{sleep, sleep_until, timeout, Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use bookkeeping::{
    chat_frame, classify, cpu_percent, cpu_time, fix_position, latency_histogram, location_frame,
    loss_percent, machine_busy, mib, per_connection_kib, record, resubscribe_frame, retry_after_ms,
    rss_kib, seq_of, subscribe_frame, ws_url, DeviceClock, Pending, Percentiles, Received,
};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Parser, Debug)]
#[command(
    name = "onsite-loadgen",
    about = "Websocket load generator for onsite (reads `onsite seed-load` output)"
)]
struct Args {
    /// The seed file written by `onsite seed-load --out`.
    #[arg(long)]
    seed: std::path::PathBuf,
    /// Fixes per second per provider.
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// Seconds of measured streaming.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Use only the first N pairs of the seed file.
    #[arg(long)]
    clients: Option<usize>,
    /// Open every socket, measure the server's idle RSS, hold, exit.
    #[arg(long)]
    connect_only: bool,
    /// With --connect-only: do not subscribe (bare authenticated connections,
    /// no booking sessions started).
    #[arg(long, requires = "connect_only")]
    no_subscribe: bool,
    /// Seconds to hold the idle sockets open with --connect-only.
    #[arg(long, default_value_t = 5.0)]
    hold: f64,
    /// The server's pid, for its RSS (/proc/PID/status) and CPU time; with
    /// several nodes, every node's pid (comma-separated: RSS and CPU are
    /// summed over them).
    #[arg(long, value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// New websockets per second while ramping up.
    #[arg(long, default_value_t = 500.0)]
    connect_rate: f64,
    /// Server websocket URL (default: the seed file's base_url + /ws).
    #[arg(long)]
    url: Option<String>,
    /// Several nodes: customers' websocket URLs, comma-separated; pair i's
    /// customer opens the (i mod len)th. A socket whose node went away
    /// reconnects to the next one in its list, as through a balancer.
    #[arg(long, value_delimiter = ',', conflicts_with = "url")]
    customer_urls: Vec<String>,
    /// Providers' websocket URLs, likewise (default: --customer-urls). The
    /// same list keeps a pair on one node; the list rotated by one puts
    /// every provider on another node than its customer.
    #[arg(long, value_delimiter = ',', requires = "customer_urls")]
    provider_urls: Vec<String>,
    /// Skip the seed file's first K pairs (several generators share a seed
    /// file: each takes a slice with --skip and --clients).
    #[arg(long, default_value_t = 0)]
    skip: usize,
    /// An admin's websocket URL (with `?token=`): one socket monitors every
    /// live session there for the whole run and counts what it gets.
    #[arg(long)]
    monitor: Option<String>,
    /// With --kill-after: the pid to kill (default: the first --server-pid).
    #[arg(long, requires = "kill_after")]
    kill_pid: Option<u32>,
    /// Send one fix per provider first and measure the run after it (the
    /// steady state). By default the run starts with every booking's first
    /// fix, which moves it to en_route (a database write per booking), so the
    /// numbers include that wave.
    #[arg(long)]
    warmup: bool,
    /// With --warmup: seconds between the warm-up and the run, for what the
    /// first fixes caused (state changes, their notifications) to settle.
    #[arg(long, default_value_t = 1.0, requires = "warmup")]
    settle: f64,
    /// Chat instead of fixes: each provider sends a chat message at --rate
    /// Hz; the server acks it only after its commit. Reports send -> ack
    /// latency, and that every acked message reached the customer once.
    #[arg(long, conflicts_with_all = ["warmup", "connect_only"])]
    chat: bool,
    /// With --chat: SIGKILL the server (--server-pid) this many seconds into
    /// the run. Every socket then reconnects at once and resubscribes with
    /// `since_seq`; providers resend their unacked messages (same
    /// `client_msg_id`). Reports how long the sockets took to resume and
    /// that no message was lost or repeated. Something must restart the
    /// server on the same address (benches/run-reconnect.sh does), or
    /// --customer-urls must name other nodes to reconnect to.
    #[arg(long, requires_all = ["chat", "server_pid"])]
    kill_after: Option<f64>,
    /// Seconds to wait after the run for fixes still in flight.
    #[arg(long, default_value_t = 3.0)]
    drain: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Connecting,
    Warmup,
    Run { start: Instant, until: Instant },
    Stop,
}

/// Counters and histograms shared by every socket task (one thread: no locks).
struct Shared {
    opened: Cell<u64>,
    failed: Cell<u64>,
    retries: Cell<u64>,
    settled: Cell<u64>,
    /// Sockets the server closed (or that broke) before the end.
    dropped: Cell<u64>,
    warm_sent: Cell<u64>,
    warm_received: Cell<u64>,
    run_sent: Cell<u64>,
    run_received: Cell<u64>,
    /// Fixes that will never arrive because a later one of the same pair did.
    superseded: Cell<u64>,
    /// Provider fixes that matched nothing pending (duplicates).
    unmatched: Cell<u64>,
    /// Device time (ms) from which fixes count as measured.
    run_from_ms: Cell<i64>,
    connect: RefCell<Histogram<u64>>,
    warm: RefCell<Histogram<u64>>,
    run: RefCell<Histogram<u64>>,
    /// The run's latencies since the last progress line.
    interval: RefCell<Histogram<u64>>,
    /// Chat send -> ack since the last progress line.
    chat_interval: RefCell<Histogram<u64>>,
    chat_sent: Cell<u64>,
    chat_acked: Cell<u64>,
    chat_delivered: Cell<u64>,
    /// Chat events that repeated or skipped a message (must stay 0).
    chat_out_of_order: Cell<u64>,
    chat_ack: RefCell<Histogram<u64>>,
    /// Chat messages sent again after a reconnect.
    chat_resent: Cell<u64>,
    /// Chat frames refused for now (`unavailable`) and sent again.
    chat_refused: Cell<u64>,
    /// When the server was killed (--kill-after).
    killed_at: Cell<Option<Instant>>,
    /// Sockets that lost their connection after the kill, and resumed.
    lost: Cell<u64>,
    resumed: Cell<u64>,
    /// Kill -> subscribed again, per socket.
    resume: RefCell<Histogram<u64>>,
    /// Reconnect attempts that failed (the socket tried again), by cause.
    reconnect_failures: RefCell<std::collections::BTreeMap<String, u64>>,
    errors: Cell<u64>,
    first_errors: RefCell<Vec<String>>,
}

impl Shared {
    fn new() -> Result<Self, hdrhistogram::CreationError> {
        Ok(Self {
            opened: Cell::new(0),
            failed: Cell::new(0),
            retries: Cell::new(0),
            settled: Cell::new(0),
            dropped: Cell::new(0),
            warm_sent: Cell::new(0),
            warm_received: Cell::new(0),
            run_sent: Cell::new(0),
            run_received: Cell::new(0),
            superseded: Cell::new(0),
            unmatched: Cell::new(0),
            run_from_ms: Cell::new(i64::MAX),
            connect: RefCell::new(latency_histogram()?),
            warm: RefCell::new(latency_histogram()?),
            run: RefCell::new(latency_histogram()?),
            interval: RefCell::new(latency_histogram()?),
            chat_interval: RefCell::new(latency_histogram()?),
            chat_sent: Cell::new(0),
            chat_acked: Cell::new(0),
            chat_delivered: Cell::new(0),
            chat_out_of_order: Cell::new(0),
            chat_ack: RefCell::new(latency_histogram()?),
            chat_resent: Cell::new(0),
            chat_refused: Cell::new(0),
            killed_at: Cell::new(None),
            lost: Cell::new(0),
            resumed: Cell::new(0),
            resume: RefCell::new(latency_histogram()?),
            reconnect_failures: RefCell::default(),
            errors: Cell::new(0),
            first_errors: RefCell::new(Vec::new()),
        })
    }

    fn error(&self, what: String) {
        bump(&self.errors);
        let mut first = self.first_errors.borrow_mut();
        if first.len() < 8 {
            first.push(what);
        }
    }
}

fn bump(c: &Cell<u64>) {
    c.set(c.get() + 1);
}

/// What the two sockets of a pair share.
struct PairLink {
    booking_id: String,
    pending: RefCell<Pending>,
    customer_up: Cell<bool>,
    /// Chat messages sent and not yet acked, oldest first.
    chats: RefCell<VecDeque<(u64, Instant)>>,
    /// The chat messages the customer got, and the `seq` of the last one.
    chat_got: RefCell<std::collections::HashSet<u64>>,
    chat_last_seq: Cell<i64>,
    /// Chat messages refused for now (`unavailable`), sent again (same id)
    /// before the provider's next message.
    refused: RefCell<Vec<u64>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Customer,
    Provider,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
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
        args.connect_only || (args.rate > 0.0 && args.rate <= 1000.0),
        "--rate must be in (0, 1000]"
    );
    anyhow::ensure!(args.connect_rate > 0.0, "--connect-rate must be positive");
    for (name, secs) in [
        ("--duration", args.duration),
        ("--hold", args.hold),
        ("--drain", args.drain),
        ("--connect-rate", 1.0 / args.connect_rate),
    ] {
        Duration::try_from_secs_f64(secs)
            .map_err(|_| anyhow::anyhow!("{name} must be a non-negative number of seconds"))?;
    }
    let seed = onsite::loadseed::SeedFile::read(&args.seed)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.seed.display()))?;
    let customer_urls: Rc<[String]> = if args.customer_urls.is_empty() {
        let url = match &args.url {
            Some(u) => u.clone(),
            None => ws_url(&seed.base_url).map_err(anyhow::Error::msg)?,
        };
        vec![url].into()
    } else {
        args.customer_urls.clone().into()
    };
    let provider_urls: Rc<[String]> = if args.provider_urls.is_empty() {
        customer_urls.clone()
    } else {
        args.provider_urls.clone().into()
    };
    let url = customer_urls.join(",");
    let available = seed.pairs.len().saturating_sub(args.skip);
    let n = args.clients.unwrap_or(available).min(available);
    anyhow::ensure!(n > 0, "no pairs to run");
    let pairs = &seed.pairs[args.skip..args.skip + n];
    let servers: Vec<String> = args.server_pid.iter().map(|p| p.to_string()).collect();
    // Summed over the nodes still running (a killed one drops out).
    let server_rss = || {
        let each: Vec<u64> = servers.iter().filter_map(|p| rss_kib(p)).collect();
        (!each.is_empty()).then(|| each.iter().sum())
    };
    let server_cpu = || {
        let each: Vec<Duration> = servers.iter().filter_map(|p| cpu_time(p)).collect();
        (!each.is_empty()).then(|| each.iter().sum::<Duration>())
    };
    let server = args
        .kill_pid
        .or_else(|| args.server_pid.first().copied())
        .map(|p| p.to_string());

    let shared = Rc::new(Shared::new()?);
    let (phase_tx, phase_rx) = watch::channel(Phase::Connecting);
    let rss_before = server_rss();
    eprintln!(
        "{n} pairs ({} sockets) -> {url}; server RSS before: {}",
        2 * n,
        mib(rss_before)
    );

    // Ramp up: one socket every 1/connect_rate seconds, customer then provider.
    let step = Duration::from_secs_f64(1.0 / args.connect_rate);
    let ramp_start = Instant::now();
    let mut links = Vec::with_capacity(n);
    let mut last_report = Instant::now();
    for (i, pair) in pairs.iter().enumerate() {
        let link = Rc::new(PairLink {
            booking_id: pair.booking_id.clone(),
            pending: RefCell::new(Pending::default()),
            customer_up: Cell::new(false),
            chats: RefCell::new(VecDeque::new()),
            chat_got: RefCell::default(),
            chat_last_seq: Cell::new(0),
            refused: RefCell::default(),
        });
        links.push(link.clone());
        for (k, side, token, urls) in [
            (2 * i, Side::Customer, &pair.customer_token, &customer_urls),
            (
                2 * i + 1,
                Side::Provider,
                &pair.provider_token,
                &provider_urls,
            ),
        ] {
            sleep_until(ramp_start + step.mul_f64(k as f64)).await;
            let task = Socket {
                urls: urls.clone(),
                at: Cell::new(i % urls.len()),
                token: token.clone(),
                side,
                index: i,
                pairs: n,
                rate: args.rate,
                chat: args.chat,
                reconnect: args.kill_after.is_some(),
                last_seq: Cell::new(None),
                retry_hint: Cell::new(None),
                subscribe: !args.no_subscribe,
                link: link.clone(),
                shared: shared.clone(),
                phase: phase_rx.clone(),
            };
            tokio::task::spawn_local(task.run());
        }
        if last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            eprintln!(
                "  ramping: {} open, {} failed, {} pending",
                shared.opened.get(),
                shared.failed.get(),
                (2 * i as u64 + 2).saturating_sub(shared.settled.get())
            );
        }
    }
    let total = 2 * n as u64;
    let deadline = Instant::now() + Duration::from_secs(60);
    while shared.settled.get() < total && Instant::now() < deadline {
        sleep(Duration::from_millis(50)).await;
    }
    let ramp = ramp_start.elapsed();
    let opened = shared.opened.get();
    eprintln!(
        "connected: {opened} open, {} failed ({} retries) in {:.1} s; upgrade+subscribe {}",
        shared.failed.get(),
        shared.retries.get(),
        ramp.as_secs_f64(),
        Percentiles::of(&shared.connect.borrow())
    );
    // Let the server settle before reading its idle RSS.
    sleep(Duration::from_secs(2)).await;
    let rss_idle = server_rss();
    let per_conn = rss_before
        .zip(rss_idle)
        .and_then(|(b, a)| per_connection_kib(b, a, opened));
    eprintln!(
        "server RSS idle with {opened} sockets: {} ({} per connection)",
        mib(rss_idle),
        per_conn.map_or_else(|| "-".to_owned(), |k| format!("{k:.2} KiB"))
    );

    if args.connect_only {
        sleep(Duration::from_secs_f64(args.hold)).await;
        let rss_held = server_rss();
        let per_conn_held = rss_before
            .zip(rss_held)
            .and_then(|(b, a)| per_connection_kib(b, a, opened));
        let _ = phase_tx.send(Phase::Stop);
        eprintln!(
            "after holding {:.0} s: server RSS {}; loadgen RSS {}; {} sockets dropped",
            args.hold,
            mib(rss_held),
            mib(rss_kib("self")),
            shared.dropped.get()
        );
        println!(
            "| {n} pairs idle | {opened}/{} sockets | RSS before {} | idle {} | after {:.0} s {} | {} KiB per idle connection |",
            shared.failed.get(),
            mib(rss_before),
            mib(rss_idle),
            args.hold,
            mib(rss_held),
            per_conn_held
                .or(per_conn)
                .map_or_else(|| "-".to_owned(), |k| format!("{k:.2}"))
        );
        return Ok(());
    }

    let monitor_frames = Rc::new(Cell::new(0u64));
    let monitor_events = Rc::new(Cell::new(0u64));
    let monitor_end: Rc<RefCell<Option<String>>> = Rc::new(RefCell::new(None));
    if let Some(url) = &args.monitor {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| anyhow::anyhow!("the monitor's socket: {e}"))?;
        ws.send(Message::text(r#"{"type":"monitor","id":"m"}"#))
            .await?;
        let count = monitor_frames.clone();
        let events = monitor_events.clone();
        let ended = monitor_end.clone();
        let mut phase = phase_rx.clone();
        tokio::task::spawn_local(async move {
            loop {
                tokio::select! {
                    msg = ws.next() => match msg {
                        Some(Ok(Message::Text(t))) if t.contains(r#""type":"location""#) => count.set(count.get() + 1),
                        Some(Ok(Message::Text(t))) if t.contains(r#""type":"booking""#) => events.set(events.get() + 1),
                        Some(Ok(Message::Close(frame))) => {
                            // A monitor closed by the server must not pass for one that kept up.
                            *ended.borrow_mut() = Some(frame.map_or_else(
                                || "closed without a code".to_owned(),
                                |f| format!("closed by the server with {} ({})", u16::from(f.code), f.reason),
                            ));
                            return;
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => {
                            *ended.borrow_mut() = Some(format!("failed: {e}"));
                            return;
                        }
                        None => {
                            *ended.borrow_mut() = Some("ended".to_owned());
                            return;
                        }
                    },
                    changed = phase.changed() => if changed.is_err() || *phase.borrow() == Phase::Stop { return },
                }
            }
        });
    }
    let active = links.iter().filter(|l| l.customer_up.get()).count() as u64;
    if active == 0 {
        for e in shared.first_errors.borrow().iter() {
            eprintln!("  {e}");
        }
        anyhow::bail!("no customer socket could subscribe; nothing to measure");
    }
    if args.warmup {
        let started = Instant::now();
        let _ = phase_tx.send(Phase::Warmup);
        let deadline = started + Duration::from_secs(120);
        // Until every provider sent its first fix and every customer got it.
        while shared.warm_sent.get() < active
            || shared.warm_received.get() + shared.superseded.get() < shared.warm_sent.get()
        {
            if Instant::now() >= deadline {
                eprintln!("warm-up timed out");
                break;
            }
            sleep(Duration::from_millis(20)).await;
        }
        eprintln!(
            "warm-up: {} first fixes, {} delivered in {:.2} s; {}",
            shared.warm_sent.get(),
            shared.warm_received.get(),
            started.elapsed().as_secs_f64(),
            Percentiles::of(&shared.warm.borrow())
        );
        sleep(Duration::from_secs_f64(args.settle)).await;
    }

    let start = Instant::now() + Duration::from_millis(100);
    let until = start + Duration::from_secs_f64(args.duration);
    let wall_ms = chrono::Utc::now().timestamp_millis() + 50;
    shared.run_from_ms.set(wall_ms);
    let (srv_cpu0, lg_cpu0, all_cpu0) = (server_cpu(), cpu_time("self"), machine_busy());
    let _ = phase_tx.send(Phase::Run { start, until });
    if let (Some(after), Some(pid)) = (args.kill_after, server.clone()) {
        let shared = shared.clone();
        let at = start + Duration::from_secs_f64(after);
        tokio::task::spawn_local(async move {
            sleep_until(at).await;
            shared.killed_at.set(Some(Instant::now()));
            match std::process::Command::new("kill")
                .args(["-9", &pid])
                .status()
            {
                Ok(status) if status.success() => {
                    eprintln!("  killed the server (pid {pid}, SIGKILL)")
                }
                other => shared.error(format!("kill -9 {pid}: {other:?}")),
            }
        });
    }
    let mut tick = Instant::now();
    while Instant::now() < until {
        tick += Duration::from_secs(5);
        sleep_until(tick.min(until)).await;
        let recent = Percentiles::of(&shared.interval.borrow());
        shared.interval.borrow_mut().reset();
        let chat = if args.chat {
            let h = shared.chat_interval.borrow();
            let c = Percentiles::of(&h);
            let line = format!(
                "; chat acks since the last line {}, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                h.len(),
                c.p50,
                c.p99,
                c.max
            );
            drop(h);
            shared.chat_interval.borrow_mut().reset();
            line
        } else {
            String::new()
        };
        eprintln!(
            "  {:>5.1} s: {} fixes sent, {} received, {} sockets dropped; since the last line p99 {:.2} ms, max {:.2} ms{chat}",
            start.elapsed().as_secs_f64(),
            shared.run_sent.get(),
            shared.run_received.get(),
            shared.dropped.get(),
            recent.p99,
            recent.max
        );
    }
    let wall = until.saturating_duration_since(start);
    let (srv_cpu1, lg_cpu1, all_cpu1) = (server_cpu(), cpu_time("self"), machine_busy());
    let drain_until = Instant::now() + Duration::from_secs_f64(args.drain);
    let in_flight = |l: &PairLink| !l.pending.borrow().is_empty() || !l.chats.borrow().is_empty();
    while Instant::now() < drain_until
        && (links.iter().any(|l| in_flight(l))
            || shared.chat_delivered.get() < shared.chat_acked.get())
    {
        sleep(Duration::from_millis(20)).await;
    }
    let rss_end = server_rss();
    let _ = phase_tx.send(Phase::Stop);
    let never_arrived: usize = links.iter().map(|l| l.pending.borrow().len()).sum();

    let sent = shared.run_sent.get();
    let received = shared.run_received.get();
    let lat = Percentiles::of(&shared.run.borrow());
    let srv_pct = srv_cpu0
        .zip(srv_cpu1)
        .map(|(a, b)| cpu_percent(b.saturating_sub(a), wall));
    let lg_pct = lg_cpu0
        .zip(lg_cpu1)
        .map(|(a, b)| cpu_percent(b.saturating_sub(a), wall));
    // Everything else on the machine (other processes share the two cores).
    let other_pct = all_cpu0.zip(all_cpu1).map(|(a, b)| {
        let all = b.saturating_sub(a);
        let ours = srv_cpu0
            .zip(srv_cpu1)
            .map_or(Duration::ZERO, |(x, y)| y.saturating_sub(x))
            + lg_cpu0
                .zip(lg_cpu1)
                .map_or(Duration::ZERO, |(x, y)| y.saturating_sub(x));
        cpu_percent(all.saturating_sub(ours), wall)
    });
    let pct = |p: Option<f64>| p.map_or_else(|| "-".to_owned(), |p| format!("{p:.0}%"));
    eprintln!();
    eprintln!(
        "pairs: {n} ({active} with both sockets up), rate {} Hz, {:.0} s",
        args.rate, args.duration
    );
    eprintln!(
        "connections: {opened} opened, {} failed, {} dropped during the run",
        shared.failed.get(),
        shared.dropped.get()
    );
    eprintln!(
        "fixes: {sent} sent, {received} received by customers, loss {:.3}% ({} superseded by a later fix, {never_arrived} still pending after the drain, {} unmatched)",
        loss_percent(sent, received),
        shared.superseded.get(),
        shared.unmatched.get()
    );
    eprintln!("latency (provider send -> customer receive): {lat}");
    if args.monitor.is_some() {
        eprintln!(
            "admin monitor: {} location frames (the monitor's queue keeps the latest per booking and party), {} booking events; its socket {}",
            monitor_frames.get(),
            monitor_events.get(),
            monitor_end
                .borrow()
                .as_deref()
                .unwrap_or("stayed open to the end")
        );
    }
    let per_fix_us = srv_cpu0.zip(srv_cpu1).and_then(|(a, b)| {
        (received > 0).then(|| b.saturating_sub(a).as_secs_f64() * 1e6 / received as f64)
    });
    if let Some(us) = per_fix_us {
        eprintln!(
            "server CPU per relayed fix: {us:.1} µs (CPU time over the run / fixes received; 10 ms clock ticks)"
        );
    }
    eprintln!(
        "server RSS: before {}, idle {}, end {}; CPU over the run (100% = one core): server {}, loadgen {}, other processes {}",
        mib(rss_before),
        mib(rss_idle),
        mib(rss_end),
        pct(srv_pct),
        pct(lg_pct),
        pct(other_pct)
    );
    if args.chat {
        let srv_cpu = srv_cpu0.zip(srv_cpu1).map(|(a, b)| b.saturating_sub(a));
        return chat_report(&args, n, &shared, srv_pct, srv_cpu);
    }
    if shared.errors.get() > 0 {
        eprintln!("{} errors; first ones:", shared.errors.get());
        for e in shared.first_errors.borrow().iter() {
            eprintln!("  {e}");
        }
    }
    println!("| pairs | Hz | s | sockets ok/failed | fixes sent | received | coalesced | never delivered | p50 ms | p90 ms | p99 ms | max ms | server RSS idle | RSS end | CPU server | µs/fix | CPU loadgen | CPU other |");
    println!(
        "| {n} | {} | {:.0} | {opened}/{} | {sent} | {received} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} |",
        args.rate,
        args.duration,
        shared.failed.get(),
        shared.superseded.get(),
        never_arrived,
        lat.p50,
        lat.p90,
        lat.p99,
        lat.max,
        mib(rss_idle),
        mib(rss_end),
        pct(srv_pct),
        per_fix_us.map_or_else(|| "-".to_owned(), |us| format!("{us:.1}")),
        pct(lg_pct),
        pct(other_pct)
    );
    Ok(())
}

/// The chat run's report: throughput, send -> ack latency, and that every
/// acked message reached the other party exactly once, in order.
fn chat_report(
    args: &Args,
    n: usize,
    shared: &Shared,
    srv_pct: Option<f64>,
    srv_cpu: Option<Duration>,
) -> anyhow::Result<()> {
    let (sent, acked, delivered) = (
        shared.chat_sent.get(),
        shared.chat_acked.get(),
        shared.chat_delivered.get(),
    );
    let ack = Percentiles::of(&shared.chat_ack.borrow());
    let per_msg = srv_cpu
        .filter(|_| acked > 0)
        .map(|c| c.as_secs_f64() * 1e6 / acked as f64);
    eprintln!(
        "chat: {sent} sent, {acked} acked, {delivered} delivered to the other party, {} not acked, {} acked but not delivered, {} out of order or repeated; {} refusals (unavailable) answered by sending again",
        sent.saturating_sub(acked),
        acked.saturating_sub(delivered),
        shared.chat_out_of_order.get(),
        shared.chat_refused.get()
    );
    eprintln!("send -> ack (after its commit): {ack}");
    let reconnect = args.kill_after.map(|after| {
        let resume = Percentiles::of(&shared.resume.borrow());
        eprintln!(
            "server killed {after:.0} s into the run: {} sockets lost, {} resumed (subscribed again with since_seq); kill -> resumed {resume}; {} unacked messages resent",
            shared.lost.get(),
            shared.resumed.get(),
            shared.chat_resent.get()
        );
        for (cause, n) in shared.reconnect_failures.borrow().iter() {
            eprintln!("  reconnect attempts failed: {n} x {cause}");
        }
        resume
    });
    if shared.errors.get() > 0 {
        eprintln!("{} errors; first ones:", shared.errors.get());
        for e in shared.first_errors.borrow().iter() {
            eprintln!("  {e}");
        }
    }
    println!("| bookings | msgs/s offered | s | sent | acked | delivered | out of order | ack p50 ms | p90 ms | p99 ms | max ms | CPU server | µs/msg |");
    println!(
        "| {n} | {:.0} | {:.0} | {sent} | {acked} | {delivered} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} |",
        n as f64 * args.rate,
        args.duration,
        shared.chat_out_of_order.get(),
        ack.p50,
        ack.p90,
        ack.p99,
        ack.max,
        srv_pct.map_or_else(|| "-".to_owned(), |p| format!("{p:.0}%")),
        per_msg.map_or_else(|| "-".to_owned(), |us| format!("{us:.1}"))
    );
    if let Some(resume) = reconnect {
        println!("| sockets lost | resumed | kill -> resumed p50 ms | p99 ms | max ms | messages resent |");
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {} |",
            shared.lost.get(),
            shared.resumed.get(),
            resume.p50,
            resume.p99,
            resume.max,
            shared.chat_resent.get()
        );
        anyhow::ensure!(
            shared.resumed.get() == shared.lost.get(),
            "not every socket resumed"
        );
    }
    anyhow::ensure!(
        acked == sent && delivered == acked && shared.chat_out_of_order.get() == 0,
        "chat messages were lost, repeated or reordered"
    );
    Ok(())
}

/// One websocket: connect and subscribe (with retries), then play its side.
struct Socket {
    /// The nodes' websocket URLs; `at` is the one this socket uses.
    urls: Rc<[String]>,
    at: Cell<usize>,
    token: String,
    side: Side,
    index: usize,
    pairs: usize,
    rate: f64,
    chat: bool,
    /// Reconnect (with `since_seq`) when the server goes away.
    reconnect: bool,
    /// The latest journaled `seq` this socket has seen.
    last_seq: Cell<Option<i64>>,
    /// The last refusal's `retry_after_ms`, if it had one.
    retry_hint: Cell<Option<u64>>,
    subscribe: bool,
    link: Rc<PairLink>,
    shared: Rc<Shared>,
    phase: watch::Receiver<Phase>,
}

const ATTEMPTS: u32 = 3;

impl Socket {
    async fn run(mut self) {
        let mut attempt = 0;
        let ws = loop {
            attempt += 1;
            match self.open().await {
                Ok(ws) => break Some(ws),
                Err(e) if attempt >= ATTEMPTS => {
                    self.shared.error(format!("connect: {e}"));
                    break None;
                }
                Err(_) => {
                    bump(&self.shared.retries);
                    sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
            }
        };
        bump(&self.shared.settled);
        let Some(ws) = ws else {
            bump(&self.shared.failed);
            return;
        };
        bump(&self.shared.opened);
        let mut ws = ws;
        let mut play = Play::default();
        loop {
            match self.side {
                Side::Customer => {
                    self.link.customer_up.set(true);
                    self.customer(&mut ws).await;
                }
                Side::Provider => self.provider(&mut ws, &mut play).await,
            }
            if !self.reconnect || *self.phase.borrow() == Phase::Stop {
                return;
            }
            // The server went away: back as soon as it is, where we left off.
            // The dead socket goes first (two per socket would be past the
            // open-files limit).
            bump(&self.shared.lost);
            drop(ws);
            ws = loop {
                if *self.phase.borrow() == Phase::Stop {
                    return;
                }
                match self.open().await {
                    Ok(ws) => break ws,
                    Err(e) => {
                        // The cause without what varies (ports, counts).
                        let cause: String = e
                            .split(|c: char| c.is_ascii_digit())
                            .next()
                            .unwrap_or_default()
                            .chars()
                            .take(60)
                            .collect();
                        *self
                            .shared
                            .reconnect_failures
                            .borrow_mut()
                            .entry(cause)
                            .or_default() += 1;
                        // The next node, as a balancer would pick another,
                        // after the server's hint (spread over a fifth of a
                        // second) or a short pause.
                        self.at.set((self.at.get() + 1) % self.urls.len());
                        let pause = match self.retry_hint.take() {
                            Some(ms) => ms + (self.index as u64 * 37) % 200,
                            None => 50 + (self.index as u64 * 7) % 50,
                        };
                        sleep(Duration::from_millis(pause)).await;
                    }
                }
            };
            bump(&self.shared.resumed);
            if let Some(killed) = self.shared.killed_at.get() {
                record(&mut self.shared.resume.borrow_mut(), killed.elapsed());
            }
            if self.side == Side::Provider && self.chat {
                // Unacked messages again, same ids: stored at most once.
                let pending: Vec<u64> = self.link.chats.borrow().iter().map(|(n, _)| *n).collect();
                for n in pending {
                    for entry in self.link.chats.borrow_mut().iter_mut() {
                        if entry.0 == n {
                            entry.1 = Instant::now();
                        }
                    }
                    bump(&self.shared.chat_resent);
                    if ws
                        .send(Message::text(chat_frame(&self.link.booking_id, n)))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    }

    /// This socket's URL: the node it uses now, with its token.
    fn url(&self) -> String {
        format!("{}?token={}", self.urls[self.at.get()], self.token)
    }

    /// The TCP connection, without Nagle. On loopback the sockets come from
    /// 16 source addresses (127.0.0.1-16), as clients of a real server come
    /// from many: from one address, 19,800 sockets reconnecting at once
    /// leave the kernel searching for free ephemeral ports on every connect
    /// (`__inet_hash_connect` was the load generator's top symbol).
    async fn tcp(&self) -> std::io::Result<TcpStream> {
        let url = self.url();
        let authority = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default();
        let addr = tokio::net::lookup_host(authority)
            .await?
            .next()
            .ok_or_else(|| std::io::Error::other("the server address does not resolve"))?;
        let socket = match addr {
            std::net::SocketAddr::V4(v4) => {
                let socket = tokio::net::TcpSocket::new_v4()?;
                if v4.ip().is_loopback() {
                    let source = std::net::Ipv4Addr::new(127, 0, 0, 1 + (self.index % 16) as u8);
                    socket.bind((source, 0).into())?;
                }
                socket
            }
            std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        let stream = socket.connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn open(&self) -> Result<Ws, String> {
        let started = Instant::now();
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let (mut ws, _) = timeout(Duration::from_secs(10), async {
            let stream = self.tcp().await.map_err(|e| e.to_string())?;
            tokio_tungstenite::client_async_with_config(
                self.url(),
                MaybeTlsStream::Plain(stream),
                Some(config),
            )
            .await
            .map_err(|e| e.to_string())
        })
        .await
        .map_err(|_| "upgrade timed out".to_owned())??;
        if !self.subscribe {
            record(&mut self.shared.connect.borrow_mut(), started.elapsed());
            return Ok(ws);
        }
        let frame = match self.last_seq.get() {
            Some(seq) if self.reconnect => resubscribe_frame(&self.link.booking_id, seq),
            _ => subscribe_frame(&self.link.booking_id),
        };
        ws.send(Message::text(frame))
            .await
            .map_err(|e| e.to_string())?;
        let deadline = started + Duration::from_secs(10);
        loop {
            let msg = timeout(
                deadline.saturating_duration_since(Instant::now()),
                ws.next(),
            )
            .await
            .map_err(|_| "no `subscribed` answer".to_owned())?;
            match msg {
                Some(Ok(Message::Text(text))) => match classify(text.as_str()) {
                    Received::Subscribed => break,
                    Received::Error(e) => {
                        // An app waits as long as the server says.
                        self.retry_hint.set(retry_after_ms(text.as_str()));
                        return Err(format!("subscribe refused: {e}"));
                    }
                    // A replayed event before the answer counts like any other.
                    _ => self.on_text(text.as_str()),
                },
                Some(Ok(Message::Close(frame))) => {
                    return Err(format!("closed while subscribing: {frame:?}"))
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("closed while subscribing".to_owned()),
            }
        }
        record(&mut self.shared.connect.borrow_mut(), started.elapsed());
        Ok(ws)
    }

    /// Handles one incoming message; false when the socket is finished.
    fn incoming(
        &self,
        msg: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> bool {
        match msg {
            Some(Ok(Message::Text(text))) => {
                self.on_text(text.as_str());
                true
            }
            Some(Ok(Message::Close(frame))) => {
                if *self.phase.borrow() != Phase::Stop && !self.reconnect {
                    bump(&self.shared.dropped);
                    self.shared
                        .error(format!("closed by the server: {frame:?}"));
                }
                false
            }
            Some(Ok(_)) => true,
            Some(Err(e)) => {
                if *self.phase.borrow() != Phase::Stop && !self.reconnect {
                    bump(&self.shared.dropped);
                    self.shared.error(format!("socket error: {e}"));
                }
                false
            }
            None => {
                if *self.phase.borrow() != Phase::Stop && !self.reconnect {
                    bump(&self.shared.dropped);
                    self.shared.error("socket closed".to_owned());
                }
                false
            }
        }
    }

    /// One text frame from the server.
    fn on_text(&self, text: &str) {
        let now = std::time::Instant::now();
        if self.reconnect {
            if let Some(seq) = seq_of(text) {
                self.last_seq
                    .set(Some(self.last_seq.get().map_or(seq, |s| s.max(seq))));
            }
        }
        {
            {
                match classify(text) {
                    Received::ProviderFix(at_ms) if self.side == Side::Customer => {
                        let matched = self.link.pending.borrow_mut().received(at_ms, now);
                        match matched {
                            Some(m) => {
                                let s = &self.shared;
                                s.superseded.set(s.superseded.get() + m.superseded);
                                if at_ms >= s.run_from_ms.get() {
                                    bump(&s.run_received);
                                    record(&mut s.run.borrow_mut(), m.latency);
                                    record(&mut s.interval.borrow_mut(), m.latency);
                                } else {
                                    bump(&s.warm_received);
                                    record(&mut s.warm.borrow_mut(), m.latency);
                                }
                            }
                            None => bump(&self.shared.unmatched),
                        }
                    }
                    Received::ChatAck(n) if self.side == Side::Provider => {
                        let mut chats = self.link.chats.borrow_mut();
                        if let Some(pos) = chats.iter().position(|(m, _)| *m == n) {
                            let (_, sent) = chats.remove(pos).unwrap_or((n, Instant::now()));
                            bump(&self.shared.chat_acked);
                            record(&mut self.shared.chat_ack.borrow_mut(), sent.elapsed());
                            record(&mut self.shared.chat_interval.borrow_mut(), sent.elapsed());
                        }
                    }
                    Received::Chat(n) if self.side == Side::Customer => {
                        bump(&self.shared.chat_delivered);
                        // Each message once, in the journal's order (a
                        // message resent after a refusal may be stored after
                        // a later one: its `seq` says where).
                        let seq = seq_of(text).unwrap_or(0);
                        if !self.link.chat_got.borrow_mut().insert(n)
                            || seq <= self.link.chat_last_seq.get()
                        {
                            bump(&self.shared.chat_out_of_order);
                        }
                        self.link.chat_last_seq.set(seq);
                    }
                    Received::ChatRefused(n) if self.side == Side::Provider => {
                        bump(&self.shared.chat_refused);
                        if self.link.chats.borrow().iter().any(|(m, _)| *m == n) {
                            self.link.refused.borrow_mut().push(n);
                        }
                    }
                    Received::Error(e) => self.shared.error(e),
                    _ => {}
                }
            }
        }
    }

    async fn customer(&mut self, ws: &mut Ws) {
        loop {
            tokio::select! {
                msg = ws.next() => if !self.incoming(msg) { return },
                changed = self.phase.changed() => {
                    if changed.is_err() || *self.phase.borrow() == Phase::Stop {
                        return;
                    }
                }
            }
        }
    }

    async fn provider(&mut self, ws: &mut Ws, play: &mut Play) {
        // With --connect-only the rate may be 0: then the provider only listens.
        let Ok(period) = Duration::try_from_secs_f64(1.0 / self.rate) else {
            return self.customer(ws).await;
        };
        // This provider's phase within the period: spreads fixes evenly.
        let offset = period.mul_f64(self.index as f64 / self.pairs as f64);
        let Play {
            clock,
            fixes,
            warm_at,
            ticker,
        } = play;
        loop {
            let send_now = tokio::select! {
                msg = ws.next() => {
                    if !self.incoming(msg) { return }
                    false
                }
                changed = self.phase.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let phase = *self.phase.borrow();
                    match phase {
                        Phase::Warmup => *warm_at = Some(Instant::now() + offset),
                        Phase::Run { start, until } => {
                            let mut interval = tokio::time::interval_at(start + offset, period);
                            interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
                            *ticker = Some((interval, until));
                        }
                        Phase::Stop => return,
                        Phase::Connecting => {}
                    }
                    false
                }
                () = wait_until(*warm_at) => {
                    *warm_at = None;
                    true
                }
                now = tick(ticker) => {
                    match ticker {
                        Some((_, until)) if now < *until => true,
                        _ => {
                            *ticker = None;
                            false
                        }
                    }
                }
            };
            if !send_now || !self.link.customer_up.get() {
                continue;
            }
            if self.chat {
                // Refused messages first, under their own ids.
                let again: Vec<u64> = std::mem::take(&mut *self.link.refused.borrow_mut());
                for n in again {
                    if ws
                        .send(Message::text(chat_frame(&self.link.booking_id, n)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                *fixes += 1;
                self.link
                    .chats
                    .borrow_mut()
                    .push_back((*fixes, Instant::now()));
                bump(&self.shared.chat_sent);
                let frame = chat_frame(&self.link.booking_id, *fixes);
                if let Err(e) = ws.send(Message::text(frame)).await {
                    if !self.reconnect {
                        bump(&self.shared.dropped);
                        self.shared.error(format!("send: {e}"));
                    }
                    return;
                }
                continue;
            }
            let at_ms = clock.next(chrono::Utc::now().timestamp_millis());
            let (lat, lng) = fix_position(self.index, *fixes);
            *fixes += 1;
            let frame = location_frame(&self.link.booking_id, lat, lng, at_ms);
            self.link
                .pending
                .borrow_mut()
                .sent(at_ms, std::time::Instant::now());
            if at_ms >= self.shared.run_from_ms.get() {
                bump(&self.shared.run_sent);
            } else {
                bump(&self.shared.warm_sent);
            }
            if let Err(e) = ws.send(Message::text(frame)).await {
                bump(&self.shared.dropped);
                self.shared.error(format!("send: {e}"));
                return;
            }
        }
    }
}

/// A provider's state that outlives a reconnect.
#[derive(Default)]
struct Play {
    clock: DeviceClock,
    fixes: u64,
    warm_at: Option<Instant>,
    ticker: Option<(tokio::time::Interval, Instant)>,
}

async fn wait_until(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn tick(ticker: &mut Option<(tokio::time::Interval, Instant)>) -> Instant {
    match ticker {
        Some((interval, _)) => interval.tick().await,
        None => std::future::pending().await,
    }
}

//! The load generator's bookkeeping, free of sockets so it is unit-tested:
//! frames, device timestamps, matching received fixes to sent ones, latency
//! histograms, `/proc` readings and the report.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use hdrhistogram::Histogram;
use serde::Deserialize;

/// `http://host:port` (the seed file's `base_url`) -> `ws://host:port/ws`.
pub fn ws_url(base_url: &str) -> Result<String, String> {
    let base = base_url.trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("http://") {
        Ok(format!("ws://{rest}/ws"))
    } else if let Some(rest) = base.strip_prefix("ws://") {
        Ok(format!("ws://{}/ws", rest.trim_end_matches("/ws")))
    } else {
        Err(format!(
            "`{base_url}`: only plain http:// servers are supported (the load generator has no TLS)"
        ))
    }
}

/// The subscribe frame of a booking.
pub fn subscribe_frame(booking_id: &str) -> String {
    format!(r#"{{"type":"subscribe","id":"s","booking_id":"{booking_id}"}}"#)
}

/// The subscribe frame of a client resuming after `since_seq`.
pub fn resubscribe_frame(booking_id: &str, since_seq: i64) -> String {
    format!(
        r#"{{"type":"subscribe","id":"s","booking_id":"{booking_id}","since_seq":{since_seq}}}"#
    )
}

/// The `seq` a server frame carries (the latest journaled event it knows).
pub fn seq_of(text: &str) -> Option<i64> {
    #[derive(Deserialize)]
    struct Seq {
        seq: Option<i64>,
    }
    serde_json::from_str::<Seq>(text).ok().and_then(|s| s.seq)
}

/// An error frame's `retry_after_ms`: when the server says trying again can succeed.
pub fn retry_after_ms(text: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Hint {
        retry_after_ms: Option<u64>,
    }
    serde_json::from_str::<Hint>(text)
        .ok()
        .and_then(|h| h.retry_after_ms)
}

/// A provider fix. `at_ms` is the device time (milliseconds since the epoch).
pub fn location_frame(booking_id: &str, lat: f64, lng: f64, at_ms: i64) -> String {
    format!(
        r#"{{"type":"location","booking_id":"{booking_id}","lat":{lat:.6},"lng":{lng:.6},"accuracy_m":5,"at":"{}"}}"#,
        format_at(at_ms)
    )
}

/// Chat message `n` of a pair: its frame id is `c<n>` (the ack's `re`) and its
/// `client_msg_id` is `m<n>` (what the other party's `chat` event carries).
pub fn chat_frame(booking_id: &str, n: u64) -> String {
    format!(
        r#"{{"type":"chat","id":"c{n}","booking_id":"{booking_id}","text":"load message {n}","client_msg_id":"m{n}"}}"#
    )
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-11-21T10:00:00.123Z`.
pub fn format_at(at_ms: i64) -> String {
    match Utc.timestamp_millis_opt(at_ms).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => String::new(),
    }
}

/// The device time of a received fix, back in milliseconds since the epoch.
pub fn parse_at(at: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A fix's route: 5 km north of the seed's center (so it never comes near a
/// job and no booking "arrives"), walking a little with every fix.
pub fn fix_position(pair: usize, n: u64) -> (f64, f64) {
    let (lat, lng) = (-26.2041 + 0.045, 28.0473);
    let spread = (pair % 1000) as f64 * 0.0001;
    let step = (n % 100) as f64 * 0.00001;
    (lat + step, lng + spread)
}

/// The fields of a server frame the load generator looks at.
#[derive(Debug, Deserialize)]
pub struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    pub role: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    pub at: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    pub code: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    pub re: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    pub message: Option<serde_json::Value>,
}

/// What a received text frame means to the load generator.
#[derive(Debug, PartialEq)]
pub enum Received {
    Subscribed,
    /// A provider fix, with its device time.
    ProviderFix(i64),
    /// An `ack` of chat message `n` (its `re` is `c<n>`).
    ChatAck(u64),
    /// A `chat` event carrying message `n` (`client_msg_id` `m<n>`).
    Chat(u64),
    /// Chat message `n` refused for now (`unavailable`, e.g. while its
    /// booking's owner node is down): the app sends it again.
    ChatRefused(u64),
    Error(String),
    Other,
}

pub fn classify(text: &str) -> Received {
    let Ok(frame) = serde_json::from_str::<Frame<'_>>(text) else {
        return Received::Error(format!("unparsable frame: {}", truncate(text, 120)));
    };
    match frame.kind.as_ref() {
        "subscribed" => Received::Subscribed,
        "location" if frame.role.as_deref() == Some("provider") => {
            match frame.at.as_deref().and_then(parse_at) {
                Some(ms) => Received::ProviderFix(ms),
                None => Received::Error(format!(
                    "location without a valid `at`: {}",
                    truncate(text, 120)
                )),
            }
        }
        "ack" => match frame.re.as_deref().and_then(|r| r.strip_prefix('c')) {
            Some(n) => n.parse().map_or(Received::Other, Received::ChatAck),
            None => Received::Other,
        },
        "chat" => {
            let n = frame
                .message
                .as_ref()
                .and_then(|m| m.get("client_msg_id"))
                .and_then(|id| id.as_str())
                .and_then(|id| id.strip_prefix('m'))
                .and_then(|n| n.parse().ok());
            match n {
                Some(n) => Received::Chat(n),
                None => Received::Error(format!("chat without a load id: {}", truncate(text, 120))),
            }
        }
        "error"
            if frame.code.as_deref() == Some("unavailable")
                && frame.re.as_deref().is_some_and(|r| r.starts_with('c')) =>
        {
            match frame.re.as_deref().and_then(|r| r[1..].parse().ok()) {
                Some(n) => Received::ChatRefused(n),
                None => Received::Other,
            }
        }
        "error" => Received::Error(format!(
            "{}: {}",
            frame.code.as_deref().unwrap_or("?"),
            frame
                .message
                .as_ref()
                .and_then(|m| m.as_str())
                .unwrap_or_default()
        )),
        _ => Received::Other,
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Device times of one provider, strictly increasing (two fixes never share
/// a millisecond, so the device time identifies a fix).
#[derive(Debug, Default)]
pub struct DeviceClock {
    last_ms: i64,
}

impl DeviceClock {
    pub fn next(&mut self, now_ms: i64) -> i64 {
        let at = now_ms.max(self.last_ms + 1);
        self.last_ms = at;
        at
    }
}

/// Fixes a provider sent that its customer has not received yet, oldest first.
#[derive(Debug, Default)]
pub struct Pending {
    sent: VecDeque<(i64, Instant)>,
}

/// What receiving a fix resolved.
#[derive(Debug, PartialEq)]
pub struct Matched {
    /// Send-to-receive time of the fix received.
    pub latency: Duration,
    /// Older fixes that will never arrive (the server delivers a session's
    /// fixes in order, so anything sent before the one received was dropped).
    pub superseded: u64,
}

impl Pending {
    pub fn sent(&mut self, at_ms: i64, when: Instant) {
        self.sent.push_back((at_ms, when));
    }

    /// The customer received the fix with device time `at_ms` at `now`.
    /// `None` if it was not pending (a duplicate, or not ours).
    pub fn received(&mut self, at_ms: i64, now: Instant) -> Option<Matched> {
        let pos = self.sent.iter().position(|(at, _)| *at == at_ms)?;
        let superseded = pos as u64;
        self.sent.drain(..pos);
        let (_, when) = self.sent.pop_front()?;
        Some(Matched {
            latency: now.saturating_duration_since(when),
            superseded,
        })
    }

    pub fn len(&self) -> usize {
        self.sent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }
}

/// A latency histogram in microseconds (1 µs .. 1 h, 3 significant digits).
pub fn latency_histogram() -> Result<Histogram<u64>, hdrhistogram::CreationError> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3)
}

pub fn record(h: &mut Histogram<u64>, latency: Duration) {
    let us = u64::try_from(latency.as_micros())
        .unwrap_or(u64::MAX)
        .max(1);
    h.saturating_record(us);
}

/// p50 / p90 / p99 / max in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Percentiles {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
        }
    }
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms (n={})",
            self.p50, self.p90, self.p99, self.max, self.count
        )
    }
}

/// `VmRSS` of `/proc/<pid>/status` text, in KiB.
pub fn parse_vm_rss_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// utime + stime of `/proc/<pid>/stat` text, in clock ticks.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(0) ppid(1) ... utime(11) stime(12).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// (busy, total) clock ticks of all CPUs, from the first line of `/proc/stat`.
pub fn parse_machine_ticks(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal ...
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

/// CPU time used by the whole machine (all processes, all cores) so far.
pub fn machine_busy() -> Option<Duration> {
    let (busy, _) = parse_machine_ticks(&std::fs::read_to_string("/proc/stat").ok()?)?;
    Some(Duration::from_millis(busy * 10))
}

/// Reads the RSS (KiB) of `pid` ("self" for this process).
pub fn rss_kib(pid: &str) -> Option<u64> {
    parse_vm_rss_kib(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Reads the CPU time of `pid` ("self" for this process).
pub fn cpu_time(pid: &str) -> Option<Duration> {
    let ticks = parse_cpu_ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    // USER_HZ is 100 on every Linux architecture we run on.
    Some(Duration::from_millis(ticks * 10))
}

/// Percentage of one core used over `wall`.
pub fn cpu_percent(cpu: Duration, wall: Duration) -> f64 {
    if wall.is_zero() {
        0.0
    } else {
        100.0 * cpu.as_secs_f64() / wall.as_secs_f64()
    }
}

pub fn loss_percent(sent: u64, received: u64) -> f64 {
    if sent == 0 {
        0.0
    } else {
        100.0 * sent.saturating_sub(received) as f64 / sent as f64
    }
}

/// RSS growth per connection in KiB.
pub fn per_connection_kib(before_kib: u64, after_kib: u64, connections: u64) -> Option<f64> {
    (connections > 0).then(|| after_kib.saturating_sub(before_kib) as f64 / connections as f64)
}

pub fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "-".to_owned(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            ws_url("http://127.0.0.1:8080").unwrap(),
            "ws://127.0.0.1:8080/ws"
        );
        assert_eq!(ws_url("http://h:1/").unwrap(), "ws://h:1/ws");
        assert_eq!(ws_url("ws://h:1/ws").unwrap(), "ws://h:1/ws");
        assert!(ws_url("https://api.example.com").is_err());
    }

    #[test]
    fn device_times_round_trip_with_millis() {
        let at = format_at(1_795_000_000_123);
        assert!(at.ends_with(".123Z"), "{at}");
        assert_eq!(parse_at(&at), Some(1_795_000_000_123));
        // Other offsets mean the same instant.
        assert_eq!(
            parse_at("2026-11-21T12:00:00.250+02:00"),
            parse_at("2026-11-21T10:00:00.250Z")
        );
        let mut clock = DeviceClock::default();
        assert_eq!(clock.next(10), 10);
        assert_eq!(clock.next(10), 11);
        assert_eq!(clock.next(5), 12);
        assert_eq!(clock.next(100), 100);
    }

    #[test]
    fn frames_are_json_the_server_accepts() {
        let f: serde_json::Value =
            serde_json::from_str(&location_frame("b1", -26.1, 28.05, 1_795_000_000_000)).unwrap();
        assert_eq!(f["type"], "location");
        assert_eq!(f["booking_id"], "b1");
        assert_eq!(f["accuracy_m"], 5);
        assert_eq!(f["at"], "2026-11-18T11:06:40.000Z");
        let s: serde_json::Value = serde_json::from_str(&subscribe_frame("b1")).unwrap();
        assert_eq!(s["type"], "subscribe");
        let (lat, lng) = fix_position(7, 3);
        assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng));
    }

    #[test]
    fn classifies_server_frames() {
        assert_eq!(
            classify(
                r#"{"type":"subscribed","re":"s","booking_id":"b","status":"confirmed","seq":4,"last_locations":{"provider":null}}"#
            ),
            Received::Subscribed
        );
        assert_eq!(
            classify(
                r#"{"type":"location","booking_id":"b","seq":5,"role":"provider","lat":1.0,"lng":2.0,"accuracy_m":5,"at":"2026-11-18T11:06:40.007Z","distance_m":830.2}"#
            ),
            Received::ProviderFix(1_795_000_000_007)
        );
        assert_eq!(
            classify(
                r#"{"type":"location","booking_id":"b","seq":5,"role":"customer","lat":1.0,"lng":2.0,"at":"2026-11-18T11:06:40.007Z"}"#
            ),
            Received::Other
        );
        assert_eq!(
            classify(
                r#"{"type":"proximity","booking_id":"b","seq":5,"distance_m":1.0,"within":false}"#
            ),
            Received::Other
        );
        assert_eq!(
            classify(
                r#"{"type":"error","re":"s","code":"not_a_participant","message":"no \"way\""}"#
            ),
            Received::Error("not_a_participant: no \"way\"".into())
        );
        assert_eq!(
            classify(r#"{"type":"ack","re":"c41","message":{"id":"x","client_msg_id":"m41"}}"#),
            Received::ChatAck(41)
        );
        assert_eq!(classify(r#"{"type":"ack","re":"s"}"#), Received::Other);
        assert_eq!(
            classify(
                r#"{"type":"chat","booking_id":"b","seq":9,"message":{"id":"x","from":"u","text":"t","client_msg_id":"m7","sent_at":"2026-11-18T11:06:40Z"}}"#
            ),
            Received::Chat(7)
        );
        assert!(matches!(
            classify(
                r#"{"type":"chat","booking_id":"b","seq":9,"message":{"client_msg_id":"other"}}"#
            ),
            Received::Error(_)
        ));
        assert_eq!(
            chat_frame("b", 3),
            r#"{"type":"chat","id":"c3","booking_id":"b","text":"load message 3","client_msg_id":"m3"}"#
        );
        assert!(matches!(classify("nope"), Received::Error(_)));
        assert_eq!(
            classify(r#"{"type":"error","re":"c7","code":"unavailable","message":"try again"}"#),
            Received::ChatRefused(7)
        );
        assert!(matches!(
            classify(r#"{"type":"error","re":"c7","code":"not_a_participant","message":"no"}"#),
            Received::Error(_)
        ));
        assert_eq!(
            seq_of(r#"{"type":"chat","booking_id":"b","seq":9}"#),
            Some(9)
        );
        assert_eq!(seq_of(r#"{"type":"ack","re":"c1"}"#), None);
        let r: serde_json::Value = serde_json::from_str(&resubscribe_frame("b", 12)).unwrap();
        assert_eq!(
            (r["since_seq"].as_i64(), r["booking_id"].as_str()),
            (Some(12), Some("b"))
        );
    }

    #[test]
    fn pending_fixes_match_in_order_and_count_the_dropped() {
        let t0 = Instant::now();
        let mut p = Pending::default();
        for i in 0..4 {
            p.sent(100 + i, t0 + Duration::from_millis(i as u64 * 500));
        }
        let m = p.received(100, t0 + Duration::from_micros(1_500)).unwrap();
        assert_eq!(m.latency, Duration::from_micros(1_500));
        assert_eq!(m.superseded, 0);
        // 101 was dropped by the server (latest wins): 102 resolves it.
        let m = p.received(102, t0 + Duration::from_millis(1_002)).unwrap();
        assert_eq!((m.latency, m.superseded), (Duration::from_millis(2), 1));
        assert_eq!(p.received(102, t0), None, "a duplicate is not pending");
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn percentiles_in_milliseconds() {
        let mut h = latency_histogram().unwrap();
        for us in 1..=1000u64 {
            record(&mut h, Duration::from_micros(us * 10));
        }
        let p = Percentiles::of(&h);
        assert_eq!(p.count, 1000);
        assert!((p.p50 - 5.0).abs() < 0.01, "{p}");
        assert!((p.p99 - 9.9).abs() < 0.01, "{p}");
        assert!((p.max - 10.0).abs() < 0.01, "{p}");
        assert_eq!(Percentiles::of(&latency_histogram().unwrap()).count, 0);
    }

    #[test]
    fn proc_readings() {
        let status = "Name:\tonsite\nVmPeak:\t  9000 kB\nVmRSS:\t   45120 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss_kib(status), Some(45_120));
        let stat = "4242 (onsite (w) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
        let stat = "cpu  100 5 50 800 20 1 2 0 0 0\ncpu0 50 2 25 400 10 0 1 0 0 0\n";
        assert_eq!(parse_machine_ticks(stat), Some((158, 978)));
        assert!(machine_busy().is_some());
        assert!(rss_kib("self").unwrap() > 0);
        assert!(cpu_time("self").is_some());
        assert_eq!(per_connection_kib(1000, 3000, 200), Some(10.0));
        assert_eq!(per_connection_kib(1000, 3000, 0), None);
        assert!((loss_percent(200, 199) - 0.5).abs() < 1e-9);
        assert!(
            (cpu_percent(Duration::from_millis(500), Duration::from_secs(1)) - 50.0).abs() < 1e-9
        );
    }
}

//! Kill -9 in the middle of a live session: nothing acked is lost, nothing is
//! doubled, and the session resumes from the journal after a restart.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_with, TestApp};
use crate::market::market;
use crate::wsclient::{now_minus, Ws};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real binary as a child process on `app`'s data directory and database.
async fn start(app: &TestApp) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_onsite"))
        .env_clear()
        .env("ONSITE_DATA_DIR", &app.data_dir)
        .env("ONSITE_DATABASE_URL", &app.state.config.db.url)
        .env("ONSITE_BIND", format!("127.0.0.1:{port}"))
        .env("ONSITE_LOG", "warn")
        .env("ONSITE_PROXIMITY_RADIUS_M", "5")
        .env("ONSITE_PROXIMITY_DWELL_S", "2")
        .env("ONSITE_PROXIMITY_STALE_S", "120")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if let Ok(res) = reqwest::get(format!("{base}/health/ready")).await {
            if res.status().is_success() {
                return Server { child, base };
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

async fn ws(server: &Server, token: &str) -> Ws {
    let url = format!("{}/ws?token={token}", server.base.replacen("http", "ws", 1));
    let (stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    Ws { stream }
}

fn fix(id: &str, lat: f64, secs_ago: f64) -> Value {
    json!({"type": "location", "booking_id": id, "lat": lat, "lng": 28.0473, "accuracy_m": 1, "at": now_minus(secs_ago)})
}

#[actix_web::test]
async fn sigkill_loses_no_acked_chat_or_event_and_the_session_resumes() {
    // The in-process server only prepares the data (a confirmed booking).
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    m.act(&app, &m.provider, &id, "accept", json!({})).await;

    let first = start(&app).await;
    let mut customer = ws(&first, &m.customer).await;
    let mut provider = ws(&first, &m.provider).await;
    customer.subscribe(&id, Some(0)).await;
    provider.subscribe(&id, None).await;
    let mut seen = Vec::new();
    // En route, then inside the radius (journaled), then chat both ways.
    provider.send(fix(&id, -26.2100, 0.5)).await;
    customer
        .until(&mut seen, |f| {
            f["type"] == "booking" && f["status"] == "en_route"
        })
        .await;
    provider.send(fix(&id, -26.20411, 0.0)).await;
    customer
        .until(&mut seen, |f| {
            f["type"] == "proximity" && f["within"] == true && f.get("at").is_some()
        })
        .await;
    let mut acked = Vec::new();
    for (i, who) in ["c", "p", "c", "p"].iter().enumerate() {
        let sock = if *who == "c" {
            &mut customer
        } else {
            &mut provider
        };
        let frame = json!({"type": "chat", "id": format!("x{i}"), "booking_id": id, "text": format!("message {i}"), "client_msg_id": format!("{who}-{i}")});
        sock.send(frame).await;
        let mut other = Vec::new();
        let ack = sock.until(&mut other, |f| f["type"] == "ack").await;
        acked.push(ack["message"]["id"].as_str().unwrap().to_owned());
    }
    let last_seen = customer
        .until(&mut seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "message 3"
        })
        .await;
    let since = last_seen["seq"].as_i64().unwrap() - 2;

    // kill -9, and a new process on the same database.
    let mut first = first;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    assert_eq!(
        customer.closed().await,
        0,
        "the socket died with the process"
    );
    let second = start(&app).await;

    // Reconnect with since_seq: the missed tail is replayed, then live events.
    let mut customer = ws(&second, &m.customer).await;
    let snap = customer.subscribe(&id, Some(since)).await;
    assert_eq!(snap["status"], "en_route");
    assert_eq!(
        snap["proximity"]["within"], true,
        "proximity state continues from the journal"
    );
    let mut replay = Vec::new();
    let last = snap["seq"].as_i64().unwrap();
    customer
        .until(&mut replay, |f| {
            f["seq"] == last && f["type"] != "subscribed"
        })
        .await;
    let seqs: Vec<i64> = replay.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, ((since + 1)..=last).collect::<Vec<_>>());

    // The session resumes: the provider stays inside and arrives.
    let mut provider = ws(&second, &m.provider).await;
    provider.subscribe(&id, None).await;
    provider.send(fix(&id, -26.20411, 0.0)).await;
    let mut live = Vec::new();
    customer
        .until(&mut live, |f| {
            f["type"] == "booking" && f["status"] == "arrived"
        })
        .await;

    // Every acked message and every event is in the journal exactly once.
    let res = reqwest::Client::new()
        .get(format!("{}/v1/bookings/{id}/events", second.base))
        .bearer_auth(&m.customer)
        .send()
        .await
        .unwrap();
    let events: Value = res.json().await.unwrap();
    let items = events["items"].as_array().unwrap();
    let all: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        all,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "gap-free, no duplicates"
    );
    let stored: Vec<String> = items
        .iter()
        .filter(|e| e["type"] == "chat")
        .map(|e| e["message"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, acked);
    let statuses: Vec<&str> = items
        .iter()
        .filter(|e| e["type"] == "booking")
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "pending_payment",
            "requested",
            "confirmed",
            "en_route",
            "arrived"
        ]
    );
}

/// A child process killed when dropped (a failing assertion must not leave
/// a server running).
struct Drainer(Child);

impl Drainer {
    fn kill(&mut self) {
        let _ = self.0.kill(); // SIGKILL
        let _ = self.0.wait();
    }
}

impl Drop for Drainer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The binary on a data directory and database no other server uses, with
/// a short outbox lease so a row claimed by a killed worker returns quickly.
fn start_drainer(data_dir: &std::path::Path, db_url: &str) -> Drainer {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Command::new(env!("CARGO_BIN_EXE_onsite"))
        .env_clear()
        .env("ONSITE_DATA_DIR", data_dir)
        .env("ONSITE_DATABASE_URL", db_url)
        .env("ONSITE_BIND", format!("127.0.0.1:{port}"))
        .env("ONSITE_LOG", "warn")
        .env("ONSITE_OUTBOX_LEASE_S", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Drainer)
        .unwrap()
}

/// The outbox files (mail and push) by name, with when each was last written.
fn outbox_files(dir: &std::path::Path) -> std::collections::HashMap<String, std::time::SystemTime> {
    std::fs::read_dir(dir)
        .map(|d| {
            // A file renamed while the directory is read is seen at its next name.
            d.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    Some((name, e.metadata().ok()?.modified().ok()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn sigkill_mid_drain_loses_no_outbox_row_and_sends_none_twice() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::outbox::{self, OutboxRow};
    use onsite::db::schema::outbox::dsl as o;

    let dir = tempfile::tempdir().unwrap();
    let pg = match std::env::var("ONSITE_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(crate::helpers::PgDatabase::create(&url).await),
        _ => None,
    };
    let url = pg.as_ref().map_or_else(
        || format!("sqlite://{}", dir.path().join("onsite.db").display()),
        |pg| pg.url.clone(),
    );
    let env: std::collections::HashMap<&str, String> = [
        ("ONSITE_DATA_DIR", dir.path().display().to_string()),
        ("ONSITE_DATABASE_URL", url.clone()),
    ]
    .into_iter()
    .collect();
    let config = onsite::config::Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    onsite::db::migrate::run(&config).await.unwrap();
    let pool = onsite::db::DbPool::connect(&config).await.unwrap();

    // What committed transactions left behind: 600 mails and 200 pushes.
    const MAILS: usize = 600;
    const PUSHES: usize = 200;
    let mut ids = Vec::new();
    for i in 0..MAILS + PUSHES {
        let row = if i % 4 == 3 {
            OutboxRow::push(
                "u1",
                "d1",
                "tok",
                "Title",
                &format!("push {i}"),
                &json!({"n": i}),
            )
        } else {
            OutboxRow::mail(
                &format!("user{i}@example.com"),
                "Hello",
                &format!("mail {i}"),
            )
        };
        ids.push(row.id.clone());
        pool.run(async |c| outbox::insert(c, &row).await)
            .await
            .unwrap()
            .unwrap();
    }
    let pending = async || {
        pool.run(async |c| outbox::pending(c).await)
            .await
            .unwrap()
            .unwrap()
    };
    let sent_ids = async || -> Vec<String> {
        pool.run(async |c| {
            onsite::db_run!(c, |c| o::outbox
                .filter(o::sent_at.is_not_null())
                .select(o::id)
                .load::<String>(c)
                .await)
        })
        .await
        .unwrap()
        .unwrap()
    };

    // The server drains; it is killed once some (not all) of it is out.
    let out = dir.path().join("outbox");
    let mut first = start_drainer(dir.path(), &url);
    let mut waited = 0;
    while outbox_files(&out).len() < 50 {
        tokio::time::sleep(Duration::from_millis(2)).await;
        waited += 1;
        assert!(waited < 30_000, "the server never started draining");
    }
    first.kill();
    let before = outbox_files(&out);
    let sent_before = sent_ids().await;
    let left = pending().await;
    assert!(
        left > 0 && !sent_before.is_empty(),
        "killed mid-drain: {} sent, {left} left",
        sent_before.len()
    );

    // A restart finishes the rest.
    let mut second = start_drainer(dir.path(), &url);
    let mut waited = 0;
    while pending().await > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
        assert!(
            waited < 600,
            "the restarted server did not finish the outbox"
        );
    }
    second.kill();

    let after = outbox_files(&out);
    // Exactly one file per row: nothing lost, nothing doubled, no half file.
    let mut expected: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            if i % 4 == 3 {
                format!("push-{id}.json")
            } else {
                format!("{id}.eml")
            }
        })
        .collect();
    expected.sort();
    let mut names: Vec<String> = after.keys().cloned().collect();
    names.sort();
    assert_eq!(
        names.len(),
        MAILS + PUSHES,
        "no duplicate and no temporary file"
    );
    assert_eq!(names, expected);
    // What was marked sent before the kill was not sent again after it.
    for id in &sent_before {
        let name = if before.contains_key(&format!("{id}.eml")) {
            format!("{id}.eml")
        } else {
            format!("push-{id}.json")
        };
        assert_eq!(before.get(&name), after.get(&name), "{name} was sent again");
    }
    // Each mail names its row as its Message-ID (receivers can deduplicate).
    let sample = ids[0].clone();
    let text = std::fs::read_to_string(out.join(format!("{sample}.eml"))).unwrap();
    assert!(text.contains(&format!("Message-ID: <{sample}@")), "{text}");
}

#[actix_web::test]
async fn sigterm_tells_sockets_to_reconnect_with_1012_and_loses_nothing() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = crate::realtime::confirmed(&app, &m).await;

    let mut first = start(&app).await;
    let mut customer = ws(&first, &m.customer).await;
    let mut provider = ws(&first, &m.provider).await;
    customer.subscribe(&id, Some(0)).await;
    provider.subscribe(&id, None).await;
    provider.send(fix(&id, -26.2100, 0.5)).await;
    let mut seen = Vec::new();
    customer
        .until(&mut seen, |f| {
            f["type"] == "booking" && f["status"] == "en_route"
        })
        .await;
    customer
        .send(
            json!({"type": "chat", "id": "c1", "booking_id": id, "text": "see you soon",
                     "client_msg_id": "before-term"}),
        )
        .await;
    let ack = customer.until(&mut seen, |f| f["type"] == "ack").await;
    let acked = ack["message"]["id"].as_str().unwrap().to_owned();

    let pid = first.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    assert_eq!(customer.closed().await, 1012, "told to reconnect");
    assert_eq!(provider.closed().await, 1012);
    let started = std::time::Instant::now();
    let exit = loop {
        if let Some(exit) = first.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running after the grace period"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "a clean exit: {exit:?}");

    // Back on the same database: the acked message and the event are there once.
    let second = start(&app).await;
    let res = reqwest::Client::new()
        .get(format!("{}/v1/bookings/{id}/events", second.base))
        .bearer_auth(&m.customer)
        .send()
        .await
        .unwrap();
    let events: Value = res.json().await.unwrap();
    let items = events["items"].as_array().unwrap();
    let chats: Vec<&str> = items
        .iter()
        .filter(|e| e["type"] == "chat")
        .map(|e| e["message"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(chats, [acked.as_str()]);
    let en_route = items
        .iter()
        .filter(|e| e["type"] == "booking" && e["status"] == "en_route")
        .count();
    assert_eq!(en_route, 1);
    let mut customer = ws(&second, &m.customer).await;
    let snap = customer.subscribe(&id, None).await;
    assert_eq!(snap["status"], "en_route");
}

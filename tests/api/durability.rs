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

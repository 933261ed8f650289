//! Three `onsite` processes behind Debian's HAProxy, with the config
//! `benches/cluster.sh haproxy-config` writes: the whole job through the
//! balancer with the customer, the provider and an admin monitor each on a
//! different node, and the provider's node (the booking's owner) killed
//! with SIGKILL mid-session.
//!
//! Needs what the cluster tests need, and `haproxy` on the PATH (CI
//! installs it; without it the test says so and passes, unless
//! `ONSITE_TEST_REQUIRE_CLUSTER` is set).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cluster::{assert_gap_free, events, nodes, process_env, redis_url, Process, Remote};
use crate::helpers::TestApp;
use crate::market::{job_location, market, Market};
use crate::wsclient::{now_minus, Ws};

fn haproxy_installed() -> bool {
    let found = Command::new("haproxy")
        .arg("-v")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("ONSITE_TEST_REQUIRE_CLUSTER").is_none(),
            "the balancer test needs haproxy"
        );
        eprintln!("skipped: the balancer test needs haproxy");
    }
    found
}

/// HAProxy in front of `nodes`, named node1.. in their order.
struct Balancer {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Balancer {
    fn start(nodes: &[&Process]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let list: Vec<&str> = nodes
            .iter()
            .map(|p| p.base.trim_start_matches("http://"))
            .collect();
        let config = Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/cluster.sh"))
            .arg("haproxy-config")
            .env("ONSITE_NODES", list.join(" "))
            .env("ONSITE_LB_PORT", port.to_string())
            .output()
            .unwrap();
        assert!(config.status.success(), "{config:?}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("haproxy.cfg");
        std::fs::write(&file, config.stdout).unwrap();
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy starts");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    /// Until every node has answered through the balancer once.
    async fn serving(&self, n: usize) {
        let client = reqwest::Client::new();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("{}/health", self.base)).send().await {
                if let Some(by) = r.headers().get("x-served-by") {
                    seen.insert(by.to_str().unwrap().to_owned());
                }
            }
            if seen.len() == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the balancer serves only {seen:?}");
    }

    /// A websocket through the balancer that landed on `node` (round robin:
    /// sockets that land elsewhere are closed and opened again).
    async fn ws_on(&self, token: &str, node: &str) -> Ws {
        let url = format!("{}/ws?token={token}", self.base.replacen("http", "ws", 1));
        for _ in 0..30 {
            let (stream, res) = tokio_tungstenite::connect_async(&url).await.unwrap();
            let by = res
                .headers()
                .get("x-served-by")
                .map(|v| v.to_str().unwrap());
            if by == Some(node) {
                return Ws { stream };
            }
            drop(stream);
        }
        panic!("the balancer never sent a socket to {node}");
    }

    /// A websocket through the balancer, wherever it lands, retried while
    /// the balancer has not yet noticed a dead node; returns it and its node.
    async fn ws_any(&self, token: &str) -> (Ws, String) {
        let url = format!("{}/ws?token={token}", self.base.replacen("http", "ws", 1));
        for _ in 0..100 {
            if let Ok((stream, res)) = tokio_tungstenite::connect_async(&url).await {
                let by = res.headers()["x-served-by"].to_str().unwrap().to_owned();
                return (Ws { stream }, by);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no websocket through the balancer");
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The node holding the booking's lease.
async fn owner(a: &TestApp, id: &str) -> String {
    let name = onsite::journal::fence::booking_lease(id);
    a.state
        .db
        .run(async |c| onsite::db::leases::find(c, &name).await.unwrap())
        .await
        .unwrap()
        .expect("the booking has a lease")
        .node_id
}

/// `subscribe` until the server answers `subscribed` (while a booking
/// changes hands it may answer an error: the app tries again).
async fn subscribe(ws: &mut Ws, id: &str, since: i64, seen: &mut Vec<Value>) -> Value {
    for _ in 0..50 {
        ws.send(json!({"type": "subscribe", "id": "sub", "booking_id": id, "since_seq": since}))
            .await;
        let reply = ws
            .until(seen, |f| {
                f["type"] == "subscribed" || (f["type"] == "error" && f["re"] == "sub")
            })
            .await;
        if reply["type"] == "subscribed" {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("never subscribed");
}

/// Sends a chat message until it is acked (same `client_msg_id` each time).
async fn chat_acked(ws: &mut Ws, id: &str, key: &str, seen: &mut Vec<Value>) -> Value {
    for _ in 0..50 {
        ws.send(
            json!({"type": "chat", "id": key, "booking_id": id, "text": key, "client_msg_id": key}),
        )
        .await;
        let reply = ws
            .until(seen, |f| {
                (f["type"] == "ack" || f["type"] == "error") && f["re"] == key
            })
            .await;
        if reply["type"] == "ack" {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{key} never acked");
}

fn chats(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f["type"] == "chat")
        .map(|f| f["message"]["text"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn three_nodes_behind_haproxy_run_the_whole_job_and_survive_the_providers_node() {
    if !haproxy_installed() {
        return;
    }
    let Some(setup) = nodes(1, &[("ONSITE_LEASE_S", "2")]).await else {
        return;
    };
    let a = &setup[0];
    let redis = redis_url().unwrap();
    let mut procs: HashMap<String, Process> = HashMap::new();
    for k in 1..=3 {
        let name = format!("node{k}");
        let mut env = process_env(a, &redis, &name);
        env.insert("ONSITE_PROXIMITY_RADIUS_M", "5".into());
        env.insert("ONSITE_PROXIMITY_DWELL_S", "1".into());
        let p = Process::spawn(&env);
        p.ready().await;
        procs.insert(name, p);
    }
    let lb = Balancer::start(&[&procs["node1"], &procs["node2"], &procs["node3"]]);
    lb.serving(3).await;
    let http = Remote::at(&lb.base);
    let m: Market = market(a).await;

    // The provider has the app open somewhere; the customer books and pays
    // through the balancer and the request reaches the provider's socket.
    let (mut provider_app, _) = lb.ws_any(&m.provider).await;
    let (status, booking) = http
        .post(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "location": job_location(), "job_size": "small"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    let id = booking["id"].as_str().unwrap().to_owned();
    let (mut customer_app, _) = lb.ws_any(&m.customer).await;
    http.pay(&m, &id).await;
    let mut p_app = Vec::new();
    let requested = provider_app
        .until(&mut p_app, |f| f["type"] == "notification")
        .await;
    assert_eq!(requested["notification"]["kind"], "booking_requested");
    assert_eq!(http.act(&m.provider, &id, "accept").await, StatusCode::OK);
    let mut c_app = Vec::new();
    let accepted = customer_app
        .until(&mut c_app, |f| f["type"] == "notification")
        .await;
    assert_eq!(accepted["notification"]["kind"], "booking_accepted");

    // The provider streams from the owner's node; the customer and an admin
    // monitor watch from the two others.
    let owner_node = owner(a, &id).await;
    let mut others: Vec<String> = procs
        .keys()
        .filter(|k| **k != owner_node)
        .cloned()
        .collect();
    others.sort();
    let mut provider = lb.ws_on(&m.provider, &owner_node).await;
    let mut customer = lb.ws_on(&m.customer, &others[0]).await;
    let mut admin = lb.ws_on(&m.admin, &others[1]).await;
    admin
        .send(json!({"type": "monitor", "id": "m", "filter": {"booking_id": id}}))
        .await;
    let mut a_seen = Vec::new();
    admin.until(&mut a_seen, |f| f["type"] == "ack").await;
    let mut c_seen = Vec::new();
    let snap = subscribe(&mut customer, &id, 0, &mut c_seen).await;
    assert_eq!(snap["status"], "confirmed");
    let mut p_seen = Vec::new();
    subscribe(&mut provider, &id, 0, &mut p_seen).await;

    // Live location to the door: en route, then arrived by the system.
    for (lat, lng) in [
        (-26.2131, 28.0473),
        (-26.2081, 28.0473),
        (-26.20411, 28.0473),
    ] {
        let at = now_minus(0.0);
        provider
            .send(json!({"type": "location", "booking_id": id, "lat": lat, "lng": lng, "accuracy_m": 2, "at": at}))
            .await;
        let loc = customer
            .until(&mut c_seen, |f| f["type"] == "location")
            .await;
        assert_eq!(loc["at"], at.as_str());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    customer
        .until(&mut c_seen, |f| {
            f["type"] == "booking" && f["status"] == "arrived"
        })
        .await;
    let mut acked = Vec::new();
    for key in ["at the gate", "which door?"] {
        let ack = chat_acked(&mut provider, &id, key, &mut p_seen).await;
        acked.push(ack["message"]["text"].as_str().unwrap().to_owned());
    }
    customer
        .until(&mut c_seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "which door?"
        })
        .await;

    // A message in flight, then kill -9 of the provider's node (the owner).
    provider
        .send(json!({"type": "chat", "id": "lost?", "booking_id": id, "text": "coming in", "client_msg_id": "in-flight"}))
        .await;
    let killed = Instant::now();
    drop(provider);
    drop(procs.remove(&owner_node));

    // The provider's app reconnects through the balancer, resumes from the
    // last seq it saw and resends what was not acked.
    let last = p_seen
        .iter()
        .filter_map(|f| f["seq"].as_i64())
        .max()
        .unwrap_or(0);
    let (mut provider, landed) = lb.ws_any(&m.provider).await;
    assert_ne!(landed, owner_node);
    subscribe(&mut provider, &id, last, &mut p_seen).await;
    for _ in 0..50 {
        provider
            .send(json!({"type": "chat", "id": "again", "booking_id": id, "text": "coming in", "client_msg_id": "in-flight"}))
            .await;
        let reply = provider
            .until(&mut p_seen, |f| {
                (f["type"] == "ack" || f["type"] == "error") && f["re"] == "again"
            })
            .await;
        if reply["type"] == "ack" {
            acked.push(reply["message"]["text"].as_str().unwrap().to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(acked.len(), 3, "the resent message was acked");
    let back = killed.elapsed();
    eprintln!("the booking took commands again {back:?} after kill -9 of its owner");
    assert!(back < Duration::from_secs(15), "{back:?}");

    // Start and complete over HTTP through the balancer.
    for action in ["start", "complete"] {
        assert_eq!(http.act(&m.provider, &id, action).await, StatusCode::OK);
    }
    customer
        .until(&mut c_seen, |f| {
            f["type"] == "booking" && f["status"] == "completed"
        })
        .await;
    admin
        .until(&mut a_seen, |f| {
            f["type"] == "booking" && f["status"] == "completed"
        })
        .await;

    // Nothing lost, nothing twice: the customer's socket (it never
    // reconnected) saw every acked message once and in order, as stored.
    assert_eq!(chats(&c_seen), acked);
    let journal = events(a, &m, &id).await;
    assert_gap_free(&journal);
    let stored: Vec<String> = journal
        .iter()
        .filter(|e| e["type"] == "chat")
        .map(|e| e["message"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, acked);
    let statuses: Vec<&str> = journal
        .iter()
        .filter(|e| e["type"] == "booking")
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    for s in ["en_route", "arrived", "in_progress", "completed"] {
        assert_eq!(
            statuses.iter().filter(|x| **x == s).count(),
            1,
            "{s} once: {statuses:?}"
        );
    }
    // The admin on the third node saw the fixes and the chat.
    assert!(a_seen.iter().any(|f| f["type"] == "location"));
    assert_eq!(chats(&a_seen), acked);

    // Escrow released minus commission; the ledger balances.
    let summary = reqwest::Client::new()
        .get(format!("{}/v1/admin/ledger/summary", lb.base))
        .bearer_auth(&m.admin)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(summary["balanced"], true, "{summary}");
    assert_eq!(summary["escrow_held"], 0, "{summary}");
    // The request mail went out once, whichever node drained the outbox.
    let mails = a.wait_for_messages("pro@example.com", 1).await;
    assert_eq!(
        mails.iter().filter(|m| m.contains("New request")).count(),
        1,
        "{mails:?}"
    );
}

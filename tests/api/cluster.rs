//! Several nodes over a real Redis and a real PostgreSQL: every node with
//! `ONSITE_REDIS_URL` joins; a live booking has one owner (a lease in
//! PostgreSQL, fenced on every write); commands arriving elsewhere are
//! forwarded to it; frames reach subscribers on every node in `seq` order.
//!
//! These tests need `ONSITE_TEST_DATABASE_URL` (PostgreSQL) and
//! `ONSITE_TEST_REDIS_URL`; without them they say so and pass, unless
//! `ONSITE_TEST_REQUIRE_CLUSTER` is set (CI sets it).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_sharing, spawn_with, TestApp};
use crate::market::{market, Market};
use crate::wsclient::now_minus;

pub(crate) fn redis_url() -> Option<String> {
    let pg = std::env::var("ONSITE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let redis = std::env::var("ONSITE_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    match (pg, redis) {
        (Some(_), Some(redis)) => Some(redis),
        _ if std::env::var_os("ONSITE_TEST_REQUIRE_CLUSTER").is_some() => {
            panic!("cluster tests need ONSITE_TEST_DATABASE_URL and ONSITE_TEST_REDIS_URL")
        }
        _ => {
            eprintln!(
                "skipped: cluster tests need ONSITE_TEST_DATABASE_URL and ONSITE_TEST_REDIS_URL"
            );
            None
        }
    }
}

/// `n` in-process nodes on one fresh database and one Redis.
pub(crate) async fn nodes(n: usize, extra: &[(&str, &str)]) -> Option<Vec<TestApp>> {
    let redis = redis_url()?;
    let mut env: Vec<(&str, &str)> = vec![
        ("ONSITE_REDIS_URL", redis.as_str()),
        ("ONSITE_LEASE_S", "3"),
    ];
    env.extend_from_slice(extra);
    let first = spawn_with(&env).await;
    let mut all = vec![first];
    for _ in 1..n {
        let next = spawn_sharing(&all[0], &env).await;
        all.push(next);
    }
    // Every node has heard of every other.
    for _ in 0..100 {
        let heard = all
            .iter()
            .all(|a| a.state.cluster.as_ref().unwrap().peers().len() >= n - 1);
        if heard {
            return Some(all);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the nodes did not hear of each other");
}

fn owner_of(app: &TestApp, booking_id: &str) -> bool {
    app.state
        .cluster
        .as_ref()
        .unwrap()
        .fences
        .token(booking_id)
        .is_some()
}

pub(crate) async fn events(app: &TestApp, m: &Market, id: &str) -> Vec<Value> {
    app.get_auth(&format!("/v1/bookings/{id}/events?limit=200"), &m.customer)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

pub(crate) fn assert_gap_free(events: &[Value]) {
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "gap-free"
    );
}

#[actix_web::test]
async fn every_command_kind_is_forwarded_to_the_owner_and_answered_through_it() {
    let Some(n) = nodes(2, &[]).await else { return };
    let (a, b) = (&n[0], &n[1]);
    let m = market(a).await;
    let id = m.book(a, "small").await["id"].as_str().unwrap().to_owned();
    m.pay(a, &id, 0).await;
    assert!(
        owner_of(a, &id),
        "the node that took the payment owns the booking"
    );
    assert!(!owner_of(b, &id));

    // HTTP transition on B: forwarded, answered with the committed booking.
    let res = m.act(b, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "confirmed");
    assert!(
        !owner_of(b, &id),
        "B forwarded; it did not take the booking"
    );
    // A refusal comes back as the owner's refusal.
    let res = m.act(b, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    assert_eq!(res.error_code(), "invalid_transition");

    // The customer watches on A (the owner's node).
    let mut customer = a.ws(&m.customer).await;
    customer.subscribe(&id, Some(0)).await;

    // Chat over HTTP on B.
    let chat_token = b
        .get_auth(&format!("/v1/bookings/{id}"), &m.provider)
        .await
        .json()["chat_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = b
        .post_auth(
            &format!("/v1/bookings/{id}/chat?chat_token={chat_token}"),
            &m.provider,
            json!({"text": "On my way", "client_msg_id": "h-1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let mut seen = Vec::new();
    let got = customer.until(&mut seen, |f| f["type"] == "chat").await;
    assert_eq!(got["message"]["text"], "On my way");

    // Over a socket on B: chat (acked with the stored message), a fix
    // (relayed), a read receipt.
    let mut provider = b.ws(&m.provider).await;
    provider
        .send(json!({"type": "chat", "id": "c1", "booking_id": id, "text": "Blue van", "client_msg_id": "w-1"}))
        .await;
    let mut p_seen = Vec::new();
    let ack = provider.until(&mut p_seen, |f| f["type"] == "ack").await;
    assert_eq!(ack["re"], "c1");
    assert_eq!(ack["message"]["text"], "Blue van");
    provider
        .send(json!({"type": "location", "booking_id": id, "lat": -26.2, "lng": 28.04, "accuracy_m": 5, "at": now_minus(0.0)}))
        .await;
    let loc = customer.until(&mut seen, |f| f["type"] == "location").await;
    assert_eq!(loc["role"], "provider");
    let en_route = customer.until(&mut seen, |f| f["type"] == "booking").await;
    assert_eq!(en_route["status"], "en_route");
    provider
        .send(json!({"type": "read", "id": "r1", "booking_id": id, "up_to_seq": loc["seq"]}))
        .await;
    let ack = provider.until(&mut p_seen, |f| f["type"] == "ack").await;
    assert_eq!(ack["re"], "r1");
    // A refused fix (from the wrong party) comes back as an error frame.
    let mut admin_ws = b.ws(&m.admin).await;
    admin_ws
        .send(json!({"type": "location", "id": "bad", "booking_id": id, "lat": -26.2, "lng": 28.04, "at": now_minus(0.0)}))
        .await;
    let err = admin_ws.recv().await;
    assert_eq!(err["type"], "error", "{err}");
    assert_eq!(err["re"], "bad");
    assert_eq!(err["code"], "not_a_participant");

    // A fix over HTTP on B, and an admin's forced move on B.
    let res = b
        .post_auth(
            &format!("/v1/bookings/{id}/location"),
            &m.provider,
            json!({"lat": -26.2041, "lng": 28.0473, "accuracy_m": 3, "at": now_minus(0.0)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let res = b
        .post_auth(
            &format!("/v1/admin/bookings/{id}/force"),
            &m.admin,
            json!({"to": "arrived", "reason": "test: at the door"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "arrived");
    let arrived = customer
        .until(&mut seen, |f| {
            f["type"] == "booking" && f["status"] == "arrived"
        })
        .await;
    assert!(arrived["seq"].as_i64().unwrap() > en_route["seq"].as_i64().unwrap());

    let all = events(b, &m, &id).await;
    assert_gap_free(&all);
    let chats: Vec<&str> = all
        .iter()
        .filter(|e| e["type"] == "chat")
        .map(|e| e["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(chats, ["On my way", "Blue van"]);
}

/// A booking of `m`'s, booked, paid and accepted on `app`.
async fn confirmed(app: &TestApp, m: &Market) -> String {
    let id = m.book(app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.pay(app, &id, 0).await;
    let res = m.act(app, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    id
}

#[actix_web::test]
async fn subscribers_on_every_node_get_each_event_once_and_in_order() {
    let Some(n) = nodes(3, &[]).await else { return };
    let (a, b, c) = (&n[0], &n[1], &n[2]);
    let m = market(a).await;
    let id = confirmed(a, &m).await;

    // The customer on B and an admin monitor on C; the provider on A.
    let mut customer = b.ws(&m.customer).await;
    let snapshot = customer.subscribe(&id, Some(0)).await;
    assert_eq!(snapshot["status"], "confirmed");
    let mut admin = c.ws(&m.admin).await;
    admin.send(json!({"type": "monitor", "id": "m"})).await;
    assert_eq!(admin.recv().await["type"], "ack");
    tokio::time::sleep(Duration::from_millis(700)).await; // C listens to every booking now
    let mut provider = a.ws(&m.provider).await;
    provider.subscribe(&id, None).await;
    for i in 0..30 {
        provider
            .send(json!({"type": "chat", "id": format!("c{i}"), "booking_id": id, "text": format!("m{i}"), "client_msg_id": format!("k{i}")}))
            .await;
    }
    let mut seen = Vec::new();
    customer
        .until(&mut seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "m29"
        })
        .await;
    let seqs: Vec<i64> = seen
        .iter()
        .filter(|f| f.get("seq").is_some() && f["type"] != "subscribed" && f["type"] != "location")
        .map(|f| f["seq"].as_i64().unwrap())
        .collect();
    let mut sorted = seqs.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seqs, sorted, "in order, each once: {seqs:?}");
    assert_eq!(
        seqs,
        (1..=*seqs.last().unwrap()).collect::<Vec<_>>(),
        "from the start, with no gap"
    );
    let texts: Vec<String> = seen
        .iter()
        .filter(|f| f["type"] == "chat")
        .map(|f| f["message"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, (0..30).map(|i| format!("m{i}")).collect::<Vec<_>>());
    // The monitor on C saw them too.
    let mut monitored = Vec::new();
    admin
        .until(&mut monitored, |f| {
            f["type"] == "chat" && f["message"]["text"] == "m29"
        })
        .await;
    // A late subscriber on C resumes from a seq and gets exactly the rest.
    let half = seqs[seqs.len() / 2];
    let mut late = c.ws(&m.customer).await;
    let snap = late.subscribe(&id, Some(half)).await;
    let last = snap["seq"].as_i64().unwrap();
    let mut replayed = Vec::new();
    while replayed.last().is_none_or(|s| *s < last) {
        let f = late.recv().await;
        if f["type"] == "chat" || f["type"] == "booking" || f["type"] == "read" {
            replayed.push(f["seq"].as_i64().unwrap());
        }
    }
    assert_eq!(replayed, ((half + 1)..=last).collect::<Vec<_>>());
    // The admin's list of live sessions covers the cluster.
    let list = c.get_auth("/v1/admin/sessions", &m.admin).await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.json()["items"].as_array().unwrap().clone();
    assert!(
        items.iter().any(|s| s["booking_id"] == id.as_str()),
        "{items:?}"
    );
}

/// Sends the provider's `k`th fix (each at its own latitude); returns it.
async fn fix(provider: &mut crate::wsclient::Ws, id: &str, k: &mut u32) -> f64 {
    *k += 1;
    let lat = -26.2 + f64::from(*k) * 0.0001;
    provider
        .send(json!({"type": "location", "booking_id": id, "lat": lat, "lng": 28.04, "accuracy_m": 5, "at": now_minus(0.0)}))
        .await;
    lat
}

/// Until `ws` gets the location frame of the fix at `lat`.
async fn location_at(ws: &mut crate::wsclient::Ws, id: &str, lat: f64) {
    let mut seen = Vec::new();
    ws.until(&mut seen, |f| {
        f["type"] == "location"
            && f["booking_id"] == id
            && f["lat"].as_f64().is_some_and(|l| (l - lat).abs() < 1e-9)
    })
    .await;
}

/// Fixes until one reaches `ws` (a monitor hears of the first ones once
/// the owner heard it listens: within a round trip, not 60 s).
async fn fixes_reach(
    provider: &mut crate::wsclient::Ws,
    ws: &mut crate::wsclient::Ws,
    id: &str,
    k: &mut u32,
) {
    for _ in 0..8 {
        let lat = fix(provider, id, k).await;
        let wait = Duration::from_millis(400);
        if tokio::time::timeout(wait, location_at(ws, id, lat))
            .await
            .is_ok()
        {
            return;
        }
    }
    panic!("no fix reached the new listener");
}

/// Fixes until the owner keeps one home (its frames reached no other node).
async fn until_held_back(
    owner: &TestApp,
    provider: &mut crate::wsclient::Ws,
    id: &str,
    k: &mut u32,
) {
    let held = |app: &TestApp| app.state.cluster.as_ref().unwrap().quiet_stats().1;
    let before = held(owner);
    for _ in 0..15 {
        fix(provider, id, k).await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        if held(owner) > before {
            return;
        }
    }
    panic!("the owner published fixes nobody listened to");
}

#[actix_web::test]
async fn locations_nobody_listens_to_stay_home_until_a_node_listens() {
    let Some(n) = nodes(3, &[]).await else { return };
    let (a, b, c) = (&n[0], &n[1], &n[2]);
    let m = market(a).await;
    let id = confirmed(a, &m).await;
    let mut provider = a.ws(&m.provider).await;
    provider.subscribe(&id, None).await;
    assert!(owner_of(a, &id));
    let mut k = 0;
    until_held_back(a, &mut provider, &id, &mut k).await;

    // An admin starts monitoring on C: fixes reach it again.
    let mut admin = c.ws(&m.admin).await;
    admin.send(json!({"type": "monitor", "id": "m"})).await;
    assert_eq!(admin.recv().await["type"], "ack");
    fixes_reach(&mut provider, &mut admin, &id, &mut k).await;

    // Once the monitor is gone, fixes stay home again; a customer who
    // subscribes on B (the owner answers its snapshot) gets the very next.
    drop(admin);
    until_held_back(a, &mut provider, &id, &mut k).await;
    let mut customer = b.ws(&m.customer).await;
    customer.subscribe(&id, None).await;
    let lat = fix(&mut provider, &id, &mut k).await;
    location_at(&mut customer, &id, lat).await;
    let lat = fix(&mut provider, &id, &mut k).await;
    location_at(&mut customer, &id, lat).await;
}

#[actix_web::test]
async fn revocation_and_notifications_reach_sockets_on_every_node() {
    let Some(n) = nodes(2, &[]).await else { return };
    let (a, b) = (&n[0], &n[1]);
    let m = market(a).await;
    let id = m.book(a, "small").await["id"].as_str().unwrap().to_owned();
    // The provider's socket is on B; the booking is paid on A.
    let mut provider = b.ws(&m.provider).await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // A hears B's presence
    assert!(a.state.delivery.presence().is_online(&m.provider_id));
    m.pay(a, &id, 0).await;
    let note = provider.recv().await;
    assert_eq!(note["type"], "notification", "{note}");
    // Blocking the customer on A closes their socket on B with 4401.
    let mut customer = b.ws(&m.customer).await;
    let res = a
        .post_auth(
            &format!("/v1/admin/users/{}/block", m.customer_id),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(customer.closed().await, 4401);
    // The presence of a node's users goes with the node's socket.
    drop(provider);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!a.state.delivery.presence().is_online(&m.provider_id));
}

#[actix_web::test]
async fn a_node_that_lost_the_lease_cannot_commit() {
    let Some(n) = nodes(1, &[("ONSITE_FORWARD_TIMEOUT_S", "1")]).await else {
        return;
    };
    let a = &n[0];
    let m = market(a).await;
    let id = m.book(a, "small").await["id"].as_str().unwrap().to_owned();
    m.pay(a, &id, 0).await;
    assert!(owner_of(a, &id));
    // Another node takes the booking over (as after A stalled past its lease).
    let name = format!("booking:{id}");
    a.state
        .db
        .run(async |c| {
            let old = onsite::db::leases::find(c, &name).await.unwrap().unwrap();
            // Once A's own row has lapsed, its bookings are free to take.
            let node = onsite::db::leases::node_lease(&old.node_id);
            let alive = onsite::db::leases::find(c, &node).await.unwrap().unwrap();
            // While A's row runs, nobody else can.
            let refused =
                onsite::db::leases::claim_booking(c, &name, "node-elsewhere", alive.expires_at - 1)
                    .await
                    .unwrap();
            assert!(
                matches!(refused, onsite::db::leases::Claim::Taken { ref node_id, .. } if *node_id == old.node_id),
                "{refused:?}"
            );
            // The other node is alive (its own row runs for a minute).
            let now = chrono::Utc::now().timestamp_millis();
            onsite::db::leases::renew_node(c, "node-elsewhere", now, now + 60_000)
                .await
                .unwrap();
            let taken =
                onsite::db::leases::claim_booking(c, &name, "node-elsewhere", alive.expires_at + 1)
                    .await
                    .unwrap();
            assert!(matches!(taken, onsite::db::leases::Claim::Held(t) if t > old.token));
            taken
        })
        .await
        .unwrap();
    // A's session still runs, but the journal refuses its write: nothing changes.
    let res = m.act(a, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.text);
    let booking = a
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json();
    assert_eq!(booking["status"], "requested");
    assert!(!owner_of(a, &id), "A forgot the booking");
    let evs = events(a, &m, &id).await;
    assert!(evs.iter().all(|e| e["status"] != "confirmed"));
}

/// A real `onsite` process (so that it can be killed with SIGKILL).
pub(crate) struct Process {
    child: Child,
    pub(crate) base: String,
}

impl Process {
    pub(crate) fn spawn(env: &HashMap<&str, String>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_onsite"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("ONSITE_BIND", format!("127.0.0.1:{port}"))
            .env("ONSITE_LOG", "warn")
            .env("ONSITE_RATE_LIMITS", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("the onsite binary starts");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    pub(crate) async fn ready(&self) {
        for _ in 0..200 {
            if let Ok(r) = reqwest::get(format!("{}/health/ready", self.base)).await {
                if r.status().is_success() {
                    let v: Value = r.json().await.unwrap();
                    if v["cluster"]["redis"] == "ok" {
                        return;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the node did not become ready");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a node process needs to join `first`'s cluster.
pub(crate) fn process_env<'a>(
    first: &TestApp,
    redis: &str,
    node: &str,
) -> HashMap<&'a str, String> {
    HashMap::from([
        ("ONSITE_DATA_DIR", first.data_dir.display().to_string()),
        ("ONSITE_DATABASE_URL", first.state.config.db.url.clone()),
        ("ONSITE_REDIS_URL", redis.to_owned()),
        ("ONSITE_NODE_ID", node.to_owned()),
        ("ONSITE_LEASE_S", "2".to_owned()),
        ("ONSITE_FORWARD_TIMEOUT_S", "1".to_owned()),
        ("ONSITE_DB_POOL_SIZE", "4".to_owned()),
    ])
}

/// A test client for a node process.
pub(crate) struct Remote {
    base: String,
    client: reqwest::Client,
}

impl Remote {
    /// A client of whatever answers at `base` (a node or the balancer).
    pub(crate) fn at(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: reqwest::Client::new(),
        }
    }
}

fn as_app(_: &TestApp, p: &Process) -> Remote {
    Remote {
        base: p.base.clone(),
        client: reqwest::Client::new(),
    }
}

impl Remote {
    pub(crate) async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn pay(&self, m: &Market, id: &str) {
        let (status, intent) = self
            .post(
                "/v1/payments/intents",
                &m.customer,
                json!({"booking_id": id}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{intent}");
        let path = format!(
            "/v1/payments/intents/{}/confirm",
            intent["id"].as_str().unwrap()
        );
        let (status, body) = self
            .post(&path, &m.customer, json!({"payment_method": "sim_card_ok"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub(crate) async fn act(&self, token: &str, id: &str, action: &str) -> StatusCode {
        self.post(&format!("/v1/bookings/{id}/{action}"), token, json!({}))
            .await
            .0
    }

    async fn ws(&self, token: &str) -> crate::wsclient::Ws {
        let url = format!("{}/ws?token={token}", self.base.replacen("http", "ws", 1));
        let (stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        crate::wsclient::Ws { stream }
    }
}

#[actix_web::test]
async fn killing_the_owner_node_loses_nothing_acked() {
    // A lease long enough that the owner is known silent (after half a
    // lease) well before its lease lapses (after two thirds at the soonest).
    const LEASE_MS: u64 = 6000;
    let Some(n) = nodes(
        1,
        &[("ONSITE_LEASE_S", "6"), ("ONSITE_FORWARD_TIMEOUT_S", "1")],
    )
    .await
    else {
        return;
    };
    let a = &n[0];
    let redis = redis_url().unwrap();
    let mut env = process_env(a, &redis, "node-killed");
    env.insert("ONSITE_LEASE_S", "6".to_owned());
    let b = Process::spawn(&env);
    b.ready().await;
    // A has heard B's heartbeat (as of any node that has been up a while).
    for _ in 0..100 {
        if a.state.cluster.as_ref().unwrap().is_alive("node-killed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let bb = as_app(a, &b);
    let m = market(a).await;
    let id = m.book(a, "small").await["id"].as_str().unwrap().to_owned();
    // The provider's node (B) takes the booking: the payment and the accept go there.
    bb.pay(&m, &id).await;
    assert_eq!(bb.act(&m.provider, &id, "accept").await, StatusCode::OK);
    assert!(!owner_of(a, &id));
    // The customer watches on A; the provider chats on B.
    let mut customer = a.ws(&m.customer).await;
    customer.subscribe(&id, Some(0)).await;
    let mut provider = bb.ws(&m.provider).await;
    let mut acked = Vec::new();
    for i in 0..5 {
        let key = format!("before-{i}");
        provider
            .send(json!({"type": "chat", "id": key, "booking_id": id, "text": key, "client_msg_id": key}))
            .await;
        let mut seen = Vec::new();
        let ack = provider.until(&mut seen, |f| f["type"] == "ack").await;
        acked.push(ack["message"]["text"].as_str().unwrap().to_owned());
    }
    let mut c_seen = Vec::new();
    customer
        .until(&mut c_seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "before-4"
        })
        .await;

    // kill -9 the owner. The provider reconnects (through the balancer) to A.
    let killed_at = std::time::Instant::now();
    drop(provider);
    drop(b);
    let mut provider = a.ws(&m.provider).await;
    let mut resumed = false;
    // Refusals that said when to come back, and whether the first try after
    // waiting that long was taken.
    let mut hinted = 0;
    for i in 0..5 {
        let key = format!("after-{i}");
        // Until the lease lapses the owner is B, which does not answer: the
        // client resends with the same client_msg_id (never duplicated).
        let mut waited_out_hint = false;
        loop {
            provider
                .send(json!({"type": "chat", "id": key, "booking_id": id, "text": key, "client_msg_id": key}))
                .await;
            let reply = loop {
                let f = provider.recv().await;
                if f["type"] == "ack" || f["type"] == "error" {
                    break f;
                }
            };
            if reply["type"] == "ack" {
                acked.push(reply["message"]["text"].as_str().unwrap().to_owned());
                break;
            }
            assert_eq!(reply["code"], "unavailable", "{reply}");
            assert!(!waited_out_hint, "refused after waiting as told: {reply}");
            assert!(
                killed_at.elapsed() < Duration::from_secs(20),
                "no failover: {reply}"
            );
            let pause = match reply["retry_after_ms"].as_u64() {
                Some(ms) => {
                    // Once B is known silent, A says when B's lease lapses.
                    assert!(ms > 0 && ms <= LEASE_MS, "{reply}");
                    hinted += 1;
                    if hinted == 1 {
                        http_refusal_says_when(a, &m, &id).await;
                    }
                    waited_out_hint = true;
                    ms
                }
                None => 100,
            };
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        if !resumed {
            resumed = true;
            eprintln!(
                "commands accepted again {:?} after kill -9",
                killed_at.elapsed()
            );
        }
    }
    assert!(hinted > 0, "no refusal said when the lease lapses");
    assert!(owner_of(a, &id), "A took the booking over");
    // The customer's socket on A saw every acked message, each once, in order.
    customer
        .until(&mut c_seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "after-4"
        })
        .await;
    let texts: Vec<String> = c_seen
        .iter()
        .filter(|f| f["type"] == "chat")
        .map(|f| f["message"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, acked);
    let all = events(a, &m, &id).await;
    assert_gap_free(&all);
    let stored: Vec<String> = all
        .iter()
        .filter(|e| e["type"] == "chat")
        .map(|e| e["message"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, acked, "every acked message stored once");
    // Proximity continues on the new owner.
    provider
        .send(json!({"type": "location", "booking_id": id, "lat": -26.2041, "lng": 28.0473, "accuracy_m": 2, "at": now_minus(0.0)}))
        .await;
    let en_route = customer
        .until(&mut c_seen, |f| {
            f["type"] == "booking" && f["status"] == "en_route"
        })
        .await;
    assert!(en_route["seq"].as_i64().unwrap() > 0);
}

/// While a silent node's lease runs, an HTTP command for its booking is
/// refused with 503 `unavailable` and `Retry-After` (whole seconds, at most
/// the lease).
async fn http_refusal_says_when(a: &TestApp, m: &Market, id: &str) {
    let res = reqwest::Client::new()
        .post(format!("{}/v1/bookings/{id}/complete", a.base))
        .bearer_auth(&m.provider)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&wait), "Retry-After {wait}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
}

#[actix_web::test]
async fn a_redis_restart_mid_session_degrades_and_recovers_without_loss() {
    if redis_url().is_none() {
        return;
    }
    // A Redis of this test's own, to restart.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start_redis = || {
        Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed")
    };
    let mut redis = start_redis();
    let url = format!("redis://127.0.0.1:{port}/");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let a = spawn_with(&[("ONSITE_REDIS_URL", url.as_str()), ("ONSITE_LEASE_S", "30")]).await;
    let b = spawn_sharing(
        &a,
        &[("ONSITE_REDIS_URL", url.as_str()), ("ONSITE_LEASE_S", "30")],
    )
    .await;
    let m = market(&a).await;
    let id = m.book(&a, "small").await["id"].as_str().unwrap().to_owned();
    m.pay(&a, &id, 0).await;
    assert_eq!(
        m.act(&a, &m.provider, &id, "accept", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let mut customer = b.ws(&m.customer).await;
    customer.subscribe(&id, Some(0)).await;
    let mut provider = a.ws(&m.provider).await;
    provider
        .send(json!({"type": "chat", "id": "c0", "booking_id": id, "text": "one", "client_msg_id": "r-0"}))
        .await;
    let mut seen = Vec::new();
    customer
        .until(&mut seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "one"
        })
        .await;

    // Redis goes away: both nodes say so, neither crashes, the owner still
    // takes its own commands.
    redis.kill().unwrap();
    redis.wait().unwrap();
    let mut degraded = false;
    for _ in 0..50 {
        let h = b.get("/health/ready").await.json();
        if h["status"] == "degraded" && h["cluster"]["redis"] == "down" {
            degraded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(degraded, "readiness says the cluster link is down");
    provider
        .send(json!({"type": "chat", "id": "c1", "booking_id": id, "text": "two", "client_msg_id": "r-1"}))
        .await;
    let mut p_seen = Vec::new();
    let ack = provider
        .until(&mut p_seen, |f| f["type"] == "ack" && f["re"] == "c1")
        .await;
    assert_eq!(ack["message"]["text"], "two");

    // Redis is back: the nodes reconnect by themselves and the customer on
    // B gets what was committed meanwhile, then live events again.
    let _redis = KillOnDrop(start_redis());
    let mut back = false;
    for _ in 0..100 {
        let h = b.get("/health/ready").await.json();
        if h["status"] == "ok" && a.get("/health/ready").await.json()["status"] == "ok" {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the nodes reconnected to Redis");
    let two = customer
        .until(&mut seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "two"
        })
        .await;
    provider
        .send(json!({"type": "chat", "id": "c2", "booking_id": id, "text": "three", "client_msg_id": "r-2"}))
        .await;
    let three = customer
        .until(&mut seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "three"
        })
        .await;
    assert_eq!(
        three["seq"].as_i64().unwrap(),
        two["seq"].as_i64().unwrap() + 1
    );
    let texts: Vec<&str> = seen
        .iter()
        .filter(|f| f["type"] == "chat")
        .map(|f| f["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

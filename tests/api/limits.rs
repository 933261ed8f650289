//! Rate limits at the edge: per address (behind trusted proxies only, IPv6
//! by /64) and per account, 429 with `Retry-After` and `RateLimit-*`; a
//! websocket flood is closed with 1008 while its neighbours stream on.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_with, TestApp};
use crate::market::market;
use crate::realtime::confirmed;
use crate::wsclient::now_minus;

async fn login_from(app: &TestApp, ip: Option<&str>, identifier: &str) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/v1/auth/login"))
        .json(&json!({"identifier": identifier, "password": "wrong-password-1"}));
    if let Some(ip) = ip {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> Option<i64> {
    res.headers().get(name)?.to_str().ok()?.parse().ok()
}

#[actix_web::test]
async fn a_login_brute_force_from_one_address_gets_429_with_retry_after() {
    let app = spawn_with(&[
        ("ONSITE_RATE_LIMITS", "on"),
        ("ONSITE_RATE_LOGIN_IP", "5/60s"),
    ])
    .await;
    let mut remaining = Vec::new();
    for i in 0..5 {
        let res = login_from(&app, None, &format!("u{i}@example.com")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(header(&res, "ratelimit-limit"), Some(5));
        remaining.push(header(&res, "ratelimit-remaining").unwrap());
    }
    assert_eq!(remaining, [4, 3, 2, 1, 0]);
    // The sixth, and a forged X-Forwarded-For from an untrusted peer changes nothing.
    for forged in [None, Some("198.51.100.1")] {
        let res = login_from(&app, forged, "u9@example.com").await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait = header(&res, "retry-after").unwrap();
        assert!((1..=12).contains(&wait), "{wait}");
        assert_eq!(header(&res, "ratelimit-remaining"), Some(0));
        assert_eq!(header(&res, "ratelimit-limit"), Some(5));
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "rate_limited");
    }
    // Other routes are not counted against the login bucket.
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_and_accounts_are_limited_too() {
    let app = spawn_with(&[
        ("ONSITE_RATE_LIMITS", "on"),
        ("ONSITE_TRUSTED_PROXIES", "127.0.0.1/32"),
        ("ONSITE_RATE_LOGIN_IP", "2/60s"),
        ("ONSITE_RATE_LOGIN_ACCOUNT", "3/60s"),
    ])
    .await;
    let statuses = |a: &str, b: &str| {
        let app = &app;
        let (a, b) = (a.to_owned(), b.to_owned());
        async move {
            let mut out = Vec::new();
            for ip in [&a, &b, &a, &b, &a] {
                out.push(
                    login_from(app, Some(ip), &format!("{ip}@example.com"))
                        .await
                        .status()
                        .as_u16(),
                );
            }
            out
        }
    };
    // Two clients: two buckets.
    assert_eq!(
        statuses("203.0.113.1", "203.0.113.2").await,
        [401, 401, 401, 401, 429]
    );
    // One IPv6 subscriber's /64 is one client.
    assert_eq!(
        statuses("2001:db8:7:7::1", "2001:db8:7:7:ffff::2").await,
        [401, 401, 429, 429, 429]
    );
    // One account guessed at from many addresses.
    let mut codes = Vec::new();
    for i in 0..4 {
        let res = login_from(&app, Some(&format!("192.0.2.{i}")), "target@example.com").await;
        codes.push(res.status().as_u16());
    }
    assert_eq!(codes, [401, 401, 401, 429]);
}

#[actix_web::test]
async fn registrations_stop_at_their_limit_and_send_no_more_mail() {
    let app = spawn_with(&[
        ("ONSITE_RATE_LIMITS", "on"),
        ("ONSITE_RATE_REGISTER_IP", "3/1h"),
    ])
    .await;
    let register = |email: &str| {
        let app = &app;
        let body = json!({"email": email, "password": crate::helpers::PASSWORD,
                          "first_name": "T", "last_name": "H", "role": "customer"});
        async move { app.post("/v1/auth/register", body).await }
    };
    for i in 0..3 {
        let res = register(&format!("n{i}@example.com")).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    let res = register("fourth@example.com").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers.contains_key("retry-after"));
    app.settle_outbox().await;
    assert_eq!(app.messages_to("n2@example.com").await.len(), 1);
    assert!(app.messages_to("fourth@example.com").await.is_empty());
    let res = app
        .login("fourth@example.com", crate::helpers::PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "no account was made");
}

#[actix_web::test]
async fn a_customer_creating_bookings_too_fast_gets_429() {
    let app = spawn_with(&[
        ("ONSITE_RATE_LIMITS", "on"),
        ("ONSITE_RATE_BOOKINGS", "2/1h"),
    ])
    .await;
    let m = market(&app).await;
    for _ in 0..2 {
        m.book(&app, "small").await;
    }
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "location": crate::market::job_location(), "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text);
    assert_eq!(res.headers["ratelimit-limit"], "2");
    let mine = app.get_auth("/v1/bookings", &m.customer).await.json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn a_chat_flood_closes_that_socket_with_1008_and_the_neighbour_streams_on() {
    let app = spawn_with(&[
        ("ONSITE_RATE_LIMITS", "on"),
        ("ONSITE_RATE_WS_CHAT", "5/60s"),
    ])
    .await;
    let m = market(&app).await;
    let id = confirmed(&app, &m).await;
    let mut flooder = app.ws(&m.customer).await;
    let mut calm = app.ws(&m.customer).await;
    let mut provider = app.ws(&m.provider).await;
    for ws in [&mut flooder, &mut calm, &mut provider] {
        ws.subscribe(&id, None).await;
    }
    for i in 0..6 {
        flooder
            .send(
                json!({"type": "chat", "id": format!("c{i}"), "booking_id": id,
                         "text": format!("hello {i}"), "client_msg_id": format!("m{i}")}),
            )
            .await;
    }
    let mut seen = Vec::new();
    let refused = flooder.until(&mut seen, |f| f["type"] == "error").await;
    assert_eq!(refused["code"], "rate_limited");
    assert_eq!(refused["re"], "c5");
    let acks = seen.iter().filter(|f| f["type"] == "ack").count();
    assert_eq!(acks, 5, "{seen:?}");
    assert_eq!(flooder.closed().await, 1008);

    // The other socket of the same user, and the provider, go on.
    calm.send(
        json!({"type": "chat", "id": "ok", "booking_id": id, "text": "still here",
                     "client_msg_id": "calm-1"}),
    )
    .await;
    let mut seen = Vec::new();
    let ack = calm.until(&mut seen, |f| f["type"] == "ack").await;
    assert_eq!(ack["re"], "ok");
    for i in 0..3 {
        provider
            .send(
                json!({"type": "location", "booking_id": id, "lat": -26.2 + f64::from(i) * 0.001,
                         "lng": 28.04, "accuracy_m": 5.0, "at": now_minus(0.0)}),
            )
            .await;
    }
    let mut seen = Vec::new();
    calm.until(&mut seen, |f| f["type"] == "location").await;
    let mut seen = Vec::new();
    let chat = provider
        .until(&mut seen, |f| {
            f["type"] == "chat" && f["message"]["text"] == "still here"
        })
        .await;
    assert_eq!(chat["message"]["from"], m.customer_id.as_str());
}

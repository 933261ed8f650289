//! The realtime core over real websockets.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, token, TestApp};
use crate::market::{market, Market};
use crate::wsclient::now_minus;

/// A paid, accepted booking: `confirmed`, chat active.
pub async fn confirmed(app: &TestApp, m: &Market) -> String {
    let b = m.book(app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(app, &id, 0).await;
    let res = m.act(app, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK);
    id
}

fn journaled(frames: &[Value]) -> Vec<(i64, String)> {
    frames
        .iter()
        .filter(|f| {
            ["booking", "chat", "chat_state", "read"].contains(&f["type"].as_str().unwrap_or(""))
                || (f["type"] == "proximity" && f.get("at").is_some())
        })
        .map(|f| {
            (
                f["seq"].as_i64().unwrap(),
                f["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn the_spana_job_live_arrival_chat_start_complete() {
    let app = spawn_with(&[
        ("ONSITE_PROXIMITY_RADIUS_M", "5"),
        ("ONSITE_PROXIMITY_DWELL_S", "1"),
    ])
    .await;
    let m = market(&app).await;
    let id = confirmed(&app, &m).await;
    let mut customer = app.ws(&m.customer).await;
    let mut provider = app.ws(&m.provider).await;
    let mut admin = app.ws(&m.admin).await;
    admin
        .send(json!({"type": "monitor", "id": "m", "filter": {"booking_id": id}}))
        .await;
    assert_eq!(admin.recv().await["type"], "ack");
    let snap = customer.subscribe(&id, Some(0)).await;
    assert_eq!(snap["status"], "confirmed");
    assert_eq!(snap["chat_active"], true);
    assert_eq!(snap["participants"]["provider_id"], m.provider_id.as_str());
    let mut c_frames = Vec::new();
    // The replay since 0 brings the whole journal first.
    let last = snap["seq"].as_i64().unwrap();
    customer
        .until(&mut c_frames, |f| {
            f["seq"] == last && f["type"] != "subscribed"
        })
        .await;
    provider.subscribe(&id, None).await;

    // The provider drives towards the job: en route, shrinking distance, arrival.
    let path = [
        (-26.2131, 28.0473),
        (-26.2081, 28.0473),
        (-26.2045, 28.0473),
        (-26.20411, 28.0473),
    ];
    for (i, (lat, lng)) in path.iter().enumerate() {
        let at = now_minus(0.0);
        provider.send(json!({"type": "location", "lat": lat, "lng": lng, "accuracy_m": 2, "at": at, "booking_id": id})).await;
        let loc = customer
            .until(&mut c_frames, |f| f["type"] == "location")
            .await;
        assert_eq!(loc["at"], at.as_str(), "device time echoed exactly");
        assert_eq!(loc["role"], "provider");
        if i < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let arrived = customer
        .until(&mut c_frames, |f| {
            f["type"] == "booking" && f["status"] == "arrived"
        })
        .await;
    assert_eq!(arrived["by"], "system");
    // The first fix went out at once; the `en_route` it caused followed its
    // commit, before the arrival, with the seq before the arrival's.
    let en_route = c_frames
        .iter()
        .find(|f| f["type"] == "booking" && f["status"] == "en_route")
        .expect("en_route was announced");
    assert!(en_route["seq"].as_i64() < arrived["seq"].as_i64());
    let distances: Vec<f64> = c_frames
        .iter()
        .filter(|f| f["type"] == "location")
        .map(|f| f["distance_m"].as_f64().unwrap())
        .collect();
    assert!(
        distances.windows(2).all(|w| w[1] < w[0]),
        "shrinking: {distances:?}"
    );
    assert!(c_frames
        .iter()
        .any(|f| f["type"] == "proximity" && f["within"] == true));

    // Chat both ways; a resend with the same client_msg_id is not a second message.
    customer.send(json!({"type": "chat", "id": "c1", "booking_id": id, "text": "Gate code 1234", "client_msg_id": "cm-1"})).await;
    let ack = customer.until(&mut c_frames, |f| f["type"] == "ack").await;
    assert_eq!(ack["re"], "c1");
    let first_id = ack["message"]["id"].clone();
    customer.send(json!({"type": "chat", "id": "c2", "booking_id": id, "text": "Gate code 1234", "client_msg_id": "cm-1"})).await;
    let ack2 = customer.until(&mut c_frames, |f| f["type"] == "ack").await;
    assert_eq!(ack2["message"]["id"], first_id);
    let mut p_frames = Vec::new();
    let got = provider.until(&mut p_frames, |f| f["type"] == "chat").await;
    assert_eq!(got["message"]["text"], "Gate code 1234");
    provider.send(json!({"type": "chat", "id": "p1", "booking_id": id, "text": "At the gate", "client_msg_id": "pm-1"})).await;
    let reply = customer.until(&mut c_frames, |f| f["type"] == "chat").await;
    assert_eq!(reply["message"]["from"], m.provider_id.as_str());
    customer
        .send(json!({"type": "read", "id": "r1", "booking_id": id, "up_to_seq": reply["seq"]}))
        .await;
    customer.until(&mut c_frames, |f| f["type"] == "ack").await;

    // Start and complete over HTTP; the sockets see it and the chat ends.
    assert_eq!(
        m.act(&app, &m.provider, &id, "start", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        m.act(&app, &m.provider, &id, "complete", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    customer
        .until(&mut c_frames, |f| {
            f["type"] == "chat_state" && f["active"] == false
        })
        .await;
    customer.send(json!({"type": "chat", "id": "late", "booking_id": id, "text": "thanks", "client_msg_id": "cm-2"})).await;
    let err = customer
        .until(&mut c_frames, |f| f["type"] == "error")
        .await;
    assert_eq!(err["code"], "chat_inactive");

    // HTTP and websocket agree on every journaled seq.
    let events = app
        .get_auth(&format!("/v1/bookings/{id}/events"), &m.customer)
        .await
        .json();
    let http: Vec<(i64, String)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let ws = journaled(&c_frames);
    assert_eq!(ws, http, "websocket journal == HTTP journal");
    assert_eq!(
        http.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (1..=http.len() as i64).collect::<Vec<_>>()
    );
    let chats: Vec<&(i64, String)> = http.iter().filter(|(_, k)| k == "chat").collect();
    assert_eq!(chats.len(), 2, "the resend was not stored twice");

    // The admin monitor saw the session's events.
    let mut a_frames = Vec::new();
    admin
        .until(&mut a_frames, |f| {
            f["type"] == "booking" && f["status"] == "completed"
        })
        .await;
    assert!(a_frames.iter().any(|f| f["type"] == "location"));
    assert!(a_frames.iter().any(|f| f["type"] == "chat"));
    // The trail kept some fixes, not necessarily all.
    app.state
        .db
        .run(async |conn| {
            let trail = onsite::db::trail::of_booking(conn, &id).await.unwrap();
            assert!(!trail.is_empty() && trail.len() <= 4, "{}", trail.len());
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn strangers_garbage_and_bad_tokens_are_refused() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = confirmed(&app, &m).await;
    // No token, a bad token: 401 before any socket.
    let res = app.client.get(app.url("/ws")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(tokio_tungstenite::connect_async(app.ws_url("nope"))
        .await
        .is_err());

    let stranger = token(&app.user("eve@example.com", "customer").await);
    let mut eve = app.ws(&stranger).await;
    eve.send(json!({"type": "subscribe", "id": "s", "booking_id": id}))
        .await;
    let err = eve.recv().await;
    assert_eq!(
        (
            err["type"].as_str(),
            err["code"].as_str(),
            err["re"].as_str()
        ),
        (Some("error"), Some("not_a_participant"), Some("s"))
    );
    eve.send(json!({"type": "chat", "booking_id": id, "text": "hi", "client_msg_id": "x"}))
        .await;
    assert_eq!(eve.recv().await["code"], "not_a_participant");
    // A fix is not answered, but a refused one is, with its id.
    eve.send(json!({"type": "location", "id": "f", "booking_id": id,
        "lat": -26.2, "lng": 28.0, "at": "2026-11-21T10:00:00Z"}))
        .await;
    let err = eve.recv().await;
    assert_eq!(
        (err["code"].as_str(), err["re"].as_str()),
        (Some("not_a_participant"), Some("f"))
    );
    eve.send(json!({"type": "ping", "id": 7})).await;
    let pong = eve.recv().await;
    assert_eq!(
        (pong["type"].as_str(), pong["re"].as_str()),
        (Some("pong"), Some("7"))
    );

    let mut c = app.ws(&m.customer).await;
    c.send(json!({"type": "location", "booking_id": id, "lat": 123.0, "lng": 0.0, "at": now_minus(0.0)})).await;
    assert_eq!(c.recv().await["code"], "invalid_frame");
    c.send_raw(&format!(
        r#"{{"type":"ping","pad":"{}"}}"#,
        "x".repeat(17 * 1024)
    ))
    .await;
    assert_eq!(c.recv().await["code"], "invalid_frame");
    c.send(json!({"type": "ping"})).await;
    assert_eq!(
        c.recv().await["type"],
        "pong",
        "a valid frame resets the count"
    );
    for _ in 0..5 {
        c.send_raw("garbage").await;
    }
    for _ in 0..5 {
        assert_eq!(c.recv().await["code"], "invalid_frame");
    }
    assert_eq!(c.closed().await, 1008);
}

#[actix_web::test]
async fn replay_has_no_gap_and_no_duplicate_at_the_seam() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = confirmed(&app, &m).await;
    let base = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json()["chat_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Commit a stream of chat messages while a client subscribes with since_seq.
    let writer = {
        let client = app.client.clone();
        let url = app.url(&format!("/v1/bookings/{id}/chat?chat_token={base}"));
        let token = m.customer.clone();
        actix_web::rt::spawn(async move {
            for i in 0..40 {
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(
                        &json!({"text": format!("msg {i}"), "client_msg_id": format!("seam-{i}")}),
                    )
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::CREATED);
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let mut ws = app.ws(&m.provider).await;
    ws.subscribe(&id, Some(0)).await;
    writer.await.unwrap();
    let last = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json()["seq"]
        .as_i64()
        .unwrap();
    let mut frames = Vec::new();
    ws.until(&mut frames, |f| f["seq"] == last && f["type"] == "chat")
        .await;
    let seqs: Vec<i64> = journaled(&frames).iter().map(|(s, _)| *s).collect();
    assert_eq!(
        seqs,
        (1..=last).collect::<Vec<_>>(),
        "every event exactly once, in order"
    );
}

/// Long chat messages from the provider (over HTTP) until the booking's only
/// subscriber, a socket that stopped reading, is dropped; returns the chat
/// URL and the messages' `seq`s.
async fn flood_until_the_subscriber_is_dropped(
    app: &TestApp,
    m: &Market,
    id: &str,
) -> (String, Vec<i64>) {
    let token = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.provider)
        .await
        .json()["chat_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("/v1/bookings/{id}/chat?chat_token={token}");
    let long = "x".repeat(1500);
    let mut sent = Vec::new();
    for i in 0..2000 {
        let res = app
            .post_auth(
                &url,
                &m.provider,
                json!({"text": long, "client_msg_id": format!("flood-{i}")}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED);
        sent.push(res.json()["seq"].as_i64().unwrap());
        if i % 20 == 19 {
            let sessions = app.get_auth("/v1/admin/sessions", &m.admin).await.json();
            if sessions["items"][0]["subscribers"].as_i64().unwrap_or(0) == 0 {
                return (url, sent);
            }
        }
    }
    panic!("the slow subscriber was not dropped");
}

#[actix_web::test]
async fn a_slow_reader_is_closed_with_1013_and_recovers_with_since_seq() {
    let app = spawn_with(&[("ONSITE_WS_QUEUE", "8")]).await;
    let m = market(&app).await;
    let id = confirmed(&app, &m).await;
    // A client with a tiny receive window that stops reading.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let addr = app.base.trim_start_matches("http://").parse().unwrap();
    let tcp = socket.connect(addr).await.unwrap();
    let (mut slow, _) = tokio_tungstenite::client_async(
        app.ws_url(&m.customer),
        tokio_tungstenite::MaybeTlsStream::Plain(tcp),
    )
    .await
    .unwrap();
    use futures_util::{SinkExt, StreamExt};
    slow.send(tokio_tungstenite::tungstenite::Message::Text(
        json!({"type": "subscribe", "booking_id": id})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    flood_until_the_subscriber_is_dropped(&app, &m, &id).await;
    let mut code = 0;
    while let Some(Ok(msg)) = slow.next().await {
        if let tokio_tungstenite::tungstenite::Message::Close(Some(f)) = msg {
            code = u16::from(f.code);
            break;
        }
    }
    assert_eq!(code, 1013);
    // It reconnects and catches up from the journal (here: its last 100 events;
    // a replay of more than 1000 is refused in favour of GET /events).
    let last = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json()["seq"]
        .as_i64()
        .unwrap();
    let mut again = app.ws(&m.customer).await;
    if last > 1000 {
        again
            .send(json!({"type": "subscribe", "id": "all", "booking_id": id, "since_seq": 0}))
            .await;
        assert_eq!(again.recv().await["code"], "replay_too_long");
    }
    let snap = again.subscribe(&id, Some(last - 100)).await;
    assert_eq!(snap["seq"], last);
    let mut frames = Vec::new();
    again
        .until(&mut frames, |f| f["seq"] == last && f["type"] == "chat")
        .await;
    let seqs: Vec<i64> = journaled(&frames).iter().map(|(s, _)| *s).collect();
    assert_eq!(
        seqs,
        ((last - 99)..=last).collect::<Vec<_>>(),
        "the missed tail, once, in order"
    );
}

/// An admin monitors every live booking: a burst that closes a customer's
/// socket (queue of 8) must not close the admin's (a queue of its own size),
/// which then delivers every event of the burst, in order.
#[actix_web::test]
async fn an_admin_monitor_rides_out_a_burst_that_closes_a_slow_customer() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_with(&[("ONSITE_WS_QUEUE", "8")]).await;
    let m = market(&app).await;
    let id = confirmed(&app, &m).await;
    // Both with a tiny receive window; neither reads during the burst.
    let slow = |token: &str| {
        let url = app.ws_url(token);
        let addr: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
        async move {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.set_recv_buffer_size(2048).unwrap();
            let tcp = socket.connect(addr).await.unwrap();
            tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(tcp))
                .await
                .unwrap()
                .0
        }
    };
    let mut customer = slow(&m.customer).await;
    customer
        .send(Message::Text(
            json!({"type": "subscribe", "booking_id": id})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let mut admin = slow(&m.admin).await;
    admin
        .send(Message::Text(
            json!({"type": "monitor", "id": "m"}).to_string().into(),
        ))
        .await
        .unwrap();
    let ack = loop {
        match admin.next().await {
            Some(Ok(Message::Text(t))) => break serde_json::from_str::<Value>(&t).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("the monitor's socket ended: {other:?}"),
        }
    };
    assert_eq!(ack["type"], "ack");
    let (url, mut sent) = flood_until_the_subscriber_is_dropped(&app, &m, &id).await;
    // A few more after the customer's close, then the admin reads it all.
    for i in 0..5 {
        let res = app
            .post_auth(
                &url,
                &m.provider,
                json!({"text": "after", "client_msg_id": format!("after-{i}")}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED);
        sent.push(res.json()["seq"].as_i64().unwrap());
    }
    let last = *sent.last().unwrap();
    let mut seen = Vec::new();
    while seen.last() != Some(&last) {
        match tokio::time::timeout(std::time::Duration::from_secs(10), admin.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let f: Value = serde_json::from_str(&t).unwrap();
                if f["type"] == "chat" && f["booking_id"] == id.as_str() {
                    seen.push(f["seq"].as_i64().unwrap());
                }
            }
            Ok(Some(Ok(Message::Close(c)))) => panic!("the monitor was closed: {c:?}"),
            Ok(Some(Ok(_))) => {}
            other => panic!(
                "the monitor's socket ended after {} chats: {other:?}",
                seen.len()
            ),
        }
    }
    assert_eq!(seen, sent, "every chat of the burst, once, in order");
}

#[actix_web::test]
async fn logout_everywhere_closes_sockets_with_4401_but_expiry_does_not() {
    let app = spawn_with(&[("ONSITE_ACCESS_TOKEN_TTL_S", "1")]).await;
    let m = market(&app).await;
    let mut ws = app.ws(&m.customer).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    ws.send(json!({"type": "ping", "id": "after-expiry"})).await;
    assert_eq!(
        ws.recv().await["type"],
        "pong",
        "an expired token does not close the socket"
    );
    let fresh = app
        .login("cus@example.com", crate::helpers::PASSWORD)
        .await
        .json();
    let mut second = app.ws(&token(&fresh)).await;
    let res = app
        .post_auth("/v1/auth/logout-all", &token(&fresh), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(ws.closed().await, 4401);
    assert_eq!(second.closed().await, 4401);
}

#[actix_web::test]
async fn http_fallbacks_location_chat_contact_and_conversations() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    let path = format!("/v1/bookings/{id}/contact");
    assert_eq!(
        app.get_auth(&path, &m.customer).await.status,
        StatusCode::CONFLICT,
        "no contact before acceptance"
    );
    let accepted = m
        .act(&app, &m.provider, &id, "accept", json!({}))
        .await
        .json();
    let p_token = accepted["chat_token"].as_str().unwrap().to_owned();
    let c_token = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json()["chat_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.get_auth(&path, &m.customer).await.json()["user_id"],
        m.provider_id.as_str()
    );

    let loc = |lat: f64| json!({"lat": lat, "lng": 28.0473, "accuracy_m": 3, "at": now_minus(0.0)});
    let res = app
        .post_auth(
            &format!("/v1/bookings/{id}/location"),
            &m.provider,
            loc(-26.21),
        )
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    // Accepted and relayed at once; the `en_route` it causes commits behind it.
    let mut status = String::new();
    for _ in 0..100 {
        status = app
            .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
            .await
            .json()["status"]
            .as_str()
            .unwrap()
            .to_owned();
        if status == "en_route" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, "en_route");
    let res = app
        .post_auth(
            &format!("/v1/bookings/{id}/location"),
            &m.provider,
            json!({"lat": 91, "lng": 0, "at": now_minus(0.0)}),
        )
        .await;
    assert_eq!(res.json()["error"]["field"], "lat");

    let chat = format!("/v1/bookings/{id}/chat");
    let res = app
        .post_auth(
            &chat,
            &m.customer,
            json!({"text": "hello", "client_msg_id": "h1"}),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "a chat token is required"
    );
    let res = app
        .post_auth(
            &format!("{chat}?chat_token={p_token}"),
            &m.customer,
            json!({"text": "hello", "client_msg_id": "h1"}),
        )
        .await;
    assert_eq!(
        res.error_code(),
        "invalid_chat_token",
        "the other party's token is not yours"
    );
    let res = app
        .post_auth(
            &format!("{chat}?chat_token={c_token}"),
            &m.customer,
            json!({"text": "hello", "client_msg_id": "h1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let again = app
        .post_auth(
            &format!("{chat}?chat_token={c_token}"),
            &m.customer,
            json!({"text": "hello", "client_msg_id": "h1"}),
        )
        .await;
    assert_eq!(again.json()["id"], res.json()["id"]);
    let convs = app.get_auth("/v1/chats", &m.provider).await.json();
    assert_eq!(convs["items"][0]["unread_count"], 1);
    assert_eq!(convs["items"][0]["last_message"]["text"], "hello");
    let history = app
        .get_auth(&format!("{chat}?chat_token={p_token}"), &m.provider)
        .await
        .json();
    assert_eq!(history["items"].as_array().unwrap().len(), 1);

    m.act(&app, &m.customer, &id, "cancel", json!({"reason": "done"}))
        .await;
    let res = app
        .post_auth(
            &format!("{chat}?chat_token={c_token}"),
            &m.customer,
            json!({"text": "bye", "client_msg_id": "h2"}),
        )
        .await;
    assert_eq!(res.error_code(), "chat_inactive");
    let history = app
        .get_auth(&format!("{chat}?chat_token={c_token}"), &m.customer)
        .await
        .json();
    assert_eq!(
        history["items"].as_array().unwrap().len(),
        1,
        "history stays readable"
    );
    assert_eq!(
        app.get_auth(&path, &m.customer).await.status,
        StatusCode::CONFLICT
    );
}

#[actix_web::test]
async fn direct_chat_between_a_provider_and_the_admins() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let admin_me = app.get_auth("/v1/auth/me", &m.admin).await.json();
    let admin_id = admin_me["id"].as_str().unwrap().to_owned();
    let mut admin_ws = app.ws(&m.admin).await;
    let path = format!("/v1/chats/direct/{}", m.provider_id);
    // Admins answer; they do not open.
    let res = app
        .post_auth(
            &path,
            &m.admin,
            json!({"text": "hello?", "client_msg_id": "a0"}),
        )
        .await;
    assert_eq!(res.error_code(), "not_opened");
    let to_admin = format!("/v1/chats/direct/{admin_id}");
    let res = app
        .post_auth(
            &to_admin,
            &m.provider,
            json!({"text": "My payout is late", "client_msg_id": "p1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let again = app
        .post_auth(
            &to_admin,
            &m.provider,
            json!({"text": "My payout is late", "client_msg_id": "p1"}),
        )
        .await;
    assert_eq!(again.json()["id"], res.json()["id"], "resends are harmless");
    let live = admin_ws.recv().await;
    assert_eq!(live["type"], "direct_chat");
    assert_eq!(live["message"]["text"], "My payout is late");
    let res = app
        .post_auth(
            &path,
            &m.admin,
            json!({"text": "Looking into it", "client_msg_id": "a1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let history = app.get_auth(&to_admin, &m.provider).await.json();
    let texts: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["My payout is late", "Looking into it"]);
    // Customers cannot open a direct chat with admins.
    let res = app
        .post_auth(
            &to_admin,
            &m.customer,
            json!({"text": "hi", "client_msg_id": "c1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "direct_chat_not_allowed");
}

#[actix_web::test]
async fn blocking_or_deleting_an_account_closes_its_sockets_with_4401() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let mut customer = app.ws(&m.customer).await;
    let res = app
        .post_auth(
            &format!("/v1/admin/users/{}/block", m.customer_id),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "blocked");
    assert_eq!(customer.closed().await, 4401);
    let res = app.login("cus@example.com", crate::helpers::PASSWORD).await;
    assert_eq!(res.error_code(), "account_blocked");

    let other = app.user("leaving@example.com", "customer").await;
    let t = token(&other);
    let mut ws = app.ws(&t).await;
    let res = app
        .send(
            reqwest::Method::DELETE,
            "/v1/privacy/account",
            Some(&t),
            Some(json!({"password": "Wrong123x"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .send(
            reqwest::Method::DELETE,
            "/v1/privacy/account",
            Some(&t),
            Some(json!({"password": crate::helpers::PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(ws.closed().await, 4401);
    assert_eq!(
        app.login("leaving@example.com", crate::helpers::PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // The address is free again.
    app.register("leaving@example.com", "customer").await;
}

#[actix_web::test]
async fn a_providers_unnamed_fix_reaches_bookings_accepted_after_the_socket_opened() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let mut provider = app.ws(&m.provider).await;
    // No live booking yet: a fix without booking_id goes nowhere (and is not
    // refused).
    provider
        .send(json!({"type": "location", "lat": -26.21, "lng": 28.0473, "accuracy_m": 3, "at": now_minus(1.0)}))
        .await;
    provider.send(json!({"type": "ping", "id": "p"})).await;
    assert_eq!(provider.recv().await["type"], "pong");

    // Accepted while the socket is open: the next unnamed fix reaches both,
    // at once (the live bookings are known in memory, not read from the
    // database every so often).
    let first = confirmed(&app, &m).await;
    let second = confirmed(&app, &m).await;
    let mut customer = app.ws(&m.customer).await;
    customer.subscribe(&first, None).await;
    customer.subscribe(&second, None).await;
    provider
        .send(json!({"type": "location", "lat": -26.2101, "lng": 28.0473, "accuracy_m": 3, "at": now_minus(0.0)}))
        .await;
    let mut frames = Vec::new();
    let mut reached = std::collections::BTreeSet::new();
    while reached.len() < 2 {
        let loc = customer
            .until(&mut frames, |f| f["type"] == "location")
            .await;
        assert_eq!(loc["role"], "provider");
        reached.insert(loc["booking_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        reached,
        [first.clone(), second.clone()].into_iter().collect()
    );
}

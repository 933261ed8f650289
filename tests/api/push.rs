//! Mobile push: devices registered per user, a push to each of them for a
//! notification while the user has no socket open, through the outbox by
//! default and through FCM's HTTP v1 API (here its local stand-in) when
//! configured, with its errors handled as FCM documents them.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::fcm_standin;
use crate::helpers::{spawn_app, spawn_with, TestApp};
use crate::market::market;

/// The push files in the outbox, oldest first by name (ids are time-ordered).
fn pushes(app: &TestApp) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(app.outbox())
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        name.starts_with("push-") && name.ends_with(".json")
    });
    files.sort();
    files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

async fn register(app: &TestApp, who: &str, platform: &str, token: &str) -> crate::helpers::Resp {
    app.post_auth(
        "/v1/me/devices",
        who,
        json!({"platform": platform, "token": token}),
    )
    .await
}

/// A socket that the dispatcher has registered (a ping answered means the
/// connection is set up).
async fn open_app(app: &TestApp, token: &str) -> crate::wsclient::Ws {
    let mut ws = app.ws(token).await;
    ws.send(json!({"type": "ping", "id": "ready"})).await;
    let mut seen = Vec::new();
    ws.until(&mut seen, |f| f["type"] == "pong").await;
    ws
}

#[actix_web::test]
async fn devices_are_registered_once_per_token_listed_and_removed() {
    let app = spawn_app().await;
    let ann = crate::helpers::token(&app.user("ann@example.com", "customer").await);
    let bob = crate::helpers::token(&app.user("bob@example.com", "customer").await);

    // Only for a signed-in user.
    for (method, path) in [
        (Method::GET, "/v1/me/devices"),
        (Method::POST, "/v1/me/devices"),
        (
            Method::DELETE,
            "/v1/me/devices/00000000-0000-0000-0000-000000000000",
        ),
    ] {
        let body = (method == Method::POST).then(|| json!({"platform": "ios", "token": "t"}));
        let res = app.send(method.clone(), path, None, body).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(res.json()["error"]["code"], "missing_token", "{}", res.text);
    }
    let first = register(&app, &ann, "android", "tok-1").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = register(&app, &ann, "android", "tok-1").await;
    assert_eq!(
        again.json()["id"],
        first.json()["id"],
        "same token, same device"
    );
    assert_eq!(
        register(&app, &ann, "ios", "tok-2").await.status,
        StatusCode::CREATED
    );

    let list = app.get_auth("/v1/me/devices", &ann).await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items.iter().all(|d| d.get("token").is_none()),
        "tokens are never shown"
    );

    for bad in [
        json!({"platform": "symbian", "token": "x"}),
        json!({"platform": "web", "token": ""}),
        json!({"platform": "web", "token": "a b"}),
        json!({"platform": "web"}),
    ] {
        let res = app.post_auth("/v1/me/devices", &ann, bad.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.text);
    }

    // Bob signs in on Ann's old phone: the token is his now.
    let moved = register(&app, &bob, "android", "tok-1").await;
    assert_eq!(moved.json()["id"], first.json()["id"]);
    let ann_list = app.get_auth("/v1/me/devices", &ann).await.json();
    assert_eq!(ann_list["items"].as_array().unwrap().len(), 1);

    // Only the owner removes a device.
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/me/devices/{id}");
    let res = app.send(Method::DELETE, &path, Some(&ann), None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app.send(Method::DELETE, &path, Some(&bob), None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let bob_list = app.get_auth("/v1/me/devices", &bob).await.json();
    assert!(bob_list["items"].as_array().unwrap().is_empty());

    // Signing out everywhere stops push to every device.
    assert_eq!(
        register(&app, &ann, "ios", "tok-3").await.status,
        StatusCode::CREATED
    );
    let res = app
        .send(Method::POST, "/v1/auth/logout-all", Some(&ann), None)
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    let again = app.login("ann@example.com", crate::helpers::PASSWORD).await;
    let ann = crate::helpers::token(&again.json());
    let ann_list = app.get_auth("/v1/me/devices", &ann).await.json();
    assert!(
        ann_list["items"].as_array().unwrap().is_empty(),
        "{ann_list}"
    );
}

#[actix_web::test]
async fn a_user_with_the_app_closed_is_pushed_and_one_with_it_open_is_not() {
    let app = spawn_app().await;
    let m = market(&app).await;
    assert_eq!(
        register(&app, &m.provider, "android", "pro-phone")
            .await
            .status,
        StatusCode::CREATED
    );
    // The provider's app is closed: the paid request is pushed to the phone.
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    app.settle_outbox().await;
    let sent = pushes(&app);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let push = &sent[0];
    assert_eq!(push["token"], "pro-phone");
    assert!(
        push["title"].as_str().unwrap().starts_with("New request"),
        "{push}"
    );
    assert_eq!(push["data"]["kind"], "booking_requested");
    assert_eq!(push["data"]["booking_id"], id.as_str());
    assert_eq!(
        push["data"]["actions"]["accept"],
        format!("/v1/bookings/{id}/accept")
    );

    // With the app open the notification comes as a frame, not a push.
    let mut ws = open_app(&app, &m.provider).await;
    let res = m
        .act(
            &app,
            &m.customer,
            &id,
            "cancel",
            json!({"reason": "changed my mind"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let mut seen = Vec::new();
    let frame = ws.until(&mut seen, |f| f["type"] == "notification").await;
    assert_eq!(frame["notification"]["kind"], "booking_cancelled");
    app.settle_outbox().await;
    assert_eq!(pushes(&app).len(), 1, "no push while a socket is open");

    // A user can turn push off per kind.
    drop(ws);
    let presence = app.state.delivery.presence();
    for _ in 0..250 {
        if !presence.is_online(&m.provider_id) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!presence.is_online(&m.provider_id), "the socket closed");
    let res = app
        .put_auth(
            "/v1/me/notification-settings",
            &m.provider,
            json!({"booking_requested": {"push": false}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let setting = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "booking_requested")
        .unwrap()
        .clone();
    assert_eq!(setting["push"], false);
    let b2 = m.book(&app, "small").await;
    let b2 = b2["id"].as_str().unwrap().to_owned();
    m.pay(&app, &b2, 0).await;
    app.settle_outbox().await;
    assert_eq!(pushes(&app).len(), 1, "push turned off for requests");
    // ...and only for requests: the cancellation of it is still pushed.
    m.act(&app, &m.customer, &b2, "cancel", json!({"reason": "sorry"}))
        .await;
    app.settle_outbox().await;
    let sent = pushes(&app);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["data"]["kind"], "booking_cancelled");
}

#[actix_web::test]
async fn fcm_gets_signed_token_requests_and_messages_and_its_errors_are_handled() {
    let fcm = fcm_standin::start().await;
    let credentials = fcm.credentials.display().to_string();
    let app = spawn_with(&[
        ("ONSITE_FCM_PROJECT_ID", fcm_standin::PROJECT),
        ("ONSITE_FCM_CREDENTIALS", &credentials),
        ("ONSITE_FCM_ENDPOINT", &fcm.base),
    ])
    .await;
    let m = market(&app).await;
    for token in ["good-1", "gone-1", "flaky-1"] {
        assert_eq!(
            register(&app, &m.provider, "android", token).await.status,
            StatusCode::CREATED
        );
    }
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    app.settle_outbox().await;

    // Delivered, in FCM's message shape, with data as strings.
    let good = fcm.sent_to("good-1");
    assert_eq!(good.len(), 1, "{good:?}");
    assert!(good[0]["notification"]["title"]
        .as_str()
        .unwrap()
        .starts_with("New request"));
    assert_eq!(good[0]["data"]["kind"], "booking_requested");
    assert_eq!(good[0]["data"]["booking_id"], id.as_str());
    assert_eq!(good[0]["android"]["priority"], "high");
    assert_eq!(fcm.seen.lock().unwrap().tokens_issued, 1);

    // An unregistered token removes the device.
    assert_eq!(fcm.answers_to("gone-1"), [404]);
    let devices = app.get_auth("/v1/me/devices", &m.provider).await.json();
    assert_eq!(devices["items"].as_array().unwrap().len(), 2, "{devices}");

    // A 503 is retried after the backoff (5 s) and then delivered once.
    assert_eq!(fcm.answers_to("flaky-1"), [503]);
    let delivered = wait_for(|| fcm.sent_to("flaky-1").len() == 1).await;
    assert!(delivered, "the failed push is retried");
    assert_eq!(fcm.answers_to("flaky-1"), [503, 200]);

    // 429 with Retry-After, then an access token that stops working: both
    // recover by themselves (a fresh token is fetched once).
    assert_eq!(
        register(&app, &m.provider, "ios", "busy-1").await.status,
        StatusCode::CREATED
    );
    fcm.revoke_tokens();
    m.act(
        &app,
        &m.customer,
        &id,
        "cancel",
        json!({"reason": "no longer needed"}),
    )
    .await;
    let delivered = wait_for(|| fcm.sent_to("busy-1").len() == 1).await;
    assert!(delivered, "the throttled push is retried");
    // The first push after the revocation met the 401 and refreshed the token.
    assert_eq!(fcm.answers_to("good-1"), [200, 401, 200]);
    assert_eq!(fcm.answers_to("busy-1"), [429, 200]);
    assert_eq!(fcm.seen.lock().unwrap().tokens_issued, 2);
    assert!(fcm.sent_to("gone-1").is_empty());
}

#[actix_web::test]
async fn a_missing_or_broken_service_account_key_stops_the_start_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("key.json");
    std::fs::write(
        &broken,
        r#"{"client_email": "x", "private_key": "not a key"}"#,
    )
    .unwrap();
    for path in [dir.path().join("missing.json"), broken] {
        let path = path.display().to_string();
        let env: std::collections::HashMap<&str, &str> = [
            ("ONSITE_DATA_DIR", dir.path().to_str().unwrap()),
            ("ONSITE_BIND", "127.0.0.1:0"),
            ("ONSITE_FCM_PROJECT_ID", "p"),
            ("ONSITE_FCM_CREDENTIALS", path.as_str()),
        ]
        .into_iter()
        .collect();
        let config =
            onsite::config::Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        let err = onsite::startup::Application::build(config)
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("ONSITE_FCM_CREDENTIALS"), "{err}");
        assert!(
            !err.contains("not a key"),
            "the key's content is not echoed: {err}"
        );
    }
}

/// Polls `check` every 100 ms for up to 15 s.
async fn wait_for(check: impl Fn() -> bool) -> bool {
    for _ in 0..150 {
        if check() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

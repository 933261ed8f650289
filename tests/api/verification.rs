use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, token};

#[actix_web::test]
async fn email_is_verified_by_code() {
    let app = spawn_app().await;
    let reg = app.register("ann@example.com", "customer").await;
    let challenge = reg["email_verification"]["challenge_id"].as_str().unwrap();
    let code = app.last_code("ann@example.com").await;
    let res = app
        .post(
            "/v1/auth/email/verify",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let pair = app
        .login("ann@example.com", crate::helpers::PASSWORD)
        .await
        .json();
    assert_eq!(pair["user"]["email_verified"], true);
    let res = app
        .post(
            "/v1/auth/email/verify",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.error_code(), "challenge_used");
    let res = app
        .post_auth("/v1/auth/email/send-verification", &token(&pair), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn email_is_verified_by_link_token_once() {
    let app = spawn_app().await;
    app.register("ann@example.com", "customer").await;
    let link = app.last_token("ann@example.com").await;
    let res = app
        .post("/v1/auth/email/verify", json!({"token": link}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .post("/v1/auth/email/verify", json!({"token": link}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "invalid_token");
}

#[actix_web::test]
async fn resending_is_rate_limited_and_supersedes_the_old_code() {
    let app = spawn_app().await;
    let reg = app.register("ann@example.com", "customer").await;
    let pair = app
        .login("ann@example.com", crate::helpers::PASSWORD)
        .await
        .json();
    let res = app
        .post_auth("/v1/auth/email/send-verification", &token(&pair), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.error_code(), "rate_limited");
    let wait: i64 = res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(app.messages_to("ann@example.com").await.len(), 1);
    let _ = reg;
}

#[actix_web::test]
async fn five_wrong_email_codes_burn_the_challenge() {
    let app = spawn_app().await;
    let reg = app.register("ann@example.com", "customer").await;
    let challenge = reg["email_verification"]["challenge_id"].as_str().unwrap();
    let code = app.last_code("ann@example.com").await;
    let wrong = if code == "999999" { "888888" } else { "999999" };
    for _ in 0..5 {
        app.post(
            "/v1/auth/email/verify",
            json!({"challenge_id": challenge, "code": wrong}),
        )
        .await;
    }
    let res = app
        .post(
            "/v1/auth/email/verify",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.error_code(), "challenge_used");
}

#[actix_web::test]
async fn phone_is_verified_by_sms_code() {
    let app = spawn_app().await;
    let pair = app.user("ann@example.com", "customer").await;
    let t = token(&pair);
    let res = app
        .post_auth("/v1/auth/phone/send-otp", &t, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "no_phone");

    let res = app
        .send(
            reqwest::Method::PATCH,
            "/v1/me",
            Some(&t),
            Some(json!({"phone": "+27821234567"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .post_auth("/v1/auth/phone/send-otp", &t, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let challenge = res.json()["challenge_id"].as_str().unwrap().to_owned();
    let sms = app.messages_to("+27821234567").await;
    assert_eq!(sms.len(), 1, "one SMS in the outbox");
    let code = app.last_code("+27821234567").await;
    assert!(!res.text.contains(&code));

    // Another user cannot use it.
    let eve = app.user("eve@example.com", "customer").await;
    let res = app
        .post_auth(
            "/v1/auth/phone/verify",
            &token(&eve),
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    let res = app
        .post_auth(
            "/v1/auth/phone/verify",
            &t,
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let me = app.get_auth("/v1/auth/me", &t).await.json();
    assert_eq!(me["phone_verified"], true);

    // A new number waits for its own code; the verified one stays till then.
    let res = app
        .send(
            reqwest::Method::PATCH,
            "/v1/me",
            Some(&t),
            Some(json!({"phone": "+27827654321"})),
        )
        .await;
    let me = res.json();
    assert_eq!(me["phone_verified"], true);
    assert_eq!(me["pending_phone"], "+27827654321");
    assert_ne!(me["phone"], "+27827654321");
}

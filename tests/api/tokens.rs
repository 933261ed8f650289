use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{refresh, spawn_app, token};

fn claims_of(access: &str) -> Value {
    let payload = access.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[actix_web::test]
async fn access_token_carries_the_documented_claims() {
    let app = spawn_app().await;
    let pair = app.user("ann@example.com", "customer").await;
    let claims = claims_of(&token(&pair));
    assert_eq!(claims["sub"], pair["user"]["id"]);
    assert_eq!(claims["role"], "customer");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
    assert!(claims["jti"].is_string());
}

#[actix_web::test]
async fn missing_garbage_forged_expired_and_alg_none_tokens_are_refused() {
    let app = spawn_app().await;
    let pair = app.user("ann@example.com", "customer").await;
    let good = token(&pair);
    let claims = claims_of(&good);

    let res = app.get("/v1/auth/me").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "missing_token");

    let res = app.get_auth("/v1/auth/me", "not.a.jwt").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "invalid_token");

    // Signed with another key.
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"another-secret-of-32-bytes-or-more!!"),
    )
    .unwrap();
    assert_eq!(
        app.get_auth("/v1/auth/me", &forged).await.status,
        StatusCode::UNAUTHORIZED
    );

    // The real key but expired.
    let mut old = claims.clone();
    old["iat"] = json!(1_000_000_000);
    old["exp"] = json!(1_000_000_900);
    let expired = encode(
        &Header::new(Algorithm::HS256),
        &old,
        &EncodingKey::from_secret(&app.jwt_secret()),
    )
    .unwrap();
    let res = app.get_auth("/v1/auth/me", &expired).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "invalid_token");

    // The real key, but promoting yourself in the payload with alg none.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut admin = claims.clone();
    admin["role"] = json!("admin");
    let none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(admin.to_string())
    );
    assert_eq!(
        app.get_auth("/v1/auth/me", &none).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Tampered payload, original signature.
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(admin.to_string()),
        parts[2]
    );
    assert_eq!(
        app.get_auth("/v1/auth/me", &tampered).await.status,
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        app.get_auth("/v1/auth/me", &good).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.user("ann@example.com", "customer").await;
    let res = app
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&first)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let second = res.json();
    assert_ne!(refresh(&first), refresh(&second));
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&second)).await.status,
        StatusCode::OK
    );

    // The spent token again: theft detection.
    let res = app
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&first)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "refresh_token_reused");
    // The whole family is gone: the newest refresh token and its access token too.
    let res = app
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&second)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app.get_auth("/v1/auth/me", &token(&second)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "session_revoked");

    let res = app
        .post("/v1/auth/refresh", json!({"refresh_token": "made-up"}))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "invalid_refresh_token");
}

#[actix_web::test]
async fn other_sessions_survive_a_family_revocation() {
    let app = spawn_app().await;
    let phone = app.user("ann@example.com", "customer").await;
    let laptop = app
        .login("ann@example.com", crate::helpers::PASSWORD)
        .await
        .json();
    let next = app
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": refresh(&phone)}),
        )
        .await
        .json();
    app.post(
        "/v1/auth/refresh",
        json!({"refresh_token": refresh(&phone)}),
    )
    .await;
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&next)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&laptop)).await.status,
        StatusCode::OK
    );
}

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{refresh, spawn_app, token, PASSWORD};

#[actix_web::test]
async fn logout_ends_this_session_only() {
    let app = spawn_app().await;
    let a = app.user("ann@example.com", "customer").await;
    let b = app.login("ann@example.com", PASSWORD).await.json();
    let res = app
        .post_auth("/v1/auth/logout", &token(&a), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&a)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .post("/v1/auth/refresh", json!({"refresh_token": refresh(&a)}))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&b)).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn logout_all_ends_every_session() {
    let app = spawn_app().await;
    let a = app.user("ann@example.com", "customer").await;
    let b = app.login("ann@example.com", PASSWORD).await.json();
    let res = app
        .post_auth("/v1/auth/logout-all", &token(&b), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    for pair in [&a, &b] {
        assert_eq!(
            app.get_auth("/v1/auth/me", &token(pair)).await.status,
            StatusCode::UNAUTHORIZED
        );
        let res = app
            .post("/v1/auth/refresh", json!({"refresh_token": refresh(pair)}))
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn sessions_are_listed_and_revocable() {
    let app = spawn_app().await;
    let a = app.user("ann@example.com", "customer").await;
    let b = app.login("ann@example.com", PASSWORD).await.json();
    let list = app.get_auth("/v1/auth/sessions", &token(&a)).await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    for s in items {
        assert_eq!(s["device"], "onsite-tests/1.0");
        assert_eq!(s["ip"], "127.0.0.1");
        assert!(s["created_at"].is_string() && s["last_used_at"].is_string());
    }
    let other = items.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Someone else cannot revoke it.
    let eve = app.user("eve@example.com", "customer").await;
    let path = format!("/v1/auth/sessions/{other}");
    let res = app
        .send(Method::DELETE, &path, Some(&token(&eve)), None)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&b)).await.status,
        StatusCode::OK
    );

    let res = app
        .send(Method::DELETE, &path, Some(&token(&a)), None)
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&b)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .post("/v1/auth/refresh", json!({"refresh_token": refresh(&b)}))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let list = app.get_auth("/v1/auth/sessions", &token(&a)).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let res = app
        .send(Method::DELETE, &path, Some(&token(&a)), None)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{refresh, spawn_app, token, PASSWORD};

#[actix_web::test]
async fn forgot_always_answers_202_and_mails_only_real_accounts() {
    let app = spawn_app().await;
    app.register("ann@example.com", "customer").await;
    let known = app
        .post(
            "/v1/auth/password/forgot",
            json!({"email": "ann@example.com"}),
        )
        .await;
    let unknown = app
        .post(
            "/v1/auth/password/forgot",
            json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(known.json(), unknown.json());
    // forgot answers before it sends: wait for the mail (verification + reset).
    let mails = app.wait_for_messages("ann@example.com", 2).await;
    assert!(app.messages_to("nobody@example.com").await.is_empty());
    assert!(mails
        .last()
        .unwrap()
        .contains("Subject: Reset your onsite password"));
}

#[actix_web::test]
async fn reset_sets_the_password_once_and_signs_everyone_out() {
    let app = spawn_app().await;
    let pair = app.user("ann@example.com", "customer").await;
    app.post(
        "/v1/auth/password/forgot",
        json!({"email": "ann@example.com"}),
    )
    .await;
    app.wait_for_messages("ann@example.com", 2).await;
    let reset = app.last_token("ann@example.com").await;
    let res = app
        .post(
            "/v1/auth/password/reset",
            json!({"token": reset, "new_password": "weak"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "new_password");
    let res = app
        .post(
            "/v1/auth/password/reset",
            json!({"token": reset, "new_password": "Fresh4567"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        app.login("ann@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ann@example.com", "Fresh4567").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&pair)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .post("/v1/auth/refresh", json!({"refresh_token": refresh(&pair)}))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app
        .post(
            "/v1/auth/password/reset",
            json!({"token": reset, "new_password": "Other4567"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "invalid_token");
    assert_eq!(
        app.login("ann@example.com", "Fresh4567").await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn change_needs_the_current_password_and_keeps_only_this_session() {
    let app = spawn_app().await;
    let here = app.user("ann@example.com", "customer").await;
    let there = app.login("ann@example.com", PASSWORD).await.json();
    let res = app
        .post_auth(
            "/v1/auth/password/change",
            &token(&here),
            json!({"current_password": "Nope12345", "new_password": "Fresh4567"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "current_password");
    assert_eq!(
        app.login("ann@example.com", PASSWORD).await.status,
        StatusCode::OK
    );

    let res = app
        .post_auth(
            "/v1/auth/password/change",
            &token(&here),
            json!({"current_password": PASSWORD, "new_password": "Fresh4567"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&here)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&there)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ann@example.com", "Fresh4567").await.status,
        StatusCode::OK
    );
}

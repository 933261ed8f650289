use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, token, PASSWORD};

#[actix_web::test]
async fn login_by_email_or_phone_returns_a_token_pair() {
    let app = spawn_app().await;
    app.post(
        "/v1/auth/register",
        json!({"email": "ann@example.com", "phone": "+27821234567", "password": PASSWORD,
               "first_name": "Ann", "last_name": "Lee", "role": "customer"}),
    )
    .await;
    for identifier in ["ann@example.com", " ANN@example.com ", "+27 82 123 4567"] {
        let res = app.login(identifier, PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "{identifier}: {}", res.text);
        let pair = res.json();
        assert_eq!(pair["token_type"], "Bearer");
        assert_eq!(pair["expires_in"], 900);
        assert!(pair["refresh_token"].as_str().unwrap().len() >= 40);
        let me = app.get_auth("/v1/auth/me", &token(&pair)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["email"], "ann@example.com");
    }
}

#[actix_web::test]
async fn wrong_password_and_unknown_account_look_the_same() {
    let app = spawn_app().await;
    app.register("ann@example.com", "customer").await;
    let wrong = app.login("ann@example.com", "Wrong1234").await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json(), unknown.json());
}

#[actix_web::test]
async fn every_attempt_is_audited() {
    let app = spawn_app().await;
    let user = app.register("ann@example.com", "customer").await;
    let id = user["user"]["id"].as_str().unwrap();
    app.login("ann@example.com", "Wrong1234").await;
    app.login("ann@example.com", PASSWORD).await;
    app.state
        .db
        .run(async |conn| {
            let rows = onsite::db::audit::for_user(conn, id, 10).await.unwrap();
            let outcomes: Vec<&str> = rows.iter().map(|r| r.outcome.as_str()).collect();
            assert_eq!(outcomes, ["success", "bad_password"]);
            assert_eq!(rows[0].ip.as_deref(), Some("127.0.0.1"));
            assert_eq!(rows[0].user_agent.as_deref(), Some("onsite-tests/1.0"));
        })
        .await
        .unwrap()
}

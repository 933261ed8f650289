use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, PASSWORD};

fn body(email: &str, role: &str) -> serde_json::Value {
    json!({"email": email, "password": PASSWORD, "first_name": "Ann",
           "last_name": "Lee", "role": role, "phone": "+27 82 123 4567"})
}

#[actix_web::test]
async fn customer_and_provider_can_register_and_get_a_verification_mail() {
    let app = spawn_app().await;
    let res = app
        .post("/v1/auth/register", body("Ann@Example.com", "customer"))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let json = res.json();
    assert_eq!(json["user"]["email"], "ann@example.com");
    assert_eq!(json["user"]["phone"], "+27821234567");
    assert_eq!(json["user"]["role"], "customer");
    assert_eq!(json["user"]["email_verified"], false);
    assert!(json["email_verification"]["challenge_id"].is_string());
    assert!(
        !res.text.contains("password"),
        "no password material in {}",
        res.text
    );
    let mail = app.messages_to("ann@example.com").await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("Subject: Confirm your email address"));
    let provider = app.register("bob@example.com", "provider").await;
    assert_eq!(provider["user"]["role"], "provider");
}

#[actix_web::test]
async fn admin_role_is_refused() {
    let app = spawn_app().await;
    let res = app
        .post("/v1/auth/register", body("eve@example.com", "admin"))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "role_not_allowed");
    let res = app.login("eve@example.com", PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "no account was created"
    );
}

#[actix_web::test]
async fn duplicate_email_or_phone_is_409() {
    let app = spawn_app().await;
    app.post("/v1/auth/register", body("ann@example.com", "customer"))
        .await;
    let res = app
        .post("/v1/auth/register", body("ANN@example.com", "provider"))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "email_taken");
    let res = app
        .post("/v1/auth/register", body("other@example.com", "customer"))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "phone_taken");
}

#[actix_web::test]
async fn bad_fields_are_400_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        ("password", json!("short1A")),
        ("password", json!("nouppercase123")),
        ("password", json!("NoDigitsAtAll")),
        ("email", json!("not-an-email")),
        ("phone", json!("12345")),
        ("role", json!("superuser")),
        ("first_name", json!("   ")),
    ];
    for (field, value) in cases {
        let mut b = body("ann@example.com", "customer");
        b[field] = value.clone();
        let res = app.post("/v1/auth/register", b).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{field}={value}: {}",
            res.text
        );
        assert_eq!(res.error_code(), "validation_failed");
        assert_eq!(res.json()["error"]["field"], field, "{}", res.text);
    }
    // Nothing was created by the refused requests.
    let res = app
        .post("/v1/auth/register", body("ann@example.com", "customer"))
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
}

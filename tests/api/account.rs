use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, token};

#[actix_web::test]
async fn profile_fields_update_and_bad_ones_are_named() {
    let app = spawn_app().await;
    let t = token(&app.user("ann@example.com", "customer").await);
    let res = app
        .send(
            Method::PATCH,
            "/v1/me",
            Some(&t),
            Some(json!({
                "first_name": "Annie",
                "location": {"lat": -26.2041, "lng": 28.0473, "address": "1 Main Rd"},
                "settings": {"language": "en", "notifications": true}
            })),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let me = res.json();
    assert_eq!(me["first_name"], "Annie");
    assert_eq!(me["location"]["lat"], -26.2041);
    assert_eq!(me["settings"]["language"], "en");

    let res = app
        .send(
            Method::PATCH,
            "/v1/me",
            Some(&t),
            Some(json!({"location": {"lat": 91.0, "lng": 0.0}})),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "location");
    let res = app
        .send(
            Method::PATCH,
            "/v1/me",
            Some(&t),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::BAD_REQUEST,
        "unknown fields such as role are refused"
    );

    let res = app
        .send(
            Method::PATCH,
            "/v1/me",
            Some(&t),
            Some(json!({"settings": {"language": null}, "location": null})),
        )
        .await;
    let me = res.json();
    assert!(me["settings"].get("language").is_none());
    assert_eq!(me["settings"]["notifications"], true);
    assert!(me["location"].is_null());
    assert_eq!(me["role"], "customer");
}

#[actix_web::test]
async fn a_phone_in_use_is_409() {
    let app = spawn_app().await;
    let a = token(&app.user("ann@example.com", "customer").await);
    let b = token(&app.user("bob@example.com", "provider").await);
    let res = app
        .send(
            Method::PATCH,
            "/v1/me",
            Some(&a),
            Some(json!({"phone": "+27821234567"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = app
        .send(
            Method::PATCH,
            "/v1/me",
            Some(&b),
            Some(json!({"phone": "+27 82 123 4567"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "phone_taken");
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    bytes
}

async fn upload(
    app: &crate::helpers::TestApp,
    t: &str,
    bytes: Vec<u8>,
    name: &str,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("avatar", part);
    app.client
        .post(app.url("/v1/me/avatar"))
        .bearer_auth(t)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn avatar_is_checked_by_content_and_size() {
    let app = spawn_app().await;
    let pair = app.user("ann@example.com", "customer").await;
    let t = token(&pair);
    let res = upload(&app, &t, b"<svg onload=alert(1)>".to_vec(), "cat.png").await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = upload(&app, &t, vec![0xFF; 5 * 1024 * 1024 + 1], "big.jpg").await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let res = upload(&app, &t, png(), "me.jpg").await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: serde_json::Value = res.json().await.unwrap();
    let url = me["avatar_url"].as_str().unwrap().to_owned();
    let res = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png());
}

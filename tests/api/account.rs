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
    let code = |res: reqwest::Response| async move {
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap();
        (
            status,
            body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let bad = StatusCode::BAD_REQUEST;
    let res = upload(&app, &t, b"<svg onload=alert(1)>".to_vec(), "cat.png").await;
    assert_eq!(code(res).await, (bad, "undecodable_image".into()));
    // A PNG header on garbage is not an image.
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.extend_from_slice(&[0u8; 64]);
    let res = upload(&app, &t, fake, "me.png").await;
    assert_eq!(code(res).await, (bad, "undecodable_image".into()));
    // A PNG called a JPEG.
    let res = upload(&app, &t, crate::fixtures::png(40, 30), "me.jpg").await;
    assert_eq!(code(res).await, (bad, "mislabelled_file".into()));
    let res = upload(&app, &t, vec![0xFF; 5 * 1024 * 1024 + 1], "big.jpg").await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let me = app.get_auth("/v1/auth/me", &t).await.json();
    assert!(me["avatar_url"].is_null(), "nothing was stored: {me}");

    // A large JPEG with GPS in its EXIF: kept re-encoded, bounded, without it.
    let original = crate::fixtures::jpeg_with_exif("GPSLatitude -33.9249");
    let res = upload(&app, &t, original.clone(), "me.jpg").await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: serde_json::Value = res.json().await.unwrap();
    let url = me["avatar_url"].as_str().unwrap().to_owned();
    let res = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let served = res.bytes().await.unwrap().to_vec();
    assert_ne!(served, original, "never served back verbatim");
    assert!(!String::from_utf8_lossy(&served).contains("GPSLatitude"));
    assert_eq!(image::load_from_memory(&served).unwrap().width(), 64);
    let big = crate::fixtures::png(3000, 2000);
    let res = upload(&app, &t, big, "big.png").await;
    assert_eq!(res.status(), StatusCode::OK);
    for (size, side) in [("display", 1280), ("thumb", 320)] {
        let res = app
            .client
            .get(app.url(&format!("{url}?size={size}")))
            .send()
            .await
            .unwrap();
        let img = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (side, side * 2 / 3), "{size}");
    }
    let res = app
        .client
        .get(app.url(&format!("{url}?size=huge")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn unknown_route_and_wrong_method_answer_json() {
    let app = spawn_app().await;
    let res = app.get("/v1/nothing-here").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.error_code(), "not_found");
    let res = app
        .send(reqwest::Method::DELETE, "/v1/auth/login", None, None)
        .await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.error_code(), "method_not_allowed");
    assert_eq!(res.headers["allow"], "POST");
}

#[actix_web::test]
async fn malformed_json_is_400_with_an_error_body() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body(r#"{"identifier": "a@b.co", "password": "#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");
}

#[actix_web::test]
async fn wrong_content_type_and_oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("identifier=a")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = "x".repeat(200 * 1024);
    let res = app
        .post(
            "/v1/auth/login",
            json!({"identifier": huge, "password": "x"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.error_code(), "payload_too_large");
}

#[actix_web::test]
async fn missing_and_mistyped_fields_are_named() {
    let app = spawn_app().await;
    let res = app
        .post("/v1/auth/login", json!({"identifier": "a@b.co"}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("password"));
    let res = app
        .post("/v1/auth/login", json!({"identifier": 42, "password": "x"}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "identifier");
}

#[actix_web::test]
async fn a_stored_value_the_code_does_not_know_is_an_error_not_a_default() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::bookings::dsl as b;
    let app = spawn_app().await;
    let m = crate::market::market(&app).await;
    let booking = m.book(&app, "small").await;
    let id = booking["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/bookings/{id}");
    assert_eq!(
        app.get_auth(&path, &m.customer).await.status,
        StatusCode::OK
    );
    // Something outside the code writes a status it does not know.
    app.state
        .db
        .run(async |conn| {
            onsite::db_run!(conn, |c| diesel::update(b::bookings.find(&id))
                .set(b::status.eq("teleported"))
                .execute(c)
                .await)
            .unwrap();
        })
        .await
        .unwrap();
    // Not read as some default state: a 500 that shows nothing of it.
    let res = app.get_auth(&path, &m.customer).await;
    assert_eq!(
        res.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        res.text
    );
    assert_eq!(res.error_code(), "internal");
    assert!(!res.text.contains("teleported"), "{}", res.text);
}

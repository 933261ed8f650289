use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_with;
use crate::market::market;

const SECRET: &str = "whsec_test_0123456789";

#[actix_web::test]
async fn a_signed_capture_funds_escrow_once_and_bad_signatures_are_refused() {
    let app = spawn_with(&[("ONSITE_PAYMENT_WEBHOOK_SECRET", SECRET)]).await;
    let m = market(&app).await;
    let booking = m.book(&app, "small").await;
    let id = booking["id"].as_str().unwrap();
    let intent = app
        .client
        .post(app.url("/v1/payments/intents"))
        .bearer_auth(&m.customer)
        .header("idempotency-key", "wh-1")
        .json(&json!({"booking_id": id}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let body = json!({"type": "charge.captured", "payment_id": intent["id"], "reference": "sim_ch_external"}).to_string();
    let post = |signature: String, body: String| {
        app.client
            .post(app.url("/v1/payments/webhooks/sim"))
            .header("content-type", "application/json")
            .header("x-onsite-signature", signature)
            .body(body)
            .send()
    };
    let now = chrono::Utc::now().timestamp();
    let res = post(
        onsite::payments::webhook::sign(b"wrong-secret", now, body.as_bytes()),
        body.clone(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = post("t=1,v1=00".into(), body.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let b = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json();
    assert_eq!(b["status"], "pending_payment", "nothing changed");

    let signature = onsite::payments::webhook::sign(SECRET.as_bytes(), now, body.as_bytes());
    let res = post(signature.clone(), body.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "processed"
    );
    // A replay is harmless.
    let res = post(signature, body).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "already_processed"
    );
    let b = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json();
    assert_eq!(b["status"], "requested");
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(summary["funded"], 10_000);
    let payments = app.get_auth("/v1/payments", &m.customer).await.json();
    assert_eq!(payments["items"][0]["status"], "succeeded");
    let unknown = app
        .client
        .post(app.url("/v1/payments/webhooks/stripe"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

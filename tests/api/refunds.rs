//! Every way escrow ends other than completion, and what the customer gets back.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_with, TestApp};
use crate::market::{market, Market};

async fn refunds_of(app: &TestApp, m: &Market, booking_id: &str) -> (i64, i64, Vec<String>) {
    let customer = app.get_auth("/v1/wallet", &m.customer).await.json()["balance"]
        .as_i64()
        .unwrap();
    let provider = app.get_auth("/v1/wallet", &m.provider).await.json()["balance"]
        .as_i64()
        .unwrap();
    app.state
        .db
        .run(async |conn| {
            let rules = onsite::db::payments::refunds_for(conn, booking_id)
                .await
                .unwrap()
                .into_iter()
                .map(|r| {
                    assert_eq!(
                        r.status.as_str(),
                        "succeeded",
                        "the gateway confirmed the refund"
                    );
                    r.rule.to_string()
                })
                .collect();
            (customer, provider, rules)
        })
        .await
        .unwrap()
}

async fn paid(app: &TestApp, m: &Market, tip: i64) -> String {
    let b = m.book(app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(app, &id, tip).await;
    id
}

async fn assert_balanced(app: &TestApp, m: &Market) -> Value {
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(summary["balanced"], true, "{summary}");
    assert_eq!(summary["escrow_held"], 0, "{summary}");
    summary
}

#[actix_web::test]
async fn decline_refunds_in_full() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let id = paid(&app, &m, 500).await;
    let res = m
        .act(
            &app,
            &m.provider,
            &id,
            "decline",
            json!({"reason": "fully booked"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "declined");
    assert_eq!(
        refunds_of(&app, &m, &id).await,
        (0, 0, vec!["declined".into()])
    );
    assert_balanced(&app, &m).await;
}

#[actix_web::test]
async fn customer_cancel_while_requested_is_a_full_refund() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let id = paid(&app, &m, 0).await;
    let res = m.act(&app, &m.customer, &id, "cancel", json!({})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "a reason is required");
    let res = m
        .act(
            &app,
            &m.customer,
            &id,
            "cancel",
            json!({"reason": "changed my mind"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let b = res.json();
    assert_eq!(b["status"], "cancelled");
    assert_eq!(b["cancel_reason"], "changed my mind");
    assert_eq!(
        refunds_of(&app, &m, &id).await,
        (0, 0, vec!["still_requested".into()])
    );
}

#[actix_web::test]
async fn late_customer_cancel_refunds_half_and_pays_the_provider_the_rest() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let id = paid(&app, &m, 1000).await;
    m.act(&app, &m.provider, &id, "accept", json!({})).await;
    // On demand: the job is now, so it is past any cut-off.
    let res = m
        .act(
            &app,
            &m.customer,
            &id,
            "cancel",
            json!({"reason": "no longer needed"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    // Price 10000 + tip 1000: 5000 + 1000 back; 5000 kept, 15% commission on it.
    let (customer, provider, rules) = refunds_of(&app, &m, &id).await;
    assert_eq!(rules, ["late_cancellation"]);
    assert_eq!(customer, -11_000 + 6_000);
    assert_eq!(provider, 5_000 - 750);
    let summary = assert_balanced(&app, &m).await;
    assert_eq!(summary["commission"], 750);
}

#[actix_web::test]
async fn no_refund_once_arrived_but_full_when_the_provider_cancels() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let id = paid(&app, &m, 0).await;
    m.act(&app, &m.provider, &id, "accept", json!({})).await;
    app.post_auth(
        &format!("/v1/admin/bookings/{id}/force"),
        &m.admin,
        json!({"to": "arrived", "reason": "test"}),
    )
    .await;
    m.act(&app, &m.customer, &id, "cancel", json!({"reason": "gone"}))
        .await;
    let (customer, provider, rules) = refunds_of(&app, &m, &id).await;
    assert!(rules.is_empty(), "{rules:?}");
    assert_eq!((customer, provider), (-10_000, 8_500));

    let second = paid(&app, &m, 0).await;
    m.act(&app, &m.provider, &second, "accept", json!({})).await;
    let res = m
        .act(
            &app,
            &m.provider,
            &second,
            "cancel",
            json!({"reason": "van broke down"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let (_, _, rules) = refunds_of(&app, &m, &second).await;
    assert_eq!(rules, ["provider_cancelled"]);
    assert_balanced(&app, &m).await;
}

async fn wait_for_status(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    for _ in 0..200 {
        let b = app
            .get_auth(&format!("/v1/bookings/{id}"), token)
            .await
            .json();
        if b["status"] == status {
            return b;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("booking {id} never became {status}");
}

#[actix_web::test]
async fn unpaid_bookings_expire_and_cannot_be_paid() {
    let app = spawn_with(&[
        ("ONSITE_PAYMENT_WINDOW_MINUTES", "0"),
        ("ONSITE_SWEEP_INTERVAL_S", "0.1"),
    ])
    .await;
    let m = market(&app).await;
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap();
    let expired = wait_for_status(&app, &m.customer, id, "expired").await;
    assert!(expired["payment_due_at"].is_string());
    let res = app
        .client
        .post(app.url("/v1/payments/intents"))
        .bearer_auth(&m.customer)
        .header("idempotency-key", "late")
        .json(&json!({"booking_id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let events = app
        .get_auth(&format!("/v1/bookings/{id}/events"), &m.customer)
        .await
        .json();
    assert_eq!(events["items"][1]["by"], "system");
}

#[actix_web::test]
async fn unanswered_requests_expire_with_a_full_refund() {
    let app = spawn_with(&[
        ("ONSITE_REQUEST_TIMEOUT_MINUTES", "0"),
        ("ONSITE_SWEEP_INTERVAL_S", "0.1"),
    ])
    .await;
    let m = market(&app).await;
    let id = paid(&app, &m, 300).await;
    wait_for_status(&app, &m.customer, &id, "expired").await;
    let res = m.act(&app, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // The refund is sent right after the commit that expired the booking.
    let (customer, _, rules) = refunds_of(&app, &m, &id).await;
    assert_eq!((customer, rules), (0, vec!["expired".to_owned()]));
    assert_balanced(&app, &m).await;
}

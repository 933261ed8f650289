//! Deposits: a service that asks part of the price up front is booked by
//! paying that part into escrow; the balance is paid before the job can
//! complete; a cancellation applies its policy to what was paid; the ledger
//! balances after every step.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Resp, TestApp};
use crate::market::{market, Market};

/// Sets the market's service deposit rule (`null` removes it).
async fn set_deposit(app: &TestApp, m: &Market, deposit: Value) -> Resp {
    app.patch_auth(
        &format!("/v1/services/{}", m.service_id),
        &m.provider,
        json!({ "deposit": deposit }),
    )
    .await
}

/// A fresh intent for whatever the booking owes now.
async fn intent(app: &TestApp, m: &Market, booking_id: &str, tip: i64) -> Resp {
    let mut body = json!({ "booking_id": booking_id });
    if tip > 0 {
        body["tip"] = json!({"amount": tip, "currency": "ZAR"});
    }
    let key = uuid::Uuid::new_v4().to_string();
    app.send_with(
        Method::POST,
        "/v1/payments/intents",
        Some(&m.customer),
        Some(body),
        &[("idempotency-key", key.as_str())],
    )
    .await
}

async fn confirm(app: &TestApp, m: &Market, intent_id: &str) -> Value {
    let res = app
        .post_auth(
            &format!("/v1/payments/intents/{intent_id}/confirm"),
            &m.customer,
            json!({"payment_method": "sim_card_ok"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json()
}

/// The ledger balances; returns what escrow holds.
async fn escrow_held(app: &TestApp, m: &Market) -> i64 {
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(summary["balanced"], true, "{summary}");
    summary["escrow_held"].as_i64().unwrap()
}

async fn wallet(app: &TestApp, token: &str) -> i64 {
    app.get_auth("/v1/wallet", token).await.json()["balance"]
        .as_i64()
        .unwrap()
}

async fn booking(app: &TestApp, m: &Market, id: &str) -> Value {
    app.get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json()
}

/// Books the market's service and pays what booking it asks; returns its id.
async fn booked(app: &TestApp, m: &Market, expect_amount: i64, expect_purpose: &str) -> String {
    let b = m.book(app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    let res = intent(app, m, &id, 0).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let i = res.json();
    assert_eq!(i["amount"]["amount"], expect_amount, "{i}");
    assert_eq!(i["purpose"], expect_purpose, "{i}");
    let paid = confirm(app, m, i["id"].as_str().unwrap()).await;
    assert_eq!(paid["booking"]["status"], "requested", "{paid}");
    id
}

/// Pays the booking's balance (with a tip); returns the confirm answer.
async fn pay_balance(app: &TestApp, m: &Market, id: &str, tip: i64, expect: i64) -> Value {
    let res = intent(app, m, id, tip).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let i = res.json();
    assert_eq!(i["purpose"], "balance", "{i}");
    assert_eq!(i["amount"]["amount"], expect + tip, "{i}");
    confirm(app, m, i["id"].as_str().unwrap()).await
}

async fn refunds(app: &TestApp, id: &str) -> Vec<(String, i64, String)> {
    let id = id.to_owned();
    app.state
        .db
        .run(async move |conn| {
            let mut rows: Vec<(String, i64, String)> = onsite::db::payments::refunds_for(conn, &id)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.rule.to_string(), r.amount, r.status.to_string()))
                .collect();
            rows.sort();
            rows
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_deposit_books_the_job_and_its_balance_must_be_paid_before_it_completes() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let res = set_deposit(&app, &m, json!({"percent": 30})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["deposit"], json!({"percent": 30}));
    // No new approval for a deposit: customers still see and book it.
    assert_eq!(res.json()["status"], "approved");

    let b = m.book(&app, "small").await;
    assert_eq!(b["price"]["total"]["amount"], 10_000);
    assert_eq!(
        b["price"]["deposit"],
        json!({"amount": 3_000, "currency": "ZAR"})
    );
    assert_eq!(b["price"]["balance_due"]["amount"], 7_000);
    let id = b["id"].as_str().unwrap().to_owned();
    let res = intent(&app, &m, &id, 0).await;
    let i = res.json();
    assert_eq!(
        (i["amount"]["amount"].clone(), i["purpose"].clone()),
        (json!(3_000), json!("deposit"))
    );
    let paid = confirm(&app, &m, i["id"].as_str().unwrap()).await;
    assert_eq!(paid["booking"]["status"], "requested");
    assert_eq!(
        escrow_held(&app, &m).await,
        3_000,
        "only the deposit is held"
    );
    assert_eq!(wallet(&app, &m.customer).await, -3_000);

    m.start(&app, &id).await;
    // The customer is told the balance is due when the job starts.
    let center = app.get_auth("/v1/notifications", &m.customer).await.json();
    let started = center["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "job_started")
        .expect("a job_started notice")
        .clone();
    assert!(
        started["body"]
            .as_str()
            .unwrap()
            .contains("balance of 70.00 ZAR is due"),
        "{started}"
    );
    assert_eq!(started["data"]["balance_due"]["amount"], 7_000);

    // Not before the balance is paid, in English or Persian; nothing moves.
    let res = m.act(&app, &m.provider, &id, "complete", json!({})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    assert_eq!(res.error_code(), "balance_due");
    let res = app
        .send_with(
            Method::POST,
            &format!("/v1/bookings/{id}/complete"),
            Some(&m.provider),
            Some(json!({})),
            &[("accept-language", "fa")],
        )
        .await;
    assert_eq!(res.error_code(), "balance_due");
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("مانده"),
        "{}",
        res.text
    );
    assert_eq!(booking(&app, &m, &id).await["status"], "in_progress");
    assert_eq!(escrow_held(&app, &m).await, 3_000);

    // The balance, with a tip, joins escrow without moving the booking.
    let paid = pay_balance(&app, &m, &id, 500, 7_000).await;
    assert_eq!(paid["booking"]["status"], "in_progress", "{paid}");
    assert_eq!(paid["booking"]["price"]["balance_due"]["amount"], 0);
    assert!(paid["booking"]["price"]["balance_paid_at"].is_string());
    assert_eq!(paid["booking"]["tip"]["amount"], 500);
    assert_eq!(escrow_held(&app, &m).await, 10_500);
    let res = intent(&app, &m, &id, 0).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "balance_paid");
    let center = app.get_auth("/v1/notifications", &m.provider).await.json();
    assert!(
        center["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "balance_paid"),
        "the provider hears the balance is paid: {center}"
    );
    let res = m.act(&app, &m.provider, &id, "complete", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(escrow_held(&app, &m).await, 0);
    // 15% of the whole price; the tip all to the provider.
    assert_eq!(wallet(&app, &m.provider).await, 10_000 - 1_500 + 500);
    assert_eq!(wallet(&app, &m.customer).await, -10_500);
    let invoice = app
        .get_auth(&format!("/v1/bookings/{id}/invoice"), &m.customer)
        .await;
    assert_eq!(invoice.status, StatusCode::OK, "{}", invoice.text);
}

#[actix_web::test]
async fn a_cancellation_applies_the_policy_to_what_was_paid() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let res = set_deposit(&app, &m, json!({"fixed": 4_000})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);

    // Late (on demand: past any cut-off): half of the 40.00 deposit back;
    // the provider keeps the other half minus commission on it.
    let id = booked(&app, &m, 4_000, "deposit").await;
    m.act(&app, &m.provider, &id, "accept", json!({})).await;
    let res = m
        .act(
            &app,
            &m.customer,
            &id,
            "cancel",
            json!({"reason": "plans changed"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    app.settle_outbox().await;
    assert_eq!(
        refunds(&app, &id).await,
        vec![("late_cancellation".into(), 2_000, "succeeded".into())]
    );
    assert_eq!(escrow_held(&app, &m).await, 0);
    assert_eq!(wallet(&app, &m.customer).await, -2_000);
    assert_eq!(wallet(&app, &m.provider).await, 2_000 - 300);
    // A balance for a dead booking is refused.
    let res = intent(&app, &m, &id, 0).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "booking_not_payable");

    // Deposit and balance paid, then the provider cancels: everything back,
    // from each payment what it paid.
    let id = booked(&app, &m, 4_000, "deposit").await;
    m.act(&app, &m.provider, &id, "accept", json!({})).await;
    pay_balance(&app, &m, &id, 0, 6_000).await;
    assert_eq!(escrow_held(&app, &m).await, 10_000);
    let res = m
        .act(
            &app,
            &m.provider,
            &id,
            "cancel",
            json!({"reason": "van broke down"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        refunds(&app, &id).await,
        vec![
            ("provider_cancelled".into(), 4_000, "succeeded".into()),
            ("provider_cancelled".into(), 6_000, "succeeded".into()),
        ]
    );
    assert_eq!(escrow_held(&app, &m).await, 0);
    assert_eq!(
        wallet(&app, &m.customer).await,
        -2_000,
        "the second booking cost nothing"
    );
    let payments = app.get_auth("/v1/payments", &m.customer).await.json();
    let of_it: Vec<(i64, i64)> = payments["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["booking_id"] == id.as_str())
        .map(|p| {
            (
                p["amount"]["amount"].as_i64().unwrap(),
                p["refunded"]["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(of_it.len(), 2, "{payments}");
    assert!(
        of_it.iter().all(|(amount, refunded)| amount == refunded),
        "{of_it:?}"
    );

    // Declined after the deposit: the deposit back in full.
    let id = booked(&app, &m, 4_000, "deposit").await;
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
    assert_eq!(
        refunds(&app, &id).await,
        vec![("declined".into(), 4_000, "succeeded".into())]
    );
    assert_eq!(escrow_held(&app, &m).await, 0);
}

#[actix_web::test]
async fn deposit_rules_are_checked_and_can_be_removed() {
    let app = spawn_app().await;
    let m = market(&app).await;
    for bad in [
        json!({"percent": 0}),
        json!({"percent": 100}),
        json!({"fixed": 10_000}),
        json!({"fixed": 0}),
        json!({"percent": 10, "fixed": 100}),
        json!({"half": true}),
        json!("30%"),
    ] {
        let res = set_deposit(&app, &m, bad.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.text);
    }
    let res = set_deposit(&app, &m, json!({"fixed": 2_500})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    // A new price may not fall to the fixed deposit or below.
    let res = app
        .patch_auth(
            &format!("/v1/services/{}", m.service_id),
            &m.provider,
            json!({"price": {"amount": 2_500, "currency": "ZAR"}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(res.json()["error"]["field"], "deposit", "{}", res.text);
    // A large job pays the same fixed deposit.
    let b = m.book(&app, "large").await;
    assert_eq!(b["price"]["deposit"]["amount"], 2_500);
    assert_eq!(b["price"]["balance_due"]["amount"], 17_500);
    // Removed: booked by the whole price again, nothing left to pay after.
    let res = set_deposit(&app, &m, Value::Null).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["deposit"], Value::Null);
    let id = booked(&app, &m, 10_000, "full").await;
    let b = booking(&app, &m, &id).await;
    assert_eq!(b["price"]["deposit"], Value::Null);
    assert_eq!(b["price"]["balance_due"]["amount"], 0);
    let res = intent(&app, &m, &id, 0).await;
    assert_eq!(res.error_code(), "booking_not_payable");
    assert_eq!(escrow_held(&app, &m).await, 10_000);
}

#[actix_web::test]
async fn a_persian_customer_reads_the_balance_due_and_the_refund_in_persian() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let res = app
        .patch_auth("/v1/me", &m.customer, json!({"language": "fa"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    set_deposit(&app, &m, json!({"percent": 30})).await;

    let id = booked(&app, &m, 3_000, "deposit").await;
    m.start(&app, &id).await;
    let notices = app.get_auth("/v1/notifications", &m.customer).await.json();
    let started = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "job_started")
        .expect("a job_started notice")
        .clone();
    let body = started["body"].as_str().unwrap();
    assert!(body.contains("ماندهٔ") && body.contains("۷۰"), "{started}");

    // A refund that reached the card is told in Persian too.
    let id = booked(&app, &m, 3_000, "deposit").await;
    let res = m
        .act(&app, &m.provider, &id, "decline", json!({"reason": "busy"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let mut refund = Value::Null;
    for _ in 0..50 {
        let notices = app.get_auth("/v1/notifications", &m.customer).await.json();
        if let Some(n) = notices["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == "refund_issued")
        {
            refund = n.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let title = refund["title"].as_str().expect("a refund_issued notice");
    assert!(
        title.contains("بازپرداخت") && title.contains("۳۰"),
        "{refund}"
    );
    assert_eq!(refund["data"]["amount"]["amount"], 3_000);
}

#[actix_web::test]
async fn an_admin_completes_a_job_whose_balance_never_came_and_the_provider_keeps_the_deposit() {
    let app = spawn_app().await;
    let m = market(&app).await;
    set_deposit(&app, &m, json!({"percent": 30})).await;
    let id = booked(&app, &m, 3_000, "deposit").await;
    m.start(&app, &id).await;
    let res = app
        .post_auth(
            &format!("/v1/admin/bookings/{id}/force"),
            &m.admin,
            json!({"to": "completed", "reason": "customer paid the rest in cash"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(escrow_held(&app, &m).await, 0);
    // Commission on what was paid, not on a price that never came.
    assert_eq!(wallet(&app, &m.provider).await, 3_000 - 450);
    let b = booking(&app, &m, &id).await;
    assert_eq!(
        b["price"]["balance_due"]["amount"], 0,
        "nothing more can be paid"
    );
    let res = intent(&app, &m, &id, 0).await;
    assert_eq!(res.error_code(), "booking_not_payable");
    let invoice = app
        .get_auth(&format!("/v1/bookings/{id}/invoice"), &m.customer)
        .await
        .json();
    assert_eq!(invoice["total_charged"]["amount"], 3_000, "{invoice}");
}

#[actix_web::test]
async fn a_second_balance_reported_by_webhook_is_voided_and_handled() {
    const SECRET: &str = "whsec_test_deposits";
    let app = crate::helpers::spawn_with(&[("ONSITE_PAYMENT_WEBHOOK_SECRET", SECRET)]).await;
    let m = market(&app).await;
    set_deposit(&app, &m, json!({"percent": 30})).await;
    let id = booked(&app, &m, 3_000, "deposit").await;
    // Two balance intents, e.g. from two devices; the first is paid.
    let first = intent(&app, &m, &id, 0).await.json();
    let second = intent(&app, &m, &id, 0).await.json();
    assert_eq!(second["purpose"], "balance");
    confirm(&app, &m, first["id"].as_str().unwrap()).await;
    assert_eq!(escrow_held(&app, &m).await, 10_000);
    // The gateway then reports the second as captured: it is refunded, and
    // answered 200 so the gateway stops redelivering it.
    let body = json!({"type": "charge.captured", "payment_id": second["id"], "reference": "sim_ch_second"})
        .to_string();
    let now = chrono::Utc::now().timestamp();
    let signature = onsite::payments::webhook::sign(SECRET.as_bytes(), now, body.as_bytes());
    let res = app
        .client
        .post(app.url("/v1/payments/webhooks/sim"))
        .header("content-type", "application/json")
        .header("x-onsite-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "voided");
    assert_eq!(
        escrow_held(&app, &m).await,
        10_000,
        "the second balance never joined escrow"
    );
    let payments = app.get_auth("/v1/payments", &m.customer).await.json();
    let voided = payments["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == second["id"])
        .unwrap()
        .clone();
    assert_eq!(voided["status"], "failed", "{voided}");
    assert_eq!(voided["failure_code"], "booking_not_payable", "{voided}");
    let b = booking(&app, &m, &id).await;
    assert_eq!(b["price"]["balance_due"]["amount"], 0);
}

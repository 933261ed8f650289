//! The Stripe gateway against the stand-in: declines, 5xx retries under one
//! idempotency key, manual capture into escrow, 3-D Secure finished by a
//! signed webhook or by polling, event replays, refunds back to the card,
//! and payouts as Connect transfers, with the ledger balanced throughout.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, Resp, TestApp};
use crate::market::{market, Market};
use crate::stripe_standin::{Stripe, WEBHOOK_SECRET};

async fn spawn(stripe: &Stripe, extra: &[(&'static str, &str)]) -> TestApp {
    let mut env = stripe.settings();
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_with(&env).await
}

/// A booking awaiting payment and its payment intent's id.
async fn intent(app: &TestApp, m: &Market) -> (String, String) {
    let booking = m.book(app, "small").await;
    let booking_id = booking["id"].as_str().unwrap().to_owned();
    let res = app
        .client
        .post(app.url("/v1/payments/intents"))
        .bearer_auth(&m.customer)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"booking_id": booking_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let intent: Value = res.json().await.unwrap();
    (booking_id, intent["id"].as_str().unwrap().to_owned())
}

async fn confirm(app: &TestApp, m: &Market, payment: &str, method: &str) -> Resp {
    app.post_auth(
        &format!("/v1/payments/intents/{payment}/confirm"),
        &m.customer,
        json!({"payment_method": method}),
    )
    .await
}

async fn status_of(app: &TestApp, m: &Market, booking: &str) -> String {
    app.get_auth(&format!("/v1/bookings/{booking}"), &m.customer)
        .await
        .json()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn ledger(app: &TestApp, m: &Market) -> Value {
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(summary["balanced"], true, "{summary}");
    summary
}

async fn post_event(app: &TestApp, signature: Option<String>, body: &str) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/v1/payments/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("Stripe-Signature", s);
    }
    req.send().await.unwrap()
}

#[actix_web::test]
async fn with_stripe_a_booking_is_paid_completed_invoiced_and_paid_out_with_the_ledger_balanced() {
    let stripe = Stripe::start().await;
    let app = spawn(&stripe, &[("ONSITE_PAYOUT_APPROVAL", "auto")]).await;
    let m = market(&app).await;
    let (booking, payment) = intent(&app, &m).await;

    // Declines leave the booking waiting; an unknown card is the client's mistake.
    let res = confirm(
        &app,
        &m,
        &payment,
        "pm_card_chargeDeclinedInsufficientFunds",
    )
    .await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::PAYMENT_REQUIRED, "insufficient_funds".into())
    );
    let res = confirm(&app, &m, &payment, "pm_card_chargeDeclined").await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::PAYMENT_REQUIRED, "generic_decline".into())
    );
    let res = confirm(&app, &m, &payment, "pm_does_not_exist").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(res.json()["error"]["field"], "payment_method");
    assert_eq!(status_of(&app, &m, &booking).await, "pending_payment");
    assert_eq!(ledger(&app, &m).await["funded"], 0);

    // Two 500s: retried under the same key, and the third try goes through.
    stripe.fail_next(2);
    let res = confirm(&app, &m, &payment, "pm_card_visa").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["booking"]["status"], "requested");
    let creates = stripe.seen("POST", "/v1/payment_intents");
    let creates: Vec<_> = creates
        .iter()
        .filter(|s| s.path == "/v1/payment_intents")
        .collect();
    let statuses: Vec<u16> = creates.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [402, 402, 400, 500, 500, 200]);
    let keys: Vec<&str> = creates
        .iter()
        .map(|s| s.idempotency_key.as_deref().unwrap())
        .collect();
    assert_eq!(keys[3], keys[4]);
    assert_eq!(keys[4], keys[5], "a retry is the same attempt");
    assert_ne!(keys[0], keys[1], "another card is another attempt");
    let captured: Vec<Value> = stripe
        .intents()
        .into_iter()
        .filter(|pi| pi["status"] == "succeeded")
        .collect();
    assert_eq!(captured.len(), 1);
    let pi = &captured[0];
    assert_eq!(pi["capture_method"], "manual");
    assert_eq!(
        (pi["amount"].as_i64(), pi["currency"].as_str()),
        (Some(10_000), Some("zar"))
    );
    assert_eq!(pi["metadata"]["payment_id"], payment.as_str());
    assert_eq!(ledger(&app, &m).await["funded"], 10_000);
    let payments = app.get_auth("/v1/payments", &m.customer).await.json();
    assert_eq!(payments["items"][0]["status"], "succeeded");

    let res = app
        .put_auth(
            "/v1/wallet/payout-account",
            &m.provider,
            json!({"destination": "sim_bank_ok"}),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::BAD_REQUEST,
        "Stripe pays connected accounts only"
    );
    // Completed, invoiced, and paid out as a Connect transfer.
    let earned = complete_invoice_and_pay_out(&app, &m, &booking, "acct_1ProviderStandin").await;
    let transfers = stripe.state.lock().unwrap().transfers.clone();
    assert_eq!(transfers.len(), 1);
    assert_eq!(transfers[0]["amount"], earned);
    assert_eq!(transfers[0]["destination"], "acct_1ProviderStandin");
    let payouts = app.get_auth("/v1/wallet/payouts", &m.provider).await.json();
    assert_eq!(
        transfers[0]["metadata"]["payout_id"],
        payouts["items"][0]["id"]
    );
}

#[actix_web::test]
async fn on_the_simulated_default_the_same_flow_balances_at_each_step() {
    let app = spawn_with(&[("ONSITE_PAYOUT_APPROVAL", "auto")]).await;
    let m = market(&app).await;
    let booking = m.book(&app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.pay(&app, &booking, 0).await;
    assert_eq!(ledger(&app, &m).await["funded"], 10_000);
    complete_invoice_and_pay_out(&app, &m, &booking, "sim_bank_ok").await;
}

/// From a paid booking: the job, its invoice (PDF), and a payout of all the
/// provider earned to `destination`, checking the ledger after each step.
/// Returns what was paid out.
async fn complete_invoice_and_pay_out(
    app: &TestApp,
    m: &Market,
    booking: &str,
    destination: &str,
) -> i64 {
    // The job, and its invoice.
    for (who, path, body) in [
        (
            &m.provider,
            format!("/v1/bookings/{booking}/accept"),
            json!({}),
        ),
        (
            &m.admin,
            format!("/v1/admin/bookings/{booking}/force"),
            json!({"to": "arrived", "reason": "test"}),
        ),
        (
            &m.provider,
            format!("/v1/bookings/{booking}/start"),
            json!({}),
        ),
        (
            &m.provider,
            format!("/v1/bookings/{booking}/complete"),
            json!({}),
        ),
    ] {
        let res = app.post_auth(&path, who, body).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text);
        ledger(app, m).await;
    }
    let pdf = app
        .client
        .get(app.url(&format!("/v1/bookings/{booking}/invoice?format=pdf")))
        .bearer_auth(&m.customer)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = lopdf::Document::load_mem(&pdf)
        .unwrap()
        .extract_text(&[1])
        .unwrap();
    assert!(
        text.contains("INV-") && text.contains("ZAR 100.00"),
        "{text}"
    );

    // Paid out to the provider's account.
    let res = app
        .put_auth(
            "/v1/wallet/payout-account",
            &m.provider,
            json!({"destination": destination}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let earned = app.get_auth("/v1/wallet", &m.provider).await.json()["balance"]
        .as_i64()
        .unwrap();
    assert!(earned > 0);
    let res = app
        .post_auth(
            "/v1/wallet/payouts",
            &m.provider,
            json!({"amount": {"amount": earned, "currency": "ZAR"}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let payout = res.json();
    assert_eq!(payout["status"], "paid", "{payout}");
    assert_eq!(
        app.get_auth("/v1/wallet", &m.provider).await.json()["balance"],
        0
    );
    assert_eq!(ledger(app, m).await["paid_out"], earned);
    earned
}

#[actix_web::test]
async fn three_d_secure_finishes_by_webhook_or_by_polling_and_each_event_counts_once() {
    let stripe = Stripe::start().await;
    let app = spawn(&stripe, &[]).await;
    let m = market(&app).await;

    // The bank wants the customer: 202 with what the app needs.
    let (booking, payment) = intent(&app, &m).await;
    let res = confirm(&app, &m, &payment, "pm_card_threeDSecure2Required").await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let body = res.json();
    assert_eq!(body["next_action"]["type"], "authenticate");
    let secret = body["next_action"]["client_secret"].as_str().unwrap();
    let pi = secret.split("_secret").next().unwrap().to_owned();
    assert_eq!(body["payment"]["status"], "processing");
    assert_eq!(body["booking"]["status"], "pending_payment");
    // Polling before the customer is done changes nothing.
    let res = confirm(&app, &m, &payment, "pm_card_threeDSecure2Required").await;
    assert_eq!(res.status, StatusCode::ACCEPTED);

    // Stripe tells us; only a fresh signature with our secret counts.
    let event = stripe.authenticate(&pi).to_string();
    let now = chrono::Utc::now().timestamp();
    for bad in [
        None,
        Some(Stripe::sign("whsec_someone_else", now, &event)),
        Some(Stripe::sign(WEBHOOK_SECRET, now - 600, &event)),
        Some(Stripe::sign(
            WEBHOOK_SECRET,
            now,
            &event.replace("requires_capture", "succeeded"),
        )),
    ] {
        let res = post_event(&app, bad, &event).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    assert_eq!(status_of(&app, &m, &booking).await, "pending_payment");
    let signed = Stripe::sign(WEBHOOK_SECRET, now, &event);
    let res = post_event(&app, Some(signed.clone()), &event).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "processed");
    assert_eq!(status_of(&app, &m, &booking).await, "requested");
    assert_eq!(
        stripe.intent(&pi)["status"],
        "succeeded",
        "captured when authorised"
    );
    // A redelivery of the same event, and a later event about the same intent.
    let res = post_event(&app, Some(signed), &event).await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "duplicate");
    let succeeded =
        json!({"id": "evt_later", "object": "event", "type": "payment_intent.succeeded",
                           "data": {"object": stripe.intent(&pi)}})
        .to_string();
    let res = post_event(
        &app,
        Some(Stripe::sign(WEBHOOK_SECRET, now, &succeeded)),
        &succeeded,
    )
    .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["status"],
        "already_processed"
    );
    let other =
        json!({"id": "evt_other", "type": "customer.created", "data": {"object": {}}}).to_string();
    let res = post_event(
        &app,
        Some(Stripe::sign(WEBHOOK_SECRET, now, &other)),
        &other,
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ignored");

    // No webhook this time: confirming again polls Stripe and finishes it.
    let (booking_b, payment_b) = intent(&app, &m).await;
    let res = confirm(&app, &m, &payment_b, "pm_card_threeDSecure2Required").await;
    let secret = res.json()["next_action"]["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let pi_b = secret.split("_secret").next().unwrap().to_owned();
    let _ = stripe.authenticate(&pi_b);
    let res = confirm(&app, &m, &payment_b, "pm_card_threeDSecure2Required").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["booking"]["status"], "requested");
    assert_eq!(status_of(&app, &m, &booking_b).await, "requested");

    // Each intent was captured once; escrow holds both, once each.
    for id in [&pi, &pi_b] {
        let captures = stripe.seen("POST", &format!("/v1/payment_intents/{id}/capture"));
        assert_eq!(
            captures
                .iter()
                .filter(|s| s.status == 200 && !s.replayed)
                .count(),
            1
        );
    }
    assert_eq!(ledger(&app, &m).await["funded"], 20_000);
    for b in [&booking, &booking_b] {
        let events = app
            .get_auth(&format!("/v1/bookings/{b}/events"), &m.customer)
            .await
            .json();
        let paid = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"] == "requested")
            .count();
        assert_eq!(paid, 1, "{events}");
    }
}

#[actix_web::test]
async fn a_declined_request_is_refunded_to_the_card_through_an_outage() {
    let stripe = Stripe::start().await;
    let app = spawn(&stripe, &[]).await;
    let m = market(&app).await;
    let (booking, payment) = intent(&app, &m).await;
    let res = confirm(&app, &m, &payment, "pm_card_visa").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let pi = stripe.intents()[0]["id"].as_str().unwrap().to_owned();

    stripe.fail_next(2);
    let res = app
        .post_auth(
            &format!("/v1/bookings/{booking}/decline"),
            &m.provider,
            json!({"reason": "fully booked"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let mut refunds = Vec::new();
    for _ in 0..100 {
        refunds = stripe.state.lock().unwrap().refunds.clone();
        if !refunds.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(refunds.len(), 1, "one refund whatever the retries");
    assert_eq!(refunds[0]["payment_intent"], pi.as_str());
    assert_eq!(refunds[0]["amount"], 10_000);
    let tries = stripe.seen("POST", "/v1/refunds");
    assert_eq!(
        tries.iter().map(|s| s.status).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    assert!(tries
        .windows(2)
        .all(|w| w[0].idempotency_key == w[1].idempotency_key));
    let summary = ledger(&app, &m).await;
    assert_eq!(summary["refunded"], 10_000);
    // The refund is confirmed once the gateway took it.
    let mut refunded = Value::Null;
    for _ in 0..100 {
        let p = app.get_auth("/v1/payments", &m.customer).await.json();
        refunded = p["items"][0]["refunded"]["amount"].clone();
        if refunded == 10_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(refunded, 10_000);
}

#[actix_web::test]
async fn an_answer_lost_after_stripe_acted_is_replayed_not_charged_twice() {
    let stripe = Stripe::start().await;
    let app = spawn(&stripe, &[]).await;
    let m = market(&app).await;
    let (booking, payment) = intent(&app, &m).await;
    stripe.lose_next_answers(1);
    let res = confirm(&app, &m, &payment, "pm_card_visa").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(status_of(&app, &m, &booking).await, "requested");
    let creates: Vec<_> = stripe
        .seen("POST", "/v1/payment_intents")
        .into_iter()
        .filter(|s| s.path == "/v1/payment_intents")
        .collect();
    assert_eq!(
        creates
            .iter()
            .map(|s| (s.status, s.replayed))
            .collect::<Vec<_>>(),
        [(502, false), (200, true)],
        "the retry is answered from the first run"
    );
    assert_eq!(stripe.intents().len(), 1, "one PaymentIntent, charged once");
    assert_eq!(ledger(&app, &m).await["funded"], 10_000);
}

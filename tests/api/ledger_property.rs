//! Property: whatever customers, providers and admins do, in whatever order,
//! every ledger transaction sums to zero and escrow holds exactly the money of
//! the bookings that are still live and paid.

use proptest::prelude::*;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::market::market;

#[derive(Debug, Clone)]
enum Op {
    Book(&'static str),
    Pay(usize, i64),
    Accept(usize),
    Decline(usize),
    CustomerCancel(usize),
    ProviderCancel(usize),
    AdminCancel(usize),
    ForceArrived(usize),
    Start(usize),
    Complete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0usize..4;
    prop_oneof![
        prop::sample::select(vec!["small", "medium", "large"]).prop_map(Op::Book),
        (i.clone(), prop::sample::select(vec![0i64, 1, 333, 2500]))
            .prop_map(|(i, t)| Op::Pay(i, t)),
        i.clone().prop_map(Op::Accept),
        i.clone().prop_map(Op::Decline),
        i.clone().prop_map(Op::CustomerCancel),
        i.clone().prop_map(Op::ProviderCancel),
        i.clone().prop_map(Op::AdminCancel),
        i.clone().prop_map(Op::ForceArrived),
        i.clone().prop_map(Op::Start),
        i.prop_map(Op::Complete),
    ]
}

async fn run(ops: Vec<Op>) {
    let app = spawn_app().await;
    let m = market(&app).await;
    let mut bookings: Vec<String> = Vec::new();
    for op in ops {
        let pick = |i: usize| bookings.get(i % bookings.len().max(1)).cloned();
        let act = |who: &str, i: usize, action: &'static str| {
            let id = pick(i);
            let who = who.to_owned();
            let app = &app;
            async move {
                if let Some(id) = id {
                    let res = app
                        .post_auth(
                            &format!("/v1/bookings/{id}/{action}"),
                            &who,
                            json!({"reason": "prop"}),
                        )
                        .await;
                    assert!(
                        res.status.is_success() || res.status == 409,
                        "{action}: {} {}",
                        res.status,
                        res.text
                    );
                }
            }
        };
        match op {
            Op::Book(size) => {
                bookings.push(m.book(&app, size).await["id"].as_str().unwrap().to_owned())
            }
            Op::Pay(i, tip) => {
                if let Some(id) = pick(i) {
                    let mut body = json!({"booking_id": id});
                    if tip > 0 {
                        body["tip"] = json!({"amount": tip, "currency": "ZAR"});
                    }
                    let intent = app
                        .client
                        .post(app.url("/v1/payments/intents"))
                        .bearer_auth(&m.customer)
                        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    if intent.status() == 201 {
                        let intent: serde_json::Value = intent.json().await.unwrap();
                        let path = format!(
                            "/v1/payments/intents/{}/confirm",
                            intent["id"].as_str().unwrap()
                        );
                        let res = app
                            .post_auth(&path, &m.customer, json!({"payment_method": "sim_card_ok"}))
                            .await;
                        assert!(res.status == 200 || res.status == 409, "{}", res.text);
                    }
                }
            }
            Op::Accept(i) => act(&m.provider, i, "accept").await,
            Op::Decline(i) => act(&m.provider, i, "decline").await,
            Op::CustomerCancel(i) => act(&m.customer, i, "cancel").await,
            Op::ProviderCancel(i) => act(&m.provider, i, "cancel").await,
            Op::AdminCancel(i) => act(&m.admin, i, "cancel").await,
            Op::Start(i) => act(&m.provider, i, "start").await,
            Op::Complete(i) => act(&m.provider, i, "complete").await,
            Op::ForceArrived(i) => {
                if let Some(id) = pick(i) {
                    let res = app
                        .post_auth(
                            &format!("/v1/admin/bookings/{id}/force"),
                            &m.admin,
                            json!({"to": "arrived", "reason": "prop"}),
                        )
                        .await;
                    assert!(res.status == 200 || res.status == 409, "{}", res.text);
                }
            }
        }
    }

    // Every transaction sums to zero (read through the admin API).
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/admin/ledger/transactions?limit=100&cursor={c}"),
            None => "/v1/admin/ledger/transactions?limit=100".to_owned(),
        };
        let page = app.get_auth(&path, &m.admin).await.json();
        for tx in page["items"].as_array().unwrap() {
            let sum: i64 = tx["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["amount"].as_i64().unwrap())
                .sum();
            assert_eq!(sum, 0, "unbalanced transaction {tx}");
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // Escrow equals the money of live, paid bookings.
    let mut held = 0;
    for id in &bookings {
        let b = app
            .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
            .await
            .json();
        if [
            "requested",
            "confirmed",
            "en_route",
            "arrived",
            "in_progress",
        ]
        .contains(&b["status"].as_str().unwrap())
        {
            held += b["price"]["total"]["amount"].as_i64().unwrap()
                + b["tip"]["amount"].as_i64().unwrap();
        }
    }
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(summary["escrow_held"].as_i64().unwrap(), held, "{summary}");
    assert_eq!(summary["balanced"], true, "{summary}");
    // The wallets reconcile with the summary.
    let customer = app.get_auth("/v1/wallet", &m.customer).await.json()["balance"]
        .as_i64()
        .unwrap();
    let provider = app.get_auth("/v1/wallet", &m.provider).await.json()["balance"]
        .as_i64()
        .unwrap();
    assert_eq!(provider, summary["provider_earnings"].as_i64().unwrap());
    assert_eq!(
        customer + provider + summary["commission"].as_i64().unwrap() + held,
        0
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn the_ledger_always_balances(ops in prop::collection::vec(op(), 1..28)) {
        actix_web::rt::System::new().block_on(run(ops));
    }
}

//! Payouts: a provider takes earnings out of the wallet, one at a time,
//! never more than is available (held funds excluded), through the ledger
//! (balanced at each step), approved by an admin or automatically; a refused
//! payout returns the money.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, Resp, TestApp};
use crate::market::{market, Market};
use crate::reviews::completed;

async fn wallet(app: &TestApp, m: &Market) -> Value {
    app.get_auth("/v1/wallet", &m.provider).await.json()
}

async fn summary(app: &TestApp, m: &Market) -> Value {
    let s = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(s["balanced"], true, "{s}");
    s
}

async fn ask(app: &TestApp, m: &Market, amount: i64) -> Resp {
    app.post_auth(
        "/v1/wallet/payouts",
        &m.provider,
        json!({"amount": {"amount": amount, "currency": "ZAR"}}),
    )
    .await
}

async fn account(app: &TestApp, m: &Market, destination: &str) {
    let res = app
        .put_auth(
            "/v1/wallet/payout-account",
            &m.provider,
            json!({"destination": destination}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

#[actix_web::test]
async fn a_provider_is_paid_out_through_the_ledger_once_an_admin_approves() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    completed(&app, &m).await;
    let earned = wallet(&app, &m).await["balance"].as_i64().unwrap();
    assert!(earned > 3000, "{earned}");
    assert_eq!(wallet(&app, &m).await["available"], earned);

    // Refused while there is nowhere to pay, below the minimum, above the
    // balance, in another currency.
    let res = ask(&app, &m, 2000).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "no_payout_account");
    let res = app
        .put_auth(
            "/v1/wallet/payout-account",
            &m.provider,
            json!({"destination": "x"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    account(&app, &m, "sim_bank_ok").await;
    let res = ask(&app, &m, 999).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "amount");
    let res = ask(&app, &m, earned + 1).await;
    assert_eq!(res.error_code(), "insufficient_funds");
    let res = app
        .post_auth(
            "/v1/wallet/payouts",
            &m.provider,
            json!({"amount": {"amount": 2000, "currency": "USD"}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(wallet(&app, &m).await["balance"], earned, "nothing moved");

    // Requested: out of the wallet at once; one at a time, even when two
    // requests race.
    let (a, b) = tokio::join!(ask(&app, &m, 2000), ask(&app, &m, 2000));
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 409], "{} / {}", a.text, b.text);
    let res = if a.status == StatusCode::CREATED {
        a
    } else {
        b
    };
    let payout = res.json();
    assert_eq!(payout["status"], "requested");
    assert_eq!(payout["approved_at"], Value::Null);
    let id = payout["id"].as_str().unwrap().to_owned();
    assert_eq!(wallet(&app, &m).await["balance"], earned - 2000);
    assert_eq!(ask(&app, &m, 1000).await.error_code(), "payout_pending");
    assert_eq!(summary(&app, &m).await["payouts_pending"], 2000);

    // The admins' queue; approved, sent, paid.
    let queue = app
        .get_auth("/v1/admin/payouts?status=requested", &m.admin)
        .await
        .json();
    assert_eq!(queue["items"][0]["id"], id.as_str());
    let res = app
        .post_auth(
            &format!("/v1/admin/payouts/{id}/approve"),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let paid = res.json();
    assert_eq!(paid["status"], "paid");
    assert!(paid["reference"].as_str().unwrap().starts_with("sim_po_"));
    let res = app
        .post_auth(
            &format!("/v1/admin/payouts/{id}/approve"),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.error_code(), "payout_settled");
    let s = summary(&app, &m).await;
    assert_eq!(
        (s["payouts_pending"].as_i64(), s["paid_out"].as_i64()),
        (Some(0), Some(2000))
    );
    assert_eq!(wallet(&app, &m).await["balance"], earned - 2000);
    let mails = app.wait_for_messages("pro@example.com", 1).await;
    assert!(
        mails.iter().any(|m| m.contains("ZAR 20.00 is on its way")),
        "{mails:?}"
    );

    // Refused by the bank: failed, and the money is back.
    account(&app, &m, "sim_bank_closed").await;
    let id = ask(&app, &m, 1500).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_auth(
            &format!("/v1/admin/payouts/{id}/approve"),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.json()["status"], "failed");
    assert_eq!(res.json()["failure"], "account_closed");
    assert_eq!(wallet(&app, &m).await["balance"], earned - 2000);

    // Rejected by an admin (a reason is required): failed, money back.
    account(&app, &m, "sim_bank_ok").await;
    let id = ask(&app, &m, 1000).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("/v1/admin/payouts/{id}/reject");
    let res = app.post_auth(&url, &m.admin, json!({})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .post_auth(
            &url,
            &m.admin,
            json!({"reason": "Verify your bank details."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "failed");
    assert_eq!(wallet(&app, &m).await["balance"], earned - 2000);
    let mine = app.get_auth("/v1/wallet/payouts", &m.provider).await.json();
    let statuses: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["failed", "failed", "paid"]);
    let s = summary(&app, &m).await;
    assert_eq!(
        (s["payouts_pending"].as_i64(), s["paid_out"].as_i64()),
        (Some(0), Some(2000))
    );
    let log = app
        .get_auth(&format!("/v1/admin/audit-log?target_id={id}"), &m.admin)
        .await
        .json();
    assert_eq!(log["items"][0]["action"], "payout.reject");
}

#[actix_web::test]
async fn automatic_payouts_go_at_once_and_held_funds_are_not_available() {
    let app = spawn_with(&[("ONSITE_PAYOUT_APPROVAL", "auto")]).await;
    let m = market(&app).await;
    let first = completed(&app, &m).await;
    let one = wallet(&app, &m).await["balance"].as_i64().unwrap();
    completed(&app, &m).await;
    account(&app, &m, "sim_bank_ok").await;

    // A payment complaint about a released booking holds what it earned.
    let res = app
        .post_auth(
            "/v1/complaints",
            &m.customer,
            json!({"booking_id": first, "type": "payment_issue", "severity": "high",
                   "description": "Charged twice for one visit."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let w = wallet(&app, &m).await;
    assert_eq!(w["balance"], 2 * one);
    assert_eq!(w["held"], one);
    assert_eq!(w["available"], one);
    assert_eq!(
        ask(&app, &m, one + 1).await.error_code(),
        "insufficient_funds"
    );

    // Sent at once: paid as it is answered.
    let res = ask(&app, &m, 1000).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["status"], "paid");
    assert_eq!(wallet(&app, &m).await["balance"], 2 * one - 1000);

    // A sender outage leaves it requested (retried later), money set aside.
    account(&app, &m, "sim_bank_down").await;
    let res = ask(&app, &m, 1000).await;
    assert_eq!(res.status, StatusCode::CREATED);
    assert_eq!(res.json()["status"], "requested");
    assert!(res.json()["failure"]
        .as_str()
        .unwrap()
        .contains("did not answer"));
    let s = summary(&app, &m).await;
    assert_eq!(
        (s["payouts_pending"].as_i64(), s["paid_out"].as_i64()),
        (Some(1000), Some(1000))
    );
}

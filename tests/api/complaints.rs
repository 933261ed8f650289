//! Complaints and disputes: who may complain, each side's thread with the
//! admins, the admins' queue, and a payment complaint holding a completed
//! job's payout until an admin settles it (in part refunded); the SLA.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, Resp, TestApp};
use crate::market::{market, Market};

/// A booking paid, accepted, moved to `arrived` by an admin and started.
async fn started(app: &TestApp, m: &Market) -> String {
    let id = m.book(app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.pay(app, &id, 0).await;
    m.start(app, &id).await;
    id
}

async fn complete(app: &TestApp, m: &Market, id: &str) -> Value {
    let res = app
        .post_auth(
            &format!("/v1/bookings/{id}/complete"),
            &m.provider,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json()
}

async fn balance(app: &TestApp, token: &str) -> i64 {
    app.get_auth("/v1/wallet", token).await.json()["balance"]
        .as_i64()
        .unwrap()
}

async fn summary(app: &TestApp, m: &Market) -> Value {
    let s = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(s["balanced"], true, "{s}");
    s
}

async fn file(app: &TestApp, token: &str, booking: &str, kind: &str) -> Resp {
    app.post_auth(
        "/v1/complaints",
        token,
        json!({"booking_id": booking, "type": kind, "severity": "high",
               "description": "I was charged but the job is not what was agreed."}),
    )
    .await
}

/// The refunds of a booking as (rule, amount, status).
async fn refunds(app: &TestApp, booking_id: &str) -> Vec<(String, i64, String)> {
    app.state
        .db
        .run(async |conn| {
            onsite::db::payments::refunds_for(conn, booking_id)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.rule.to_string(), r.amount, r.status.to_string()))
                .collect()
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_payment_complaint_holds_the_payout_until_an_admin_refunds_part_of_it() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = started(&app, &m).await;

    let res = file(&app, &m.customer, &id, "payment_issue").await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let complaint = res.json();
    let cid = complaint["id"].as_str().unwrap().to_owned();
    assert_eq!(complaint["status"], "open");
    assert_eq!(complaint["holds_escrow"], true, "{complaint}");
    assert_eq!(complaint["respondent_id"], m.provider_id.as_str());

    // Completion keeps the money in escrow while the complaint is open.
    complete(&app, &m, &id).await;
    assert_eq!(balance(&app, &m.provider).await, 0);
    assert_eq!(summary(&app, &m).await["escrow_held"], 10_000);

    // Each side talks to the admins on its own side of the thread.
    let thread = format!("/v1/complaints/{cid}/messages");
    let res = app
        .post_auth(
            &thread,
            &m.admin,
            json!({"body": "Which part was not agreed?"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["side"], "reporter");
    let res = app
        .post_auth(
            &thread,
            &m.customer,
            json!({"body": "The second tap was never fitted."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let res = app
        .post_auth(
            &thread,
            &m.admin,
            json!({"body": "The customer says one tap was not fitted.", "side": "respondent"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let res = app
        .post_auth(
            &thread,
            &m.provider,
            json!({"body": "Only one tap was booked.", "side": "reporter"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    let res = app
        .post_auth(
            &thread,
            &m.provider,
            json!({"body": "Only one tap was booked."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);

    let bodies = |v: &Value| -> Vec<String> {
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["body"].as_str().unwrap().to_owned())
            .collect()
    };
    let as_customer = app
        .get_auth(&format!("/v1/complaints/{cid}"), &m.customer)
        .await;
    assert_eq!(as_customer.status, StatusCode::OK);
    assert_eq!(
        bodies(&as_customer.json()),
        [
            "Which part was not agreed?",
            "The second tap was never fitted."
        ]
    );
    let as_provider = app
        .get_auth(&format!("/v1/complaints/{cid}"), &m.provider)
        .await;
    assert_eq!(as_provider.status, StatusCode::OK);
    assert_eq!(
        bodies(&as_provider.json()),
        [
            "The customer says one tap was not fitted.",
            "Only one tap was booked."
        ]
    );
    assert!(as_provider.json().get("assigned_to").is_none());
    let as_admin = app
        .get_auth(&format!("/v1/complaints/{cid}"), &m.admin)
        .await
        .json();
    assert_eq!(bodies(&as_admin).len(), 4);
    let stranger = app.customer("eve@example.com").await;
    let res = app
        .get_auth(&format!("/v1/complaints/{cid}"), &stranger)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .post_auth(&thread, &stranger, json!({"body": "hello"}))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Each party heard from the admin on its side.
    for token in [&m.customer, &m.provider] {
        let center = app.get_auth("/v1/notifications", token).await.json();
        assert!(
            center["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "complaint_message"
                    && n["data"]["complaint_id"] == cid.as_str()),
            "{center}"
        );
    }

    // The queue, filtered; the customer's own list.
    let queue = app
        .get_auth(
            "/v1/admin/complaints?type=payment_issue&status=open&severity=high",
            &m.admin,
        )
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    assert_eq!(queue.json()["items"][0]["id"], cid.as_str());
    let none = app
        .get_auth("/v1/admin/complaints?severity=low", &m.admin)
        .await
        .json();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let res = app
        .get_auth("/v1/admin/complaints?status=lost", &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app.get_auth("/v1/admin/complaints", &m.customer).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let mine = app
        .get_auth("/v1/complaints/mine", &m.customer)
        .await
        .json();
    assert_eq!(mine["items"][0]["id"], cid.as_str());
    let theirs = app
        .get_auth("/v1/complaints/mine", &m.provider)
        .await
        .json();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);

    // An admin takes it, then settles: 50.00 of the 100.00 back.
    let res = app
        .post_auth(
            &format!("/v1/admin/complaints/{cid}/assign"),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "in_review");
    let resolve = format!("/v1/admin/complaints/{cid}/resolve");
    let res = app
        .post_auth(
            &resolve,
            &m.admin,
            json!({"outcome": "resolved", "resolution": "Half a job.", "refund_amount": 10_001}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(
        summary(&app, &m).await["escrow_held"],
        10_000,
        "a refused resolution moves nothing"
    );
    let res = app
        .post_auth(
            &resolve,
            &m.admin,
            json!({"outcome": "resolved", "resolution": "One of two taps fitted: 50.00 back.",
                   "refund_amount": 5_000}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let closed = res.json();
    assert_eq!(closed["status"], "resolved");
    assert_eq!(closed["refund_amount"], 5_000);
    assert_eq!(closed["holds_escrow"], false);

    // Commission is taken only on the 50.00 the provider keeps.
    assert_eq!(balance(&app, &m.customer).await, -5_000);
    assert_eq!(balance(&app, &m.provider).await, 5_000 - 750);
    let s = summary(&app, &m).await;
    assert_eq!(s["escrow_held"], 0, "{s}");
    assert_eq!(
        refunds(&app, &id).await,
        [("dispute".to_owned(), 5_000, "succeeded".to_owned())]
    );
    for token in [&m.customer, &m.provider] {
        let center = app.get_auth("/v1/notifications", token).await.json();
        assert!(
            center["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "complaint_closed"),
            "{center}"
        );
    }

    // Closed is closed.
    let res = app
        .post_auth(
            &resolve,
            &m.admin,
            json!({"outcome": "rejected", "resolution": "again"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "complaint_closed");
    let res = app
        .post_auth(&thread, &m.customer, json!({"body": "thanks"}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // Both admin actions are in the audit log.
    let log = app
        .get_auth(&format!("/v1/admin/audit-log?target_id={cid}"), &m.admin)
        .await
        .json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["complaint.resolve", "complaint.assign"], "{log}");
}

#[actix_web::test]
async fn only_a_bookings_parties_complain_once_at_a_time_and_other_complaints_hold_nothing() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = started(&app, &m).await;

    let stranger = app.customer("eve@example.com").await;
    assert_eq!(
        file(&app, &stranger, &id, "other").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        file(&app, &m.admin, &id, "other").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        file(&app, &m.customer, "nope", "other").await.status,
        StatusCode::NOT_FOUND
    );
    let res = file(&app, &m.customer, &id, "lost_keys").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    let res = file(&app, &m.customer, &id, "customer_behavior").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    let res = app
        .post_auth(
            "/v1/complaints",
            &m.customer,
            json!({"booking_id": id, "type": "other", "severity": "low", "description": "   "}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    let listed = app.get_auth("/v1/admin/complaints", &m.admin).await.json();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "nothing was stored"
    );

    let res = file(&app, &m.customer, &id, "service_quality").await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let quality = res.json();
    assert_eq!(quality["holds_escrow"], false);
    let res = file(&app, &m.customer, &id, "payment_issue").await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "complaint_open");
    // The provider may complain about the customer meanwhile.
    let res = file(&app, &m.provider, &id, "customer_behavior").await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["respondent_id"], m.customer_id.as_str());

    // A complaint that holds nothing releases as usual and refunds nothing.
    complete(&app, &m, &id).await;
    assert_eq!(balance(&app, &m.provider).await, 10_000 - 1_500);
    let resolve = format!(
        "/v1/admin/complaints/{}/resolve",
        quality["id"].as_str().unwrap()
    );
    let res = app
        .post_auth(
            &resolve,
            &m.admin,
            json!({"outcome": "rejected", "resolution": "No fault found.", "refund_amount": 100}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    let res = app
        .post_auth(
            &resolve,
            &m.admin,
            json!({"outcome": "resolved", "resolution": "Sorry.", "refund_amount": 100}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "no_held_escrow");
    let res = app
        .post_auth(
            &resolve,
            &m.admin,
            json!({"outcome": "rejected", "resolution": "No fault found."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "rejected");
    assert_eq!(summary(&app, &m).await["escrow_held"], 0);
    assert!(refunds(&app, &id).await.is_empty());
}

/// Moves a started job's start back by `minutes` (the test cannot wait an hour).
async fn started_minutes_ago(app: &TestApp, booking_id: &str, minutes: i64) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::booking_sla::dsl as sla;
    let at = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(minutes);
    app.state
        .db
        .run(async |conn| {
            onsite::db_run!(conn, |c| diesel::update(sla::booking_sla.find(booking_id))
                .set(sla::started_at.eq(at))
                .execute(c)
                .await)
            .unwrap();
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_job_that_overruns_its_estimate_is_a_breach_and_its_penalty_is_refunded() {
    // 10% of the price for a breach; 15 minutes of grace (the default).
    let app = spawn_with(&[("ONSITE_SLA_PENALTY_BPS", "1000")]).await;
    let m = market(&app).await;

    let on_time = started(&app, &m).await;
    let done = complete(&app, &m, &on_time).await;
    assert_eq!(done["sla"]["breached"], false, "{done}");
    assert!(
        done["sla"]["actual_minutes"].as_i64().unwrap() <= 1,
        "{done}"
    );
    assert_eq!(done["sla"]["penalty"]["amount"], 0);
    let estimated = done["sla"]["estimated_minutes"].as_i64().unwrap();
    assert_eq!(estimated, done["duration_minutes"].as_i64().unwrap());
    assert_eq!(balance(&app, &m.provider).await, 8_500);

    // Within the grace is no breach.
    let late_but_ok = started(&app, &m).await;
    started_minutes_ago(&app, &late_but_ok, estimated + 10).await;
    let done = complete(&app, &m, &late_but_ok).await;
    assert_eq!(done["sla"]["breached"], false, "{done}");
    assert_eq!(balance(&app, &m.provider).await, 2 * 8_500);

    let overran = started(&app, &m).await;
    started_minutes_ago(&app, &overran, estimated + 40).await;
    let done = complete(&app, &m, &overran).await;
    assert_eq!(done["sla"]["breached"], true, "{done}");
    assert!(done["sla"]["actual_minutes"].as_i64().unwrap() >= estimated + 40);
    assert_eq!(done["sla"]["penalty"]["amount"], 1_000);
    // The provider's payout lost the penalty; the customer got it back.
    assert_eq!(balance(&app, &m.provider).await, 2 * 8_500 + 8_500 - 1_000);
    assert_eq!(balance(&app, &m.customer).await, -3 * 10_000 + 1_000);
    assert_eq!(
        refunds(&app, &overran).await,
        [("sla_penalty".to_owned(), 1_000, "succeeded".to_owned())]
    );
    let s = summary(&app, &m).await;
    assert_eq!(s["escrow_held"], 0, "{s}");
    let read = app
        .get_auth(&format!("/v1/bookings/{overran}"), &m.customer)
        .await
        .json();
    assert_eq!(read["sla"]["breached"], true, "{read}");
}

#[actix_web::test]
async fn attachments_stay_on_their_side_of_a_complaint() {
    use crate::fixtures::{jpeg_with_exif, pdf, upload_file};
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = started(&app, &m).await;
    let cid = file(&app, &m.customer, &id, "service_quality").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let files = format!("/v1/complaints/{cid}/attachments");
    let res = upload_file(&app, &files, &m.customer, "file", pdf(), "receipt.jpg", &[]).await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::BAD_REQUEST, "mislabelled_file".into())
    );
    let res = upload_file(&app, &files, &m.customer, "file", pdf(), "receipt.pdf", &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let receipt = res.json();
    assert_eq!(receipt["side"], "reporter");
    let photo = jpeg_with_exif("GPSLatitude -26.2");
    let res = upload_file(&app, &files, &m.provider, "file", photo, "tap.jpg", &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let tap = res.json();
    assert_eq!(tap["side"], "respondent");
    assert_eq!(tap["content_type"], "image/jpeg");
    let stranger = app.customer("eve@example.com").await;
    let res = upload_file(&app, &files, &stranger, "file", pdf(), "x.pdf", &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Each party sees its own side's files; admins see both.
    let seen = |token: String| {
        let app = &app;
        let path = format!("/v1/complaints/{cid}");
        async move {
            app.get_auth(&path, &token).await.json()["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let (r, t) = (receipt["id"].as_str().unwrap(), tap["id"].as_str().unwrap());
    assert_eq!(seen(m.customer.clone()).await, [r]);
    assert_eq!(seen(m.provider.clone()).await, [t]);
    assert_eq!(seen(m.admin.clone()).await, [r, t]);
    let url = receipt["file_url"].as_str().unwrap();
    for (token, status) in [
        (&m.customer, StatusCode::OK),
        (&m.admin, StatusCode::OK),
        (&m.provider, StatusCode::NOT_FOUND),
        (&stranger, StatusCode::NOT_FOUND),
    ] {
        let res = app
            .client
            .get(app.url(url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status);
        if status == StatusCode::OK {
            assert_eq!(res.headers()["cache-control"], "private, no-store");
            assert_eq!(res.bytes().await.unwrap().to_vec(), pdf());
        }
    }
    let res = app
        .client
        .get(app.url(tap["file_url"].as_str().unwrap()))
        .bearer_auth(&m.admin)
        .send()
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&res.bytes().await.unwrap()).contains("GPSLatitude"));
}

//! Scheduled bookings: from a free slot or a hold, exactly one winner per
//! slot, rescheduling, token numbers, and the cut-off of the cancellation policy.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::{days_ahead, slots_on};
use crate::helpers::{spawn_app, token};
use crate::market::{job_location, market};

/// 10:00 in Johannesburg (UTC+2) on a day `n` days ahead.
fn ten_am(n: i64) -> String {
    format!("{}T08:00:00Z", days_ahead(n))
}

#[actix_web::test]
async fn fifty_concurrent_bookers_for_one_slot_exactly_one_wins() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let mut customers = Vec::new();
    for chunk in (0..50).collect::<Vec<_>>().chunks(10) {
        let pairs = join_all(
            chunk
                .iter()
                .map(|i| app.user_owned(format!("b{i}@example.com"), "customer")),
        )
        .await;
        customers.extend(pairs.iter().map(token));
    }
    let body = json!({"service_id": m.service_id, "scheduled_at": ten_am(3), "location": job_location(), "job_size": "small"});
    let results = join_all(customers.iter().map(|t| {
        let req = app
            .client
            .post(app.url("/v1/bookings"))
            .bearer_auth(t)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.text().await.unwrap())
        }
    }))
    .await;
    let won = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let lost = results
        .iter()
        .filter(|(s, t)| *s == StatusCode::CONFLICT && t.contains("slot_unavailable"))
        .count();
    assert_eq!((won, lost), (1, 49), "{results:?}");
    let slots = slots_on(&app, &m.provider_id, Some(&m.service_id), days_ahead(3)).await;
    assert!(!slots.contains(&ten_am(3)), "the slot is taken: {slots:?}");
    // Only the winner's booking exists.
    let all = app.get_auth("/v1/admin/bookings", &m.admin).await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_booking_from_a_hold_and_the_slot_rules() {
    let app = spawn_app().await;
    let m = market(&app).await;
    // Outside open hours, off the grid, or in the past: refused.
    for (at, status) in [
        (format!("{}T20:00:00Z", days_ahead(3)), StatusCode::CONFLICT),
        (
            format!("{}T08:30:00Z", days_ahead(3)),
            StatusCode::BAD_REQUEST,
        ),
        ("2020-01-01T08:00:00Z".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        let res = app
            .post_auth(
                "/v1/bookings",
                &m.customer,
                json!({"service_id": m.service_id, "scheduled_at": at,
                "location": job_location(), "job_size": "small"}),
            )
            .await;
        assert_eq!(res.status, status, "{at}: {}", res.text);
    }
    let res = app
        .post_auth(
            "/v1/slots/hold",
            &m.customer,
            json!({"provider_id": m.provider_id, "service_id": m.service_id, "start": ten_am(4)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let hold = res.json()["hold_id"].as_str().unwrap().to_owned();
    // Someone else cannot book the held slot, nor use the hold.
    let other = token(&app.user("other@example.com", "customer").await);
    let res = app
        .post_auth(
            "/v1/bookings",
            &other,
            json!({"service_id": m.service_id, "scheduled_at": ten_am(4),
            "location": job_location(), "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = app
        .post_auth(
            "/v1/bookings",
            &other,
            json!({"service_id": m.service_id, "hold_id": hold,
            "location": job_location(), "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "hold_expired");
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "hold_id": hold,
            "location": job_location(), "job_size": "large"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let b = res.json();
    assert_eq!(b["scheduled_at"], ten_am(4));
    assert_eq!(b["price"]["total"]["amount"], 20_000);
    // The hold is spent.
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "hold_id": hold,
            "location": job_location(), "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // A second booking the same day gets the next token number.
    let res = app
        .post_auth("/v1/bookings", &m.customer, json!({"service_id": m.service_id, "scheduled_at": format!("{}T10:00:00Z", days_ahead(4)),
            "location": job_location(), "job_size": "small"}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(
        (
            b["token_number"].as_i64(),
            res.json()["token_number"].as_i64()
        ),
        (Some(1), Some(2))
    );
}

#[actix_web::test]
async fn reschedule_moves_the_slot_and_an_early_cancel_refunds_in_full() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let res = app
        .post_auth("/v1/bookings", &m.customer, json!({"service_id": m.service_id, "scheduled_at": ten_am(5),
            "location": job_location(), "job_size": "small", "custom_price": {"amount": 1, "currency": "ZAR"}}))
        .await;
    assert_eq!(
        res.status,
        StatusCode::BAD_REQUEST,
        "custom_price only with job_size custom"
    );
    let res = app
        .post_auth("/v1/bookings", &m.customer, json!({"service_id": m.service_id, "scheduled_at": ten_am(5),
            "location": job_location(), "job_size": "custom", "custom_price": {"amount": 45_000, "currency": "ZAR"}}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    let res = m
        .act(
            &app,
            &m.customer,
            &id,
            "reschedule",
            json!({"scheduled_at": ten_am(6)}),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "only confirmed bookings move: {}",
        res.text
    );
    m.act(&app, &m.provider, &id, "accept", json!({})).await;
    let res = m
        .act(
            &app,
            &m.provider,
            &id,
            "reschedule",
            json!({"scheduled_at": ten_am(6)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = m
        .act(
            &app,
            &m.customer,
            &id,
            "reschedule",
            json!({"scheduled_at": ten_am(6)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let moved = res.json();
    assert_eq!(moved["scheduled_at"], ten_am(6));
    assert_eq!(moved["status"], "confirmed");
    let old = slots_on(&app, &m.provider_id, Some(&m.service_id), days_ahead(5)).await;
    let new = slots_on(&app, &m.provider_id, Some(&m.service_id), days_ahead(6)).await;
    assert!(old.contains(&ten_am(5)), "the old slot is free again");
    assert!(!new.contains(&ten_am(6)), "the new slot is taken");
    // Six days ahead is before the 24-hour cut-off: a full refund.
    let res = m
        .act(
            &app,
            &m.customer,
            &id,
            "cancel",
            json!({"reason": "travelling"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let wallet = app.get_auth("/v1/wallet", &m.customer).await.json();
    assert_eq!(wallet["balance"], 0);
    let refunds = app
        .state
        .db
        .run(async |conn| onsite::db::payments::refunds_for(conn, &id).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        refunds
            .iter()
            .map(|r| (r.rule.as_str(), r.amount))
            .collect::<Vec<_>>(),
        [("before_cutoff", 45_000)]
    );
    let slots = slots_on(&app, &m.provider_id, Some(&m.service_id), days_ahead(6)).await;
    assert!(slots.contains(&ten_am(6)), "cancelling frees the slot");
}

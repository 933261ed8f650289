use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::{
    approved_service, bookable_provider, create_service, days_ahead, every_day,
    provider_with_profile, CAPE_TOWN,
};
use crate::helpers::{spawn_app, token};

#[actix_web::test]
async fn a_hold_claims_every_slot_of_the_booking_for_five_minutes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    // 90 minutes plus a 15-minute buffer on a 60-minute grid: two slots.
    every_day(
        &app,
        &p,
        "UTC",
        60,
        15,
        json!([{"start": "09:00", "end": "17:00"}]),
    )
    .await;
    let s = approved_service(&app, &admin, &p, "Ninety minutes", 45000, 90).await;
    let day = days_ahead(2);
    let ann = app.customer("ann@example.com").await;
    let res = app
        .post_auth(
            "/v1/slots/hold",
            &ann,
            json!({"provider_id": p.id, "service_id": s, "start": format!("{day}T10:00:00Z")}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let hold = res.json();
    assert!(hold["hold_id"].is_string());
    assert_eq!(hold["end"], format!("{day}T12:00:00Z"));
    let expires: DateTime<Utc> = hold["expires_at"].as_str().unwrap().parse().unwrap();
    let left = expires - Utc::now();
    assert!(
        left > Duration::minutes(4) && left <= Duration::minutes(5),
        "{left}"
    );

    // Same start, or any overlap with 10:00-12:00: taken.
    let cat = app.customer("cat@example.com").await;
    for start in ["10:00", "09:00", "11:00"] {
        let res = app
            .post_auth(
                "/v1/slots/hold",
                &cat,
                json!({"provider_id": p.id, "service_id": s, "start": format!("{day}T{start}:00Z")}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{start}: {}", res.text);
        assert_eq!(res.error_code(), "slot_unavailable");
    }
    let res = app
        .post_auth(
            "/v1/slots/hold",
            &cat,
            json!({"provider_id": p.id, "service_id": s, "start": format!("{day}T12:00:00+00:00")}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
}

#[actix_web::test]
async fn holds_are_validated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    every_day(
        &app,
        &p,
        "UTC",
        60,
        0,
        json!([{"start": "09:00", "end": "17:00"}]),
    )
    .await;
    let s = approved_service(&app, &admin, &p, "One hour", 30000, 60).await;
    let pending = create_service(&app, &p, "Not yet approved", 30000, 60).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let day = days_ahead(2);
    let ann = app.customer("ann@example.com").await;
    let hold = |who: String, service: String, start: String| {
        let app = &app;
        let provider = p.id.clone();
        async move {
            app.post_auth(
                "/v1/slots/hold",
                &who,
                json!({"provider_id": provider, "service_id": service, "start": start}),
            )
            .await
        }
    };
    let res = hold(p.token.clone(), s.clone(), format!("{day}T09:00:00Z")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "customers_only");
    for (start, status, field) in [
        (
            format!("{day}T09:30:00Z"),
            StatusCode::BAD_REQUEST,
            Some("start"),
        ),
        (
            format!("{day}T09:00:00.5Z"),
            StatusCode::BAD_REQUEST,
            Some("start"),
        ),
        (
            format!("{}T09:00:00Z", days_ahead(-1)),
            StatusCode::BAD_REQUEST,
            Some("start"),
        ),
        (
            format!("{}T09:00:00Z", days_ahead(400)),
            StatusCode::BAD_REQUEST,
            Some("start"),
        ),
        (
            "tomorrow".to_owned(),
            StatusCode::BAD_REQUEST,
            Some("start"),
        ),
        (format!("{day}T20:00:00Z"), StatusCode::CONFLICT, None),
        (format!("{day}T17:00:00Z"), StatusCode::CONFLICT, None),
    ] {
        let res = hold(ann.clone(), s.clone(), start.clone()).await;
        assert_eq!(res.status, status, "{start}: {}", res.text);
        match field {
            Some(f) => assert_eq!(res.json()["error"]["field"], f, "{start}"),
            None => assert_eq!(res.error_code(), "slot_unavailable"),
        }
    }
    let res = hold(ann.clone(), pending, format!("{day}T09:00:00Z")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // At most three live holds per customer.
    for h in 9..12 {
        let res = hold(ann.clone(), s.clone(), format!("{day}T{h:02}:00:00Z")).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    let res = hold(ann.clone(), s.clone(), format!("{day}T13:00:00Z")).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "too_many_holds");

    // A provider who is not bookable cannot be held.
    let dan = provider_with_profile(&app, "dan@example.com", CAPE_TOWN).await;
    let res = app
        .post_auth(
            "/v1/slots/hold",
            &ann,
            json!({"provider_id": dan.id, "service_id": s, "start": format!("{day}T09:00:00Z")}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "provider_not_verified");
}

#[actix_web::test]
async fn fifty_concurrent_holds_for_one_slot_exactly_one_wins() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    every_day(
        &app,
        &p,
        "UTC",
        60,
        0,
        json!([{"start": "09:00", "end": "17:00"}]),
    )
    .await;
    let s = approved_service(&app, &admin, &p, "One hour", 30000, 60).await;
    let mut customers = Vec::new();
    for chunk in (0..50).collect::<Vec<_>>().chunks(10) {
        let pairs = join_all(
            chunk
                .iter()
                .map(|i| app.user_owned(format!("c{i}@example.com"), "customer")),
        )
        .await;
        customers.extend(pairs.iter().map(token));
    }
    assert_eq!(customers.len(), 50);
    let start = format!("{}T10:00:00Z", days_ahead(2));
    let body = json!({"provider_id": p.id, "service_id": s, "start": start});
    let results = join_all(customers.iter().map(|t| {
        let req = app
            .client
            .post(app.url("/v1/slots/hold"))
            .bearer_auth(t)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.text().await.unwrap())
        }
    }))
    .await;
    let won: Vec<_> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .collect();
    let lost: Vec<_> = results
        .iter()
        .filter(|(s, t)| *s == StatusCode::CONFLICT && t.contains("slot_unavailable"))
        .collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert_eq!(lost.len(), 49, "{results:?}");
    // The winner's hold is the only claim; the slot is no longer offered.
    let slots = crate::fixtures::slots_on(&app, &p.id, Some(&s), days_ahead(2)).await;
    assert!(!slots.contains(&start), "{slots:?}");
    assert_eq!(slots.len(), 7);
}

#[actix_web::test]
async fn booking_slots_and_ensure_bookable_for_the_bookings_code() {
    use onsite::availability::booking_slots;
    use onsite::error::ApiError;
    use onsite::marketplace::ensure_bookable;

    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    every_day(
        &app,
        &p,
        "Europe/Berlin",
        30,
        10,
        json!([{"start": "09:00", "end": "12:00"}]),
    )
    .await;
    let s = approved_service(&app, &admin, &p, "Forty minutes", 30000, 40).await;
    let unverified = provider_with_profile(&app, "dan@example.com", CAPE_TOWN).await;
    let customer = app.register("ann@example.com", "customer").await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.state
        .db
        .run(async |conn| {
            let profile = ensure_bookable(conn, &p.id).await.unwrap();
            assert_eq!(profile.timezone, "Europe/Berlin");
            for (id, code) in [
                (unverified.id.as_str(), "provider_not_verified"),
                (customer.as_str(), "not_found"),
                ("nobody", "not_found"),
            ] {
                let err = ensure_bookable(conn, id).await.unwrap_err();
                assert_eq!(err.code(), code);
            }
            let service = onsite::db::services::find(conn, &s).await.unwrap().unwrap();
            // A winter weekday: 09:00 Berlin is 08:00Z; 40 + 10 minutes on a 30-minute grid is two slots.
            let next_year = chrono::Datelike::year(&Utc::now()) + 1;
            let jan = chrono::NaiveDate::from_ymd_opt(next_year, 1, 14).unwrap();
            let at = |t: &str| -> DateTime<Utc> { format!("{jan}T{t}Z").parse().unwrap() };
            let starts = booking_slots(conn, &profile, &service, at("08:30:00"))
                .await
                .unwrap();
            assert_eq!(
                starts,
                vec![at("08:30:00").naive_utc(), at("09:00:00").naive_utc()]
            );
            for (t, expect) in [
                ("08:15:00", "field"),
                ("10:30:00", "conflict"),
                ("07:00:00", "conflict"),
            ] {
                match booking_slots(conn, &profile, &service, at(t)).await {
                    Err(ApiError::Validation { field, .. }) => {
                        assert_eq!(expect, "field", "{t}");
                        assert_eq!(field, "scheduled_at");
                    }
                    Err(e) => {
                        assert_eq!(expect, "conflict", "{t}: {e:?}");
                        assert_eq!(e.code(), "slot_unavailable");
                    }
                    Ok(v) => panic!("{t}: {v:?}"),
                }
            }
            let past = Utc::now() - Duration::hours(1);
            match booking_slots(conn, &profile, &service, past).await {
                Err(ApiError::Validation { field, .. }) => assert_eq!(field, "scheduled_at"),
                other => panic!("{other:?}"),
            }
        })
        .await
        .unwrap()
}

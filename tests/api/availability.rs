use chrono::{Datelike, Duration, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::{
    approved_service, bookable_provider, days_ahead, every_day, last_weekday_of, next_weekday,
    provider_with_profile, slots_on, CAPE_TOWN,
};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn slots_follow_the_providers_time_zone_across_dst() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    let res = app
        .put_auth(
            "/v1/providers/me/availability",
            &p.token,
            json!({"timezone": "Europe/Berlin", "slot_minutes": 60,
                   "weekly": {"monday": [{"start": "09:00", "end": "10:00"}],
                              "sunday": [{"start": "00:00", "end": "24:00"}]}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let next_year = Utc::now().year() + 1;
    let first = |month| chrono::NaiveDate::from_ymd_opt(next_year, month, 1).unwrap();
    // 09:00 in Berlin is 07:00Z in summer (CEST) and 08:00Z in winter (CET).
    let summer = next_weekday(first(7), Weekday::Mon);
    assert_eq!(
        slots_on(&app, &p.id, None, summer).await,
        vec![format!("{summer}T07:00:00Z")]
    );
    let winter = next_weekday(first(1), Weekday::Mon);
    assert_eq!(
        slots_on(&app, &p.id, None, winter).await,
        vec![format!("{winter}T08:00:00Z")]
    );

    // A Sunday open from midnight to midnight has 23 hourly slots when the
    // clocks go forward and 25 when they go back (the window ends before
    // Monday's 09:00 slot).
    let count_sunday = |date: chrono::NaiveDate| {
        let app = &app;
        let id = p.id.clone();
        async move {
            let res = app
                .get(&format!(
                    "/v1/providers/{id}/slots?from={}T12:00:00Z&to={}T06:00:00Z",
                    date - Duration::days(1),
                    date + Duration::days(1)
                ))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            res.json()["slots"].as_array().unwrap().len()
        }
    };
    let spring = last_weekday_of(next_year, 3, Weekday::Sun);
    let autumn = last_weekday_of(next_year, 10, Weekday::Sun);
    assert_eq!(count_sunday(spring).await, 23);
    assert_eq!(count_sunday(autumn).await, 25);
    assert_eq!(count_sunday(autumn + Duration::days(7)).await, 24);
    let res = app
        .get(&format!(
            "/v1/providers/{}/slots?from={}T00:00:00Z&to={}T00:00:00Z",
            p.id,
            autumn - Duration::days(1),
            autumn + Duration::days(1)
        ))
        .await
        .json();
    // Local midnight of the day before the change is 22:00Z (still CEST).
    assert_eq!(
        res["slots"][0],
        format!("{}T22:00:00Z", autumn - Duration::days(1))
    );
    assert_eq!(res["timezone"], "Europe/Berlin");
}

#[actix_web::test]
async fn exceptions_close_a_day_or_change_its_hours() {
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
    let day = days_ahead(3);
    assert_eq!(slots_on(&app, &p.id, None, day).await.len(), 8);
    let url = "/v1/providers/me/availability/exceptions";
    let res = app
        .post_auth(
            url,
            &p.token,
            json!({"date": day.to_string(), "closed": true, "reason": "Public holiday"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert!(slots_on(&app, &p.id, None, day).await.is_empty());
    assert_eq!(
        slots_on(&app, &p.id, None, day + Duration::days(1))
            .await
            .len(),
        8
    );
    // Other hours replace the closure.
    let res = app
        .post_auth(
            url,
            &p.token,
            json!({"date": day.to_string(), "hours": [{"start": "10:00", "end": "12:00"}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(
        slots_on(&app, &p.id, None, day).await,
        vec![format!("{day}T10:00:00Z"), format!("{day}T11:00:00Z")]
    );
    let view = app
        .get_auth("/v1/providers/me/availability", &p.token)
        .await
        .json();
    assert_eq!(view["exceptions"][0]["date"], day.to_string());
    assert_eq!(
        view["exceptions"][0]["hours"],
        json!([{"start": "10:00", "end": "12:00"}])
    );
    assert_eq!(
        view["weekly"]["friday"],
        json!([{"start": "09:00", "end": "17:00"}])
    );
    // Removing it restores the weekly hours.
    let res = app.delete_auth(&format!("{url}/{day}"), &p.token).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(slots_on(&app, &p.id, None, day).await.len(), 8);
    assert_eq!(
        app.delete_auth(&format!("{url}/{day}"), &p.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for (body, field) in [
        (
            json!({"date": days_ahead(-2).to_string(), "closed": true}),
            "date",
        ),
        (json!({"date": "2030-02-30", "closed": true}), "date"),
        (
            json!({"date": day.to_string(), "closed": true, "hours": [{"start": "10:00", "end": "12:00"}]}),
            "hours",
        ),
        (json!({"date": day.to_string()}), "hours"),
        (
            json!({"date": day.to_string(), "hours": [{"start": "10:30", "end": "12:00"}]}),
            "hours",
        ),
        (
            json!({"date": day.to_string(), "hours": [{"start": "10:00", "end": "25:00"}]}),
            "hours[0].end",
        ),
    ] {
        let res = app.post_auth(url, &p.token, body.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.text);
        assert_eq!(res.json()["error"]["field"], field, "{body}: {}", res.text);
    }
}

#[actix_web::test]
async fn weekly_hours_are_validated() {
    let app = spawn_app().await;
    let p = provider_with_profile(&app, "bob@example.com", CAPE_TOWN).await;
    let url = "/v1/providers/me/availability";
    let put = |body: serde_json::Value| {
        let app = &app;
        let token = p.token.clone();
        async move { app.put_auth(url, &token, body).await }
    };
    let week = |day: &str, start: &str, end: &str| json!({day: [{"start": start, "end": end}]});
    for (body, field) in [
        (
            json!({"timezone": "Mars/Olympus", "slot_minutes": 60, "weekly": {}}),
            "timezone",
        ),
        (
            json!({"timezone": "UTC", "slot_minutes": 7, "weekly": {}}),
            "slot_minutes",
        ),
        (
            json!({"timezone": "UTC", "slot_minutes": 1440, "weekly": {}}),
            "slot_minutes",
        ),
        (
            json!({"timezone": "UTC", "slot_minutes": 60, "buffer_minutes": -5, "weekly": {}}),
            "buffer_minutes",
        ),
        (
            json!({"timezone": "UTC", "slot_minutes": 60, "weekly": week("monday", "17:00", "09:00")}),
            "weekly.monday",
        ),
        (
            json!({"timezone": "UTC", "slot_minutes": 60, "weekly": week("tuesday", "09:30", "12:00")}),
            "weekly.tuesday",
        ),
        (
            json!({"timezone": "UTC", "slot_minutes": 60,
                "weekly": {"friday": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}}),
            "weekly.friday",
        ),
        (
            json!({"timezone": "UTC", "slot_minutes": 60, "weekly": week("monday", "9am", "12:00")}),
            "weekly.monday[0].start",
        ),
    ] {
        let res = put(body.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.text);
        assert_eq!(res.json()["error"]["field"], field, "{body}: {}", res.text);
    }
    let res = put(json!({"timezone": "UTC", "slot_minutes": 60, "weekly": {"funday": []}})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    // 30-minute slots: half hours are on the grid, intervals may end off it.
    let res = put(json!({"timezone": "Africa/Johannesburg", "slot_minutes": 30, "buffer_minutes": 15,
                         "weekly": {"monday": [{"start": "13:00", "end": "17:00"}, {"start": "08:30", "end": "12:10"}]}}))
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let view = res.json();
    assert_eq!(view["timezone"], "Africa/Johannesburg");
    assert_eq!(view["buffer_minutes"], 15);
    assert_eq!(
        view["weekly"]["monday"],
        json!([{"start": "08:30", "end": "12:10"}, {"start": "13:00", "end": "17:00"}])
    );
    assert_eq!(view["weekly"]["sunday"], json!([]));
    let customer = app.customer("ann@example.com").await;
    let res = app
        .put_auth(
            url,
            &customer,
            json!({"timezone": "UTC", "slot_minutes": 60, "weekly": {}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "provider_only");
}

#[actix_web::test]
async fn held_booked_and_past_slots_are_not_offered() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    every_day(
        &app,
        &p,
        "UTC",
        60,
        0,
        json!([{"start": "09:00", "end": "13:00"}]),
    )
    .await;
    let hour = approved_service(&app, &admin, &p, "One hour", 30000, 60).await;
    let ninety = approved_service(&app, &admin, &p, "Ninety minutes", 45000, 90).await;
    let day = days_ahead(2);
    let at = |h: u32| format!("{day}T{h:02}:00:00Z");
    assert_eq!(
        slots_on(&app, &p.id, Some(&hour), day).await,
        vec![at(9), at(10), at(11), at(12)]
    );
    // 90 minutes need two slots, so the last slot of the day cannot start one.
    assert_eq!(
        slots_on(&app, &p.id, Some(&ninety), day).await,
        vec![at(9), at(10), at(11)]
    );

    let customer = app.customer("ann@example.com").await;
    let res = app
        .post_auth(
            "/v1/slots/hold",
            &customer,
            json!({"provider_id": p.id, "service_id": hour, "start": at(10)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    // A booking's claim (what the bookings code inserts).
    {
        app.state
            .db
            .run(async |conn| {
                let start = chrono::DateTime::parse_from_rfc3339(&at(12))
                    .unwrap()
                    .naive_utc();
                let ok = onsite::db::slots::claim(
                    conn,
                    &p.id,
                    &[start],
                    onsite::db::slots::Claimant::Booking("bk_1"),
                )
                .await
                .unwrap();
                assert!(ok);
            })
            .await
            .unwrap()
    }
    assert_eq!(
        slots_on(&app, &p.id, Some(&hour), day).await,
        vec![at(9), at(11)]
    );
    assert!(slots_on(&app, &p.id, Some(&ninety), day).await.is_empty());

    // An expired hold frees its slot.
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use onsite::db::schema::slot_claims::dsl as sc;
        app.state
            .db
            .run(async |conn| {
                let past = Utc::now().naive_utc() - Duration::minutes(1);
                onsite::db_run!(conn, |c| diesel::update(
                    sc::slot_claims.filter(sc::hold_id.is_not_null())
                )
                .set(sc::expires_at.eq(Some(past)))
                .execute(c)
                .await)
                .unwrap();
            })
            .await
            .unwrap()
    }
    assert_eq!(
        slots_on(&app, &p.id, Some(&hour), day).await,
        vec![at(9), at(10), at(11)]
    );
    let other = app.customer("cat@example.com").await;
    let res = app
        .post_auth(
            "/v1/slots/hold",
            &other,
            json!({"provider_id": p.id, "service_id": hour, "start": at(10)}),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::CREATED,
        "an expired hold does not block: {}",
        res.text
    );

    // Past slots are never offered: open all day, today.
    every_day(
        &app,
        &p,
        "UTC",
        60,
        0,
        json!([{"start": "00:00", "end": "24:00"}]),
    )
    .await;
    let now = Utc::now();
    let today = slots_on(&app, &p.id, None, now.date_naive()).await;
    assert!(today.len() <= 24);
    for s in &today {
        assert!(
            chrono::DateTime::parse_from_rfc3339(s).unwrap() > now,
            "{s}"
        );
    }
}

#[actix_web::test]
async fn slot_queries_are_bounded_and_public_only_for_bookable_providers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    let unverified = provider_with_profile(&app, "dan@example.com", CAPE_TOWN).await;
    let other = bookable_provider(&app, &admin, "carl@example.com", CAPE_TOWN).await;
    let others_service = approved_service(&app, &admin, &other, "Not Bob's", 30000, 60).await;
    let base = format!("/v1/providers/{}/slots", p.id);
    for (query, field) in [
        ("from=yesterday", "from"),
        ("from=2030-01-01T00:00:00Z&to=2030-03-01T00:00:00Z", "to"),
        ("from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to"),
    ] {
        let res = app.get(&format!("{base}?{query}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(res.json()["error"]["field"], field, "{query}");
    }
    let res = app
        .get(&format!(
            "{base}?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z"
        ))
        .await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "31 days are allowed: {}",
        res.text
    );
    let res = app
        .get(&format!("{base}?service_id={others_service}"))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let unverified_url = format!("/v1/providers/{}/slots", unverified.id);
    assert_eq!(app.get(&unverified_url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_auth(&unverified_url, &unverified.token)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/v1/providers/nobody/slots").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn the_grid_cannot_move_under_future_claims() {
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
    let customer = app.customer("ann@example.com").await;
    let res = app
        .post_auth(
            "/v1/slots/hold",
            &customer,
            json!({"provider_id": p.id, "service_id": s, "start": format!("{}T09:00:00Z", days_ahead(2))}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let url = "/v1/providers/me/availability";
    let hours = json!({"monday": [{"start": "08:00", "end": "18:00"}]});
    let res = app
        .put_auth(
            url,
            &p.token,
            json!({"timezone": "UTC", "slot_minutes": 30, "weekly": hours}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "availability_in_use");
    let res = app
        .put_auth(
            url,
            &p.token,
            json!({"timezone": "Asia/Kolkata", "slot_minutes": 60, "weekly": hours}),
        )
        .await;
    assert_eq!(res.error_code(), "availability_in_use");
    // Hours and buffer may change.
    let res = app
        .put_auth(
            url,
            &p.token,
            json!({"timezone": "UTC", "slot_minutes": 60, "buffer_minutes": 30, "weekly": hours}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

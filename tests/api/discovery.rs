use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::fixtures::{
    all_pages, approved_service, days_ahead, every_day, ids, provider_at, set_rating, CAPE_TOWN,
};
use crate::helpers::spawn_app;

/// `CAPE_TOWN` moved north by `dlat` degrees (1 degree is about 111.2 km).
fn north(dlat: f64) -> (f64, f64) {
    (CAPE_TOWN.0 + dlat, CAPE_TOWN.1)
}

fn near() -> String {
    format!("near={},{}", CAPE_TOWN.0, CAPE_TOWN.1)
}

fn item_ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn providers_near_a_point_within_both_radii_sorted_by_distance() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = provider_at(&app, &admin, "a@example.com", CAPE_TOWN, 50.0).await;
    let b = provider_at(&app, &admin, "b@example.com", north(0.1), 50.0).await;
    let c = provider_at(&app, &admin, "c@example.com", north(0.3), 50.0).await;
    // 22 km away but only travels 10 km: does not serve the point.
    provider_at(&app, &admin, "d@example.com", north(0.2), 10.0).await;
    // 111 km away, travels 200 km: only inside a search radius that wide.
    let e = provider_at(&app, &admin, "e@example.com", north(1.0), 200.0).await;

    let page = app.get(&format!("/v1/providers?{}", near())).await.json();
    assert_eq!(ids(&page), vec![a.id.clone(), b.id.clone(), c.id.clone()]);
    let d: Vec<f64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["distance_km"].as_f64().unwrap())
        .collect();
    assert!(d[0] < 0.001, "{d:?}");
    assert!((d[1] - 11.12).abs() < 0.05, "{d:?}");
    assert!((d[2] - 33.36).abs() < 0.1, "{d:?}");

    let page = app
        .get(&format!("/v1/providers?{}&radius_km=20", near()))
        .await
        .json();
    assert_eq!(ids(&page), vec![a.id.clone(), b.id.clone()]);
    let page = app
        .get(&format!("/v1/providers?{}&radius_km=150", near()))
        .await
        .json();
    assert_eq!(
        ids(&page),
        vec![a.id.clone(), b.id.clone(), c.id.clone(), e.id.clone()]
    );
    // Without near: everyone bookable, newest first, no distance.
    let page = app.get("/v1/providers").await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert!(page["items"][0].get("distance_km").is_none());
    assert_eq!(page["items"][0]["id"], e.id.as_str());
}

#[actix_web::test]
async fn providers_filter_by_skill_online_and_rating() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = provider_at(&app, &admin, "a@example.com", CAPE_TOWN, 50.0).await;
    let b = provider_at(&app, &admin, "b@example.com", CAPE_TOWN, 50.0).await;
    app.put_auth(
        "/v1/providers/me/profile",
        &b.token,
        json!({"bio": "Electrician", "skills": ["Electrical"],
               "base_location": {"lat": CAPE_TOWN.0, "lng": CAPE_TOWN.1}}),
    )
    .await;
    app.put_auth("/v1/providers/me/online", &a.token, json!({"online": true}))
        .await;
    set_rating(&app, &b.id, 4.5, 10).await;
    let get = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move { ids(&app.get(&format!("/v1/providers?{q}")).await.json()) }
    };
    assert_eq!(get("skill=plumbing").await, vec![a.id.clone()]);
    assert_eq!(get("skill=ELECTRICAL").await, vec![b.id.clone()]);
    assert_eq!(get("skill=drain%20cleaning").await, vec![a.id.clone()]);
    assert!(get("skill=drain").await.is_empty(), "whole skills only");
    assert_eq!(get("online=true").await, vec![a.id.clone()]);
    assert_eq!(get("online=false").await, vec![b.id.clone()]);
    assert_eq!(get("min_rating=4").await, vec![b.id.clone()]);
    assert_eq!(get("sort=rating").await, vec![b.id.clone(), a.id.clone()]);
    assert_eq!(get("q=electric").await, vec![b.id.clone()]);
    let res = app.get("/v1/providers?sort=price").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "sort");
}

#[actix_web::test]
async fn services_filter_by_text_price_rating_and_distance() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let near_p = provider_at(&app, &admin, "a@example.com", north(0.05), 50.0).await;
    let far_p = provider_at(&app, &admin, "b@example.com", north(0.25), 50.0).await;
    set_rating(&app, &far_p.id, 4.8, 3).await;
    let tap = approved_service(&app, &admin, &near_p, "Fix a tap", 45000, 60).await;
    let drain = approved_service(&app, &admin, &near_p, "Unblock a drain", 80000, 60).await;
    let geyser = approved_service(&app, &admin, &far_p, "Geyser 100%_service", 150000, 120).await;

    let get = |q: String| {
        let app = &app;
        async move {
            let res = app.get(&format!("/v1/services?{q}")).await;
            assert_eq!(res.status, StatusCode::OK, "{q}: {}", res.text);
            res.json()
        }
    };
    assert_eq!(ids(&get("q=DRAIN".into()).await), vec![drain.clone()]);
    assert_eq!(
        ids(&get("q=done%20right&sort=price".into()).await),
        vec![tap.clone(), drain.clone(), geyser.clone()]
    );
    assert_eq!(
        ids(&get("q=100%25_".into()).await),
        vec![geyser.clone()],
        "LIKE wildcards are literal"
    );
    assert!(ids(&get("q=50%25".into()).await).is_empty());
    assert_eq!(
        ids(&get("min_price=50000&max_price=150000&sort=price".into()).await),
        vec![drain.clone(), geyser.clone()]
    );
    assert_eq!(ids(&get("max_price=45000".into()).await), vec![tap.clone()]);
    assert_eq!(
        ids(&get("min_rating=4.5".into()).await),
        vec![geyser.clone()]
    );
    assert_eq!(ids(&get("sort=rating".into()).await)[0], geyser);
    assert_eq!(
        ids(&get(format!("provider_id={}", far_p.id)).await),
        vec![geyser.clone()]
    );

    let page = get(format!("{}&radius_km=10", near())).await;
    assert_eq!(
        ids(&page).into_iter().collect::<HashSet<_>>(),
        HashSet::from([tap.clone(), drain.clone()])
    );
    assert!((page["items"][0]["distance_km"].as_f64().unwrap() - 5.56).abs() < 0.05);
    let page = get(format!("{}&sort=price", near())).await;
    assert_eq!(ids(&page), vec![tap.clone(), drain.clone(), geyser.clone()]);
    assert!((page["items"][2]["distance_km"].as_f64().unwrap() - 27.8).abs() < 0.1);
    let page = get(format!("{}&sort=distance&max_price=100000", near())).await;
    assert_eq!(ids(&page).len(), 2);
}

#[actix_web::test]
async fn cursor_paging_visits_every_result_once_for_every_sort() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut all = HashSet::new();
    for (i, dlat) in [0.0, 0.02, 0.02, 0.1].iter().enumerate() {
        let p = provider_at(
            &app,
            &admin,
            &format!("p{i}@example.com"),
            north(*dlat),
            50.0,
        )
        .await;
        set_rating(&app, &p.id, [4.0, 3.5, 4.0, 5.0][i], 1).await;
        for (j, price) in [30000, 30000, 55000].iter().enumerate() {
            all.insert(
                approved_service(&app, &admin, &p, &format!("Job {i}-{j}"), *price, 60).await,
            );
        }
    }
    assert_eq!(all.len(), 12);
    for (query, key) in [
        ("/v1/services".to_owned(), None),
        ("/v1/services?sort=price".to_owned(), Some("price")),
        ("/v1/services?sort=rating".to_owned(), Some("rating")),
        (format!("/v1/services?{}", near()), Some("distance")),
        (format!("/v1/services?{}&sort=price", near()), Some("price")),
        (
            format!("/v1/services?{}&sort=rating", near()),
            Some("rating"),
        ),
    ] {
        for limit in [1, 5, 12] {
            let items = all_pages(&app, &query, limit).await;
            let seen = item_ids(&items);
            let unique: HashSet<String> = seen.iter().cloned().collect();
            assert_eq!(
                seen.len(),
                12,
                "{query} limit {limit}: duplicates or missing"
            );
            assert_eq!(unique, all, "{query} limit {limit}");
            // Each sort really orders.
            let values: Vec<f64> = items
                .iter()
                .map(|i| match key {
                    Some("price") => i["price"]["amount"].as_f64().unwrap(),
                    Some("rating") => -i["provider"]["rating"].as_f64().unwrap(),
                    Some("distance") => i["distance_km"].as_f64().unwrap(),
                    _ => 0.0,
                })
                .collect();
            assert!(
                values.windows(2).all(|w| w[0] <= w[1]),
                "{query}: {values:?}"
            );
            if key.is_none() {
                let mut desc = seen.clone();
                desc.sort_by(|a, b| b.cmp(a));
                assert_eq!(seen, desc, "newest first");
            }
        }
    }
    // Providers page the same way.
    let items = all_pages(&app, &format!("/v1/providers?{}", near()), 1).await;
    assert_eq!(
        item_ids(&items).into_iter().collect::<HashSet<_>>().len(),
        4
    );
    let items = all_pages(&app, "/v1/providers?sort=rating", 3).await;
    assert_eq!(items.len(), 4);
    // A cursor belongs to its sort.
    let page = app.get("/v1/services?sort=price&limit=2").await.json();
    let cursor = page["next_cursor"].as_str().unwrap();
    let res = app
        .get(&format!("/v1/services?sort=rating&cursor={cursor}"))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "cursor");
}

#[actix_web::test]
async fn bad_query_values_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, field) in [
        ("near=abc", "near"),
        ("near=91,0", "near"),
        ("near=1,2,3", "near"),
        ("radius_km=5", "radius_km"),
        ("near=0,0&radius_km=0", "radius_km"),
        ("near=0,0&radius_km=501", "radius_km"),
        ("near=0,0&radius_km=x", "radius_km"),
        ("sort=cheapest", "sort"),
        ("sort=distance", "sort"),
        ("min_price=-1", "min_price"),
        ("max_price=abc", "max_price"),
        ("min_price=500&max_price=100", "max_price"),
        ("min_rating=6", "min_rating"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=!!!", "cursor"),
        ("available_on=tomorrow", "available_on"),
        ("mine=yes", "mine"),
    ] {
        let res = app.get(&format!("/v1/services?{query}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}: {}", res.text);
        assert_eq!(res.json()["error"]["field"], field, "{query}: {}", res.text);
    }
    for (query, field) in [
        ("online=maybe", "online"),
        ("skill=a%25b", "skill"),
        ("near=0", "near"),
    ] {
        let res = app.get(&format!("/v1/providers?{query}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}: {}", res.text);
        assert_eq!(res.json()["error"]["field"], field, "{query}");
    }
    // Empty results are a page too.
    let res = app.get("/v1/services?limit=100").await;
    assert_eq!(res.json(), json!({"items": [], "next_cursor": null}));
}

#[actix_web::test]
async fn available_on_keeps_only_those_with_a_free_slot_that_day() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let open = provider_at(&app, &admin, "a@example.com", CAPE_TOWN, 50.0).await;
    let no_hours = provider_at(&app, &admin, "b@example.com", CAPE_TOWN, 50.0).await;
    every_day(
        &app,
        &open,
        "Africa/Johannesburg",
        60,
        0,
        json!([{"start": "09:00", "end": "17:00"}]),
    )
    .await;
    let short = approved_service(&app, &admin, &open, "Quick fix", 30000, 60).await;
    let day_long = approved_service(&app, &admin, &open, "Full day", 200000, 480).await;
    // Ten hours: longer than any open day.
    approved_service(&app, &admin, &open, "Too long", 400000, 600).await;
    approved_service(&app, &admin, &no_hours, "Never open", 30000, 60).await;
    let date = days_ahead(3);

    let page = app
        .get(&format!("/v1/providers?available_on={date}"))
        .await
        .json();
    assert_eq!(ids(&page), vec![open.id.clone()]);
    let page = app
        .get(&format!("/v1/services?available_on={date}&sort=price"))
        .await
        .json();
    assert_eq!(
        ids(&page),
        vec![short.clone(), day_long.clone()],
        "a 10-hour job fits no 8-hour day"
    );

    // Holding the whole day leaves no room for the day-long job.
    let customer = app.customer("ann@example.com").await;
    let res = app
        .post_auth(
            "/v1/slots/hold",
            &customer,
            json!({"provider_id": open.id, "service_id": day_long,
                   "start": format!("{date}T07:00:00Z")}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let page = app
        .get(&format!("/v1/services?available_on={date}"))
        .await
        .json();
    assert!(ids(&page).is_empty(), "{page}");
    let other_day = app
        .get(&format!(
            "/v1/services?available_on={}&sort=price",
            days_ahead(4)
        ))
        .await
        .json();
    assert_eq!(ids(&other_day), vec![short.clone(), day_long.clone()]);
    // A closed day.
    let res = app
        .post_auth(
            "/v1/providers/me/availability/exceptions",
            &open.token,
            json!({"date": days_ahead(4).to_string(), "closed": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let page = app
        .get(&format!("/v1/providers?available_on={}", days_ahead(4)))
        .await
        .json();
    assert!(ids(&page).is_empty());
}

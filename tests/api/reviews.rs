//! Ratings and reviews both ways, double-blind; favorites.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::fixtures;
use crate::helpers::{spawn_with, TestApp};
use crate::market::{job_location, market, Market, BASE};

/// A booking of `service_id` by the market's customer, paid, accepted,
/// moved to `arrived` by an admin, started and completed.
pub async fn completed_of(app: &TestApp, m: &Market, service_id: &str, provider: &str) -> String {
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": service_id, "location": job_location(), "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    m.pay(app, &id, 0).await;
    for (who, action, body) in [
        (provider, "accept", json!({})),
        (
            m.admin.as_str(),
            "force",
            json!({"to": "arrived", "reason": "test: at the door"}),
        ),
        (provider, "start", json!({})),
        (provider, "complete", json!({})),
    ] {
        let path = if action == "force" {
            format!("/v1/admin/bookings/{id}/force")
        } else {
            format!("/v1/bookings/{id}/{action}")
        };
        let res = app.post_auth(&path, who, body).await;
        assert_eq!(res.status, StatusCode::OK, "{action}: {}", res.text);
    }
    id
}

pub async fn completed(app: &TestApp, m: &Market) -> String {
    completed_of(app, m, &m.service_id, &m.provider).await
}

async fn public_reviews(app: &TestApp, provider_id: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/v1/providers/{provider_id}/reviews"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json()["items"].as_array().unwrap().clone()
}

async fn rating_of(app: &TestApp, provider_id: &str) -> (f64, i64) {
    let view = app
        .get(&format!("/v1/providers/{provider_id}"))
        .await
        .json();
    (
        view["rating"].as_f64().unwrap(),
        view["rating_count"].as_i64().unwrap(),
    )
}

#[actix_web::test]
async fn reviews_stay_hidden_until_both_sides_have_reviewed() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = completed(&app, &m).await;
    let rate = format!("/v1/bookings/{id}/rate");
    let rate_customer = format!("/v1/bookings/{id}/rate-customer");

    // Who may rate, and what.
    let stranger = app.customer("eve@example.com").await;
    let res = app.post_auth(&rate, &stranger, json!({"rating": 5})).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .post_auth(&rate, &m.provider, json!({"rating": 5}))
        .await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::FORBIDDEN, "customers_only".into())
    );
    let res = app
        .post_auth(&rate_customer, &m.customer, json!({"rating": 5}))
        .await;
    assert_eq!(res.error_code(), "provider_only");
    for bad in [
        json!({"rating": 0}),
        json!({"rating": 6}),
        json!({"rating": 4, "comment": "x".repeat(2001)}),
    ] {
        let res = app.post_auth(&rate, &m.customer, bad).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    }
    let open = m.book(&app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_auth(
            &format!("/v1/bookings/{open}/rate"),
            &m.customer,
            json!({"rating": 5}),
        )
        .await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::CONFLICT, "not_completed".into())
    );

    // The customer's review is stored but hidden: not listed, not counted.
    let res = app
        .post_auth(
            &rate,
            &m.customer,
            json!({"rating": 4, "comment": "  On time, tidy work. "}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let mine = res.json();
    assert_eq!(
        (mine["rating"].as_i64(), mine["published"].as_bool()),
        (Some(4), Some(false))
    );
    assert_eq!(mine["comment"], "On time, tidy work.");
    let again = app
        .post_auth(&rate, &m.customer, json!({"rating": 1}))
        .await;
    assert_eq!(
        (again.status, again.error_code()),
        (StatusCode::CONFLICT, "already_reviewed".into())
    );
    assert!(public_reviews(&app, &m.provider_id).await.is_empty());
    assert_eq!(rating_of(&app, &m.provider_id).await, (0.0, 0));
    // Nothing to answer yet (and the provider cannot tell a review exists).
    let reply = format!("/v1/bookings/{id}/review/reply");
    let res = app
        .post_auth(&reply, &m.provider, json!({"text": "Thanks!"}))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // The provider reviews the customer: both are published at once.
    let res = app
        .post_auth(&rate_customer, &m.provider, json!({"rating": 5}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["published"], true);
    let listed = public_reviews(&app, &m.provider_id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["rating"], 4);
    assert_eq!(listed[0]["comment"], "On time, tidy work.");
    assert_eq!(
        listed[0]["author"], "Test U.",
        "first name and initial only"
    );
    assert!(listed[0]["reply"].is_null());
    assert_eq!(rating_of(&app, &m.provider_id).await, (4.0, 1));

    // One answer, by the reviewed provider only.
    let res = app
        .post_auth(&reply, &m.customer, json!({"text": "me too"}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .post_auth(&reply, &m.provider, json!({"text": "  "}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .post_auth(
            &reply,
            &m.provider,
            json!({"text": "Thank you, see you next time."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    let res = app
        .post_auth(&reply, &m.provider, json!({"text": "Again"}))
        .await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::CONFLICT, "already_replied".into())
    );
    let listed = public_reviews(&app, &m.provider_id).await;
    assert_eq!(listed[0]["reply"]["text"], "Thank you, see you next time.");
}

#[actix_web::test]
async fn a_review_nobody_answers_is_published_when_the_window_closes() {
    let app = spawn_with(&[("ONSITE_REVIEW_WINDOW_S", "2")]).await;
    let m = market(&app).await;
    let first = completed(&app, &m).await;
    let second = completed(&app, &m).await;
    for (id, rating) in [(&first, 5), (&second, 2)] {
        let res = app
            .post_auth(
                &format!("/v1/bookings/{id}/rate"),
                &m.customer,
                json!({"rating": rating}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    // The sweeper publishes them once the window has closed.
    onsite::sweeper::sweep(&app.state).await.unwrap();
    assert!(public_reviews(&app, &m.provider_id).await.is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    onsite::sweeper::sweep(&app.state).await.unwrap();
    let listed = public_reviews(&app, &m.provider_id).await;
    let mut ratings: Vec<i64> = listed
        .iter()
        .map(|r| r["rating"].as_i64().unwrap())
        .collect();
    ratings.sort_unstable();
    assert_eq!(ratings, [2, 5]);
    assert_eq!(rating_of(&app, &m.provider_id).await, (3.5, 2));
    // Counted once: another pass changes nothing.
    onsite::sweeper::sweep(&app.state).await.unwrap();
    assert_eq!(rating_of(&app, &m.provider_id).await, (3.5, 2));
    // Too late for the provider now.
    let res = app
        .post_auth(
            &format!("/v1/bookings/{first}/rate-customer"),
            &m.provider,
            json!({"rating": 4}),
        )
        .await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::CONFLICT, "review_window_closed".into())
    );
}

#[actix_web::test]
async fn discovery_filters_and_sorts_by_published_ratings() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let other = fixtures::bookable_provider(&app, &m.admin, "pro2@example.com", BASE).await;
    let res = app
        .put_auth(
            "/v1/providers/me/online",
            &other.token,
            json!({"online": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    fixtures::every_day(
        &app,
        &other,
        "Africa/Johannesburg",
        60,
        0,
        json!([{"start": "08:00", "end": "18:00"}]),
    )
    .await;
    let other_service =
        fixtures::approved_service(&app, &m.admin, &other, "Fix a leaking pipe", 10_000, 60).await;
    let good = completed(&app, &m).await;
    let poor = completed_of(&app, &m, &other_service, &other.token).await;
    for (id, provider, rating) in [(&good, &m.provider, 5), (&poor, &other.token, 2)] {
        for (path, who, r) in [
            ("rate", &m.customer, rating),
            ("rate-customer", provider, 4),
        ] {
            let res = app
                .post_auth(
                    &format!("/v1/bookings/{id}/{path}"),
                    who,
                    json!({"rating": r}),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        }
    }
    let ids = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let at = format!("{},{}", BASE.0, BASE.1);
    let filtered = app
        .get(&format!("/v1/providers?min_rating=4&near={at}"))
        .await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.text);
    assert_eq!(ids(filtered.json()), [m.provider_id.as_str()]);
    let sorted = app
        .get(&format!("/v1/providers?sort=rating&near={at}"))
        .await
        .json();
    assert_eq!(ids(sorted), [m.provider_id.as_str(), other.id.as_str()]);
    assert_eq!(rating_of(&app, &other.id).await, (2.0, 1));
}

#[actix_web::test]
async fn favorites_are_a_customers_own_list() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let add = |who: &str, id: &str| {
        let (who, body) = (who.to_owned(), json!({"provider_id": id}));
        let app = &app;
        async move { app.post_auth("/v1/favorites", &who, body).await }
    };
    assert_eq!(
        add(&m.customer, &m.provider_id).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        add(&m.customer, &m.provider_id).await.status,
        StatusCode::OK
    );
    assert_eq!(
        add(&m.customer, "nobody").await.status,
        StatusCode::NOT_FOUND
    );
    let res = add(&m.provider, &m.provider_id).await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::FORBIDDEN, "customers_only".into())
    );
    let res = app.get("/v1/favorites").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    let list = app.get_auth("/v1/favorites", &m.customer).await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["provider_id"], m.provider_id.as_str());
    assert_eq!(items[0]["provider"]["is_favorite"], true);
    // The mark follows the caller: set for this customer, false for another,
    // absent for anonymous callers.
    let path = format!("/v1/providers/{}", m.provider_id);
    assert_eq!(
        app.get_auth(&path, &m.customer).await.json()["is_favorite"],
        true
    );
    let other = app.customer("cus2@example.com").await;
    assert_eq!(
        app.get_auth(&path, &other).await.json()["is_favorite"],
        false
    );
    assert!(app.get(&path).await.json().get("is_favorite").is_none());
    let listed = app.get_auth("/v1/providers", &m.customer).await.json();
    assert_eq!(listed["items"][0]["is_favorite"], true);
    assert!(app.get_auth("/v1/favorites", &other).await.json()["items"]
        .as_array()
        .unwrap()
        .is_empty());

    let remove = format!("/v1/favorites/{}", m.provider_id);
    assert_eq!(
        app.delete_auth(&remove, &other).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete_auth(&remove, &m.customer).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete_auth(&remove, &m.customer).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.get_auth("/v1/favorites", &m.customer).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

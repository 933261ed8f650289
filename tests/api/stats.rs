//! Public stats (aggregates only) and the admin's revenue view.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::fixtures;
use crate::helpers::{spawn_with, TestApp};
use crate::market::{market, BASE};
use crate::reviews::completed;

async fn get(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text);
    res.json()
}

#[actix_web::test]
async fn stats_count_what_happened_and_name_nobody() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let empty = get(&app, "/v1/stats/platform").await;
    assert_eq!(
        empty["users"],
        json!({"customers": 1, "providers": 1, "admins": 1})
    );
    assert_eq!(
        (
            empty["active_providers"].as_i64(),
            empty["online_providers"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(empty["services"], 1);
    assert_eq!(
        empty["bookings"],
        json!({"total": 0, "completed": 0, "completion_rate": 0.0})
    );

    let done = completed(&app, &m).await;
    let price = app
        .get_auth(&format!("/v1/bookings/{done}"), &m.customer)
        .await
        .json()["price"]["total"]["amount"]
        .as_i64()
        .unwrap();
    m.book(&app, "small").await;
    let now = get(&app, "/v1/stats/platform").await;
    assert_eq!(
        now["bookings"],
        json!({"total": 2, "completed": 1, "completion_rate": 0.5})
    );

    let week = get(&app, "/v1/stats/bookings/trends?days=7").await;
    let days = week["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let today = days.last().unwrap();
    assert_eq!(
        (
            today["total"].as_i64(),
            today["completed"].as_i64(),
            today["revenue"].as_i64()
        ),
        (Some(2), Some(1), Some(price))
    );
    assert!(days[..6]
        .iter()
        .all(|d| d["total"] == 0 && d["revenue"] == 0));
    assert!(days
        .windows(2)
        .all(|w| w[0]["date"].as_str() < w[1]["date"].as_str()));
    for bad in ["?days=0", "?days=366", "?days=x"] {
        let res = app.get(&format!("/v1/stats/bookings/trends{bad}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // Top providers come from published ratings only.
    assert!(get(&app, "/v1/stats/providers/top").await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    for (path, who) in [("rate", &m.customer), ("rate-customer", &m.provider)] {
        let res = app
            .post_auth(
                &format!("/v1/bookings/{done}/{path}"),
                who,
                json!({"rating": 5}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED);
    }
    let top = get(&app, "/v1/stats/providers/top?limit=5").await;
    assert_eq!(top["items"][0]["id"], m.provider_id.as_str());
    assert!(
        top["items"][0].get("account").is_none(),
        "public profile only"
    );
    let res = app.get("/v1/stats/providers/top?limit=51").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // Locations: a cell is shown only with 3 providers or more, and only as a cell.
    let one = get(&app, "/v1/stats/providers/locations").await;
    assert_eq!(
        (
            one["cells"].as_array().unwrap().len(),
            one["elsewhere"].as_i64()
        ),
        (0, Some(1))
    );
    for email in ["p2@example.com", "p3@example.com"] {
        fixtures::bookable_provider(&app, &m.admin, email, BASE).await;
    }
    let three = get(&app, "/v1/stats/providers/locations").await;
    let cell = &three["cells"][0];
    assert_eq!(
        (cell["providers"].as_i64(), three["elsewhere"].as_i64()),
        (Some(3), Some(0))
    );
    let (lat, lng) = (
        cell["center_lat"].as_f64().unwrap(),
        cell["center_lng"].as_f64().unwrap(),
    );
    assert!((lat - BASE.0).abs() <= 0.25 && (lng - BASE.1).abs() <= 0.25);
    assert!(lat != BASE.0 && lng != BASE.1, "a cell, not a position");

    // The admin's money view, from the ledger.
    let res = app
        .get_auth("/v1/admin/stats/revenue?days=1", &m.provider)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .get_auth("/v1/admin/stats/revenue?days=1", &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let revenue = res.json();
    let commission = price * 15 / 100;
    assert_eq!(
        revenue["total"],
        json!({"paid_in": price, "commission": commission,
               "provider_earnings": price - commission, "refunds": 0})
    );
    assert_eq!(revenue["days"][0]["paid_in"], price);
    assert_eq!(
        revenue["by_service"][0]["service_id"],
        m.service_id.as_str()
    );
    assert_eq!(revenue["by_service"][0]["completed"], 1);
    assert_eq!(revenue["by_service"][0]["revenue"], price);
}

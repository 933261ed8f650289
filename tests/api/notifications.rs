//! Notifications: stored with the change they announce, pushed to every open
//! socket of the user (subscribed or not), mailed through the outbox.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::market::market;

const PROVIDER: &str = "pro@example.com";
const CUSTOMER: &str = "cus@example.com";

/// The next frame that is a `notification` (other frames are skipped).
async fn next_notification(ws: &mut crate::wsclient::Ws) -> Value {
    let mut seen = Vec::new();
    ws.until(&mut seen, |f| f["type"] == "notification").await["notification"].clone()
}

#[actix_web::test]
async fn a_paid_request_reaches_the_provider_at_once_and_stays_in_their_center() {
    let app = spawn_app().await;
    let m = market(&app).await;
    // The provider has the app open but follows no booking.
    let mut provider_ws = app.ws(&m.provider).await;
    let booking = m.book(&app, "medium").await;
    let id = booking["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 2000).await;

    let n = next_notification(&mut provider_ws).await;
    assert_eq!(n["kind"], "booking_requested");
    assert_eq!(n["booking_id"], id.as_str());
    assert_eq!(n["read"], false);
    // Everything needed to answer from the notification alone.
    let d = &n["data"];
    assert_eq!(d["reference"], booking["reference"]);
    assert_eq!(d["service"]["title"], "Fix a leaking tap");
    assert_eq!(d["price"]["amount"], 15_000);
    assert_eq!(d["tip"]["amount"], 2000);
    assert!(d["respond_by"].is_string(), "{d}");
    assert_eq!(d["actions"]["accept"], format!("/v1/bookings/{id}/accept"));
    assert!(d["map_url"]
        .as_str()
        .unwrap()
        .starts_with("https://www.openstreetmap.org/?mlat="));
    assert!(n["body"].as_str().unwrap().contains("Answer by"), "{n}");

    let center = app.get_auth("/v1/notifications", &m.provider).await;
    assert_eq!(center.status, StatusCode::OK);
    let center = center.json();
    assert_eq!(center["unread_count"], 1);
    assert_eq!(center["items"][0]["id"], n["id"]);

    // And by mail, through the outbox worker.
    let mails = app.wait_for_messages(PROVIDER, 1).await;
    let mail = mails
        .iter()
        .find(|m| m.contains("New request"))
        .expect("the request mail");
    assert!(mail.contains("openstreetmap.org"), "{mail}");
    assert!(mail.contains("150.00 ZAR"), "{mail}");
}

#[actix_web::test]
async fn the_customer_hears_of_acceptance_with_the_app_closed() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    let res = m.act(&app, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK);

    let center = app.get_auth("/v1/notifications", &m.customer).await.json();
    let kinds: Vec<&str> = center["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["booking_accepted"]);
    let link = center["items"][0]["data"]["other_party"]["profile_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        link.ends_with(&format!("/v1/providers/{}", m.provider_id)),
        "{link}"
    );
    let mails = app.wait_for_messages(CUSTOMER, 1).await;
    assert!(
        mails.iter().any(|m| m.contains("accepted your booking")),
        "{mails:?}"
    );
}

#[actix_web::test]
async fn a_rolled_back_change_announces_nothing() {
    use crate::fixtures::days_ahead;
    use crate::market::job_location;
    let at = |n: i64| format!("{}T08:00:00Z", days_ahead(n));
    let app = spawn_app().await;
    let m = market(&app).await;
    let book = |when: String| {
        app.post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "scheduled_at": when,
                   "location": job_location(), "job_size": "small"}),
        )
    };
    let a = book(at(5)).await.json()["id"].as_str().unwrap().to_owned();
    m.pay(&app, &a, 0).await;
    m.act(&app, &m.provider, &a, "accept", json!({})).await;
    // Another booking holds the slot A would move to.
    assert_eq!(book(at(6)).await.status, StatusCode::CREATED);
    let count = |token: String| {
        let app = &app;
        async move {
            app.get_auth("/v1/notifications", &token).await.json()["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    let before = count(m.provider.clone()).await;
    let mut provider_ws = app.ws(&m.provider).await;
    // The move is decided inside the commit (the new slot's claim fails), so
    // the whole transaction, its notice included, rolls back.
    let res = m
        .act(
            &app,
            &m.customer,
            &a,
            "reschedule",
            json!({"scheduled_at": at(6)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    assert_eq!(res.error_code(), "slot_unavailable");
    assert_eq!(count(m.provider.clone()).await, before);
    // Nor was anything pushed: the next frame is the answer to a ping.
    provider_ws.send(json!({"type": "ping", "id": "p"})).await;
    assert_eq!(provider_ws.recv().await["type"], "pong");
    // A move that commits is announced.
    let res = m
        .act(
            &app,
            &m.customer,
            &a,
            "reschedule",
            json!({"scheduled_at": at(7)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let n = next_notification(&mut provider_ws).await;
    assert_eq!(n["kind"], "booking_rescheduled");
    assert_eq!(count(m.provider.clone()).await, before + 1);
}

#[actix_web::test]
async fn a_user_reads_only_their_own_notifications() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    let center = app.get_auth("/v1/notifications", &m.provider).await.json();
    let nid = center["items"][0]["id"].as_str().unwrap().to_owned();

    // Someone else's notification does not exist for the customer.
    let res = app
        .post_auth(
            &format!("/v1/notifications/{nid}/read"),
            &m.customer,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.error_code(), "not_found");
    let still = app.get_auth("/v1/notifications", &m.provider).await.json();
    assert_eq!(still["unread_count"], 1);

    let res = app
        .post_auth(
            &format!("/v1/notifications/{nid}/read"),
            &m.provider,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["unread_count"], 0);
    let read = app.get_auth("/v1/notifications", &m.provider).await.json();
    assert_eq!(read["items"][0]["read"], true);

    let res = app
        .post_auth("/v1/notifications/read-all", &m.customer, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    // Bad paging is a 400 naming the field; no token is a 401.
    let res = app.get_auth("/v1/notifications?limit=0", &m.provider).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "limit");
    assert_eq!(
        app.get("/v1/notifications").await.status,
        StatusCode::UNAUTHORIZED
    );
}

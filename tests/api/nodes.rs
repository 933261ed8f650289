//! Sessions are caches with a mailbox: state lives in the database. A second
//! node (or a restarted one) picks a booking up where it was, and two nodes
//! that both hold a session for it cannot corrupt it.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_sharing, spawn_with};
use crate::market::market;

#[actix_web::test]
async fn another_node_continues_and_the_version_check_stops_stale_writers() {
    let a = spawn_with(&[]).await;
    let m = market(&a).await;
    let booking = m.book(&a, "small").await;
    let id = booking["id"].as_str().unwrap().to_owned();
    m.pay(&a, &id, 0).await; // node A now has a live session for the booking
    let b = spawn_sharing(&a, &[]).await;

    // Node B rebuilds the booking from the database and accepts it.
    let res = m.act(&b, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "confirmed");

    // Node A's session still believes `requested`. A decline through it is
    // validated against the stored booking, not the stale cache: refused.
    let res = m.act(&a, &m.provider, &id, "decline", json!({})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    // And a valid change through A applies on top of B's.
    let res = m
        .act(
            &a,
            &m.customer,
            &id,
            "cancel",
            json!({"reason": "changed plans"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);

    let events = b
        .get_auth(&format!("/v1/bookings/{id}/events"), &m.customer)
        .await
        .json();
    let statuses: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "booking")
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["pending_payment", "requested", "confirmed", "cancelled"]
    );
    let seqs: Vec<i64> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "gap-free across nodes"
    );
}

#[actix_web::test]
async fn an_idle_session_stops_and_the_next_command_restarts_it() {
    let app = spawn_with(&[("ONSITE_SESSION_IDLE_S", "1")]).await;
    let m = market(&app).await;
    let booking = m.book(&app, "small").await;
    let id = booking["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    let live = || async {
        app.state
            .dispatcher
            .send(onsite_actors::messages::CountSessions)
            .await
            .unwrap()
    };
    assert_eq!(live().await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(live().await, 0, "the idle session stopped");
    let res = m.act(&app, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(live().await, 1);
}

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::market::{job_location, market};

#[actix_web::test]
async fn the_spana_money_flow() {
    let app = spawn_app().await;
    let m = market(&app).await;

    // Booked at medium size: 1.5 x R100.00, whatever the client claims.
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "location": job_location(), "job_size": "medium",
                   "price": {"amount": 1, "currency": "ZAR"}, "total_amount": 1}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let booking = res.json();
    let id = booking["id"].as_str().unwrap().to_owned();
    assert_eq!(booking["status"], "pending_payment");
    assert_eq!(booking["customer_id"], m.customer_id.as_str());
    assert_eq!(booking["provider_id"], m.provider_id.as_str());
    assert_eq!(
        booking["price"]["total"],
        json!({"amount": 15000, "currency": "ZAR"})
    );
    assert_eq!(booking["price"]["multiplier"], 1.5);
    assert!(regex::Regex::new("^BK-[2-9A-HJKMNP-Z]{6}$")
        .unwrap()
        .is_match(booking["reference"].as_str().unwrap()));
    assert_eq!(booking["token_number"], 1);
    assert!(booking["chat_token"].is_null());

    // An idempotent intent: replayed with the same key, refused with other parameters.
    let intent = |key: &str, tip: i64| {
        app.client
            .post(app.url("/v1/payments/intents"))
            .bearer_auth(&m.customer)
            .header("idempotency-key", key)
            .json(
                &json!({"booking_id": id, "tip": {"amount": tip, "currency": "ZAR"}, "amount": 1}),
            )
            .send()
    };
    let first = intent("k-1", 2000).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["amount"]["amount"], 17000);
    let again = intent("k-1", 2000).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.json::<serde_json::Value>().await.unwrap()["id"],
        first["id"]
    );
    let other = intent("k-1", 3000).await.unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let confirm_path = format!(
        "/v1/payments/intents/{}/confirm",
        first["id"].as_str().unwrap()
    );
    let confirm = |method: &'static str| {
        app.post_auth(
            &confirm_path,
            &m.customer,
            json!({"payment_method": method}),
        )
    };

    // A declined card leaves the booking waiting for payment.
    let res = confirm("sim_card_declined").await;
    assert_eq!(res.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(res.error_code(), "card_declined");
    let b = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json();
    assert_eq!(b["status"], "pending_payment");

    // Paid: escrow, `requested`, the customer's chat token.
    let res = confirm("sim_card_ok").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let paid = res.json();
    assert_eq!(paid["payment"]["status"], "succeeded");
    assert_eq!(paid["booking"]["status"], "requested");
    assert!(paid["booking"]["chat_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 32));
    // Confirming twice charges once.
    let res = confirm("sim_card_ok").await;
    assert_eq!(res.status, StatusCode::OK);
    let wallet = app.get_auth("/v1/wallet", &m.customer).await.json();
    assert_eq!(wallet["balance"], -17000);
    assert_eq!(wallet["items"].as_array().unwrap().len(), 1);

    // Accepted: the provider's own chat token, chat active.
    let res = m.act(&app, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let accepted = res.json();
    assert_eq!(accepted["status"], "confirmed");
    assert_eq!(accepted["chat_active"], true);
    assert!(accepted["chat_token"].is_string());
    assert_ne!(accepted["chat_token"], paid["booking"]["chat_token"]);

    // No start before arrival.
    let res = m.act(&app, &m.provider, &id, "start", json!({})).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "invalid_transition");

    // An admin moves it to arrived (a reason is mandatory).
    let force_path = format!("/v1/admin/bookings/{id}/force");
    let force = |body: serde_json::Value| app.post_auth(&force_path, &m.admin, body);
    assert_eq!(
        force(json!({"to": "arrived"})).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        force(json!({"to": "arrived", "reason": " "})).await.status,
        StatusCode::BAD_REQUEST
    );
    let res =
        force(json!({"to": "arrived", "reason": "GPS fixes arrive with the realtime gateway"}))
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "arrived");

    assert_eq!(
        m.act(&app, &m.provider, &id, "start", json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let res = m.act(&app, &m.provider, &id, "complete", json!({})).await;
    assert_eq!(res.status, StatusCode::OK);
    let done = res.json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["chat_active"], false);

    // The provider earns base x 0.85 + tip; the platform 15% of the price.
    let wallet = app.get_auth("/v1/wallet", &m.provider).await.json();
    assert_eq!(wallet["balance"], 15000 * 85 / 100 + 2000);
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(summary["balanced"], true, "{summary}");
    assert_eq!(summary["escrow_held"], 0);
    assert_eq!(summary["commission"], 2250);
    assert_eq!(summary["funded"], 17000);
    assert_eq!(summary["provider_earnings"], 14750);

    // The journal: gap-free, in order, with who and why.
    let events = app
        .get_auth(&format!("/v1/bookings/{id}/events"), &m.customer)
        .await
        .json();
    let items = events["items"].as_array().unwrap();
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let statuses: Vec<&str> = items
        .iter()
        .filter(|e| e["type"] == "booking")
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "pending_payment",
            "requested",
            "confirmed",
            "arrived",
            "in_progress",
            "completed"
        ]
    );
    let forced = items.iter().find(|e| e["status"] == "arrived").unwrap();
    assert_eq!(forced["forced"], true);
    assert!(forced["reason"].as_str().unwrap().contains("GPS"));
    let chat: Vec<bool> = items
        .iter()
        .filter(|e| e["type"] == "chat_state")
        .map(|e| e["active"].as_bool().unwrap())
        .collect();
    assert_eq!(chat, [true, false]);
    let since = app
        .get_auth(
            &format!("/v1/bookings/{id}/events?since_seq=5"),
            &m.customer,
        )
        .await
        .json();
    assert_eq!(since["items"][0]["seq"], 6);
    assert_eq!(done["seq"], seqs.len() as i64);
}

#[actix_web::test]
async fn strangers_cannot_see_or_touch_a_booking() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let booking = m.book(&app, "small").await;
    let id = booking["id"].as_str().unwrap();
    m.pay(&app, id, 0).await;
    let other_provider = crate::helpers::token(&app.user("other@example.com", "provider").await);
    let other_customer = crate::helpers::token(&app.user("nosy@example.com", "customer").await);
    for who in [&other_provider, &other_customer] {
        let res = app.get_auth(&format!("/v1/bookings/{id}"), who).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        for action in ["accept", "decline", "cancel", "complete"] {
            let res = m
                .act(&app, who, id, action, json!({"reason": "because"}))
                .await;
            // A provider's action is refused to a customer whatever the id
            // (the role gate answers first, saying nothing of the booking).
            if who == &other_customer && action != "cancel" {
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{action}");
                assert_eq!(res.error_code(), "provider_only");
            } else {
                assert_eq!(res.status, StatusCode::NOT_FOUND, "{action}");
            }
        }
        let res = app
            .get_auth(&format!("/v1/bookings/{id}/events"), who)
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let list = app.get_auth("/v1/bookings", who).await.json();
        assert!(list["items"].as_array().unwrap().is_empty());
    }
    // The customer cannot accept their own request, and nothing changed.
    let res = m.act(&app, &m.customer, id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let b = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.provider)
        .await
        .json();
    assert_eq!(b["status"], "requested");
    let list = app.get_auth("/v1/bookings", &m.provider).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

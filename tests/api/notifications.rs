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
    assert_eq!(d["payment"], "in_escrow");
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
    // Newest first, after what the admin told them while setting them up.
    let kinds: Vec<&str> = center["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["booking_requested", "service_approved", "provider_verified"]
    );
    assert_eq!(center["unread_count"], 3);
    assert_eq!(center["items"][0]["id"], n["id"]);

    // And by mail, through the outbox worker.
    let mails = app.wait_for_messages(PROVIDER, 1).await;
    let mail = mails
        .iter()
        .find(|m| m.contains("New request"))
        .expect("the request mail");
    assert!(mail.contains("openstreetmap.org"), "{mail}");
    assert!(mail.contains("150.00 ZAR"), "{mail}");
    assert!(mail.contains("held safely until the job is done"), "{mail}");
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
    let unread = still["unread_count"].as_i64().unwrap();
    assert!(unread >= 1);

    let res = app
        .post_auth(
            &format!("/v1/notifications/{nid}/read"),
            &m.provider,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["unread_count"], unread - 1);
    let read = app.get_auth("/v1/notifications", &m.provider).await.json();
    assert_eq!(read["items"][0]["read"], true);

    let res = app
        .post_auth("/v1/notifications/read-all", &m.provider, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let all = app.get_auth("/v1/notifications", &m.provider).await.json();
    assert_eq!(all["unread_count"], 0);
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["read"] == true));
    // Bad paging is a 400 naming the field; no token is a 401.
    let res = app.get_auth("/v1/notifications?limit=0", &m.provider).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "limit");
    assert_eq!(
        app.get("/v1/notifications").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn mail_follows_each_users_settings() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let settings = app
        .get_auth("/v1/me/notification-settings", &m.provider)
        .await
        .json();
    let requested = settings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "booking_requested")
        .unwrap()
        .clone();
    assert_eq!(requested["mail"], true);
    assert_eq!(requested["in_app"], true);
    // Unknown kinds and channels are refused, and change nothing.
    for bad in [
        json!({"teleported": {"mail": false}}),
        json!({"booking_requested": {"pigeon": true}}),
        json!({"booking_requested": {"mail": "no"}}),
    ] {
        let res = app
            .put_auth("/v1/me/notification-settings", &m.provider, bad.clone())
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.text);
    }
    let res = app
        .put_auth(
            "/v1/me/notification-settings",
            &m.provider,
            json!({"booking_requested": {"mail": false}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    // In the center, but not mailed.
    let center = app.get_auth("/v1/notifications", &m.provider).await.json();
    assert_eq!(center["items"][0]["kind"], "booking_requested");
    m.act(&app, &m.provider, &id, "accept", json!({})).await;
    // The customer's acceptance mail is drained by the same worker, after the
    // request would have been: by then no request mail means none was queued.
    app.wait_for_messages(CUSTOMER, 1).await;
    assert!(
        !app.messages_to(PROVIDER)
            .await
            .iter()
            .any(|m| m.contains("New request")),
        "the provider turned request mail off"
    );
}

#[actix_web::test]
async fn the_customer_hears_of_a_refused_card_and_of_every_refund() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    let intent = app
        .client
        .post(app.url("/v1/payments/intents"))
        .bearer_auth(&m.customer)
        .header("idempotency-key", "k-declined")
        .json(&json!({"booking_id": id}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let res = app
        .post_auth(
            &format!(
                "/v1/payments/intents/{}/confirm",
                intent["id"].as_str().unwrap()
            ),
            &m.customer,
            json!({"payment_method": "sim_card_declined"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYMENT_REQUIRED);
    let center = app.get_auth("/v1/notifications", &m.customer).await.json();
    assert_eq!(center["items"][0]["kind"], "payment_failed");
    assert_eq!(center["items"][0]["booking_id"], id.as_str());

    m.pay(&app, &id, 0).await;
    let res = m.act(&app, &m.provider, &id, "decline", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let center = app.get_auth("/v1/notifications", &m.customer).await.json();
    let kinds: Vec<&str> = center["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["refund_issued", "booking_declined", "payment_failed"]
    );
    assert_eq!(center["items"][0]["data"]["amount"]["amount"], 10_000);
}

#[actix_web::test]
async fn reminders_go_out_once_move_with_the_booking_and_end_with_it() {
    use crate::fixtures::days_ahead;
    use crate::helpers::{spawn_sharing, spawn_with};
    use crate::market::job_location;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::booking_reminders::dsl as r;
    let at = |n: i64| format!("{}T08:00:00Z", days_ahead(n));
    let leads = [("ONSITE_REMINDERS_MINUTES", "1440,60")];
    let app = spawn_with(&leads).await;
    let m = market(&app).await;
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "scheduled_at": at(5),
                   "location": job_location(), "job_size": "small"}),
        )
        .await;
    let id = res.json()["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    m.act(&app, &m.provider, &id, "accept", json!({})).await;

    let unsent = |app: &crate::helpers::TestApp| {
        let id = id.clone();
        let db = app.state.db.clone();
        async move {
            let mut rows = db
                .run(async |conn| {
                    onsite::db_run!(conn, |c| r::booking_reminders
                        .filter(r::booking_id.eq(&id))
                        .filter(r::sent_at.is_null())
                        .select((r::lead_minutes, r::remind_at))
                        .load::<(i32, chrono::NaiveDateTime)>(c)
                        .await)
                    .unwrap()
                })
                .await
                .unwrap();
            rows.sort();
            rows
        }
    };
    let start = |n| {
        chrono::DateTime::parse_from_rfc3339(&at(n))
            .unwrap()
            .naive_utc()
    };
    let minutes = chrono::Duration::minutes;
    assert_eq!(
        unsent(&app).await,
        [
            (60, start(5) - minutes(60)),
            (1440, start(5) - minutes(1440))
        ]
    );
    // A day passes (in the table): the 24 h reminder is due.
    app.state
        .db
        .run(async |conn| {
            onsite::db_run!(conn, |c| diesel::update(
                r::booking_reminders
                    .filter(r::booking_id.eq(&id))
                    .filter(r::lead_minutes.eq(1440))
            )
            .set(r::remind_at.eq(onsite::db::now() - minutes(1)))
            .execute(c)
            .await)
            .unwrap();
        })
        .await
        .unwrap();
    // This node sweeps twice, and a second node on the same database too.
    onsite::sweeper::sweep(&app.state).await.unwrap();
    onsite::sweeper::sweep(&app.state).await.unwrap();
    let other = spawn_sharing(&app, &leads).await;
    onsite::sweeper::sweep(&other.state).await.unwrap();
    let reminders = |token: String| {
        let app = &app;
        async move {
            let center = app.get_auth("/v1/notifications", &token).await.json();
            center["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "booking_reminder")
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    let sent = reminders(m.customer.clone()).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["title"], "Reminder: Fix a leaking tap tomorrow");
    assert_eq!(reminders(m.provider.clone()).await.len(), 1);
    assert_eq!(unsent(&app).await, [(60, start(5) - minutes(60))]);

    // Moving the booking gives the new time its reminders, and sends nothing now.
    let res = m
        .act(
            &app,
            &m.customer,
            &id,
            "reschedule",
            json!({"scheduled_at": at(6)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        unsent(&app).await,
        [
            (60, start(6) - minutes(60)),
            (1440, start(6) - minutes(1440))
        ]
    );
    onsite::sweeper::sweep(&app.state).await.unwrap();
    assert_eq!(
        reminders(m.customer.clone()).await.len(),
        1,
        "not sent twice"
    );

    // Cancelling drops them, and says what the policy refunded.
    m.act(
        &app,
        &m.customer,
        &id,
        "cancel",
        json!({"reason": "plans changed"}),
    )
    .await;
    assert!(unsent(&app).await.is_empty());
    let center = app.get_auth("/v1/notifications", &m.provider).await.json();
    let cancelled = &center["items"][0];
    assert_eq!(cancelled["kind"], "booking_cancelled");
    assert!(
        cancelled["body"].as_str().unwrap().contains(
            "The customer is refunded 100.00 ZAR (in full, more than 24 h before the start)"
        ),
        "{cancelled}"
    );
    assert_eq!(cancelled["data"]["payment"], "refunded");
}

#[actix_web::test]
async fn settings_written_any_other_way_are_replaced_not_a_crash() {
    let app = spawn_app().await;
    let u = app.user("odd@example.com", "customer").await;
    let t = crate::helpers::token(&u);
    let res = app
        .patch_auth(
            "/v1/me",
            &t,
            json!({"settings": {"notifications": {"booking_reminder": false}}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .put_auth(
            "/v1/me/notification-settings",
            &t,
            json!({"booking_reminder": {"mail": false}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let reminder = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "booking_reminder")
        .unwrap()
        .clone();
    assert_eq!(reminder["mail"], false);
}

#[actix_web::test]
async fn an_erased_account_leaves_no_notification_or_mail_behind() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::{notifications::dsl as n, outbox::dsl as o};
    let app = spawn_app().await;
    let m = market(&app).await;
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    m.act(&app, &m.provider, &id, "accept", json!({})).await;
    let count = |app: &crate::helpers::TestApp| {
        let db = app.state.db.clone();
        let user = m.customer_id.clone();
        async move {
            db.run(async |conn| {
                let notes: i64 = onsite::db_run!(conn, |c| n::notifications
                    .filter(n::user_id.eq(&user))
                    .count()
                    .get_result(c)
                    .await)
                .unwrap();
                let mails: i64 = onsite::db_run!(conn, |c| o::outbox
                    .filter(o::to_addr.eq(CUSTOMER))
                    .count()
                    .get_result(c)
                    .await)
                .unwrap();
                (notes, mails)
            })
            .await
            .unwrap()
        }
    };
    let (notes, mails) = count(&app).await;
    assert!(notes >= 1 && mails >= 1, "{notes} {mails}");
    let res = app
        .send(
            reqwest::Method::DELETE,
            "/v1/privacy/account",
            Some(&m.customer),
            Some(json!({"password": crate::helpers::PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    assert_eq!(count(&app).await, (0, 0));
}

/// The chat notices in `who`'s center.
async fn chat_alerts(app: &crate::helpers::TestApp, who: &str) -> Vec<Value> {
    let center = app.get_auth("/v1/notifications", who).await.json();
    center["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "chat_message")
        .cloned()
        .collect()
}

#[actix_web::test]
async fn missed_chat_alerts_an_absent_party_once_per_quarter_hour() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    let accepted = m
        .act(&app, &m.provider, &id, "accept", json!({}))
        .await
        .json();
    let p_token = accepted["chat_token"].as_str().unwrap().to_owned();
    let chat = format!("/v1/bookings/{id}/chat?chat_token={p_token}");
    // The customer's app is closed: three messages in a row make one alert.
    for (n, text) in ["On my way", "Gate code?", "Here in 5"].iter().enumerate() {
        let res = app
            .post_auth(
                &chat,
                &m.provider,
                json!({"text": text, "client_msg_id": format!("p{n}")}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    let alerts = chat_alerts(&app, &m.customer).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["body"], "On my way");
    assert_eq!(alerts[0]["booking_id"], id.as_str());
    assert_eq!(alerts[0]["data"]["message"]["from"], m.provider_id.as_str());
    let mails: Vec<String> = app
        .messages_to(CUSTOMER)
        .await
        .into_iter()
        .filter(|m| m.contains("wrote about"))
        .collect();
    assert_eq!(mails.len(), 1, "no device for push, so one mail: {mails:?}");
    assert!(
        chat_alerts(&app, &m.provider).await.is_empty(),
        "not to the sender"
    );

    // A party with the app open reads it live and gets no alert.
    let mut provider_ws = app.ws(&m.provider).await;
    provider_ws
        .send(json!({"type": "ping", "id": "ready"}))
        .await;
    let mut seen = Vec::new();
    provider_ws.until(&mut seen, |f| f["type"] == "pong").await;
    let c_token = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await
        .json()["chat_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_auth(
            &format!("/v1/bookings/{id}/chat?chat_token={c_token}"),
            &m.customer,
            json!({"text": "1234#", "client_msg_id": "c1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert!(chat_alerts(&app, &m.provider).await.is_empty());

    // After the quarter hour the next message alerts again.
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use onsite::db::schema::chat_alerts::dsl as a;
        let long_ago = onsite::db::now() - chrono::Duration::minutes(16);
        app.state
            .db
            .run(async |conn| {
                onsite::db_run!(conn, |c| diesel::update(a::chat_alerts)
                    .set(a::alerted_at.eq(long_ago))
                    .execute(c)
                    .await)
            })
            .await
            .unwrap()
            .unwrap();
    }
    let res = app
        .post_auth(
            &chat,
            &m.provider,
            json!({"text": "Outside now", "client_msg_id": "p9"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let alerts = chat_alerts(&app, &m.customer).await;
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["body"], "Outside now");
}

#[actix_web::test]
async fn an_admins_direct_message_reaches_the_provider_as_a_notification() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let admin_id = app.get_auth("/v1/auth/me", &m.admin).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_auth(
            &format!("/v1/chats/direct/{admin_id}"),
            &m.provider,
            json!({"text": "My payout is late", "client_msg_id": "p1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let mut provider_ws = app.ws(&m.provider).await;
    let res = app
        .post_auth(
            &format!("/v1/chats/direct/{}", m.provider_id),
            &m.admin,
            json!({"text": "Paid this morning", "client_msg_id": "a1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let n = next_notification(&mut provider_ws).await;
    assert_eq!(n["kind"], "admin_message");
    assert_eq!(n["body"], "Paid this morning");
    // A resend of the same message is not a second notification.
    app.post_auth(
        &format!("/v1/chats/direct/{}", m.provider_id),
        &m.admin,
        json!({"text": "Paid this morning", "client_msg_id": "a1"}),
    )
    .await;
    let center = app.get_auth("/v1/notifications", &m.provider).await.json();
    let from_admin = center["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "admin_message")
        .count();
    assert_eq!(from_admin, 1);
    // The admin's own messages never notify the admin.
    let admin_center = app.get_auth("/v1/notifications", &m.admin).await.json();
    assert!(admin_center["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["kind"] != "admin_message"));
}

#[actix_web::test]
async fn times_read_in_the_recipients_own_zone_when_they_chose_one() {
    use crate::fixtures::days_ahead;
    use crate::market::job_location;
    let app = spawn_app().await;
    let m = market(&app).await;
    let res = app
        .send(
            reqwest::Method::PATCH,
            "/v1/me",
            Some(&m.customer),
            Some(json!({"settings": {"timezone": "America/New_York"}})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let when = format!("{}T08:00:00Z", days_ahead(5));
    let local = |zone: &str| {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        chrono::DateTime::parse_from_rfc3339(&when)
            .unwrap()
            .with_timezone(&tz)
            .format("%H:%M")
            .to_string()
    };
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "scheduled_at": when,
                   "location": job_location(), "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    m.act(&app, &m.provider, &id, "accept", json!({})).await;
    let first = |token: String| {
        let app = &app;
        async move { app.get_auth("/v1/notifications", &token).await.json()["items"][0].clone() }
    };
    let to_customer = first(m.customer.clone()).await;
    let to_provider = first(m.provider.clone()).await;
    let body = to_customer["body"].as_str().unwrap();
    assert!(body.contains("(America/New_York)"), "{body}");
    assert_eq!(to_customer["data"]["timezone"], "America/New_York");
    let body = to_provider["body"].as_str().unwrap();
    assert!(body.contains("(Africa/Johannesburg)"), "{body}");
    let hour = |text: &str, zone: &str| {
        let at = text.find(&format!("({zone})")).unwrap();
        text[at - 6..at - 1].to_owned()
    };
    let jhb = hour(to_provider["body"].as_str().unwrap(), "Africa/Johannesburg");
    let ber = hour(to_customer["body"].as_str().unwrap(), "America/New_York");
    assert_eq!(jhb, local("Africa/Johannesburg"));
    assert_eq!(ber, local("America/New_York"));
    assert_ne!(jhb, ber);
}

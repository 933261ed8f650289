//! SMS through Twilio (the stand-in): codes arrive as texts, an outage is
//! retried, a number Twilio refuses is dropped with its reason, and booking
//! texts follow each user's settings.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_with, token, TestApp};
use crate::market::market;
use crate::twilio_standin::Twilio;

pub async fn spawn(twilio: &Twilio) -> TestApp {
    let env = twilio.settings();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_with(&env).await
}

pub fn code_in(text: &str) -> String {
    regex::Regex::new(r"\b(\d{6})\b")
        .unwrap()
        .captures(text)
        .unwrap()[1]
        .to_owned()
}

/// Gives the account `phone` and verifies it with the texted code.
async fn verified_phone(app: &TestApp, twilio: &Twilio, token: &str, phone: &str) {
    let res = app
        .patch_auth("/v1/me", token, json!({"phone": phone}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .post_auth("/v1/auth/phone/send-otp", token, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let challenge = res.json()["challenge_id"].as_str().unwrap().to_owned();
    let text = twilio.wait_for(phone, 1).await.pop().unwrap();
    let res = app
        .post_auth(
            "/v1/auth/phone/verify",
            token,
            json!({"challenge_id": challenge, "code": code_in(&text)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

async fn dropped_reason(app: &TestApp, to: &str) -> Option<String> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::outbox::dsl as o;
    let to = to.to_owned();
    app.state
        .db
        .run(async |conn| {
            onsite::db_run!(conn, |c| o::outbox
                .filter(o::to_addr.eq(&to))
                .filter(o::dropped_at.is_not_null())
                .select(o::last_error)
                .first::<Option<String>>(c)
                .await
                .optional())
            .unwrap()
            .flatten()
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn texts_go_through_twilio_with_retries_and_refusals_dropped() {
    let twilio = Twilio::start().await;
    let app = spawn(&twilio).await;

    let ann = token(&app.user("ann@example.com", "customer").await);
    verified_phone(&app, &twilio, &ann, "+27821234567").await;
    let me = app.get_auth("/v1/auth/me", &ann).await.json();
    assert_eq!(me["phone_verified"], true);
    assert!(
        app.messages_to("+27821234567").await.is_empty(),
        "nothing in the file outbox"
    );

    // Twilio is down twice: the third try goes through at once.
    twilio.fail_next(2);
    let bob = token(&app.user("bob@example.com", "customer").await);
    verified_phone(&app, &twilio, &bob, "+27821230000").await;
    assert_eq!(twilio.answers_to("+27821230000")[..3], [503, 503, 201]);

    // A number Twilio refuses for good is dropped with Twilio's reason.
    let cat = token(&app.user("cat@example.com", "customer").await);
    let res = app
        .patch_auth("/v1/me", &cat, json!({"phone": "+15005550001"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .post_auth("/v1/auth/phone/send-otp", &cat, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED);
    app.settle_outbox().await;
    let reason = dropped_reason(&app, "+15005550001").await.expect("dropped");
    assert!(reason.contains("21211"), "{reason}");
    assert_eq!(twilio.answers_to("+15005550001"), [400], "not retried");
}

#[actix_web::test]
async fn booking_texts_follow_the_customers_settings() {
    let twilio = Twilio::start().await;
    let app = spawn(&twilio).await;
    let m = market(&app).await;
    verified_phone(&app, &twilio, &m.customer, "+27829990000").await;

    let first = m.book(&app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.pay(&app, &first, 0).await;
    let res = m.act(&app, &m.provider, &first, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let texts = twilio.wait_for("+27829990000", 2).await;
    assert!(texts[1].contains("accepted"), "{texts:?}");

    let res = app
        .put_auth(
            "/v1/me/notification-settings",
            &m.customer,
            json!({"booking_accepted": {"sms": false}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let row = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "booking_accepted")
        .cloned()
        .unwrap();
    assert_eq!(row["sms"], false);
    let second = m.book(&app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.pay(&app, &second, 0).await;
    let res = m.act(&app, &m.provider, &second, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK);
    app.settle_outbox().await;
    assert_eq!(
        twilio.sent_to("+27829990000").len(),
        2,
        "no text for the second acceptance"
    );
}

//! Passwordless sign-in and sign-up with a texted code: no enumeration, the
//! resend cooldown, burned codes, unlock, the number belonging to whoever
//! proves it, and a phone change that waits for the new number's code.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_with, token, TestApp, PASSWORD};
use crate::twilio::{code_in, spawn as spawn_twilio};
use crate::twilio_standin::Twilio;

async fn send(app: &TestApp, phone: &str) -> crate::helpers::Resp {
    app.post("/v1/auth/otp/send", json!({"phone": phone})).await
}

async fn otp_login(app: &TestApp, phone: &str, code: &str) -> crate::helpers::Resp {
    app.post("/v1/auth/otp/login", json!({"phone": phone, "code": code}))
        .await
}

/// A wrong code that cannot be the right one.
fn other_than(code: &str) -> String {
    if code == "000000" { "111111" } else { "000000" }.into()
}

/// Signs a new number up through the file outbox; returns the token pair.
async fn phone_account(app: &TestApp, phone: &str) -> Value {
    let res = send(app, phone).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let code = app.last_code(phone).await;
    let res = otp_login(app, phone, &code).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.json()
}

#[actix_web::test]
async fn a_new_number_signs_up_by_a_twilio_text_completes_its_profile_and_signs_in_again() {
    let twilio = Twilio::start().await;
    let app = spawn_twilio(&twilio).await;
    let phone = "+989123456789";

    // Any common spelling; the answer names the number in E.164.
    let res = send(&app, "+98 912 345 6789").await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let sent = res.json();
    assert_eq!(sent["phone"], phone);
    assert_eq!(sent["expires_in"], 300);
    assert_eq!(sent["resend_in"], 60);
    let text = twilio.wait_for(phone, 1).await.pop().unwrap();
    assert!(text.contains("sign-in code"), "{text}");
    let code = code_in(&text);

    let res = otp_login(&app, phone, &other_than(&code)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "invalid_code", "{}", res.text);

    let res = otp_login(&app, phone, &code).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let pair = res.json();
    let user = &pair["user"];
    assert_eq!(user["phone"], phone);
    assert_eq!(user["phone_verified"], true);
    assert_eq!(user["email"], Value::Null);
    assert_eq!(user["role"], "customer");
    assert_eq!(user["profile_complete"], false);
    let id = user["id"].as_str().unwrap().to_owned();
    let access = token(&pair);

    // The code is spent.
    let res = otp_login(&app, phone, &code).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // The profile is completed later; the email is then verified as usual.
    let res = app
        .patch_auth(
            "/v1/me",
            &access,
            json!({"first_name": "Sara", "last_name": "Ahmadi", "email": "sara@example.com"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let me = res.json();
    assert_eq!(me["profile_complete"], true);
    assert_eq!(me["email"], "sara@example.com");
    assert_eq!(me["email_verified"], false);
    let res = app
        .post_auth("/v1/auth/email/send-verification", &access, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    // An email, once set, is not changed through the profile.
    let res = app
        .patch_auth("/v1/me", &access, json!({"email": "other@example.com"}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "email_set");

    // A minute later (the cooldown is on the clock), the same number signs
    // into the same account, not a new one.
    backdate_codes(&app, phone).await;
    let res = send(&app, phone).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let text = twilio.wait_for(phone, 2).await.pop().unwrap();
    let res = otp_login(&app, phone, &code_in(&text)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["user"]["id"], id.as_str());
}

/// Moves the codes sent to `phone` an hour into the past, as if the
/// cooldown and the hourly cap had run out.
async fn backdate_codes(app: &TestApp, phone: &str) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::challenges::dsl as ch;
    let phone = phone.to_owned();
    let an_hour_ago = onsite::db::now() - chrono::Duration::minutes(61);
    app.state
        .db
        .run(async |conn| {
            onsite::db_run!(conn, |c| diesel::update(
                ch::challenges.filter(ch::destination.eq(&phone))
            )
            .set(ch::created_at.eq(an_hour_ago))
            .execute(c)
            .await)
            .unwrap()
        })
        .await
        .unwrap();
}

#[actix_web::test]
async fn the_send_answers_alike_for_known_and_unknown_numbers_and_holds_to_its_limits() {
    let app = spawn_app().await;
    let known = "+27821234567";
    phone_account(&app, known).await;
    backdate_codes(&app, known).await;

    let a = send(&app, known).await;
    let b = send(&app, "+27829999999").await;
    assert_eq!(a.status, b.status);
    let (mut a, mut b) = (a.json(), b.json());
    a.as_object_mut().unwrap().remove("phone");
    b.as_object_mut().unwrap().remove("phone");
    assert_eq!(a, b, "nothing tells the numbers apart");

    // Again within the minute: refused with the wait, for either number.
    for phone in [known, "+27829999999"] {
        let res = send(&app, phone).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text);
        let wait: i64 = res.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
    }
    // Five an hour per number: the cooldown passing does not lift the cap.
    let capped = "+27820000001";
    for _ in 0..5 {
        assert_eq!(send(&app, capped).await.status, StatusCode::ACCEPTED);
        age_codes(&app, capped, 61).await;
    }
    assert_eq!(
        send(&app, capped).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Not a phone number: a clear error, nothing sent.
    let res = send(&app, "call me maybe").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "phone", "{}", res.text);
    // A code for a number nobody sent to.
    let res = otp_login(&app, "+27827777777", "123456").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "challenge_not_found");
}

/// Moves the codes sent to `phone` `secs` seconds into the past.
async fn age_codes(app: &TestApp, phone: &str, secs: i64) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::challenges::dsl as ch;
    let phone = phone.to_owned();
    app.state
        .db
        .run(async |conn| {
            let rows: Vec<(String, chrono::NaiveDateTime)> =
                onsite::db_run!(conn, |c| ch::challenges
                    .filter(ch::destination.eq(&phone))
                    .select((ch::id, ch::created_at))
                    .load(c)
                    .await)
                .unwrap();
            for (id, at) in rows {
                onsite::db_run!(conn, |c| diesel::update(ch::challenges.find(&id))
                    .set(ch::created_at.eq(at - chrono::Duration::seconds(secs)))
                    .execute(c)
                    .await)
                .unwrap();
            }
        })
        .await
        .unwrap();
}

#[actix_web::test]
async fn five_wrong_codes_burn_it() {
    let app = spawn_app().await;
    let phone = "+27821112222";
    assert_eq!(send(&app, phone).await.status, StatusCode::ACCEPTED);
    let code = app.last_code(phone).await;
    for _ in 0..5 {
        let res = otp_login(&app, phone, &other_than(&code)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
    }
    let res = otp_login(&app, phone, &code).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    // No account came of it; a search by the number finds one only after a
    // sign-up that worked.
    let admin = token(&app.admin().await);
    let found = app
        .get_auth("/v1/admin/users?q=27821112222", &admin)
        .await
        .json();
    assert_eq!(found["items"].as_array().unwrap().len(), 0, "{found}");
    age_codes(&app, phone, 3601).await;
    phone_account(&app, phone).await;
    let found = app
        .get_auth("/v1/admin/users?q=27821112222", &admin)
        .await
        .json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
}

#[actix_web::test]
async fn the_texted_code_unlocks_a_locked_account_and_blocked_ones_stay_out() {
    let app = spawn_with(&[("ONSITE_LOCKOUT_THRESHOLD", "3")]).await;
    let phone = "+27823334444";
    let pair = app.user("lena@example.com", "customer").await;
    let access = token(&pair);
    let res = app
        .patch_auth("/v1/me", &access, json!({"phone": phone}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .post_auth("/v1/auth/phone/send-otp", &access, json!({}))
        .await;
    let challenge = res.json()["challenge_id"].as_str().unwrap().to_owned();
    let code = app.last_code(phone).await;
    let res = app
        .post_auth(
            "/v1/auth/phone/verify",
            &access,
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);

    for _ in 0..3 {
        app.login("lena@example.com", "not the password").await;
    }
    assert_eq!(
        app.login("lena@example.com", PASSWORD).await.status,
        StatusCode::LOCKED
    );
    assert_eq!(send(&app, phone).await.status, StatusCode::ACCEPTED);
    let code = app.last_code(phone).await;
    let res = otp_login(&app, phone, &code).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["user"]["email"], "lena@example.com");
    assert_eq!(
        app.login("lena@example.com", PASSWORD).await.status,
        StatusCode::OK,
        "unlocked"
    );

    // Blocked: the right code still does not sign in.
    let admin = token(&app.admin().await);
    let id = pair["user"]["id"].as_str().unwrap();
    let res = app
        .post_auth(
            &format!("/v1/admin/users/{id}/block"),
            &admin,
            json!({"reason": "fraud"}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.text);
    age_codes(&app, phone, 61).await;
    assert_eq!(send(&app, phone).await.status, StatusCode::ACCEPTED);
    let code = app.last_code(phone).await;
    let res = otp_login(&app, phone, &code).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "account_blocked");
}

#[actix_web::test]
async fn an_unverified_number_belongs_to_whoever_proves_it() {
    let app = spawn_app().await;
    let phone = "+27825556666";
    let typo = token(&app.user("typo@example.com", "customer").await);
    let res = app
        .patch_auth("/v1/me", &typo, json!({"phone": phone}))
        .await;
    assert_eq!(res.status, StatusCode::OK);

    let pair = phone_account(&app, phone).await;
    assert_eq!(
        pair["user"]["email"],
        Value::Null,
        "a new account, not typo's"
    );
    let me = app.get_auth("/v1/auth/me", &typo).await.json();
    assert_eq!(
        me["phone"],
        Value::Null,
        "taken off the account that never proved it"
    );
}

#[actix_web::test]
async fn a_verified_number_changes_only_once_the_new_one_is_verified() {
    let app = spawn_app().await;
    let (old, new) = ("+27827770001", "+27827770002");
    let pair = phone_account(&app, old).await;
    let access = token(&pair);

    let res = app
        .patch_auth("/v1/me", &access, json!({"phone": new}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let me = res.json();
    assert_eq!(me["phone"], old, "the verified number stays");
    assert_eq!(me["pending_phone"], new);
    assert_eq!(me["phone_verified"], true);

    // The old number still signs in meanwhile.
    age_codes(&app, old, 61).await;
    assert_eq!(send(&app, old).await.status, StatusCode::ACCEPTED);
    let code = app.last_code(old).await;
    assert_eq!(otp_login(&app, old, &code).await.status, StatusCode::OK);

    let res = app
        .post_auth("/v1/auth/phone/send-otp", &access, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let challenge = res.json()["challenge_id"].as_str().unwrap().to_owned();
    let code = app.last_code(new).await;
    let res = app
        .post_auth(
            "/v1/auth/phone/verify",
            &access,
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let me = app.get_auth("/v1/auth/me", &access).await.json();
    assert_eq!(me["phone"], new);
    assert_eq!(me["pending_phone"], Value::Null);
    assert_eq!(me["phone_verified"], true);

    // The new number signs into the same account; the old one is free.
    assert_eq!(send(&app, new).await.status, StatusCode::ACCEPTED);
    let code = app.last_code(new).await;
    let res = otp_login(&app, new, &code).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["user"]["id"], pair["user"]["id"]);
    age_codes(&app, old, 61).await;
    let fresh = phone_account(&app, old).await;
    assert_ne!(fresh["user"]["id"], pair["user"]["id"]);
}

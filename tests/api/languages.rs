//! Persian end to end (`Accept-Language: fa`): a phone sign-up texted in
//! Persian, its errors in Persian, the account keeping the language for its
//! notifications (Solar Hijri dates, Persian digits), Google sign-in and the
//! two-step sign-in refusing in Persian; English stays the default.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_with, token, Resp, TestApp, PASSWORD};
use crate::market::{job_location, market, Market};
use crate::oidc_standin::{Key, OidcProvider};
use crate::twilio::code_in;
use crate::twilio_standin::Twilio;

const FA: &[(&str, &str)] = &[("accept-language", "fa-IR,fa;q=0.9,en;q=0.5")];

async fn fa_post(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> Resp {
    app.send_with(Method::POST, path, token, Some(body), FA)
        .await
}

fn persian(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

#[actix_web::test]
async fn a_phone_sign_up_in_persian_is_texted_answered_and_notified_in_persian() {
    let (twilio, idp) = (Twilio::start().await, OidcProvider::start().await);
    let mut env = twilio.settings();
    env.extend(idp.settings());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_with(&env).await;
    let m = market(&app).await;

    let phone = "+989121112233";
    let res = fa_post(&app, "/v1/auth/otp/send", None, json!({"phone": phone})).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let text = twilio.wait_for(phone, 1).await.pop().unwrap();
    assert!(persian(&text) && text.contains("کد ورود"), "{text}");
    let code = code_in(&text);

    // A wrong code: the error in Persian, its code unchanged.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res = fa_post(
        &app,
        "/v1/auth/otp/login",
        None,
        json!({"phone": phone, "code": wrong}),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "invalid_code");
    assert_eq!(res.json()["error"]["message"], "کد نادرست است.");
    assert_eq!(res.headers["content-language"], "fa");
    // Validation names the field inside the Persian sentence.
    let res = fa_post(&app, "/v1/auth/otp/send", None, json!({"phone": "nope"})).await;
    assert_eq!(res.json()["error"]["message"], "مقدار «phone» درست نیست.");
    assert_eq!(res.json()["error"]["field"], "phone");
    // Even the framework's own answers.
    let res = app
        .send_with(Method::GET, "/v1/no-such-route", None, None, FA)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["error"]["message"], "پیدا نشد.");

    let res = fa_post(
        &app,
        "/v1/auth/otp/login",
        None,
        json!({"phone": phone, "code": code}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let pair = res.json();
    assert_eq!(
        pair["user"]["language"], "fa",
        "the account keeps the language"
    );
    let access = token(&pair);
    let res = app
        .patch_auth(
            "/v1/me",
            &access,
            json!({"first_name": "Sara", "last_name": "Karimi", "time_zone": "Asia/Tehran"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["time_zone"], "Asia/Tehran");

    // A booking for tomorrow 10:00 Johannesburg: accepted, the customer is
    // told in Persian with the Solar Hijri date in their own zone.
    let me = Market {
        customer: access.clone(),
        customer_id: pair["user"]["id"].as_str().unwrap().to_owned(),
        provider: m.provider.clone(),
        provider_id: m.provider_id.clone(),
        admin: m.admin.clone(),
        service_id: m.service_id.clone(),
    };
    let day = crate::fixtures::days_ahead(1);
    let start = crate::fixtures::slots_on(&app, &m.provider_id, Some(&m.service_id), day)
        .await
        .into_iter()
        .next()
        .expect("a free slot");
    let res = app
        .post_auth(
            "/v1/bookings",
            &access,
            json!({"service_id": m.service_id, "scheduled_at": start, "location": job_location(),
                   "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let booking = res.json();
    let id = booking["id"].as_str().unwrap();
    me.pay(&app, id, 0).await;
    let res = me.act(&app, &m.provider, id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let mut notice = Value::Null;
    for _ in 0..100 {
        let list = app.get_auth("/v1/notifications", &access).await.json();
        if let Some(n) = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == "booking_accepted")
        {
            notice = n.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let title = notice["title"].as_str().expect("the acceptance notice");
    let body = notice["body"].as_str().unwrap();
    assert!(title.ends_with("رزرو شما را پذیرفت"), "{title}");
    assert!(body.contains("(Asia/Tehran)") && persian(body), "{body}");
    let at = chrono::DateTime::parse_from_rfc3339(&start).unwrap();
    let (jy, jm, jd) = onsite::i18n::jalali::from_gregorian(
        at.with_timezone(&chrono_tz::Asia::Tehran).date_naive(),
    )
    .unwrap();
    let expected = onsite::i18n::format::digits(
        onsite::i18n::Lang::Fa,
        &format!(
            "{jd} {} {jy}",
            onsite::i18n::jalali::MONTHS[jm as usize - 1]
        ),
    );
    assert!(body.contains(&expected), "{body} should name {expected}");
    // The provider, who chose no language, reads English.
    let list = app.get_auth("/v1/notifications", &m.provider).await.json();
    let request = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "booking_requested")
        .cloned()
        .unwrap();
    assert!(
        request["title"]
            .as_str()
            .unwrap()
            .starts_with("New request"),
        "{request}"
    );

    // Google sign-in in Persian: refusals in Persian, the new account in fa.
    let claims = idp.claims("g-fa", "nilufar@example.com", true, "n-fa");
    let res = fa_post(
        &app,
        "/v1/auth/oidc/google",
        None,
        json!({"id_token": idp.sign(&claims, Key::A), "nonce": "another"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json()["error"]["message"],
        "ورود با این حساب پذیرفته نشد."
    );
    let res = fa_post(
        &app,
        "/v1/auth/oidc/google",
        None,
        json!({"id_token": idp.sign(&claims, Key::A), "nonce": "n-fa"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["user"]["language"], "fa");
}

#[actix_web::test]
async fn two_step_sign_in_refuses_in_persian_and_english_stays_the_default() {
    let app = crate::helpers::spawn_app().await;
    let pair = app.user("pro@example.com", "provider").await;
    let access = token(&pair);
    crate::totp::enrol_and_confirm(&app, &access, PASSWORD).await;
    let res = fa_post(
        &app,
        "/v1/auth/login",
        None,
        json!({"identifier": "pro@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let challenge = res.json();
    assert_eq!(
        challenge["mfa_required"], true,
        "no tokens without the app's code"
    );
    let res = fa_post(
        &app,
        "/v1/auth/totp/verify",
        None,
        json!({"challenge_id": challenge["challenge_id"], "code": "12345678"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert!(
        persian(res.json()["error"]["message"].as_str().unwrap()),
        "{}",
        res.text
    );

    // No header, or one naming languages we do not speak: English.
    let res = app
        .post(
            "/v1/auth/login",
            json!({"identifier": "pro@example.com", "password": "nope"}),
        )
        .await;
    assert_eq!(
        res.json()["error"]["message"],
        "wrong identifier or password"
    );
    let res = app
        .send_with(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"identifier": "pro@example.com", "password": "nope"})),
            &[("accept-language", "de-DE,de;q=0.9")],
        )
        .await;
    assert_eq!(
        res.json()["error"]["message"],
        "wrong identifier or password"
    );
    assert!(res.headers.get("content-language").is_none());
    // A language we do not speak cannot be saved.
    let res = app
        .patch_auth("/v1/me", &access, json!({"language": "de"}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .patch_auth("/v1/me", &access, json!({"time_zone": "Mars/Olympus"}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "time_zone");
}

#[actix_web::test]
async fn a_persian_provider_hears_of_the_back_office_in_persian() {
    let app = crate::helpers::spawn_app().await;
    let admin = token(&app.admin().await);
    let provider =
        crate::fixtures::provider_with_profile(&app, "pro-fa@example.com", (35.7, 51.4)).await;
    let res = app
        .patch_auth("/v1/me", &provider.token, json!({"language": "fa"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    crate::fixtures::verify(&app, &admin, &provider.id).await;
    let service = crate::fixtures::create_service(&app, &provider, "Tiling", 50_000, 60).await;
    let res = app
        .post_auth(
            &format!(
                "/v1/admin/services/{}/approve",
                service["id"].as_str().unwrap()
            ),
            &admin,
            json!({"approved": false, "reason": "add photos"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let list = app
        .get_auth("/v1/notifications", &provider.token)
        .await
        .json();
    let of = |kind: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {list}"))
            .clone()
    };
    let verified = of("provider_verified");
    assert_eq!(verified["title"], "حساب متخصص شما تأیید شد", "{verified}");
    let rejected = of("service_rejected");
    assert!(persian(rejected["title"].as_str().unwrap()), "{rejected}");
    assert!(
        rejected["body"].as_str().unwrap().contains("add photos"),
        "{rejected}"
    );
    // The mails say the same.
    let mails = app.messages_to("pro-fa@example.com").await;
    let subjects: Vec<String> = mails.iter().map(|m| subject_of(m)).collect();
    assert!(
        subjects.iter().any(|s| s == "حساب متخصص شما تأیید شد"),
        "{subjects:?}"
    );
}

/// A mail's `Subject`, its RFC 2047 words (base64, as lettre writes them) decoded.
fn subject_of(mail: &str) -> String {
    use base64::Engine;
    let mut lines = mail
        .lines()
        .skip_while(|l| !l.to_ascii_lowercase().starts_with("subject:"));
    let mut header = lines.next().unwrap_or_default()["subject:".len()..].to_owned();
    for folded in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        header.push_str(folded);
    }
    // Whitespace between two encoded words is not text (RFC 2047, 6.2).
    let mut out = String::new();
    let mut last_encoded = false;
    for word in header.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let encoded = lower.starts_with("=?utf-8?b?") && lower.ends_with("?=");
        if !(out.is_empty() || encoded && last_encoded) {
            out.push(' ');
        }
        if encoded {
            let payload = &word["=?utf-8?b?".len()..word.len() - 2];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(payload)
                .unwrap();
            out.push_str(&String::from_utf8(bytes).unwrap());
        } else {
            out.push_str(word);
        }
        last_encoded = encoded;
    }
    out
}

#[actix_web::test]
async fn an_invitation_is_written_in_the_invitees_language() {
    let app = crate::helpers::spawn_app().await;
    let admin = token(&app.admin().await);
    let body = |email: &str, language: Option<&str>| {
        let mut b = json!({"email": email, "first_name": "Sara", "last_name": "Ahmadi"});
        if let Some(l) = language {
            b["language"] = json!(l);
        }
        b
    };
    // Asked in Persian: the invitee reads Persian and their account keeps it.
    let res = app
        .send_with(
            Method::POST,
            "/v1/admin/providers",
            Some(&admin),
            Some(body("sara@example.com", None)),
            FA,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["user"]["language"], "fa", "{}", res.text);
    let mails = app.messages_to("sara@example.com").await;
    assert_eq!(
        subject_of(mails.last().unwrap()),
        "دعوت به onsite به‌عنوان متخصص"
    );
    // Named in the body, it wins over the request's language.
    let res = app
        .send_with(
            Method::POST,
            "/v1/admin/admins",
            Some(&admin),
            Some(body("omid@example.com", Some("en"))),
            FA,
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let mails = app.messages_to("omid@example.com").await;
    assert_eq!(
        subject_of(mails.last().unwrap()),
        "You are invited to onsite as admin"
    );
    let res = app
        .post_auth(
            "/v1/admin/providers",
            &admin,
            body("x@example.com", Some("de")),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "language");
}

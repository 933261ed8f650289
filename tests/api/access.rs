//! The access-control matrix: every route of `/openapi.json`, called as an
//! anonymous caller, a customer, another customer, a provider, another
//! provider and an admin, against the expected rule. A route without a rule
//! fails the test, so every new route has to say who may call it.
//!
//! Codes, per caller in the order above:
//! `y` passes access control (not 401 or 403, and never a 5xx),
//! `Y` the same and sees the resource (not 404 either),
//! `u` 401, `f` 403, `n` 404 (a stranger: the resource is not theirs),
//! `*` anything but a 5xx (the route's own credential decides, e.g. a signature).
//!
//! A caller of the wrong role gets 403 whatever the id (a role gate in front
//! of the route answers before the body is read), so it learns nothing; a
//! caller of the right role who is a stranger to the resource gets 404.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::fixtures::bookable_provider;
use crate::helpers::{spawn_with, token, PASSWORD};
use crate::market::{market, BASE};

/// `(method, path, expected for [anonymous, A, B, P, Q, admin], when)`:
/// 0 first, 1 after those (it changes what others read), 2 and 3 at the
/// end (they end the caller's sessions; everyone signs in again before 3).
/// A is the booking's customer, P its provider; B and Q are strangers to it.
const RULES: &[(&str, &str, &str, u8)] = &[
    ("get", "/", "YYYYYY", 0),
    ("get", "/v1/me/totp", "uYYYYY", 0),
    ("get", "/v1/me/addresses", "uYYYYY", 0),
    ("get", "/v1/providers/me/link", "uffyyf", 0),
    ("post", "/v1/providers/me/link", "uffyyf", 0),
    ("get", "/v1/p/{slug}", "yyyyyy", 0),
    ("post", "/v1/me/addresses", "uyyyyy", 0),
    ("patch", "/v1/me/addresses/{address}", "uYnnnn", 0),
    ("delete", "/v1/me/addresses/{address}", "uYnnnn", 1),
    ("get", "/v1/geo/search", "uyyyyy", 0),
    ("get", "/v1/geo/reverse", "uyyyyy", 0),
    ("post", "/v1/me/totp", "uyyyyy", 0),
    ("delete", "/v1/me/totp", "uyyyyy", 0),
    ("post", "/v1/me/totp/confirm", "uyyyyy", 0),
    ("post", "/v1/auth/totp/verify", "******", 0),
    ("get", "/verify-email", "yyyyyy", 0),
    ("post", "/verify-email", "******", 0),
    ("get", "/reset-password", "yyyyyy", 0),
    ("post", "/reset-password", "******", 0),
    ("get", "/accept-invitation", "yyyyyy", 0),
    ("post", "/accept-invitation", "******", 0),
    ("get", "/health", "YYYYYY", 0),
    ("get", "/health/ready", "YYYYYY", 0),
    ("get", "/metrics", "YYYYYY", 0),
    ("get", "/openapi.json", "YYYYYY", 0),
    ("get", "/docs", "YYYYYY", 0),
    ("post", "/v1/auth/register", "yyyyyy", 0),
    ("post", "/v1/auth/login", "yyyyyy", 0),
    ("post", "/v1/auth/otp/verify", "yyyyyy", 0),
    ("post", "/v1/auth/otp/send", "yyyyyy", 0),
    ("post", "/v1/auth/oidc/{provider}", "yyyyyy", 0),
    ("post", "/v1/auth/otp/login", "yyyyyy", 0),
    ("post", "/v1/auth/refresh", "yyyyyy", 0),
    ("post", "/v1/auth/logout", "uyyyyy", 2),
    ("post", "/v1/auth/logout-all", "uyyyyy", 3),
    ("get", "/v1/auth/me", "uYYYYY", 0),
    ("post", "/v1/auth/email/send-verification", "uyyyyy", 0),
    ("post", "/v1/auth/email/verify", "yyyyyy", 0),
    ("post", "/v1/auth/phone/send-otp", "uyyyyy", 0),
    ("post", "/v1/auth/phone/verify", "uyyyyy", 0),
    ("post", "/v1/auth/password/forgot", "yyyyyy", 0),
    ("post", "/v1/auth/password/reset", "yyyyyy", 0),
    ("post", "/v1/auth/password/change", "uyyyyy", 0),
    ("get", "/v1/auth/sessions", "uYYYYY", 0),
    ("delete", "/v1/auth/sessions/{session}", "uYnnnn", 0),
    ("patch", "/v1/me", "uyyyyy", 0),
    ("post", "/v1/me/avatar", "uyyyyy", 0),
    ("get", "/v1/users/{customer}/avatar", "YYYYYY", 0),
    ("post", "/v1/auth/invitations/accept", "yyyyyy", 0),
    ("put", "/v1/providers/me/profile", "uffyyf", 1),
    ("put", "/v1/providers/me/online", "uffyyf", 0),
    ("get", "/v1/providers/me/availability", "uffYYf", 0),
    ("put", "/v1/providers/me/availability", "uffyyf", 1),
    (
        "post",
        "/v1/providers/me/availability/exceptions",
        "uffyyf",
        0,
    ),
    (
        "delete",
        "/v1/providers/me/availability/exceptions/{date}",
        "uffyyf",
        0,
    ),
    ("post", "/v1/providers/me/submit", "uffyyf", 0),
    ("get", "/v1/providers", "YYYYYY", 0),
    ("get", "/v1/providers/{provider}", "YYYYYY", 0),
    ("get", "/v1/providers/{provider}/reviews", "YYYYYY", 0),
    ("get", "/v1/providers/{provider}/slots", "YYYYYY", 0),
    ("post", "/v1/slots/hold", "uyyfff", 0),
    ("post", "/v1/bookings", "uyyfff", 0),
    ("get", "/v1/bookings", "uYYYYY", 0),
    ("get", "/v1/bookings/{booking}", "uYnYnY", 0),
    ("post", "/v1/bookings/{booking}/accept", "uffYnf", 0),
    ("post", "/v1/bookings/{booking}/decline", "uffYnf", 0),
    ("post", "/v1/bookings/{booking}/start", "uffYnf", 0),
    ("post", "/v1/bookings/{booking}/complete", "uffYnf", 0),
    ("post", "/v1/bookings/{booking}/cancel", "uYnYnY", 1),
    ("post", "/v1/bookings/{booking}/reschedule", "uYnfff", 0),
    ("get", "/v1/bookings/{booking}/events", "uYnYnY", 0),
    ("get", "/v1/bookings/{booking}/invoice", "uYnYnY", 0),
    ("post", "/v1/bookings/{booking}/location", "uYnYnf", 0),
    ("post", "/v1/bookings/{booking}/rate", "uYnfff", 0),
    ("post", "/v1/bookings/{booking}/rate-customer", "uffYnf", 0),
    ("post", "/v1/bookings/{booking}/review/reply", "uffYnf", 0),
    ("get", "/v1/bookings/{booking}/chat", "uYnYnY", 0),
    ("post", "/v1/bookings/{booking}/chat", "uYnYnf", 0),
    ("get", "/v1/bookings/{booking}/contact", "uYnYnf", 0),
    ("post", "/v1/payments/intents", "uyyfff", 0),
    (
        "post",
        "/v1/payments/intents/{payment}/confirm",
        "uYnfff",
        0,
    ),
    ("post", "/v1/payments/webhooks/{gateway}", "******", 0),
    ("get", "/v1/payments", "uYYYYY", 0),
    ("get", "/v1/wallet", "uYYYYf", 0),
    ("post", "/v1/wallet/payouts", "uffyyf", 0),
    ("get", "/v1/wallet/payouts", "uffYYf", 0),
    ("put", "/v1/wallet/payout-account", "uffyyf", 0),
    ("get", "/v1/wallet/payout-account", "uffyyf", 0),
    ("get", "/v1/admin/payouts", "uffffY", 0),
    ("get", "/v1/content/faq", "YYYYYY", 0),
    ("get", "/v1/content/pages/{slug}", "yyyyyy", 0),
    ("post", "/v1/feedback", "uyyyyy", 0),
    ("post", "/v1/contact", "yyyyyy", 0),
    ("post", "/v1/admin/faq", "uffffy", 0),
    ("patch", "/v1/admin/faq/{faq}", "uffffy", 0),
    ("delete", "/v1/admin/faq/{faq}", "uffffy", 0),
    ("put", "/v1/admin/pages/{slug}", "uffffy", 0),
    ("get", "/v1/admin/feedback", "uffffY", 0),
    ("get", "/v1/admin/contact", "uffffY", 0),
    ("post", "/v1/admin/contact/{contact}/handled", "uffffy", 0),
    ("post", "/v1/admin/payouts/{payout}/approve", "uffffy", 0),
    ("post", "/v1/admin/payouts/{payout}/reject", "uffffy", 0),
    ("post", "/v1/favorites", "uyyfff", 0),
    ("get", "/v1/favorites", "uYYfff", 0),
    ("delete", "/v1/favorites/{provider}", "uyyfff", 0),
    ("post", "/v1/complaints", "uyyyyf", 0),
    ("get", "/v1/complaints/mine", "uYYYYY", 0),
    ("get", "/v1/complaints/{complaint}", "uYnYnY", 0),
    ("post", "/v1/complaints/{complaint}/messages", "uYnYnY", 0),
    (
        "post",
        "/v1/complaints/{complaint}/attachments",
        "uYnYnY",
        0,
    ),
    (
        "get",
        "/v1/complaints/{complaint}/attachments/{attachment}",
        "uYnnnY",
        0,
    ),
    ("get", "/v1/chats", "uYYYYY", 0),
    ("get", "/v1/chats/direct/{provider}", "uffffY", 0),
    ("post", "/v1/chats/direct/{provider}", "uffffY", 0),
    ("get", "/v1/stats/platform", "YYYYYY", 0),
    ("get", "/v1/stats/bookings/trends", "YYYYYY", 0),
    ("get", "/v1/stats/providers/top", "YYYYYY", 0),
    ("get", "/v1/stats/providers/locations", "YYYYYY", 0),
    ("get", "/ws", "******", 0),
    ("delete", "/v1/privacy/account", "uyyyyf", 0),
    ("put", "/v1/privacy/consent", "uyyyyy", 0),
    ("get", "/v1/privacy/status", "uYYYYY", 0),
    ("get", "/v1/privacy/export", "uYYYYY", 0),
    ("get", "/v1/services", "YYYYYY", 0),
    ("post", "/v1/services", "uffyyf", 0),
    ("get", "/v1/services/{service}", "YYYYYY", 0),
    ("patch", "/v1/services/{service}", "unnYnY", 1),
    ("delete", "/v1/services/{service}", "unnYny", 1),
    ("get", "/v1/notifications", "uYYYYY", 0),
    ("post", "/v1/notifications/read-all", "uYYYYY", 0),
    ("post", "/v1/notifications/{notification}/read", "uYnnnn", 0),
    ("get", "/v1/me/notification-settings", "uYYYYY", 0),
    ("put", "/v1/me/notification-settings", "uyyyyy", 0),
    ("get", "/v1/me/devices", "uYYYYY", 0),
    ("post", "/v1/me/devices", "uyyyyy", 0),
    ("delete", "/v1/me/devices/{device}", "uYnnnn", 0),
    ("get", "/v1/admin/bookings", "uffffY", 0),
    ("post", "/v1/admin/bookings/{booking}/force", "uffffy", 0),
    ("get", "/v1/admin/ledger/summary", "uffffY", 0),
    ("get", "/v1/admin/ledger/transactions", "uffffY", 0),
    ("get", "/v1/admin/complaints", "uffffY", 0),
    (
        "post",
        "/v1/admin/complaints/{complaint}/assign",
        "uffffY",
        0,
    ),
    (
        "post",
        "/v1/admin/complaints/{complaint}/resolve",
        "uffffY",
        0,
    ),
    ("get", "/v1/admin/chats", "uffffY", 0),
    ("get", "/v1/admin/documents", "uffffY", 0),
    ("post", "/v1/admin/documents/{document}/verify", "uffffy", 0),
    ("post", "/v1/providers/me/documents", "uffyyf", 0),
    ("get", "/v1/providers/me/documents", "uffYYf", 0),
    ("get", "/v1/documents/{document}/file", "unnYnY", 0),
    ("post", "/v1/services/{service}/images", "uffyfY", 0),
    ("get", "/v1/services/{service}/images", "YYYYYY", 0),
    ("get", "/v1/categories", "YYYYYY", 0),
    ("get", "/v1/categories/{category}", "YYYYYY", 0),
    ("get", "/v1/categories/{category}/image", "YYYYYY", 0),
    ("post", "/v1/admin/categories", "uffffy", 0),
    ("patch", "/v1/admin/categories/{category}", "uffffY", 0),
    ("put", "/v1/admin/categories/{category}/image", "uffffy", 0),
    (
        "delete",
        "/v1/admin/categories/{category}/image",
        "uffffY",
        1,
    ),
    ("delete", "/v1/admin/categories/{category}", "uffffy", 1),
    ("get", "/v1/services/{service}/images/{image}", "YYYYYY", 0),
    (
        "delete",
        "/v1/services/{service}/images/{image}",
        "uffYfy",
        0,
    ),
    ("get", "/v1/admin/export/bookings.csv", "uffffY", 0),
    ("get", "/v1/admin/export/users.csv", "uffffY", 0),
    ("get", "/v1/admin/export/payments.csv", "uffffY", 0),
    ("get", "/v1/admin/export/ledger.csv", "uffffY", 0),
    ("get", "/v1/admin/sessions", "uffffY", 0),
    ("post", "/v1/admin/users/{victim}/block", "uffffY", 0),
    ("post", "/v1/admin/users/{victim}/unblock", "uffffY", 0),
    ("get", "/v1/admin/audit-log", "uffffY", 0),
    ("get", "/v1/admin/users", "uffffY", 0),
    ("get", "/v1/admin/users/{victim}", "uffffY", 0),
    ("get", "/v1/admin/users/{victim}/logins", "uffffY", 0),
    ("get", "/v1/admin/stats/revenue", "uffffY", 0),
    ("post", "/v1/admin/providers", "uffffy", 0),
    ("post", "/v1/admin/providers/{provider}/verify", "uffffy", 0),
    (
        "post",
        "/v1/admin/providers/{provider}/approval",
        "uffffy",
        0,
    ),
    (
        "get",
        "/v1/admin/providers/{provider}/performance",
        "uffffY",
        0,
    ),
    ("post", "/v1/admin/admins", "uffffy", 0),
    ("get", "/v1/admin/services", "uffffY", 0),
    ("post", "/v1/admin/services", "uffffy", 0),
    ("post", "/v1/admin/services/{service}/approve", "uffffy", 1),
    ("post", "/v1/admin/services/{service}/assign", "uffffy", 1),
    ("post", "/v1/admin/services/{service}/unassign", "uffffy", 1),
];

const CALLERS: [&str; 6] = [
    "anonymous",
    "customer A",
    "customer B",
    "provider P",
    "provider Q",
    "admin",
];

/// The OpenAPI path with `{name}` parameters, as the rule names them.
fn rule_shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for ch in path.chars() {
        match ch {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

fn check(code: char, status: StatusCode) -> bool {
    let s = status.as_u16();
    if s >= 500 {
        return false;
    }
    match code {
        'y' => s != 401 && s != 403,
        'Y' => s != 401 && s != 403 && s != 404,
        'u' => s == 401,
        'f' => s == 403,
        'n' => s == 404,
        '*' => true,
        _ => unreachable!("unknown code {code}"),
    }
}

#[actix_web::test]
async fn every_route_admits_exactly_its_callers_and_strangers_get_404() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let b = app.customer("b@example.com").await;
    let q = bookable_provider(&app, &m.admin, "q@example.com", BASE).await;
    let victim = app.register("victim@example.com", "customer").await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A's confirmed booking with P, its payment, a complaint, a notification,
    // a device, an avatar and a second session to revoke.
    let booking = m.book(&app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.pay(&app, &booking, 0).await;
    let res = app
        .post_auth(
            &format!("/v1/bookings/{booking}/accept"),
            &m.provider,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let payment = app.get_auth("/v1/payments", &m.customer).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let complaint = app
        .post_auth(
            "/v1/complaints",
            &m.customer,
            json!({"booking_id": booking, "type": "other", "severity": "low", "description": "late"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let notification = app.get_auth("/v1/notifications", &m.customer).await.json()["items"][0]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let device = app
        .post_auth(
            "/v1/me/devices",
            &m.customer,
            json!({"platform": "android", "token": "fcm-token-of-a"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let address = app
        .post_auth(
            "/v1/me/addresses",
            &m.customer,
            json!({"street": "1 Commissioner Street", "city": "Johannesburg", "country": "ZA",
                   "location": {"lat": -26.2041, "lng": 28.0473}}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let png = crate::fixtures::png(50, 50);
    let res = app
        .client
        .post(app.url("/v1/me/avatar"))
        .bearer_auth(&m.customer)
        .multipart(reqwest::multipart::Form::new().part(
            "avatar",
            reqwest::multipart::Part::bytes(png).file_name("a.png"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // P's KYC document and a gallery image of P's service.
    let document = crate::fixtures::upload_file(
        &app,
        "/v1/providers/me/documents",
        &m.provider,
        "file",
        crate::fixtures::pdf(),
        "licence.pdf",
        &[("kind", "licence")],
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let image = crate::fixtures::upload_file(
        &app,
        &format!("/v1/services/{}/images", m.service_id),
        &m.provider,
        "image",
        crate::fixtures::png(80, 60),
        "tap.png",
        &[],
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A category with an image, kept by the admin.
    let category = app
        .post_auth(
            "/v1/admin/categories",
            &m.admin,
            json!({"slug": "plumbing", "name": "Plumbing"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = crate::fixtures::upload_file_with(
        &app,
        reqwest::Method::PUT,
        &format!("/v1/admin/categories/{category}/image"),
        &m.admin,
        "image",
        crate::fixtures::png(64, 64),
        "pipes.png",
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    // A's receipt on the complaint (the reporter's side).
    let attachment = crate::fixtures::upload_file(
        &app,
        &format!("/v1/complaints/{complaint}/attachments"),
        &m.customer,
        "file",
        crate::fixtures::pdf(),
        "receipt.pdf",
        &[],
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let customer_email = app.get_auth("/v1/auth/me", &m.customer).await.json()["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = token(&app.login(&customer_email, PASSWORD).await.json());
    let session = app.state.jwt.verify(&second).unwrap().sid;
    let chat_token = |t: &str| {
        let app = &app;
        let booking = booking.clone();
        let t = t.to_owned();
        async move {
            app.get_auth(&format!("/v1/bookings/{booking}"), &t)
                .await
                .json()["chat_token"]
                .as_str()
                .map(str::to_owned)
        }
    };
    let chat_tokens = [
        None,
        chat_token(&m.customer).await,
        None,
        chat_token(&m.provider).await,
        None,
        None,
    ];
    let mut callers: [Option<String>; 6] = [
        None,
        Some(m.customer.clone()),
        Some(b.clone()),
        Some(m.provider.clone()),
        Some(q.token.clone()),
        Some(m.admin.clone()),
    ];
    let customer_id = m.customer_id.clone();
    let fill = |path: &str| -> String {
        path.replace("{session}", &session)
            .replace("{customer}", &customer_id)
            .replace("{date}", "2030-01-07")
            .replace("{provider}", &m.provider_id)
            .replace("{booking}", &booking)
            .replace("{payment}", &payment)
            .replace("{gateway}", "simulated")
            .replace("{complaint}", &complaint)
            .replace("{service}", &m.service_id)
            .replace("{notification}", &notification)
            .replace("{device}", &device)
            .replace("{address}", &address)
            .replace("{victim}", &victim)
            .replace("{document}", &document)
            .replace("{image}", &image)
            .replace("{category}", &category)
            .replace("{payout}", "00000000-0000-0000-0000-000000000000")
            .replace("{faq}", "00000000-0000-0000-0000-000000000000")
            .replace("{contact}", "00000000-0000-0000-0000-000000000000")
            .replace("{slug}", "about")
            .replace("{attachment}", &attachment)
    };

    // Every documented route has a rule, and every rule a route.
    let doc = app.get("/openapi.json").await.json();
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), rule_shape(path)));
        }
    }
    let ruled: Vec<(String, String)> = RULES
        .iter()
        .map(|(m, p, ..)| ((*m).to_owned(), rule_shape(p)))
        .collect();
    let missing: Vec<_> = documented.iter().filter(|d| !ruled.contains(d)).collect();
    assert!(
        missing.is_empty(),
        "routes without an access rule: {missing:?}"
    );
    let stale: Vec<_> = ruled.iter().filter(|r| !documented.contains(r)).collect();
    assert!(
        stale.is_empty(),
        "rules for routes that do not exist: {stale:?}"
    );

    let mut wrong = Vec::new();
    let ordered = (0..=3).flat_map(|when| RULES.iter().filter(move |r| r.3 == when));
    let mut signed_in_again = false;
    for (method, path, expected, when) in ordered {
        if *when == 3 && !signed_in_again {
            signed_in_again = true;
            for (i, email) in [
                (1, customer_email.as_str()),
                (2, "b@example.com"),
                (3, "pro@example.com"),
                (4, "q@example.com"),
            ] {
                let res = app.login(email, PASSWORD).await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.text);
                callers[i] = Some(token(&res.json()));
            }
            callers[5] = Some(app.admin_token().await);
        }
        let url = fill(path);
        for (i, code) in expected.chars().enumerate() {
            let mut url = url.clone();
            if url.ends_with("/chat") {
                if let Some(t) = &chat_tokens[i] {
                    url = format!("{url}?chat_token={t}");
                }
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method != Method::GET).then(|| json!({}));
            let res = app
                .send(method.clone(), &url, callers[i].as_deref(), body)
                .await;
            if !check(code, res.status) {
                wrong.push(format!(
                    "{method} {path} as {}: expected `{code}`, got {} {}",
                    CALLERS[i],
                    res.status.as_u16(),
                    res.text.chars().take(120).collect::<String>()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

//! Two-step sign-in: enrol an authenticator app, confirm it, then no sign-in
//! without its code (each code once, recovery codes once each), admins use it
//! instead of the emailed code, and it turns off only with password and code.

use reqwest::StatusCode;
use serde_json::{json, Value};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{spawn_app, token, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};

/// The authenticator app: the code for `secret` at the current time, or at
/// the next 30-second step (a code is accepted once per step).
pub fn app_code(secret: &str, steps_ahead: u64) -> String {
    let g = TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        Secret::Encoded(secret.into()).to_bytes().unwrap(),
        None,
        "x".into(),
    )
    .unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    g.generate(now + steps_ahead * 30)
}

/// Enrols and confirms; the secret, the recovery codes and the confirming code.
pub async fn enrol_and_confirm(
    app: &TestApp,
    token: &str,
    password: &str,
) -> (String, Vec<String>, String) {
    let res = app
        .post_auth("/v1/me/totp", token, json!({"password": "Wrong1234"}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "the password first");
    let res = app
        .post_auth("/v1/me/totp", token, json!({"password": password}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let enrolment = res.json();
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={secret}")),
        "{uri}"
    );
    let png = enrolment["qr_png"]
        .as_str()
        .unwrap()
        .strip_prefix("data:image/png;base64,")
        .unwrap();
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .decode(png)
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let res = app
        .post_auth("/v1/me/totp/confirm", token, json!({"code": "000000"}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let confirming = app_code(&secret, 0);
    let res = app
        .post_auth("/v1/me/totp/confirm", token, json!({"code": confirming}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let codes: Vec<String> = res.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes, confirming)
}

async fn second_step(app: &TestApp, challenge: &Value, code: &str) -> crate::helpers::Resp {
    app.post(
        "/v1/auth/totp/verify",
        json!({"challenge_id": challenge, "code": code}),
    )
    .await
}

#[actix_web::test]
async fn with_two_step_on_nobody_signs_in_without_the_code() {
    let app = spawn_app().await;
    let pro = token(&app.user("pro@example.com", "provider").await);
    let status = app.get_auth("/v1/me/totp", &pro).await.json();
    assert_eq!(status["enabled"], false);
    let (secret, recovery, confirming) = enrol_and_confirm(&app, &pro, PASSWORD).await;
    assert_eq!(
        app.get_auth("/v1/me/totp", &pro).await.json()["enabled"],
        true
    );
    let res = app
        .post_auth("/v1/me/totp", &pro, json!({"password": PASSWORD}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "turn it off first");

    // The password alone no longer signs in.
    let res = app.login("pro@example.com", PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK);
    let body = res.json();
    assert_eq!(body["mfa_required"], true);
    assert!(body.get("access_token").is_none(), "{body}");
    let challenge = body["challenge_id"].clone();
    let res = second_step(&app, &challenge, "123456").await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::BAD_REQUEST, "invalid_code".into())
    );
    // The confirming code was spent: the same step cannot be used again.
    let res = second_step(&app, &challenge, &confirming).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "a code works once");
    let res = second_step(&app, &challenge, &app_code(&secret, 1)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(res.json()["access_token"].is_string());
    let res = second_step(&app, &challenge, &app_code(&secret, 1)).await;
    assert_eq!(
        res.status,
        StatusCode::BAD_REQUEST,
        "the challenge is spent"
    );

    // A recovery code signs in once.
    let challenge = app.login("pro@example.com", PASSWORD).await.json()["challenge_id"].clone();
    let res = second_step(&app, &challenge, &recovery[0].to_uppercase()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let challenge = app.login("pro@example.com", PASSWORD).await.json()["challenge_id"].clone();
    let res = second_step(&app, &challenge, &recovery[0]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "spent");
    assert_eq!(
        app.get_auth("/v1/me/totp", &pro).await.json()["recovery_codes_left"],
        9
    );

    // Signing in often (several devices) is not throttled like code sends are.
    for _ in 0..6 {
        let res = app.login("pro@example.com", PASSWORD).await;
        assert_eq!(res.json()["mfa_required"], true, "{}", res.text);
    }

    // Five wrong codes burn the challenge.
    let challenge = app.login("pro@example.com", PASSWORD).await.json()["challenge_id"].clone();
    for _ in 0..5 {
        second_step(&app, &challenge, "999999").await;
    }
    let res = second_step(&app, &challenge, &recovery[1]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "burned");

    // Off only with the password and a code; then the password alone works again.
    let res = app
        .delete_body(
            "/v1/me/totp",
            &pro,
            json!({"password": PASSWORD, "code": "000000"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .delete_body(
            "/v1/me/totp",
            &pro,
            json!({"password": "Nope12345", "code": &recovery[1]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .delete_body(
            "/v1/me/totp",
            &pro,
            json!({"password": PASSWORD, "code": &recovery[1]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(app.login("pro@example.com", PASSWORD).await.json()["access_token"].is_string());
    let mails = app.wait_for_messages("pro@example.com", 2).await;
    assert!(mails.iter().any(|m| m.contains("Two-step sign-in is on")));
    assert!(mails
        .iter()
        .any(|m| m.contains("Two-step sign-in was turned off")));
}

#[actix_web::test]
async fn an_admin_with_an_authenticator_gets_no_emailed_code() {
    let app = spawn_app().await;
    let admin = token(&app.admin().await);
    let (secret, _, _) = enrol_and_confirm(&app, &admin, ADMIN_PASSWORD).await;
    let before = app.messages_to(ADMIN_EMAIL).await.len();
    let body = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.json();
    assert_eq!(body["mfa_required"], true, "{body}");
    assert!(body.get("otp_required").is_none());
    let res = second_step(&app, &body["challenge_id"], &app_code(&secret, 1)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let admin = res.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get_auth("/v1/admin/users", &admin).await.status,
        StatusCode::OK
    );
    let mails = app.messages_to(ADMIN_EMAIL).await;
    assert!(
        mails[before..]
            .iter()
            .all(|m| !m.contains("admin sign-in code")),
        "no emailed code"
    );
}

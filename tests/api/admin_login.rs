use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, token, ADMIN_EMAIL, ADMIN_PASSWORD};

#[actix_web::test]
async fn admin_login_needs_the_mailed_code_which_never_appears_in_a_response() {
    let app = spawn_app().await;
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK);
    let body = res.json();
    assert_eq!(body["otp_required"], true);
    assert!(body.get("access_token").is_none(), "{body}");
    let challenge = body["challenge_id"].as_str().unwrap().to_owned();
    let code = app.last_code(ADMIN_EMAIL).await;
    assert!(!res.text.contains(&code), "the code leaked: {}", res.text);

    let res = app
        .post(
            "/v1/auth/otp/verify",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(!res.text.contains(&code));
    let pair = res.json();
    let me = app.get_auth("/v1/auth/me", &token(&pair)).await.json();
    assert_eq!(me["role"], "admin");

    // Single use.
    let res = app
        .post(
            "/v1/auth/otp/verify",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "challenge_used");
}

#[actix_web::test]
async fn five_wrong_codes_burn_the_challenge() {
    let app = spawn_app().await;
    let challenge = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.json()["challenge_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = app.last_code(ADMIN_EMAIL).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for i in 1..=4 {
        let res = app
            .post(
                "/v1/auth/otp/verify",
                json!({"challenge_id": challenge, "code": wrong}),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.error_code(), "invalid_code");
        assert!(
            res.text.contains(&format!("{} attempt", 5 - i)),
            "{}",
            res.text
        );
    }
    let res = app
        .post(
            "/v1/auth/otp/verify",
            json!({"challenge_id": challenge, "code": wrong}),
        )
        .await;
    assert_eq!(res.error_code(), "too_many_attempts");
    // The right code no longer works.
    let res = app
        .post(
            "/v1/auth/otp/verify",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "challenge_used");
}

#[actix_web::test]
async fn a_code_only_opens_its_own_challenge() {
    let app = spawn_app().await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.json()["challenge_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_code = app.last_code(ADMIN_EMAIL).await;
    let second = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.json()["challenge_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second_code = app.last_code(ADMIN_EMAIL).await;
    // The first challenge was superseded by the second login.
    let res = app
        .post(
            "/v1/auth/otp/verify",
            json!({"challenge_id": first, "code": first_code}),
        )
        .await;
    assert_eq!(res.error_code(), "challenge_used");
    if first_code != second_code {
        let res = app
            .post(
                "/v1/auth/otp/verify",
                json!({"challenge_id": second, "code": first_code}),
            )
            .await;
        assert_eq!(res.error_code(), "invalid_code");
    }
    let res = app
        .post(
            "/v1/auth/otp/verify",
            json!({"challenge_id": second, "code": second_code}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_admin_password_alone_is_not_enough_and_customers_cannot_use_otp() {
    let app = spawn_app().await;
    let pair = app.user("ann@example.com", "customer").await;
    assert!(pair.get("otp_required").is_none());
    let res = app.login(ADMIN_EMAIL, "WrongPass1").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.messages_to(ADMIN_EMAIL).await.is_empty(),
        "no code is sent for a wrong password"
    );
    let res = app
        .post(
            "/v1/auth/otp/verify",
            json!({"challenge_id": "nope", "code": "123456"}),
        )
        .await;
    assert_eq!(res.error_code(), "challenge_not_found");
}

#[actix_web::test]
async fn an_admin_session_behaves_like_any_other() {
    let app = spawn_app().await;
    let pair = app.admin().await;
    let me = app.get_auth("/v1/auth/me", &token(&pair)).await.json();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email_verified"], true);
    let res = app
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": crate::helpers::refresh(&pair)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let next = res.json();
    assert_eq!(next["user"]["role"], "admin");
    let res = app
        .post_auth("/v1/auth/logout", &token(&next), json!({}))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_auth("/v1/auth/me", &token(&next)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, token};

#[actix_web::test]
async fn an_invited_provider_sets_a_password_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post_auth(
            "/v1/admin/providers",
            &admin,
            json!({"email": "Pat@Example.com", "first_name": "Pat", "last_name": "Ndlovu"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let body = res.json();
    assert_eq!(body["user"]["role"], "provider");
    assert_eq!(body["user"]["email"], "pat@example.com");
    assert_eq!(body["user"]["email_verified"], false);
    let id = body["user"]["id"].as_str().unwrap().to_owned();
    // No password yet: nobody can log in.
    assert_eq!(
        app.login("pat@example.com", "Whatever123").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mails = app.wait_for_messages("pat@example.com", 1).await;
    assert!(mails[0].contains("invited to onsite as provider"));
    let invite = app.last_token("pat@example.com").await;

    let res = app
        .post(
            "/v1/auth/invitations/accept",
            json!({"token": invite, "password": "weak"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "password");
    let res = app
        .post(
            "/v1/auth/invitations/accept",
            json!({"token": invite, "password": "Chosen123"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let pair = res.json();
    assert_eq!(pair["user"]["id"], id.as_str());
    assert_eq!(pair["user"]["email_verified"], true);
    let me = app.get_auth("/v1/auth/me", &token(&pair)).await;
    assert_eq!(me.status, StatusCode::OK);

    // Single use.
    let res = app
        .post(
            "/v1/auth/invitations/accept",
            json!({"token": invite, "password": "Another123"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "invalid_token");
    assert_eq!(
        app.login("pat@example.com", "Chosen123").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("pat@example.com", "Another123").await.status,
        StatusCode::UNAUTHORIZED
    );
    // The invited provider has an (empty) profile to complete.
    let view = app.get_auth("/v1/providers/me", &token(&pair)).await.json();
    assert_eq!(view["account"]["profile_complete"], false);
}

#[actix_web::test]
async fn admins_create_admins_by_invitation() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let res = app
        .post_auth(
            "/v1/admin/admins",
            &admin,
            json!({"email": "ops@example.com", "first_name": "Ops", "last_name": "Two"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["user"]["role"], "admin");
    app.wait_for_messages("ops@example.com", 1).await;
    let invite = app.last_token("ops@example.com").await;
    let res = app
        .post(
            "/v1/auth/invitations/accept",
            json!({"token": invite, "password": "Chosen123"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json(), json!({"status": "password_set"}));
    // Admins still sign in with the emailed code.
    let res = app.login("ops@example.com", "Chosen123").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["otp_required"], true);
}

#[actix_web::test]
async fn only_admins_invite_and_an_address_is_invited_once() {
    let app = spawn_app().await;
    let customer = app.customer("ann@example.com").await;
    let body = json!({"email": "pat@example.com", "first_name": "Pat", "last_name": "N"});
    for path in ["/v1/admin/providers", "/v1/admin/admins"] {
        let res = app.post_auth(path, &customer, body.clone()).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(res.error_code(), "admin_only");
    }
    let admin = app.admin_token().await;
    let res = app
        .post_auth(
            "/v1/admin/providers",
            &admin,
            json!({"email": "ann@example.com", "first_name": "Ann", "last_name": "L"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "email_taken");
    let res = app
        .post_auth(
            "/v1/admin/providers",
            &admin,
            json!({"email": "nope", "first_name": "Ann", "last_name": "L"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "email");
    // A password-reset token is no invitation.
    let res = app
        .post(
            "/v1/auth/invitations/accept",
            json!({"token": "x".repeat(43), "password": "Chosen123"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "invalid_token");
}

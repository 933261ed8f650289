//! Usernames: optional, unique whatever the case, shaped and not reserved;
//! one `identifier` at login for email, phone (any spelling) or username.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, token, PASSWORD};

#[actix_web::test]
async fn one_identifier_signs_in_by_email_phone_or_username() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/v1/auth/register",
            json!({"email": "ann@example.com", "password": PASSWORD, "first_name": "Ann",
                   "last_name": "Lee", "role": "customer", "phone": "+27821234567",
                   "username": "Ann.Lee"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(
        res.json()["user"]["username"],
        "ann.lee",
        "stored lower-case"
    );
    let id = res.json()["user"]["id"].clone();
    for identifier in [
        "ann@example.com",
        "ANN@example.com",
        "+27 82 123-4567",
        "ann.lee",
        "ANN.LEE",
    ] {
        let res = app.login(identifier, PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "{identifier}: {}", res.text);
        assert_eq!(res.json()["user"]["id"], id);
    }
    assert_eq!(
        app.login("ann.le", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Taken whatever the case; refused when misshapen or reserved.
    let res = app
        .post(
            "/v1/auth/register",
            json!({"email": "bob@example.com", "password": PASSWORD, "first_name": "Bob",
                   "last_name": "Ng", "role": "customer", "username": "ann.LEE"}),
        )
        .await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::CONFLICT, "username_taken".into())
    );
    let bob = token(&app.user("bob@example.com", "customer").await);
    for (bad, why) in [
        ("admin", "reserved"),
        ("no", "3 to 30"),
        ("12345678", "phone"),
        ("a..b", "twice"),
    ] {
        let res = app
            .patch_auth("/v1/me", &bob, json!({"username": bad}))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(res.json()["error"]["field"], "username");
        assert!(res.text.contains(why), "{bad}: {}", res.text);
    }
    let res = app
        .patch_auth("/v1/me", &bob, json!({"username": "Ann.Lee"}))
        .await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::CONFLICT, "username_taken".into())
    );

    // Ann changes hers; the old one is free at once, and Bob takes it.
    let ann = token(&app.login("ann.lee", PASSWORD).await.json());
    let res = app
        .patch_auth("/v1/me", &ann, json!({"username": "ann_2"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .patch_auth("/v1/me", &bob, json!({"username": "ann.lee"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        app.login("ann.lee", PASSWORD).await.json()["user"]["email"],
        "bob@example.com"
    );
    assert_eq!(
        app.login("ann_2", PASSWORD).await.json()["user"]["email"],
        "ann@example.com"
    );
    let res = app
        .patch_auth("/v1/me", &bob, json!({"username": null}))
        .await;
    assert!(res.json()["username"].is_null());
    assert_eq!(
        app.login("ann.lee", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

//! What a person sees: the pages mail links open, the service's front door,
//! and compressed answers for clients that ask.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, PASSWORD};

async fn get_page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    let status = res.status();
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("form-action 'self'"));
    (status, res.text().await.unwrap())
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let res = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn email_verified(app: &TestApp, email: &str) -> bool {
    let res = app.login(email, PASSWORD).await;
    let token = res.json()["access_token"].as_str().unwrap().to_owned();
    app.get_auth("/v1/auth/me", &token).await.json()["email_verified"]
        .as_bool()
        .unwrap()
}

#[actix_web::test]
async fn mail_links_open_pages_that_finish_the_action_only_when_asked() {
    let app = spawn_app().await;
    app.register("ann@example.com", "customer").await;
    app.wait_for_messages("ann@example.com", 1).await;
    let token = app.last_token("ann@example.com").await;

    // Opening the link (as a mail scanner would) shows a form and changes nothing.
    let (status, html) = get_page(&app, &format!("/verify-email?token={token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<form method=\"post\"") && html.contains(&token),
        "{html}"
    );
    assert!(!email_verified(&app, "ann@example.com").await);
    let (status, html) = post_form(&app, "/verify-email", &[("token", &token)]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Email address confirmed"));
    assert!(email_verified(&app, "ann@example.com").await);
    let (status, html) = post_form(&app, "/verify-email", &[("token", &token)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("could not be confirmed"), "{html}");
    let (status, _) = get_page(&app, "/verify-email").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, html) = get_page(&app, "/reset-password?token=%3Cscript%3Ex%3C/script%3E").await;
    assert!(
        !html.contains("<script>") && html.contains("&lt;script&gt;"),
        "escaped"
    );

    // A new password through the reset page.
    let res = app
        .post(
            "/v1/auth/password/forgot",
            json!({"email": "ann@example.com"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED);
    app.wait_for_messages("ann@example.com", 2).await;
    let token = app.last_token("ann@example.com").await;
    let (status, html) = get_page(&app, &format!("/reset-password?token={token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("type=\"password\""));
    let (status, html) = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &token),
            ("password", "NewSecret99"),
            ("repeat", "NewSecret98"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("differ") && html.contains(&token),
        "the form again: {html}"
    );
    let (status, html) = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &token),
            ("password", "short"),
            ("repeat", "short"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("8 to 128 characters"), "{html}");
    assert_eq!(
        app.login("ann@example.com", PASSWORD).await.status,
        StatusCode::OK,
        "unchanged"
    );
    let (status, html) = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &token),
            ("password", "NewSecret99"),
            ("repeat", "NewSecret99"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Your password is changed"));
    assert_eq!(
        app.login("ann@example.com", "NewSecret99").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("ann@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = post_form(
        &app,
        "/reset-password",
        &[
            ("token", &token),
            ("password", "Another123"),
            ("repeat", "Another123"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a link works once");
}

#[actix_web::test]
async fn the_front_door_names_the_service_and_answers_compress_when_asked() {
    let app = spawn_app().await;
    let root: Value = app.get("/").await.json();
    assert_eq!(root["service"], "onsite");
    assert_eq!(root["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(root["links"]["docs"], "/docs");
    let docs = app
        .client
        .get(app.url(root["links"]["openapi"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), StatusCode::OK);

    for (asked, magic) in [("gzip", &[0x1f_u8, 0x8b][..]), ("br", &[][..])] {
        let res = app
            .client
            .get(app.url("/openapi.json"))
            .header("accept-encoding", asked)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], asked);
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.starts_with(magic));
        assert!(
            serde_json::from_slice::<Value>(&bytes).is_err(),
            "not plain JSON"
        );
        assert!(
            bytes.len() < docs_len(&app).await / 3,
            "{asked}: {} bytes",
            bytes.len()
        );
    }
    let plain = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
}

async fn docs_len(app: &TestApp) -> usize {
    app.client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len()
}

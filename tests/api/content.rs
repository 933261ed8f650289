//! Content: FAQ and pages per language (admins write, everyone reads),
//! feedback from signed-in users, "reach us" from anyone (rate-limited),
//! read and handled by admins; all of it validated and audited.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_with, TestApp};
use crate::market::market;

fn questions(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["question"].as_str().unwrap())
        .collect()
}

async fn contact(app: &TestApp, email: &str) -> crate::helpers::Resp {
    app.post(
        "/v1/contact",
        json!({"name": "Thandi Mokoena", "email": email, "subject": "Refund",
               "message": "<script>alert(1)</script> I was charged twice."}),
    )
    .await
}

#[actix_web::test]
async fn admins_keep_the_faq_and_pages_in_languages_and_everyone_reads_them() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    for (lang, q, pos) in [
        ("en", "How do I pay?", 2),
        ("en", "Can I cancel?", 1),
        ("fa", "چگونه پرداخت کنم؟", 0),
    ] {
        let res = app
            .post_auth(
                "/v1/admin/faq",
                &m.admin,
                json!({"lang": lang, "question": q, "answer": "By card, into escrow.", "position": pos}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    for (body, field) in [
        (json!({"question": "", "answer": "x"}), "question"),
        (
            json!({"question": "q", "answer": "x", "lang": "english"}),
            "lang",
        ),
        (
            json!({"question": "q", "answer": "x", "position": 20000}),
            "position",
        ),
    ] {
        let res = app.post_auth("/v1/admin/faq", &m.admin, body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.json()["error"]["field"], field);
    }
    let en = app.get("/v1/content/faq").await.json();
    assert_eq!(questions(&en), ["Can I cancel?", "How do I pay?"]);
    let fa = app.get("/v1/content/faq?lang=fa").await.json();
    assert_eq!(fa["lang"], "fa");
    assert_eq!(questions(&fa), ["چگونه پرداخت کنم؟"]);
    let de = app.get("/v1/content/faq?lang=de").await.json();
    assert_eq!(de["lang"], "en", "falls back to the default language");

    let id = en["items"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .send(
            Method::PATCH,
            &format!("/v1/admin/faq/{id}"),
            Some(&m.admin),
            Some(json!({"position": 9})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        questions(&app.get("/v1/content/faq").await.json()),
        ["How do I pay?", "Can I cancel?"]
    );
    let res = app
        .send(
            Method::DELETE,
            &format!("/v1/admin/faq/{id}"),
            Some(&m.admin),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        questions(&app.get("/v1/content/faq").await.json()),
        ["How do I pay?"]
    );

    // Pages: written per language, read with the default as fallback.
    assert_eq!(
        app.get("/v1/content/pages/about").await.status,
        StatusCode::NOT_FOUND
    );
    let res = app
        .put_auth(
            "/v1/admin/pages/about",
            &m.admin,
            json!({"title": "About onsite", "body": "We send the plumber to you."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let page = app.get("/v1/content/pages/about?lang=fa").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.json()["title"], "About onsite");
    assert_eq!(page.json()["lang"], "en");
    let res = app
        .put_auth(
            "/v1/admin/pages/about",
            &m.customer,
            json!({"title": "x", "body": "y"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let log = app.get_auth("/v1/admin/audit-log", &m.admin).await.json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["faq.create", "faq.update", "faq.delete", "page.update"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[actix_web::test]
async fn feedback_and_reach_us_land_with_the_admins_and_reach_us_is_rate_limited() {
    let app = spawn_with(&[
        ("ONSITE_RATE_LIMITS", "on"),
        ("ONSITE_RATE_CONTACT_IP", "2/1h"),
    ])
    .await;
    let m = market(&app).await;
    let res = app
        .post("/v1/feedback", json!({"rating": 5, "message": "Great"}))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app
        .post_auth("/v1/feedback", &m.customer, json!({"rating": 6}))
        .await;
    assert_eq!(res.json()["error"]["field"], "rating");
    let res = app
        .post_auth(
            "/v1/feedback",
            &m.customer,
            json!({"rating": 4, "message": "The plumber was early."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let fb = app.get_auth("/v1/admin/feedback", &m.admin).await.json();
    assert_eq!(fb["items"][0]["message"], "The plumber was early.");
    assert_eq!(fb["items"][0]["user_id"], m.customer_id.as_str());

    let res = app
        .post(
            "/v1/contact",
            json!({"name": "T", "email": "not-an-email", "subject": "s", "message": "m"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "email");
    assert_eq!(
        contact(&app, "thandi@example.com").await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        contact(&app, "thandi@example.com").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let open = app
        .get_auth("/v1/admin/contact?open=true", &m.admin)
        .await
        .json();
    let msg = &open["items"][0];
    // Stored and returned as the text it was: JSON-escaped, never interpreted.
    assert_eq!(
        msg["message"],
        "<script>alert(1)</script> I was charged twice."
    );
    let id = msg["id"].as_str().unwrap().to_owned();
    let res = app
        .post_auth(
            &format!("/v1/admin/contact/{id}/handled"),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(res.json()["handled_at"].is_string());
    let res = app
        .post_auth(
            &format!("/v1/admin/contact/{id}/handled"),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.error_code(), "already_handled");
    let open = app
        .get_auth("/v1/admin/contact?open=true", &m.admin)
        .await
        .json();
    assert!(open["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get_auth("/v1/admin/contact", &m.customer).await.status,
        StatusCode::FORBIDDEN
    );
}

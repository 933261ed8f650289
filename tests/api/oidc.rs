//! Sign-in with Google (the OpenID Connect stand-in): the code flow with
//! PKCE and native ID tokens, every check on the token, linking only by a
//! verified email, key rotation, and a provider that cannot be reached.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, token, TestApp, PASSWORD};
use crate::oidc_standin::{Key, OidcProvider, REDIRECT_URI};

async fn spawn(idp: &OidcProvider, more: &[(&'static str, String)]) -> TestApp {
    let mut env = idp.settings();
    env.extend(more.iter().cloned());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_with(&env).await
}

fn verifier() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

async fn with_google(app: &TestApp, body: Value) -> crate::helpers::Resp {
    app.post("/v1/auth/oidc/google", body).await
}

async fn by_token(
    app: &TestApp,
    idp: &OidcProvider,
    claims: &Value,
    key: Key,
) -> crate::helpers::Resp {
    with_google(
        app,
        json!({"id_token": idp.sign(claims, key), "nonce": claims["nonce"]}),
    )
    .await
}

#[actix_web::test]
async fn a_new_customer_signs_in_with_google_by_code_and_pkce_then_by_a_native_id_token() {
    let idp = OidcProvider::start().await;
    let app = spawn(&idp, &[]).await;

    let v = verifier();
    let code = idp.code_for(idp.claims("g-100", "Gita@Example.com", true, "n-1"), &v);
    let res = with_google(
        &app,
        json!({"code": code, "code_verifier": v, "redirect_uri": REDIRECT_URI, "nonce": "n-1"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let pair = res.json();
    let user = &pair["user"];
    assert_eq!(user["email"], "gita@example.com");
    assert_eq!(user["email_verified"], true);
    assert_eq!(user["first_name"], "Gita");
    assert_eq!(user["role"], "customer");
    let id = user["id"].as_str().unwrap().to_owned();
    let me = app.get_auth("/v1/auth/me", &token(&pair)).await;
    assert_eq!(me.status, StatusCode::OK);

    // A code is good once.
    let res = with_google(
        &app,
        json!({"code": code, "code_verifier": v, "redirect_uri": REDIRECT_URI, "nonce": "n-1"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    assert_eq!(res.error_code(), "oidc_rejected");

    // The same person through the phone's own sign-in: the same account.
    let res = by_token(
        &app,
        &idp,
        &idp.claims("g-100", "gita@example.com", true, "n-2"),
        Key::A,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["user"]["id"], id.as_str());

    // PKCE and the redirect URI are checked.
    let code = idp.code_for(idp.claims("g-100", "gita@example.com", true, "n-3"), &v);
    let res = with_google(
        &app,
        json!({"code": code, "code_verifier": verifier(), "redirect_uri": REDIRECT_URI, "nonce": "n-3"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    let code = idp.code_for(idp.claims("g-100", "gita@example.com", true, "n-4"), &v);
    let res = with_google(
        &app,
        json!({"code": code, "code_verifier": v, "redirect_uri": "https://evil.example/cb", "nonce": "n-4"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
}

#[actix_web::test]
async fn every_check_on_the_id_token_holds_and_a_key_rotation_is_followed() {
    let idp = OidcProvider::start().await;
    let app = spawn(&idp, &[]).await;
    let good = idp.claims("g-200", "lale@example.com", true, "n-ok");
    assert_eq!(
        by_token(&app, &idp, &good, Key::A).await.status,
        StatusCode::CREATED
    );

    // The provider rotates its key: a token with the new key is accepted
    // after one fresh look at the keys.
    let fetched = idp.discovery_calls();
    idp.rotate();
    let res = by_token(&app, &idp, &good, Key::B).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(idp.discovery_calls(), fetched + 1);
    // The retired key now fails, and unknown keys do not make it fetch
    // again within half a minute.
    for _ in 0..3 {
        let res = by_token(&app, &idp, &good, Key::A).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(idp.discovery_calls(), fetched + 1);

    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut c = good.clone();
    c["aud"] = json!("someone-elses-app");
    cases.push(("another audience", c));
    let mut c = good.clone();
    c["iss"] = json!("https://accounts.evil.example");
    cases.push(("another issuer", c));
    let mut c = good.clone();
    c["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
    c["iat"] = json!(chrono::Utc::now().timestamp() - 7200);
    cases.push(("expired", c));
    for (what, claims) in cases {
        let res = by_token(&app, &idp, &claims, Key::B).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{what}: {}", res.text);
        assert_eq!(res.error_code(), "oidc_rejected", "{what}");
    }
    // A nonce other than the app's.
    let res = with_google(
        &app,
        json!({"id_token": idp.sign(&good, Key::B), "nonce": "n-other"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    // A changed payload under the old signature.
    let signed = idp.sign(&good, Key::B);
    let parts: Vec<&str> = signed.split('.').collect();
    let mut other = good.clone();
    other["sub"] = json!("g-999");
    let forged_payload = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(other.to_string())
    };
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    let res = with_google(&app, json!({"id_token": forged, "nonce": "n-ok"})).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    let res = with_google(&app, json!({"id_token": "not-a-jwt", "nonce": "n-ok"})).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
}

#[actix_web::test]
async fn an_existing_account_is_linked_only_by_a_verified_email() {
    let idp = OidcProvider::start().await;
    let app = spawn(&idp, &[]).await;
    let ann = app.user("ann@example.com", "customer").await;
    let bob = app.user("bob@example.com", "customer").await;

    let res = by_token(
        &app,
        &idp,
        &idp.claims("g-ann", "ann@example.com", true, "n"),
        Key::A,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["user"]["id"], ann["user"]["id"]);

    // Unverified by the provider: not Bob's account, and not Bob's address.
    let res = by_token(
        &app,
        &idp,
        &idp.claims("g-mallory", "bob@example.com", false, "n"),
        Key::A,
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let fresh = res.json();
    assert_ne!(fresh["user"]["id"], bob["user"]["id"]);
    assert_eq!(fresh["user"]["email"], Value::Null);
    assert_eq!(
        app.login("bob@example.com", PASSWORD).await.status,
        StatusCode::OK
    );

    // A blocked account stays out.
    let admin = token(&app.admin().await);
    let id = ann["user"]["id"].as_str().unwrap();
    let res = app
        .post_auth(
            &format!("/v1/admin/users/{id}/block"),
            &admin,
            json!({"reason": "fraud"}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.text);
    let res = by_token(
        &app,
        &idp,
        &idp.claims("g-ann", "ann@example.com", true, "n"),
        Key::A,
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "account_blocked");
}

#[actix_web::test]
async fn bad_requests_unknown_providers_and_an_unreachable_one_get_clear_errors() {
    let idp = OidcProvider::start().await;
    let app = spawn(
        &idp,
        &[
            ("ONSITE_OIDC_PROVIDERS", "google,acme".into()),
            ("ONSITE_OIDC_ACME_ISSUER", "http://127.0.0.1:9".into()),
            ("ONSITE_OIDC_ACME_CLIENT_ID", "acme-client".into()),
        ],
    )
    .await;
    let token_for_acme = idp.sign(&idp.claims("x", "x@example.com", true, "n"), Key::A);
    let res = app
        .post(
            "/v1/auth/oidc/acme",
            json!({"id_token": token_for_acme, "nonce": "n"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.text);
    assert_eq!(res.error_code(), "oidc_unavailable");
    let res = app
        .post(
            "/v1/auth/oidc/facebook",
            json!({"id_token": "a.b.c", "nonce": "n"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = with_google(&app, json!({"code": "c", "nonce": "n"})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "code_verifier");
    let res = with_google(&app, json!({"nonce": "n"})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = with_google(&app, json!({"id_token": "a.b.c", "nonce": ""})).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

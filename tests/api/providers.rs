use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::{bookable_provider, profile_body, provider_with_profile, CAPE_TOWN};
use crate::helpers::{spawn_app, token};

#[actix_web::test]
async fn only_providers_have_a_profile_and_bad_fields_are_named() {
    let app = spawn_app().await;
    let customer = app.customer("ann@example.com").await;
    let res = app
        .put_auth(
            "/v1/providers/me/profile",
            &customer,
            profile_body(CAPE_TOWN, 10.0),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "provider_only");
    let provider = token(&app.user("bob@example.com", "provider").await);
    for (body, field) in [
        (json!({"service_radius_km": 0}), "service_radius_km"),
        (json!({"service_radius_km": 501}), "service_radius_km"),
        (json!({"experience_years": -1}), "experience_years"),
        (json!({"skills": ["ok", "bad_skill"]}), "skills[1]"),
        (
            json!({"base_location": {"lat": 91, "lng": 0}}),
            "base_location",
        ),
        (json!({"bio": "x".repeat(2001)}), "bio"),
    ] {
        let res = app
            .put_auth("/v1/providers/me/profile", &provider, body)
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{field}: {}", res.text);
        assert_eq!(res.json()["error"]["field"], field, "{}", res.text);
    }
    let res = app
        .put_auth(
            "/v1/providers/me/profile",
            &provider,
            json!({"bio": "Plumber"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let me = res.json();
    assert_eq!(me["account"]["profile_complete"], false);
    assert_eq!(me["account"]["missing"], json!(["skills", "base_location"]));
    let res = app
        .put_auth(
            "/v1/providers/me/profile",
            &provider,
            profile_body(CAPE_TOWN, 15.0),
        )
        .await;
    let me = res.json();
    assert_eq!(me["account"]["profile_complete"], true);
    assert_eq!(me["skills"], json!(["plumbing", "drain cleaning"]));
    assert_eq!(me["account"]["bookable"], false, "not verified yet");
}

#[actix_web::test]
async fn an_unverified_provider_cannot_publish_or_go_online() {
    let app = spawn_app().await;
    let p = provider_with_profile(&app, "bob@example.com", CAPE_TOWN).await;
    let res = app
        .post_auth(
            "/v1/services",
            &p.token,
            json!({"title": "Fix a tap", "price": {"amount": 45000, "currency": "ZAR"}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    assert_eq!(res.error_code(), "provider_not_verified");
    let res = app
        .put_auth("/v1/providers/me/online", &p.token, json!({"online": true}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "provider_not_verified");
    let res = app
        .put_auth(
            "/v1/providers/me/online",
            &p.token,
            json!({"online": false}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_incomplete_profile_cannot_publish_even_when_verified() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let pair = app.user("bob@example.com", "provider").await;
    let (id, tok) = (
        pair["user"]["id"].as_str().unwrap().to_owned(),
        token(&pair),
    );
    // Verified without any profile yet.
    let res = app
        .post_auth(
            &format!("/v1/admin/providers/{id}/verify"),
            &admin,
            json!({"verified": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let body = json!({"title": "Fix a tap", "price": {"amount": 45000, "currency": "ZAR"}});
    let res = app.post_auth("/v1/services", &tok, body.clone()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "profile_incomplete");
    // Complete: allowed; incomplete again (no base location): refused again.
    app.put_auth(
        "/v1/providers/me/profile",
        &tok,
        profile_body(CAPE_TOWN, 10.0),
    )
    .await;
    let res = app.post_auth("/v1/services", &tok, body.clone()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let res = app
        .put_auth(
            "/v1/providers/me/profile",
            &tok,
            json!({"bio": "Plumber", "skills": ["plumbing"]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = app.post_auth("/v1/services", &tok, body).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "profile_incomplete");
    assert!(res.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("base_location"));
}

#[actix_web::test]
async fn admins_verify_providers_and_withdrawing_needs_a_reason() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = provider_with_profile(&app, "bob@example.com", CAPE_TOWN).await;
    let customer = app.customer("ann@example.com").await;
    let url = format!("/v1/admin/providers/{}/verify", p.id);
    let res = app
        .post_auth(&url, &customer, json!({"verified": true}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "admin_only");
    let res = app.post_auth(&url, &admin, json!({"verified": true})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["verified"], true);
    assert_eq!(res.json()["account"]["bookable"], true);
    let mails = app.wait_for_messages("bob@example.com", 2).await;
    assert!(mails.last().unwrap().contains("is approved"));
    let res = app
        .put_auth("/v1/providers/me/online", &p.token, json!({"online": true}))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["online"], true);

    let res = app
        .post_auth(&url, &admin, json!({"verified": false}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "reason");
    let res = app
        .post_auth(
            &url,
            &admin,
            json!({"verified": false, "reason": "licence expired"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let view = res.json();
    assert_eq!(view["verified"], false);
    assert_eq!(view["online"], false, "unverified providers go offline");
    assert_eq!(view["account"]["verification_note"], "licence expired");
    // Not a provider: 404.
    let customer_id = app.register("cid@example.com", "customer").await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_auth(
            &format!("/v1/admin/providers/{customer_id}/verify"),
            &admin,
            json!({"verified": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_public_profile_has_no_contact_details_and_hides_unbookable_providers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = provider_with_profile(&app, "bob@example.com", CAPE_TOWN).await;
    let url = format!("/v1/providers/{}", p.id);
    assert_eq!(
        app.get(&url).await.status,
        StatusCode::NOT_FOUND,
        "unverified"
    );
    // The provider and admins always see it, with the account details.
    let own = app.get_auth(&url, &p.token).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.json()["account"]["email"], "bob@example.com");
    let me = app.get_auth("/v1/providers/me", &p.token).await;
    assert_eq!(me.json()["id"], p.id.as_str());
    assert_eq!(app.get_auth(&url, &admin).await.status, StatusCode::OK);

    crate::fixtures::verify(&app, &admin, &p.id).await;
    let public = app.get(&url).await;
    assert_eq!(public.status, StatusCode::OK);
    let body = public.json();
    assert!(body.get("account").is_none(), "{body}");
    for secret in ["bob@example.com", "1 Long St", "-33.9249"] {
        assert!(
            !public.text.contains(secret),
            "{secret} leaked: {}",
            public.text
        );
    }
    assert_eq!(body["location"]["lat"], -33.92);
    assert_eq!(body["skills"], json!(["plumbing", "drain cleaning"]));
    // A bad token is refused, not treated as anonymous.
    assert_eq!(
        app.get_auth(&url, "garbage").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Reviews: none exist yet, so an empty page.
    let reviews = app.get(&format!("{url}/reviews")).await;
    assert_eq!(reviews.status, StatusCode::OK);
    assert_eq!(reviews.json(), json!({"items": [], "next_cursor": null}));
    let other = bookable_provider(&app, &admin, "carl@example.com", CAPE_TOWN).await;
    let res = app
        .post_auth(
            &format!("/v1/admin/providers/{}/verify", other.id),
            &admin,
            json!({"verified": false, "reason": "fraud"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/v1/providers/{}/reviews", other.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

//! Booking links: a provider's unguessable public page with profile,
//! services and free slots but no contact details; regenerating kills the
//! old link at once; clicks and bookings made from it are counted.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::market::{job_location, market};

#[actix_web::test]
async fn a_providers_link_shows_the_page_counts_clicks_and_bookings_and_regenerates() {
    let app = spawn_app().await;
    let m = market(&app).await;

    let res = app.get_auth("/v1/providers/me/link", &m.provider).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "none until made");
    let res = app
        .post_auth("/v1/providers/me/link", &m.customer, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .post_auth("/v1/providers/me/link", &m.provider, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let link = res.json();
    let slug = link["slug"].as_str().unwrap().to_owned();
    assert!(slug.len() >= 16, "unguessable: {slug}");
    assert!(link["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v1/p/{slug}")));

    // Anyone with the link sees the page, without contact details.
    let res = app.get(&format!("/v1/p/{slug}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let page = res.json();
    assert_eq!(page["provider"]["id"], m.provider_id.as_str());
    assert_eq!(page["services"][0]["id"], m.service_id.as_str());
    assert!(!page["free_slots"].as_array().unwrap().is_empty(), "{page}");
    assert_eq!(page["timezone"], "Africa/Johannesburg");
    assert!(
        !res.text.contains("pro@example.com"),
        "no email on the page"
    );
    assert!(page["provider"].get("account").is_none_or(|a| a.is_null()));

    // A booking made from it counts; one naming a made-up link does not.
    for (via, status) in [
        (slug.as_str(), StatusCode::CREATED),
        ("made-up", StatusCode::CREATED),
    ] {
        let res = app
            .post_auth(
                "/v1/bookings",
                &m.customer,
                json!({"service_id": m.service_id, "location": job_location(), "job_size": "small",
                       "link": via}),
            )
            .await;
        assert_eq!(res.status, status, "{}", res.text);
    }
    let stats = app
        .get_auth("/v1/providers/me/link", &m.provider)
        .await
        .json();
    assert_eq!(stats["clicks"], 1);
    assert_eq!(stats["conversions"], 1);

    // A new link: the old one is dead at once, the counts carry over.
    let res = app
        .post_auth("/v1/providers/me/link", &m.provider, json!({}))
        .await;
    let fresh = res.json()["slug"].as_str().unwrap().to_owned();
    assert_ne!(fresh, slug);
    assert_eq!(
        app.get(&format!("/v1/p/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/v1/p/{fresh}")).await.status,
        StatusCode::OK
    );
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "location": job_location(), "job_size": "small",
                   "link": slug}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let stats = app
        .get_auth("/v1/providers/me/link", &m.provider)
        .await
        .json();
    assert_eq!(stats["clicks"], 2, "{stats}");
    assert_eq!(stats["conversions"], 1, "the dead link converts nothing");

    // A provider who goes offline for good (blocked) has no page.
    let res = app
        .post_auth(
            &format!("/v1/admin/users/{}/block", m.provider_id),
            &m.admin,
            json!({"reason": "fraud"}),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.text);
    assert_eq!(
        app.get(&format!("/v1/p/{fresh}")).await.status,
        StatusCode::NOT_FOUND
    );
}

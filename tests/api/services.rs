use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::{
    approve, approved_service, bookable_provider, create_service, ids, provider_with_profile,
    CAPE_TOWN,
};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn new_services_wait_for_approval_and_anonymous_callers_see_only_approved_ones() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    let customer = app.customer("ann@example.com").await;
    let s = create_service(&app, &p, "Fix a tap", 45000, 60).await;
    assert_eq!(s["status"], "pending");
    assert_eq!(s["price"], json!({"amount": 45000, "currency": "ZAR"}));
    let id = s["id"].as_str().unwrap().to_owned();
    let url = format!("/v1/services/{id}");

    // Pending: invisible to customers and anonymous callers, visible to its provider and admins.
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_auth(&url, &customer).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get_auth(&url, &p.token).await.status, StatusCode::OK);
    assert_eq!(app.get_auth(&url, &admin).await.status, StatusCode::OK);
    assert!(ids(&app.get("/v1/services").await.json()).is_empty());

    approve(&app, &admin, &id).await;
    let public = app.get(&url).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.json()["status"], "approved");
    assert!(public.json().get("review_note").is_none());
    let listed = app.get("/v1/services").await.json();
    assert_eq!(ids(&listed), vec![id.clone()]);
    assert_eq!(listed["items"][0]["provider"]["id"], p.id.as_str());
    assert!(!app
        .get("/v1/services")
        .await
        .text
        .contains("bob@example.com"));

    // Inactive: hidden, approval kept.
    let res = app
        .patch_auth(&url, &p.token, json!({"active": false}))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["status"], "approved");
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    app.patch_auth(&url, &p.token, json!({"active": true}))
        .await;
    assert_eq!(app.get(&url).await.status, StatusCode::OK);

    // A provider who loses verification takes their services off the listing.
    app.post_auth(
        &format!("/v1/admin/providers/{}/verify", p.id),
        &admin,
        json!({"verified": false, "reason": "documents expired"}),
    )
    .await;
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    assert!(ids(&app.get("/v1/services").await.json()).is_empty());
    assert_eq!(app.get_auth(&url, &p.token).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_edited_service_goes_back_to_pending_and_leaves_the_listing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    let id = approved_service(&app, &admin, &p, "Fix a tap", 45000, 60).await;
    let url = format!("/v1/services/{id}");
    // Duration and active do not need a new review.
    let res = app
        .patch_auth(&url, &p.token, json!({"duration_minutes": 90}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "approved");
    assert_eq!(res.json()["duration_minutes"], 90);
    // The same title again is no change.
    let res = app
        .patch_auth(&url, &p.token, json!({"title": "Fix a tap"}))
        .await;
    assert_eq!(res.json()["status"], "approved");
    for change in [
        json!({"title": "Fix any tap"}),
        json!({"description": "Now with washers"}),
        json!({"price": {"amount": 50000, "currency": "ZAR"}}),
    ] {
        let res = app.patch_auth(&url, &p.token, change.clone()).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.json()["status"], "pending", "{change}");
        assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
        assert!(ids(&app.get("/v1/services").await.json()).is_empty());
        approve(&app, &admin, &id).await;
        assert_eq!(ids(&app.get("/v1/services").await.json()), vec![id.clone()]);
    }
    // An admin's edit keeps the status.
    let res = app
        .patch_auth(&url, &admin, json!({"title": "Tap repair"}))
        .await;
    assert_eq!(res.json()["status"], "approved");
    // Bad values name the field.
    for (body, field) in [
        (json!({"price": {"amount": 0, "currency": "ZAR"}}), "price"),
        (
            json!({"price": {"amount": 100, "currency": "rands"}}),
            "price",
        ),
        (json!({"duration_minutes": 2}), "duration_minutes"),
        (json!({"title": ""}), "title"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let res = app.patch_auth(&url, &p.token, body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
        if field != "colour" {
            assert_eq!(res.json()["error"]["field"], field, "{}", res.text);
        }
    }
}

#[actix_web::test]
async fn rejecting_needs_a_reason_which_the_provider_sees() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    let id = create_service(&app, &p, "Fix a tap", 45000, 60).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("/v1/admin/services/{id}/approve");
    let res = app
        .post_auth(&url, &admin, json!({"approved": false}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "reason");
    let res = app
        .post_auth(&url, &admin, json!({"approved": false, "reason": "  "}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .post_auth(
            &url,
            &admin,
            json!({"approved": false, "reason": "Price must include VAT"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "rejected");
    let own = app
        .get_auth(&format!("/v1/services/{id}"), &p.token)
        .await
        .json();
    assert_eq!(own["status"], "rejected");
    assert_eq!(own["review_note"], "Price must include VAT");
    assert_eq!(
        app.get(&format!("/v1/services/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = app
        .post_auth(&url, &p.token, json!({"approved": true}))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .post_auth(
            "/v1/admin/services/nope/approve",
            &admin,
            json!({"approved": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn providers_see_their_own_services_and_only_change_their_own() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let bob = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    let carl = bookable_provider(&app, &admin, "carl@example.com", CAPE_TOWN).await;
    let pending = create_service(&app, &bob, "Fix a tap", 45000, 60).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = approved_service(&app, &admin, &bob, "Unblock a drain", 60000, 60).await;
    let mine = app.get_auth("/v1/services?mine=true", &bob.token).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(ids(&mine.json()), vec![listed.clone(), pending.clone()]);
    assert!(ids(&app
        .get_auth("/v1/services?mine=true", &carl.token)
        .await
        .json())
    .is_empty());
    let customer = app.customer("ann@example.com").await;
    let res = app.get_auth("/v1/services?mine=true", &customer).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/v1/services?mine=true").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Another provider: 404 for what they cannot see, 403 for what they can.
    let res = app
        .patch_auth(
            &format!("/v1/services/{pending}"),
            &carl.token,
            json!({"title": "Mine now"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .patch_auth(
            &format!("/v1/services/{listed}"),
            &carl.token,
            json!({"title": "Mine now"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "not_owner");
    assert_eq!(
        app.delete_auth(&format!("/v1/services/{listed}"), &customer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Soft delete: gone for everyone, the owner included.
    let res = app
        .delete_auth(&format!("/v1/services/{listed}"), &bob.token)
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    for who in [None, Some(&bob.token), Some(&admin)] {
        let res = match who {
            Some(t) => app.get_auth(&format!("/v1/services/{listed}"), t).await,
            None => app.get(&format!("/v1/services/{listed}")).await,
        };
        assert_eq!(res.status, StatusCode::NOT_FOUND);
    }
    assert!(ids(&app.get("/v1/services").await.json()).is_empty());
    assert_eq!(
        app.delete_auth(&format!("/v1/services/{listed}"), &bob.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn admins_create_assign_unassign_and_list_services() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let p = bookable_provider(&app, &admin, "bob@example.com", CAPE_TOWN).await;
    let unverified = provider_with_profile(&app, "dan@example.com", CAPE_TOWN).await;
    let res = app
        .post_auth(
            "/v1/admin/services",
            &admin,
            json!({"title": "Geyser service", "price": {"amount": 120000, "currency": "ZAR"},
                   "duration_minutes": 120}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let s = res.json();
    assert_eq!(s["status"], "approved");
    assert_eq!(s["provider_id"], serde_json::Value::Null);
    let id = s["id"].as_str().unwrap().to_owned();
    // Unassigned: customers do not see it.
    assert_eq!(
        app.get(&format!("/v1/services/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let unassigned = app
        .get_auth("/v1/admin/services?unassigned=true", &admin)
        .await;
    assert_eq!(ids(&unassigned.json()), vec![id.clone()]);

    let assign = format!("/v1/admin/services/{id}/assign");
    let res = app
        .post_auth(&assign, &admin, json!({"provider_id": "nobody"}))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .post_auth(&assign, &admin, json!({"provider_id": p.id}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["provider_id"], p.id.as_str());
    assert_eq!(
        app.get(&format!("/v1/services/{id}")).await.status,
        StatusCode::OK
    );
    // The provider now owns it.
    let mine = app
        .get_auth("/v1/services?mine=true", &p.token)
        .await
        .json();
    assert_eq!(ids(&mine), vec![id.clone()]);
    // Assigned to an unverified provider: hidden again.
    app.post_auth(&assign, &admin, json!({"provider_id": unverified.id}))
        .await;
    assert_eq!(
        app.get(&format!("/v1/services/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = app
        .post_auth(
            &format!("/v1/admin/services/{id}/unassign"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["provider_id"], serde_json::Value::Null);

    // Listing by status, with paging.
    let pending = create_service(&app, &p, "Fix a tap", 45000, 60).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .get_auth("/v1/admin/services?status=pending", &admin)
        .await;
    assert_eq!(ids(&res.json()), vec![pending.clone()]);
    let res = app
        .get_auth("/v1/admin/services?status=approved", &admin)
        .await;
    assert_eq!(ids(&res.json()), vec![id.clone()]);
    let res = app
        .get_auth("/v1/admin/services?status=bogus", &admin)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "status");
    let first = app
        .get_auth("/v1/admin/services?limit=1", &admin)
        .await
        .json();
    assert_eq!(ids(&first), vec![pending.clone()]);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .get_auth(
            &format!("/v1/admin/services?limit=1&cursor={cursor}"),
            &admin,
        )
        .await
        .json();
    assert_eq!(ids(&second), vec![id.clone()]);
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
    assert_eq!(
        app.get_auth("/v1/admin/services", &p.token).await.status,
        StatusCode::FORBIDDEN
    );
}

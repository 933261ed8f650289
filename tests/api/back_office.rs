//! The back office: the audit log of admin actions.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, TestApp};
use crate::market::market;

async fn log(app: &TestApp, admin: &str, query: &str) -> Value {
    let res = app
        .get_auth(&format!("/v1/admin/audit-log{query}"), admin)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json()
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn every_admin_action_is_in_the_audit_log() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    // The market's own setup verified a provider and approved a service.
    let before = actions(&log(&app, &m.admin, "").await);
    assert_eq!(before, ["service.approve", "provider.verify"]);

    let b = m.book(&app, "small").await;
    let id = b["id"].as_str().unwrap().to_owned();
    m.pay(&app, &id, 0).await;
    let res = m.act(&app, &m.provider, &id, "accept", json!({})).await;
    assert_eq!(res.status, StatusCode::OK);
    let res = app
        .post_auth(
            &format!("/v1/admin/bookings/{id}/force"),
            &m.admin,
            json!({"to": "arrived", "reason": "the customer phoned: provider at the door"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .post_auth(
            &format!("/v1/admin/users/{}/block", m.customer_id),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    // A refused action is not an action: nothing is logged for it.
    let res = app
        .post_auth("/v1/admin/users/nobody/block", &m.admin, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let page = log(&app, &m.admin, "").await;
    assert_eq!(
        actions(&page),
        [
            "user.block",
            "booking.force",
            "service.approve",
            "provider.verify"
        ]
    );
    let block = &page["items"][0];
    assert_eq!(block["target_type"], "user");
    assert_eq!(block["target_id"], m.customer_id.as_str());
    assert_eq!(block["before"]["status"], "active");
    assert_eq!(block["after"]["status"], "blocked");
    assert_eq!(block["ip"], "127.0.0.1");
    let force = &page["items"][1];
    assert_eq!(force["target_id"], id.as_str());
    assert_eq!(
        (
            force["before"]["status"].as_str(),
            force["after"]["status"].as_str()
        ),
        (Some("confirmed"), Some("arrived"))
    );
    assert_eq!(force["reason"], "the customer phoned: provider at the door");
    let admin_id = block["admin_id"].as_str().unwrap().to_owned();
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["admin_id"] == admin_id.as_str()));

    // Filters and paging.
    assert_eq!(
        actions(&log(&app, &m.admin, "?action=booking.force").await),
        ["booking.force"]
    );
    assert_eq!(
        actions(&log(&app, &m.admin, &format!("?target_id={}", m.customer_id)).await),
        ["user.block"]
    );
    let first = log(&app, &m.admin, "?limit=3").await;
    assert_eq!(actions(&first).len(), 3);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = log(&app, &m.admin, &format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(actions(&rest), ["provider.verify"]);
    assert!(rest["next_cursor"].is_null());

    // Invitations and services an admin creates are actions too.
    let res = app
        .post_auth(
            "/v1/admin/providers",
            &m.admin,
            json!({"email": "invited@example.com", "first_name": "Ina", "last_name": "Vite"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let invited = res.json()["user"]["id"].as_str().unwrap().to_owned();
    let res = app
        .post_auth(
            "/v1/admin/services",
            &m.admin,
            json!({"title": "Gutter cleaning", "price": {"amount": 25000, "currency": "ZAR"}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let service = res.json()["id"].as_str().unwrap().to_owned();
    let latest = log(&app, &m.admin, "?limit=2").await;
    assert_eq!(actions(&latest), ["service.create", "user.invite"]);
    assert_eq!(latest["items"][0]["target_id"], service.as_str());
    assert_eq!(latest["items"][0]["after"]["price_amount"], 25000);
    assert_eq!(latest["items"][1]["target_id"], invited.as_str());
    assert_eq!(latest["items"][1]["after"]["role"], "provider");

    // Admins only; bad filters are refused.
    let res = app.get_auth("/v1/admin/audit-log", &m.provider).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app.get("/v1/admin/audit-log").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app
        .get_auth("/v1/admin/audit-log?action=DROP%20TABLE", &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .get_auth("/v1/admin/audit-log?cursor=zzz", &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

async fn user_ids(app: &TestApp, admin: &str, query: &str) -> Vec<String> {
    let res = app
        .get_auth(&format!("/v1/admin/users{query}"), admin)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.text);
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn admins_find_users_by_role_status_verification_and_text() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let pending = app.user("newpro@example.com", "provider").await;
    let pending_id = pending["user"]["id"].as_str().unwrap().to_owned();

    assert_eq!(
        user_ids(&app, &m.admin, "?role=provider").await,
        [pending_id.as_str(), m.provider_id.as_str()]
    );
    assert_eq!(
        user_ids(&app, &m.admin, "?role=provider&verified=true").await,
        [m.provider_id.as_str()]
    );
    assert_eq!(
        user_ids(&app, &m.admin, "?verified=false").await,
        [pending_id.as_str()]
    );
    assert_eq!(
        user_ids(&app, &m.admin, "?q=CUS@EXAMPLE").await,
        [m.customer_id.as_str()]
    );
    // LIKE's wildcards are plain characters in `q`.
    assert!(user_ids(&app, &m.admin, "?q=%25").await.is_empty());
    assert!(user_ids(&app, &m.admin, "?status=blocked").await.is_empty());
    let res = app
        .post_auth(
            &format!("/v1/admin/users/{}/block", m.customer_id),
            &m.admin,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        user_ids(&app, &m.admin, "?status=blocked").await,
        [m.customer_id.as_str()]
    );
    // Paging covers everyone once.
    let all = user_ids(&app, &m.admin, "?limit=100").await;
    assert_eq!(all.len(), 4, "admin, provider, customer, new provider");
    let first = app
        .get_auth("/v1/admin/users?limit=3", &m.admin)
        .await
        .json();
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = user_ids(&app, &m.admin, &format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(rest, all[3..]);
    for bad in ["?role=wizard", "?status=gone", "?limit=0", "?cursor=nope"] {
        let res = app
            .get_auth(&format!("/v1/admin/users{bad}"), &m.admin)
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let res = app.get_auth("/v1/admin/users", &m.provider).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // One user in full, any role.
    let res = app
        .get_auth(&format!("/v1/admin/users/{}", m.provider_id), &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let pro = res.json();
    assert_eq!(pro["user"]["email"], "pro@example.com");
    assert_eq!(pro["provider"]["account"]["bookable"], true);
    let cus = app
        .get_auth(&format!("/v1/admin/users/{}", m.customer_id), &m.admin)
        .await
        .json();
    assert!(cus["provider"].is_null());
    assert_eq!(cus["user"]["status"], "blocked");
    assert_eq!(cus["customer_rating"]["count"], 0);
    let res = app.get_auth("/v1/admin/users/nobody", &m.admin).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // The login history, newest first.
    let res = app.login("newpro@example.com", "wrong-password-1").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let logins = app
        .get_auth(&format!("/v1/admin/users/{pending_id}/logins"), &m.admin)
        .await
        .json();
    let outcomes: Vec<&str> = logins["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.first(), Some(&"bad_password"), "{outcomes:?}");
    assert_eq!(logins["items"][0]["ip"], "127.0.0.1");
    let res = app
        .get_auth(&format!("/v1/admin/users/{pending_id}/logins"), &m.customer)
        .await;
    assert_ne!(res.status, StatusCode::OK);
}

#[actix_web::test]
async fn providers_go_through_review_and_admins_approve_reject_and_suspend_them() {
    use crate::fixtures::{provider_with_profile, CAPE_TOWN};
    let app = spawn_with(&[]).await;
    let admin = app.admin_token().await;
    // An incomplete account cannot be submitted.
    let bare = app.user("bare@example.com", "provider").await;
    let res = app
        .post_auth(
            "/v1/providers/me/submit",
            &crate::helpers::token(&bare),
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "profile_incomplete");

    let p = provider_with_profile(&app, "bob@example.com", CAPE_TOWN).await;
    let me = app
        .get_auth(&format!("/v1/providers/{}", p.id), &p.token)
        .await;
    assert_eq!(me.json()["account"]["approval"], "draft", "{}", me.text);
    // Not without a document on file.
    let res = app
        .post_auth("/v1/providers/me/submit", &p.token, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "document_required");
    let res = crate::fixtures::upload_file(
        &app,
        "/v1/providers/me/documents",
        &p.token,
        "file",
        crate::fixtures::pdf(),
        "id.pdf",
        &[("kind", "id_document")],
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let res = app
        .post_auth("/v1/providers/me/submit", &p.token, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["account"]["approval"], "pending_review");
    let res = app
        .post_auth("/v1/providers/me/submit", &p.token, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "already_submitted");

    // The review queue.
    let queue = app
        .get_auth(
            "/v1/admin/users?role=provider&approval=pending_review",
            &admin,
        )
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    let queue = queue.json();
    let ids: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [p.id.as_str()]);

    let url = format!("/v1/admin/providers/{}/approval", p.id);
    let res = app
        .post_auth(&url, &admin, json!({"status": "rejected"}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "reason");
    let res = app
        .post_auth(&url, &admin, json!({"status": "suspended", "reason": "x"}))
        .await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "only an approved provider is suspended"
    );
    let res = app
        .post_auth(
            &url,
            &admin,
            json!({"status": "rejected", "reason": "Upload your licence."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["account"]["approval"], "rejected");
    assert_eq!(
        res.json()["account"]["verification_note"],
        "Upload your licence."
    );
    let mails = app.wait_for_messages("bob@example.com", 2).await;
    assert!(
        mails.last().unwrap().contains("was not approved"),
        "{mails:?}"
    );
    assert!(mails.last().unwrap().contains("Upload your licence."));

    // Resubmitted, approved: bookable and online.
    let res = app
        .post_auth("/v1/providers/me/submit", &p.token, json!({}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .post_auth(&url, &admin, json!({"status": "approved"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["account"]["bookable"], true);
    let res = app
        .post_auth(&url, &admin, json!({"status": "approved"}))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = app
        .put_auth("/v1/providers/me/online", &p.token, json!({"online": true}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        app.get(&format!("/v1/providers/{}", p.id)).await.status,
        StatusCode::OK
    );

    // Suspended: offline and off the marketplace until approved again.
    let res = app
        .post_auth(
            &url,
            &admin,
            json!({"status": "suspended", "reason": "Complaints under review."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let view = res.json();
    assert_eq!(view["account"]["approval"], "suspended");
    assert_eq!(view["online"], false);
    assert_eq!(view["account"]["bookable"], false);
    assert_eq!(
        app.get(&format!("/v1/providers/{}", p.id)).await.status,
        StatusCode::NOT_FOUND
    );
    let res = app
        .post_auth("/v1/providers/me/submit", &p.token, json!({}))
        .await;
    assert_eq!(res.error_code(), "suspended");
    let mails = app.wait_for_messages("bob@example.com", 4).await;
    assert!(mails.last().unwrap().contains("is suspended"), "{mails:?}");
    let res = app
        .post_auth(&url, &admin, json!({"status": "pending_review"}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    let trail = log(&app, &admin, &format!("?target_id={}", p.id)).await;
    assert_eq!(
        actions(&trail),
        [
            "provider.approval",
            "provider.approval",
            "provider.approval"
        ]
    );
    assert_eq!(trail["items"][0]["before"]["approval"], "approved");
    assert_eq!(trail["items"][0]["after"]["approval"], "suspended");
}

#[actix_web::test]
async fn admins_filter_bookings_read_chats_and_see_a_providers_performance() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let completed = crate::reviews::completed(&app, &m).await;
    let declined = m.book(&app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.pay(&app, &declined, 0).await;
    let res = app
        .post_auth(
            &format!("/v1/bookings/{declined}/decline"),
            &m.provider,
            json!({"reason": "busy"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let live = m.book(&app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.pay(&app, &live, 0).await;
    let res = app
        .post_auth(
            &format!("/v1/bookings/{live}/accept"),
            &m.provider,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let unpaid = m.book(&app, "small").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Bookings by provider, status, customer and day.
    let ids = |path: String| {
        let app = &app;
        let admin = m.admin.clone();
        async move {
            let res = app.get_auth(&path, &admin).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            crate::fixtures::ids(&res.json())
        }
    };
    let all = ids(format!("/v1/admin/bookings?provider_id={}", m.provider_id)).await;
    assert_eq!(
        all,
        [
            unpaid.clone(),
            live.clone(),
            declined.clone(),
            completed.clone()
        ]
    );
    assert_eq!(
        ids("/v1/admin/bookings?status=declined".into()).await,
        [declined.as_str()]
    );
    let stranger = app.user("eve@example.com", "customer").await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ids(format!("/v1/admin/bookings?customer_id={stranger}"))
        .await
        .is_empty());
    assert_eq!(
        ids(format!(
            "/v1/admin/bookings?customer_id={}&status=confirmed",
            m.customer_id
        ))
        .await,
        [live.as_str()]
    );
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        ids(format!("/v1/admin/bookings?from={today}&to={today}"))
            .await
            .len(),
        4
    );
    assert!(ids(format!("/v1/admin/bookings?from={tomorrow}"))
        .await
        .is_empty());
    let res = app
        .get_auth("/v1/admin/bookings?status=lost", &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .get_auth("/v1/admin/bookings?from=01-12-2026", &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // A provider's performance over the last 30 days.
    let perf = app
        .get_auth(
            &format!("/v1/admin/providers/{}/performance", m.provider_id),
            &m.admin,
        )
        .await;
    assert_eq!(perf.status, StatusCode::OK, "{}", perf.text);
    let perf = perf.json();
    assert_eq!(perf["bookings"], 4, "{perf}");
    assert_eq!(perf["accepted"], 2, "{perf}");
    assert_eq!(perf["declined"], 1);
    assert_eq!(perf["unanswered"], 0);
    assert_eq!(perf["acceptance_rate"], 0.667);
    assert_eq!(perf["completed"], 1);
    assert_eq!(perf["completion_rate"], 0.5);
    assert_eq!(perf["revenue"], 10_000);
    assert_eq!(perf["earnings"], 8_500);
    assert_eq!(perf["sla_measured"], 1);
    assert_eq!(perf["sla_breaches"], 0);
    assert_eq!(perf["by_status"]["pending_payment"], 1);
    let res = app
        .get_auth(
            &format!("/v1/admin/providers/{}/performance?days=0", m.provider_id),
            &m.admin,
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .get_auth(
            &format!("/v1/admin/providers/{stranger}/performance"),
            &m.admin,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .get_auth(
            &format!("/v1/admin/providers/{}/performance", m.provider_id),
            &m.provider,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // Chat oversight: read-only, and every read is audited.
    let token = app
        .get_auth(&format!("/v1/bookings/{live}"), &m.customer)
        .await
        .json()["chat_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_auth(
            &format!("/v1/bookings/{live}/chat?chat_token={token}"),
            &m.customer,
            json!({"text": "Gate code is 4711", "client_msg_id": "c1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let chats = app
        .get_auth(&format!("/v1/admin/chats?booking_id={live}"), &m.admin)
        .await;
    assert_eq!(chats.status, StatusCode::OK, "{}", chats.text);
    let chats = chats.json();
    assert_eq!(chats["items"].as_array().unwrap().len(), 1, "{chats}");
    assert_eq!(chats["items"][0]["message"]["text"], "Gate code is 4711");
    assert_eq!(chats["items"][0]["booking_id"], live.as_str());
    let every = app.get_auth("/v1/admin/chats", &m.admin).await.json();
    assert_eq!(every["items"].as_array().unwrap().len(), 1);
    let direct = app.get_auth("/v1/admin/chats?type=direct", &m.admin).await;
    assert_eq!(direct.status, StatusCode::OK);
    assert_eq!(direct.json()["items"].as_array().unwrap().len(), 0);
    for bad in ["?type=sms", "?type=direct&booking_id=x"] {
        let res = app
            .get_auth(&format!("/v1/admin/chats{bad}"), &m.admin)
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let res = app
        .get_auth("/v1/admin/chats?booking_id=nope", &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app.get_auth("/v1/admin/chats", &m.customer).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let reads = log(&app, &m.admin, "?action=chat.read").await;
    let targets: Vec<&str> = reads["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target_id"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["*", "*", live.as_str()]);
}

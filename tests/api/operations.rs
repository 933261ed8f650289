use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let res = app.get("/health").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["status"], "ok");
    let res = app.get("/health/ready").await;
    assert_eq!(res.status, StatusCode::OK);
    let backend = res.json()["database"].as_str().unwrap().to_owned();
    let expected = if std::env::var("ONSITE_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(backend, expected);
}

#[actix_web::test]
async fn request_id_is_echoed_or_generated() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me-42");
    let res = app.get("/health").await;
    let generated = res.headers["x-request-id"].to_str().unwrap();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
}

#[actix_web::test]
async fn openapi_lists_every_route() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.json();
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/", "get"),
        ("/verify-email", "get"),
        ("/verify-email", "post"),
        ("/reset-password", "get"),
        ("/reset-password", "post"),
        ("/accept-invitation", "get"),
        ("/accept-invitation", "post"),
        ("/health", "get"),
        ("/health/ready", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
        ("/docs", "get"),
        ("/v1/auth/register", "post"),
        ("/v1/auth/login", "post"),
        ("/v1/auth/otp/verify", "post"),
        ("/v1/auth/otp/send", "post"),
        ("/v1/auth/oidc/{provider}", "post"),
        ("/v1/me/addresses", "get"),
        ("/v1/providers/me/link", "get"),
        ("/v1/providers/me/link", "post"),
        ("/v1/p/{slug}", "get"),
        ("/v1/me/addresses", "post"),
        ("/v1/me/addresses/{address}", "patch"),
        ("/v1/me/addresses/{address}", "delete"),
        ("/v1/geo/search", "get"),
        ("/v1/geo/reverse", "get"),
        ("/v1/auth/otp/login", "post"),
        ("/v1/auth/refresh", "post"),
        ("/v1/auth/logout", "post"),
        ("/v1/auth/logout-all", "post"),
        ("/v1/auth/me", "get"),
        ("/v1/auth/email/send-verification", "post"),
        ("/v1/auth/email/verify", "post"),
        ("/v1/auth/phone/send-otp", "post"),
        ("/v1/auth/phone/verify", "post"),
        ("/v1/auth/password/forgot", "post"),
        ("/v1/auth/password/reset", "post"),
        ("/v1/auth/password/change", "post"),
        ("/v1/auth/sessions", "get"),
        ("/v1/auth/sessions/{id}", "delete"),
        ("/v1/me", "patch"),
        ("/v1/me/avatar", "post"),
        ("/v1/users/{id}/avatar", "get"),
        ("/v1/auth/invitations/accept", "post"),
        ("/v1/me/totp", "get"),
        ("/v1/me/totp", "post"),
        ("/v1/me/totp", "delete"),
        ("/v1/me/totp/confirm", "post"),
        ("/v1/auth/totp/verify", "post"),
        ("/v1/providers/me/profile", "put"),
        ("/v1/providers/me/online", "put"),
        ("/v1/providers/me/availability", "get"),
        ("/v1/providers/me/availability", "put"),
        ("/v1/providers/me/availability/exceptions", "post"),
        ("/v1/providers/me/availability/exceptions/{date}", "delete"),
        ("/v1/providers", "get"),
        ("/v1/providers/{id}", "get"),
        ("/v1/providers/{id}/reviews", "get"),
        ("/v1/providers/{id}/slots", "get"),
        ("/v1/slots/hold", "post"),
        ("/v1/bookings", "post"),
        ("/v1/bookings", "get"),
        ("/v1/bookings/{id}", "get"),
        ("/v1/bookings/{id}/accept", "post"),
        ("/v1/bookings/{id}/decline", "post"),
        ("/v1/bookings/{id}/start", "post"),
        ("/v1/bookings/{id}/complete", "post"),
        ("/v1/bookings/{id}/cancel", "post"),
        ("/v1/bookings/{id}/reschedule", "post"),
        ("/v1/bookings/{id}/events", "get"),
        ("/v1/bookings/{id}/invoice", "get"),
        ("/v1/payments/intents", "post"),
        ("/v1/payments/intents/{id}/confirm", "post"),
        ("/v1/payments/webhooks/{gateway}", "post"),
        ("/v1/payments", "get"),
        ("/v1/wallet", "get"),
        ("/v1/admin/bookings", "get"),
        ("/v1/admin/bookings/{id}/force", "post"),
        ("/v1/admin/ledger/summary", "get"),
        ("/v1/admin/ledger/transactions", "get"),
        ("/v1/bookings/{id}/location", "post"),
        ("/v1/bookings/{id}/rate", "post"),
        ("/v1/bookings/{id}/rate-customer", "post"),
        ("/v1/bookings/{id}/review/reply", "post"),
        ("/v1/favorites", "post"),
        ("/v1/favorites", "get"),
        ("/v1/favorites/{provider_id}", "delete"),
        ("/v1/complaints", "post"),
        ("/v1/complaints/mine", "get"),
        ("/v1/complaints/{id}", "get"),
        ("/v1/complaints/{id}/messages", "post"),
        ("/v1/complaints/{id}/attachments", "post"),
        ("/v1/complaints/{id}/attachments/{attachment_id}", "get"),
        ("/v1/admin/complaints", "get"),
        ("/v1/admin/chats", "get"),
        ("/v1/admin/documents", "get"),
        ("/v1/admin/documents/{id}/verify", "post"),
        ("/v1/providers/me/documents", "post"),
        ("/v1/providers/me/documents", "get"),
        ("/v1/documents/{id}/file", "get"),
        ("/v1/services/{id}/images", "post"),
        ("/v1/services/{id}/images", "get"),
        ("/v1/services/{id}/images/{image_id}", "get"),
        ("/v1/services/{id}/images/{image_id}", "delete"),
        ("/v1/categories", "get"),
        ("/v1/wallet/payouts", "post"),
        ("/v1/wallet/payouts", "get"),
        ("/v1/wallet/payout-account", "put"),
        ("/v1/wallet/payout-account", "get"),
        ("/v1/admin/payouts", "get"),
        ("/v1/content/faq", "get"),
        ("/v1/content/pages/{slug}", "get"),
        ("/v1/feedback", "post"),
        ("/v1/contact", "post"),
        ("/v1/admin/faq", "post"),
        ("/v1/admin/faq/{id}", "patch"),
        ("/v1/admin/faq/{id}", "delete"),
        ("/v1/admin/pages/{slug}", "put"),
        ("/v1/admin/feedback", "get"),
        ("/v1/admin/contact", "get"),
        ("/v1/admin/contact/{id}/handled", "post"),
        ("/v1/admin/payouts/{id}/approve", "post"),
        ("/v1/admin/payouts/{id}/reject", "post"),
        ("/v1/categories/{id}", "get"),
        ("/v1/categories/{id}/image", "get"),
        ("/v1/admin/categories", "post"),
        ("/v1/admin/categories/{id}", "patch"),
        ("/v1/admin/categories/{id}", "delete"),
        ("/v1/admin/categories/{id}/image", "put"),
        ("/v1/admin/categories/{id}/image", "delete"),
        ("/v1/admin/export/bookings.csv", "get"),
        ("/v1/admin/export/users.csv", "get"),
        ("/v1/admin/export/payments.csv", "get"),
        ("/v1/admin/export/ledger.csv", "get"),
        ("/v1/admin/complaints/{id}/assign", "post"),
        ("/v1/admin/complaints/{id}/resolve", "post"),
        ("/v1/bookings/{id}/chat", "get"),
        ("/v1/bookings/{id}/chat", "post"),
        ("/v1/bookings/{id}/contact", "get"),
        ("/v1/chats", "get"),
        ("/v1/chats/direct/{user_id}", "get"),
        ("/v1/chats/direct/{user_id}", "post"),
        ("/v1/admin/sessions", "get"),
        ("/v1/admin/users/{id}/block", "post"),
        ("/v1/admin/users/{id}/unblock", "post"),
        ("/v1/admin/audit-log", "get"),
        ("/v1/admin/users", "get"),
        ("/v1/admin/users/{id}", "get"),
        ("/v1/admin/users/{id}/logins", "get"),
        ("/v1/admin/stats/revenue", "get"),
        ("/v1/stats/platform", "get"),
        ("/v1/stats/bookings/trends", "get"),
        ("/v1/stats/providers/top", "get"),
        ("/v1/stats/providers/locations", "get"),
        ("/ws", "get"),
        ("/v1/privacy/account", "delete"),
        ("/v1/privacy/consent", "put"),
        ("/v1/privacy/status", "get"),
        ("/v1/privacy/export", "get"),
        ("/v1/services", "get"),
        ("/v1/services", "post"),
        ("/v1/services/{id}", "get"),
        ("/v1/services/{id}", "patch"),
        ("/v1/services/{id}", "delete"),
        ("/v1/admin/providers", "post"),
        ("/v1/admin/providers/{id}/verify", "post"),
        ("/v1/admin/providers/{id}/approval", "post"),
        ("/v1/admin/providers/{id}/performance", "get"),
        ("/v1/providers/me/submit", "post"),
        ("/v1/admin/admins", "post"),
        ("/v1/admin/services", "get"),
        ("/v1/admin/services", "post"),
        ("/v1/admin/services/{id}/approve", "post"),
        ("/v1/admin/services/{id}/assign", "post"),
        ("/v1/admin/services/{id}/unassign", "post"),
        ("/v1/notifications", "get"),
        ("/v1/notifications/read-all", "post"),
        ("/v1/notifications/{id}/read", "post"),
        ("/v1/me/notification-settings", "get"),
        ("/v1/me/notification-settings", "put"),
        ("/v1/me/devices", "get"),
        ("/v1/me/devices", "post"),
        ("/v1/me/devices/{id}", "delete"),
    ];
    for (path, method) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from /openapi.json"
        );
        // Every documented route is really served (not a 404 from the router).
        let url = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{date}", "2030-01-01")
            .replace("{provider_id}", "00000000-0000-0000-0000-000000000000");
        let res = app
            .send(method.to_uppercase().parse().unwrap(), &url, None, None)
            .await;
        assert_ne!(
            res.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        if res.status == StatusCode::NOT_FOUND {
            assert_ne!(
                res.json()["error"]["message"],
                "route not found",
                "{method} {path}"
            );
        }
    }
    // Every documented operation is expected (several may share a path).
    let operations: usize = paths
        .values()
        .map(|p| {
            p.as_object()
                .unwrap()
                .keys()
                .filter(|m| {
                    ["get", "put", "post", "delete", "patch", "head", "options"]
                        .contains(&m.as_str())
                })
                .count()
        })
        .sum();
    assert_eq!(
        operations,
        expected.len(),
        "undocumented extra operations? {:?}",
        paths.keys()
    );
    let page = app.get("/docs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("/openapi.json"));
}

use reqwest::StatusCode;

use crate::helpers::{spawn_app, spawn_with, PASSWORD};

#[actix_web::test]
async fn five_wrong_passwords_lock_the_account() {
    let app = spawn_app().await;
    let user = app.register("ann@example.com", "customer").await;
    for _ in 0..4 {
        let res = app.login("ann@example.com", "Wrong1234").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = app.login("ann@example.com", "Wrong1234").await;
    assert_eq!(res.status, StatusCode::LOCKED, "{}", res.text);
    assert_eq!(res.error_code(), "account_locked");
    let retry: i64 = res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=900).contains(&retry), "retry-after {retry}");
    // Even the right password is refused while locked.
    let res = app.login("ann@example.com", PASSWORD).await;
    assert_eq!(res.status, StatusCode::LOCKED);
    // The owner is told by email, and the lock is audited.
    assert!(app
        .messages_to("ann@example.com")
        .await
        .iter()
        .any(|m| m.contains("Subject: Your onsite account was locked")));
    app.state
        .db
        .run(async |conn| {
            let id = user["user"]["id"].as_str().unwrap();
            let outcomes: Vec<String> = onsite::db::audit::for_user(conn, id, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.outcome.to_string())
                .collect();
            assert_eq!(
                outcomes[..2],
                ["locked".to_owned(), "locked_out".to_owned()]
            );
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_success_resets_the_count_and_the_threshold_is_configurable() {
    let app = spawn_with(&[("ONSITE_LOCKOUT_THRESHOLD", "3")]).await;
    app.register("ann@example.com", "customer").await;
    for _ in 0..2 {
        app.login("ann@example.com", "Wrong1234").await;
    }
    assert_eq!(
        app.login("ann@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..2 {
        let res = app.login("ann@example.com", "Wrong1234").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = app.login("ann@example.com", "Wrong1234").await;
    assert_eq!(res.status, StatusCode::LOCKED);
}

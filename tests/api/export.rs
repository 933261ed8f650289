//! The admins' CSV exports: streamed in pages, RFC 4180, formula cells
//! neutralised, date ranges, admins only, audited.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_with, TestApp};
use crate::market::{job_location, market};

/// The CSV at `path` as records (header first).
async fn csv_of(app: &TestApp, path: &str, token: &str) -> Vec<Vec<String>> {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let body = res.bytes().await.unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&body[..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[actix_web::test]
async fn exports_stream_every_row_once_quoted_and_neutralised() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    // More bookings than three pages of the export hold.
    onsite::loadseed::seed(
        &app.state.config,
        &onsite::loadseed::SeedOptions {
            pairs: 1_200,
            token_ttl: std::time::Duration::from_secs(600),
        },
    )
    .await
    .unwrap();
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "location": job_location(), "job_size": "small",
                   "notes": "=HYPERLINK(\"http://evil.example\", \"click\"), then \"quotes\"\nand a line"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let mine = res.json()["id"].as_str().unwrap().to_owned();
    m.pay(&app, &mine, 0).await;

    let rows = csv_of(&app, "/v1/admin/export/bookings.csv", &m.admin).await;
    assert_eq!(rows[0][0], "id");
    assert_eq!(rows[0][2], "status");
    let notes = rows[0].iter().position(|h| h == "notes").unwrap();
    let ids: std::collections::HashSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(rows.len() - 1, 1_201, "every booking once");
    assert_eq!(ids.len(), 1_201, "no booking twice");
    let row = rows.iter().find(|r| r[0] == mine).unwrap();
    assert_eq!(
        row[notes],
        "'=HYPERLINK(\"http://evil.example\", \"click\"), then \"quotes\"\nand a line"
    );
    assert!(rows[1..].iter().all(|r| r.len() == rows[0].len()));

    // The ledger export balances to zero, negative amounts left as numbers.
    let ledger = csv_of(&app, "/v1/admin/export/ledger.csv", &m.admin).await;
    let amount = ledger[0].iter().position(|h| h == "amount").unwrap();
    let sum: i64 = ledger[1..]
        .iter()
        .map(|r| r[amount].parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum, 0);
    assert!(ledger[1..].iter().any(|r| r[amount].starts_with('-')));
    assert!(ledger.len() > 2_400);

    let users = csv_of(&app, "/v1/admin/export/users.csv", &m.admin).await;
    assert!(!users[0].iter().any(|h| h.contains("password")));
    assert_eq!(
        users.len() - 1,
        2 * 1_200 + 3,
        "seeded pairs, the market's three"
    );
    let payments = csv_of(&app, "/v1/admin/export/payments.csv", &m.admin).await;
    assert_eq!(payments.len() - 1, 1_201);

    // Date ranges, inclusive of both days.
    let today = chrono::Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap();
    let only_today = csv_of(
        &app,
        &format!("/v1/admin/export/bookings.csv?from={today}&to={today}"),
        &m.admin,
    )
    .await;
    assert_eq!(only_today.len() - 1, 1_201);
    let before = csv_of(
        &app,
        &format!("/v1/admin/export/bookings.csv?to={yesterday}"),
        &m.admin,
    )
    .await;
    assert_eq!(before.len(), 1, "the header alone");
    let res = app
        .get_auth(
            &format!("/v1/admin/export/bookings.csv?from={today}&to={yesterday}"),
            &m.admin,
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .get_auth("/v1/admin/export/bookings.csv?from=last-week", &m.admin)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "from");

    // Admins only; every export is in the audit log.
    let res = app
        .get_auth("/v1/admin/export/users.csv", &m.customer)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app.get("/v1/admin/export/users.csv").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let log = app
        .get_auth("/v1/admin/audit-log?action=export.csv&limit=100", &m.admin)
        .await
        .json();
    let files: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        files.len(),
        6,
        "the six exports made, not the refused ones: {log}"
    );
    for file in ["bookings.csv", "ledger.csv", "users.csv", "payments.csv"] {
        assert!(files.contains(&file), "{files:?}");
    }
}

//! Privacy rights: my data as JSON, consents with versions and times, and
//! account deletion that leaves no personal data behind and the ledger
//! balanced.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, token, TestApp, PASSWORD};
use crate::market::{job_location, market, Market};

const EMAIL: &str = "zelda.quixote@example.com";
const PHONE: &str = "+27825550199";

/// Zelda, a customer who booked, paid, chatted, reviewed and complained.
async fn zelda(app: &TestApp, m: &Market) -> (String, String, String) {
    let res = app
        .post(
            "/v1/auth/register",
            json!({"email": EMAIL, "phone": PHONE, "password": PASSWORD,
                   "first_name": "Zelda", "last_name": "Quixote", "role": "customer"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.json()["user"]["id"].as_str().unwrap().to_owned();
    let res = app.login(EMAIL, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let t = token(&res.json());
    let mut location = job_location();
    location["address"] = json!("12 Quixote Lane");
    let res = app
        .post_auth(
            "/v1/bookings",
            &t,
            json!({"service_id": m.service_id, "location": location, "job_size": "small",
                   "notes": format!("Ring Zelda Quixote on {PHONE} or {EMAIL}")}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let booking = res.json()["id"].as_str().unwrap().to_owned();
    let as_zelda = Market {
        customer: t.clone(),
        customer_id: id.clone(),
        provider: m.provider.clone(),
        provider_id: m.provider_id.clone(),
        admin: m.admin.clone(),
        service_id: m.service_id.clone(),
    };
    as_zelda.pay(app, &booking, 500).await;
    let res = app
        .post_auth(
            &format!("/v1/bookings/{booking}/accept"),
            &m.provider,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let chat_token = app
        .get_auth(&format!("/v1/bookings/{booking}"), &t)
        .await
        .json()["chat_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_auth(
            &format!("/v1/bookings/{booking}/chat?chat_token={chat_token}"),
            &t,
            json!({"text": format!("Zelda here, call {PHONE}"), "client_msg_id": "z1"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    for (who, path, body) in [
        (
            &m.admin,
            format!("/v1/admin/bookings/{booking}/force"),
            json!({"to": "arrived", "reason": "test"}),
        ),
        (
            &m.provider,
            format!("/v1/bookings/{booking}/start"),
            json!({}),
        ),
        (
            &m.provider,
            format!("/v1/bookings/{booking}/complete"),
            json!({}),
        ),
        (
            &t,
            format!("/v1/bookings/{booking}/rate"),
            json!({"rating": 5, "comment": "Zelda Quixote says: great work"}),
        ),
        (
            &m.provider,
            format!("/v1/bookings/{booking}/rate-customer"),
            json!({"rating": 4, "comment": "Zelda was kind"}),
        ),
    ] {
        let res = app.post_auth(&path, who, body).await;
        assert!(res.status.is_success(), "{path}: {}", res.text);
    }
    let res = app
        .post_auth(
            "/v1/complaints",
            &t,
            json!({"booking_id": booking, "type": "service_quality", "severity": "low",
                   "description": format!("Zelda Quixote ({EMAIL}): a tap drips")}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let complaint = res.json()["id"].as_str().unwrap().to_owned();
    let res = crate::fixtures::upload_file(
        app,
        &format!("/v1/complaints/{complaint}/attachments"),
        &t,
        "file",
        crate::fixtures::pdf(),
        "receipt.pdf",
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let res = crate::fixtures::upload_file(
        app,
        "/v1/me/avatar",
        &t,
        "avatar",
        crate::fixtures::png(50, 50),
        "zelda-quixote.png",
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    // Feedback in her words, and a "reach us" message from her address.
    let res = app
        .post_auth(
            "/v1/feedback",
            &t,
            json!({"rating": 2, "message": "Zelda Quixote here: call 825550199"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let res = app
        .post(
            "/v1/contact",
            json!({"name": "Zelda Quixote", "email": EMAIL, "subject": "Help",
                   "message": "Please call me."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    (id, t, booking)
}

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    c: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Every `table.column` of the database whose text holds one of `needles`
/// (case-insensitive).
async fn found_in_database(app: &TestApp, needles: &[&str]) -> Vec<String> {
    use diesel_async::RunQueryDsl;
    let pg = app.state.config.db.url.starts_with("postgres");
    app.state
        .db
        .run(async |conn| {
            let list = if pg {
                "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '__diesel%'"
            } else {
                "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE '__diesel%' AND m.name NOT LIKE 'sqlite%'"
            };
            let columns: Vec<Column> =
                onsite::db_run!(conn, |c| diesel::sql_query(list).load(c).await).unwrap();
            assert!(columns.len() > 100, "{} columns", columns.len());
            let mut found = Vec::new();
            for col in columns {
                for needle in needles {
                    let q = format!(
                        "SELECT COUNT(*) AS n FROM \"{}\" WHERE LOWER(CAST(\"{}\" AS TEXT)) LIKE '%{}%'",
                        col.t,
                        col.c,
                        needle.to_lowercase()
                    );
                    let hits: Vec<Count> =
                        onsite::db_run!(conn, |c| diesel::sql_query(&q).load(c).await).unwrap();
                    if hits[0].n > 0 {
                        found.push(format!("{}.{} has {needle}", col.t, col.c));
                    }
                }
            }
            found
        })
        .await
        .unwrap()
}

/// Every file under the data dir whose name or content holds one of `needles`.
fn found_in_files(root: &std::path::Path, needles: &[&str], id: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path.to_string_lossy().to_lowercase();
            // The database itself is searched column by column above.
            if name.contains(".db") || name.contains(".sqlite") {
                continue;
            }
            let content = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).to_lowercase();
            for needle in needles.iter().chain([&id]) {
                let needle = needle.to_lowercase();
                if (name.contains("upload") || name.contains("avatar")) && name.contains(&needle) {
                    found.push(format!("file {name}"));
                }
                if content.contains(&needle) && !name.contains("outbox") {
                    found.push(format!("{name} holds {needle}"));
                }
            }
        }
    }
    found
}

#[actix_web::test]
async fn deleting_an_account_leaves_no_personal_data_and_the_ledger_balanced() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let (id, t, _) = zelda(&app, &m).await;
    let needles = ["zelda", "quixote", "825550199"];
    assert!(
        !found_in_database(&app, &needles).await.is_empty(),
        "the search finds her before"
    );

    let res = app
        .send(
            reqwest::Method::DELETE,
            "/v1/privacy/account",
            Some(&t),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    app.settle_outbox().await;

    let left = found_in_database(&app, &needles).await;
    assert!(left.is_empty(), "personal data left: {left:#?}");
    let files = found_in_files(&app.data_dir, &needles, &id);
    assert!(files.is_empty(), "files left: {files:#?}");
    // Her complaint's attachment went with her.
    let attachments: usize = std::fs::read_dir(app.data_dir.join("uploads/complaints"))
        .unwrap()
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum();
    assert_eq!(attachments, 0, "attachment files left");
    let summary: Value = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(summary["balanced"], true, "{summary}");
    // Her money stays on the books, tied to the anonymous id.
    let rows = app
        .get_auth("/v1/admin/export/ledger.csv", &m.admin)
        .await
        .text;
    assert!(rows.contains(&format!("customer:{id}")));
}

#[actix_web::test]
async fn my_data_comes_out_whole_and_consents_keep_their_versions_and_times() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let (id, t, booking) = zelda(&app, &m).await;

    // Consents: decisions with versions; the latest per kind is in force.
    let res = app
        .put_auth(
            "/v1/privacy/consent",
            &t,
            json!({"consents": [
                {"kind": "terms", "version": "2026-11", "granted": true},
                {"kind": "marketing_email", "version": "v1", "granted": true}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = app
        .put_auth(
            "/v1/privacy/consent",
            &t,
            json!({"consents": [{"kind": "marketing_email", "version": "v2", "granted": false}]}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let status = app.get_auth("/v1/privacy/status", &t).await.json();
    let current: Vec<(String, String, bool)> = status["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(c["decided_at"].is_string());
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["version"].as_str().unwrap().to_owned(),
                c["granted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        current,
        [
            ("marketing_email".to_owned(), "v2".to_owned(), false),
            ("terms".to_owned(), "2026-11".to_owned(), true)
        ]
    );
    assert_eq!(status["history"].as_array().unwrap().len(), 3);
    for bad in [
        json!({"consents": []}),
        json!({"consents": [{"kind": "tracking", "version": "1", "granted": true}]}),
        json!({"consents": [{"kind": "terms", "version": "<b>", "granted": true}]}),
        json!({"consents": [{"kind": "terms", "version": "1"}]}),
    ] {
        let res = app.put_auth("/v1/privacy/consent", &t, bad.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        app.get_auth("/v1/privacy/status", &t).await.json()["history"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "refused decisions change nothing"
    );
    assert_eq!(
        app.get("/v1/privacy/export").await.status,
        StatusCode::UNAUTHORIZED
    );

    // The export holds all of it, and no secret.
    let res = app.get_auth("/v1/privacy/export", &t).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.headers["cache-control"], "no-store");
    let doc = res.json();
    assert_eq!(doc["profile"]["email"], EMAIL);
    assert_eq!(doc["profile"]["phone"], PHONE);
    assert_eq!(doc["profile"]["first_name"], "Zelda");
    assert_eq!(doc["bookings"][0]["booking"]["id"], booking.as_str());
    assert!(doc["bookings"][0]["sla"]["actual_minutes"].is_number());
    assert_eq!(doc["payments"].as_array().unwrap().len(), 1);
    assert_eq!(doc["payments"][0]["tip_amount"], 500);
    let ledger = doc["ledger"].as_array().unwrap();
    assert!(ledger
        .iter()
        .all(|l| l["entry"]["account"] == format!("customer:{id}").as_str()));
    assert!(!ledger.is_empty());
    assert!(doc["messages"][0]["body"]
        .as_str()
        .unwrap()
        .contains("Zelda here"));
    assert_eq!(
        doc["reviews"].as_array().unwrap().len(),
        2,
        "by her and of her"
    );
    assert_eq!(
        doc["complaints"][0]["complaint"]["reporter_id"],
        id.as_str()
    );
    assert_eq!(doc["consents"].as_array().unwrap().len(), 3);
    let logins = doc["login_history"].as_array().unwrap();
    assert!(logins.iter().any(|l| l["outcome"] == "success"));
    assert!(!doc["sessions"].as_array().unwrap().is_empty());
    assert!(!doc["notifications"].as_array().unwrap().is_empty());
    let text = doc.to_string();
    for secret in [
        "password_hash",
        "chat_token",
        "$argon2",
        "token_hash",
        "code_hash",
    ] {
        assert!(!text.contains(secret), "the export holds {secret}");
    }
    // Another user's export holds nothing of hers.
    let other = app.get_auth("/v1/privacy/export", &m.customer).await.json();
    assert!(!other.to_string().to_lowercase().contains("zelda"));
}

//! Invoices: numbered at completion, served as JSON, HTML and PDF, mailed as
//! the receipt; numbers consecutive under concurrent completions.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, TestApp};
use crate::market::{market, Market};

/// A booking driven from payment to `in_progress`; returns its id.
async fn started(app: &TestApp, m: &Market, job_size: &str, tip: i64, address: &str) -> String {
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "job_size": job_size,
                   "location": {"lat": -26.2041, "lng": 28.0473, "address": address}}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    m.pay(app, &id, tip).await;
    m.start(app, &id).await;
    id
}

async fn complete(app: &TestApp, m: &Market, id: &str) {
    let res = app
        .post_auth(
            &format!("/v1/bookings/{id}/complete"),
            &m.provider,
            json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

fn lines(doc: &Value, key: &str) -> Vec<(String, i64)> {
    doc[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["description"].as_str().unwrap().to_owned(),
                l["amount"]["amount"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn raw(app: &TestApp, path: &str, token: &str, accept: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_completed_job_is_invoiced_as_json_html_and_pdf_and_mailed_as_the_receipt() {
    let app = spawn_with(&[
        ("ONSITE_PLATFORM_NAME", "Onsite Services (Pty) Ltd"),
        ("ONSITE_PLATFORM_ADDRESS", "12 Long Street; Cape Town 8001"),
        ("ONSITE_PLATFORM_TAX_ID", "4123456789"),
        ("ONSITE_PLATFORM_EMAIL", "billing@onsite.test"),
    ])
    .await;
    let m = market(&app).await;
    let id = started(&app, &m, "medium", 2000, "<b>Flat 2</b> & Co").await;
    let path = format!("/v1/bookings/{id}/invoice");

    // No invoice before the job is done; nobody else's invoice.
    let res = app.get_auth(&path, &m.customer).await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::CONFLICT, "not_invoiced".into())
    );
    complete(&app, &m, &id).await;
    let stranger = app.customer("eve@example.com").await;
    assert_eq!(
        app.get_auth(&path, &stranger).await.status,
        StatusCode::NOT_FOUND
    );

    // The customer's copy: base, job size, tip; no commission.
    let res = app.get_auth(&path, &m.customer).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let doc = res.json();
    let number = doc["number"].as_str().unwrap().to_owned();
    let today = chrono::Utc::now().format("%Y%m%d").to_string();
    assert!(
        regex::Regex::new(r"^INV-\d{8}-\d{5}$")
            .unwrap()
            .is_match(&number)
            && number.contains(&today),
        "{number}"
    );
    assert_eq!(
        lines(&doc, "lines"),
        [
            ("Fix a leaking tap (base price)".to_owned(), 10_000),
            ("Job size: medium (x1.5)".to_owned(), 5_000),
            ("Tip (all of it for the provider)".to_owned(), 2_000),
        ]
    );
    assert_eq!(
        doc["total_charged"],
        json!({"amount": 17_000, "currency": "ZAR"})
    );
    assert_eq!(doc["total_paid"]["amount"], 17_000);
    assert!(doc["commission"].is_null() && doc["earnings"].is_null());
    assert_eq!(doc["customer"]["email"], "cus@example.com");
    assert_eq!(
        doc["issuer"]["address"],
        json!(["12 Long Street", "Cape Town 8001"])
    );
    assert_eq!(doc["issuer"]["tax_id"], "4123456789");
    let res = app
        .get_auth(&format!("{path}?copy=provider"), &m.customer)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The provider's copy: the commission from the ledger, the earnings in the wallet.
    let res = app.get_auth(&path, &m.provider).await;
    let provider_copy = res.json();
    assert_eq!(
        provider_copy["number"],
        number.as_str(),
        "one number per booking"
    );
    let commission = provider_copy["commission"]["amount"]["amount"]
        .as_i64()
        .unwrap();
    let earnings = provider_copy["earnings"]["amount"].as_i64().unwrap();
    assert!(commission < 0, "{commission}");
    assert_eq!(earnings + -commission, 17_000, "the price and tip, split");
    let wallet = app.get_auth("/v1/wallet", &m.provider).await.json();
    assert_eq!(wallet["balance"], earnings);
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &m.admin)
        .await
        .json();
    assert_eq!(summary["balanced"], true, "{summary}");

    // HTML: escaped, and locked down.
    let res = raw(&app, &path, &m.customer, "text/html").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&number) && html.contains("ZAR 170.00"),
        "{html}"
    );
    assert!(!html.contains("<b>Flat 2</b>"), "user text is escaped");

    // PDF: parses, and says what the JSON says.
    let res = app
        .client
        .get(app.url(&format!("{path}?format=pdf")))
        .bearer_auth(&m.customer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("{number}.pdf")));
    let pdf = res.bytes().await.unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        number.as_str(),
        "INVOICE",
        "Onsite Services (Pty) Ltd",
        "12 Long Street",
        "Tax number: 4123456789",
        "Test User",
        "cus@example.com",
        "Fix a leaking tap (base price)",
        "ZAR 100.00",
        "Job size: medium (x1.5)",
        "ZAR 50.00",
        "ZAR 20.00",
        "Total charged",
        "ZAR 170.00",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    assert!(!text.contains("commission"));
    let provider_pdf = raw(&app, &path, &m.provider, "application/pdf").await;
    let text = pdf_text(&provider_pdf.bytes().await.unwrap());
    assert!(
        text.contains("Platform commission") && text.contains("Your earnings"),
        "{text}"
    );

    // Bad asks.
    let res = app
        .get_auth(&format!("{path}?format=docx"), &m.customer)
        .await;
    assert_eq!(res.json()["error"]["field"], "format");

    // The receipt mail carries the customer's copy.
    app.settle_outbox().await;
    let mails = app.wait_for_messages("cus@example.com", 1).await;
    let receipt = mails
        .iter()
        .find(|m| m.contains(&format!("filename=\"{number}.pdf\"")))
        .unwrap_or_else(|| panic!("no receipt with the invoice among {mails:#?}"));
    assert!(
        receipt.contains("Content-Type: application/pdf"),
        "{receipt}"
    );
}

fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF that parses");
    assert_eq!(doc.get_pages().len(), 1);
    doc.extract_text(&[1]).unwrap()
}

#[actix_web::test]
async fn fifty_concurrent_completions_get_fifty_consecutive_numbers() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(started(&app, &m, "small", 0, &format!("{i} Main Road")).await);
    }
    futures_util::future::join_all(ids.iter().map(|id| complete(&app, &m, id))).await;
    let mut numbers = Vec::new();
    for id in &ids {
        let doc = app
            .get_auth(&format!("/v1/bookings/{id}/invoice"), &m.customer)
            .await
            .json();
        numbers.push(doc["number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    // Per day (a run across midnight UTC starts a second day at 00001).
    let mut by_day: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for n in &numbers {
        let (day, seq) = n.trim_start_matches("INV-").split_once('-').unwrap();
        by_day
            .entry(day.to_owned())
            .or_default()
            .push(seq.parse().unwrap());
    }
    for seqs in by_day.values() {
        let expected: Vec<u32> = (1..=seqs.len() as u32).collect();
        assert_eq!(seqs, &expected, "no gap, no repeat: {numbers:?}");
    }
    assert_eq!(by_day.values().map(Vec::len).sum::<usize>(), 50);
}

#[actix_web::test]
async fn a_disputed_job_shows_what_is_held_then_the_refund_on_both_copies() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = started(&app, &m, "small", 0, "3 Main Road").await;
    let res = app
        .post_auth(
            "/v1/complaints",
            &m.customer,
            json!({"booking_id": id, "type": "payment_issue", "severity": "high",
                   "description": "Only one of the two taps was fixed."}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let complaint = res.json()["id"].as_str().unwrap().to_owned();
    complete(&app, &m, &id).await;
    let path = format!("/v1/bookings/{id}/invoice");
    let doc = app.get_auth(&path, &m.customer).await.json();
    assert_eq!(doc["held"]["amount"], 10_000, "{doc}");
    let provider = app.get_auth(&path, &m.provider).await.json();
    assert_eq!(provider["earnings"]["amount"], 0);

    let res = app
        .post_auth(
            &format!("/v1/admin/complaints/{complaint}/resolve"),
            &m.admin,
            json!({"outcome": "resolved", "resolution": "One tap of two: half back.", "refund_amount": 5_000}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let doc = app.get_auth(&path, &m.customer).await.json();
    assert_eq!(
        lines(&doc, "refunds"),
        [("Refund: dispute".to_owned(), -5_000)]
    );
    assert_eq!(doc["total_paid"]["amount"], 5_000);
    assert!(doc["held"].is_null());
    let provider = app.get_auth(&path, &m.provider).await.json();
    let commission = -provider["commission"]["amount"]["amount"].as_i64().unwrap();
    let earnings = provider["earnings"]["amount"].as_i64().unwrap();
    assert_eq!(
        commission, 750,
        "commission only on what the provider keeps"
    );
    assert_eq!(earnings + commission + 5_000, 10_000);
    let pdf = raw(&app, &path, &m.customer, "application/pdf").await;
    let text = pdf_text(&pdf.bytes().await.unwrap());
    for expected in ["Refund: dispute", "-ZAR 50.00", "Total paid"] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
}

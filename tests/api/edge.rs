//! The HTTP edge: security headers, CORS for configured origins only, and
//! `/metrics` moving while a live session runs (on the API port, or only on
//! its own address when `ONSITE_METRICS_BIND` is set).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_with, TestApp};
use crate::market::market;
use crate::realtime::confirmed;
use crate::wsclient::now_minus;

#[actix_web::test]
async fn every_answer_carries_the_security_headers_and_hsts_only_in_production() {
    let app = spawn_with(&[]).await;
    for path in ["/health", "/v1/auth/me", "/no/such/route"] {
        let res = app.get(path).await;
        assert_eq!(res.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            res.headers["content-security-policy"],
            "frame-ancestors 'none'"
        );
        assert_eq!(res.headers["x-frame-options"], "DENY");
        assert_eq!(res.headers["referrer-policy"], "no-referrer");
        assert!(!res.headers.contains_key("strict-transport-security"));
    }
    let prod = spawn_with(&[
        ("ONSITE_ENV", "production"),
        (
            "ONSITE_JWT_SECRET",
            "an-production-secret-of-at-least-32-chars",
        ),
        ("ONSITE_PUBLIC_URL", "https://api.example.com"),
    ])
    .await;
    let res = prod.get("/health").await;
    assert_eq!(
        res.headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url("/v1/auth/login"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, authorization",
        )
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn cors_admits_the_configured_console_and_no_one_else() {
    let app = spawn_with(&[("ONSITE_CORS_ORIGINS", "https://console.example.com")]).await;
    let ok = preflight(&app, "https://console.example.com").await;
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://console.example.com"
    );
    let methods = ok.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let evil = preflight(&app, "https://evil.example.net").await;
    assert!(!evil.headers().contains_key("access-control-allow-origin"));
    // An actual request from the console sees the headers it may read.
    let res = app
        .client
        .get(app.url("/health"))
        .header("origin", "https://console.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://console.example.com"
    );
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("retry-after") && exposed.contains("x-request-id"),
        "{exposed}"
    );

    // Without ONSITE_CORS_ORIGINS, no browser origin is admitted.
    let closed = spawn_with(&[]).await;
    let res = preflight(&closed, "https://console.example.com").await;
    assert!(!res.headers().contains_key("access-control-allow-origin"));
}

fn value(metrics: &str, name_and_labels: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(name_and_labels))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
}

async fn scrape(app: &TestApp, url: &str) -> String {
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    res.text().await.unwrap()
}

#[actix_web::test]
async fn metrics_move_while_a_session_streams() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let id = confirmed(&app, &m).await;
    let url = app.url("/metrics");
    let res = app
        .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let before = scrape(&app, &url).await;
    let mut provider = app.ws(&m.provider).await;
    let mut customer = app.ws(&m.customer).await;
    provider.subscribe(&id, None).await;
    customer.subscribe(&id, None).await;
    for i in 0..5 {
        provider
            .send(
                json!({"type": "location", "booking_id": id, "lat": -26.2 + f64::from(i) * 0.001,
                         "lng": 28.04, "at": now_minus(0.0)}),
            )
            .await;
    }
    customer
        .send(
            json!({"type": "chat", "id": "c1", "booking_id": id, "text": "on my way down",
                     "client_msg_id": "m-1"}),
        )
        .await;
    let mut seen = Vec::new();
    customer.until(&mut seen, |f| f["type"] == "ack").await;
    if !seen.iter().any(|f| f["type"] == "location") {
        customer.until(&mut seen, |f| f["type"] == "location").await;
    }
    let after = scrape(&app, &url).await;
    let fixes = |m: &str| value(m, "onsite_location_fixes_total{via=\"ws\"}");
    assert!(fixes(&after) - fixes(&before) >= 5.0, "{after}");
    let chat = |m: &str| value(m, "onsite_chat_messages_total{via=\"ws\"}");
    assert!(chat(&after) - chat(&before) >= 1.0);
    assert!(value(&after, "onsite_ws_connections") >= 2.0);
    assert!(value(&after, "onsite_booking_sessions") >= 1.0);
    let requests = |m: &str| {
        value(
            m,
            "onsite_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}",
        )
    };
    assert!(requests(&after) > requests(&before));
    for family in [
        "onsite_http_request_duration_seconds_bucket",
        "onsite_db_pool_connections{state=\"idle\"}",
        "onsite_db_pool_wait_seconds_count",
        "onsite_outbox_depth{channel=\"mail\"}",
        "onsite_outbox_oldest_age_seconds{channel=\"push\"}",
        "onsite_frames_coalesced_total{how=\"replaced\"}",
    ] {
        assert!(after.contains(family), "{family} missing:\n{after}");
    }
    // Route templates, never raw ids.
    assert!(after.contains("route=\"/v1/bookings/{id}\""), "{after}");
    assert!(!after.contains(&id));
}

#[actix_web::test]
async fn with_a_metrics_address_the_api_port_does_not_serve_them() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let app = spawn_with(&[("ONSITE_METRICS_BIND", bind.as_str())]).await;
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
    let text = scrape(&app, &format!("http://{bind}/metrics")).await;
    assert!(text.contains("onsite_db_pool_max"), "{text}");
}

#[actix_web::test]
async fn json_logs_are_one_object_per_line_with_the_request_id() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_onsite"))
        .env_clear()
        .env("ONSITE_DATA_DIR", dir.path())
        .env("ONSITE_BIND", format!("127.0.0.1:{port}"))
        .env("ONSITE_LOG", "info")
        .env("ONSITE_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..200 {
        if reqwest::get(format!("{base}/health")).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the server did not start");
    let res = reqwest::Client::new()
        .get(format!("{base}/health"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let handled = lines
        .iter()
        .find(|l| l["fields"]["message"] == "handled" && l["span"]["request_id"] == "trace-me-42")
        .unwrap_or_else(|| panic!("no handled line with the request id: {logs}"));
    assert_eq!(handled["fields"]["status"], 200);
    assert!(
        lines.iter().any(|l| l["fields"]["message"] == "stopped"),
        "{logs}"
    );
}

//! A local stand-in for Firebase Cloud Messaging's HTTP v1 API and Google's
//! OAuth2 token endpoint, speaking the subset onsite uses: the JWT-bearer
//! token exchange (the assertion's RS256 signature, issuer, audience and scope
//! are checked against the test key) and `messages:send` with a bearer token,
//! answering with FCM's error shapes. Device tokens script the answers:
//! `gone-*` is unregistered (404 UNREGISTERED), `busy-*` is refused once with
//! 429 QUOTA_EXCEEDED and `Retry-After: 1`, `flaky-*` fails once with 503
//! UNAVAILABLE; anything else is accepted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

pub const PROJECT: &str = "onsite-test";
pub const CLIENT_EMAIL: &str = "push@onsite-test.iam.gserviceaccount.com";

#[derive(Default)]
pub struct Seen {
    /// Every accepted `message` object.
    pub sent: Vec<Value>,
    /// Every answer given, as (device token, HTTP status).
    pub answers: Vec<(String, u16)>,
    /// Access tokens handed out.
    pub tokens_issued: usize,
    /// Whether the access tokens issued so far are still honoured.
    pub revoked: Vec<String>,
    failed_once: HashMap<String, bool>,
}

pub struct Fcm {
    pub base: String,
    pub seen: Arc<Mutex<Seen>>,
    /// A service-account key file pointing at this stand-in.
    pub credentials: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Fcm {
    /// Makes every access token issued so far invalid (as when it expires early).
    pub fn revoke_tokens(&self) {
        let mut seen = self.seen.lock().unwrap();
        let n = seen.tokens_issued;
        seen.revoked = (1..=n).map(|i| format!("ya29.test-{i}")).collect();
    }

    pub fn sent_to(&self, token: &str) -> Vec<Value> {
        self.seen
            .lock()
            .unwrap()
            .sent
            .iter()
            .filter(|m| m["token"] == token)
            .cloned()
            .collect()
    }

    pub fn answers_to(&self, token: &str) -> Vec<u16> {
        self.seen
            .lock()
            .unwrap()
            .answers
            .iter()
            .filter(|(t, _)| t == token)
            .map(|(_, s)| *s)
            .collect()
    }
}

fn fcm_error(status: u16, code: &str, fcm_code: &str, message: &str) -> HttpResponse {
    let body = json!({"error": {
        "code": status,
        "message": message,
        "status": code,
        "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}]
    }});
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(body)
}

async fn token(
    form: web::Form<HashMap<String, String>>,
    state: web::Data<(Arc<Mutex<Seen>>, String)>,
) -> HttpResponse {
    let (seen, base) = state.get_ref();
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return HttpResponse::BadRequest().json(json!({"error": "unsupported_grant_type"}));
    }
    let public = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fcm-test-key.pub.pem"
    ))
    .unwrap();
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(&public).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[format!("{base}/token")]);
    validation.set_issuer(&[CLIENT_EMAIL]);
    let claims = match jsonwebtoken::decode::<Value>(
        form.get("assertion").map(String::as_str).unwrap_or(""),
        &key,
        &validation,
    ) {
        Ok(data) => data.claims,
        Err(e) => {
            return HttpResponse::BadRequest()
                .json(json!({"error": "invalid_grant", "error_description": e.to_string()}))
        }
    };
    if claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_scope"}));
    }
    let mut seen = seen.lock().unwrap();
    seen.tokens_issued += 1;
    HttpResponse::Ok().json(json!({
        "access_token": format!("ya29.test-{}", seen.tokens_issued),
        "expires_in": 3599,
        "token_type": "Bearer"
    }))
}

async fn send(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Value>,
    state: web::Data<(Arc<Mutex<Seen>>, String)>,
) -> HttpResponse {
    let seen = &state.get_ref().0;
    if path.as_str() != format!("{PROJECT}/messages:send") {
        return fcm_error(404, "NOT_FOUND", "UNSPECIFIED_ERROR", "no such project");
    }
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned();
    let mut seen = seen.lock().unwrap();
    let message = body["message"].clone();
    let device = message["token"].as_str().unwrap_or("").to_owned();
    let answer = |seen: &mut Seen, status: u16| seen.answers.push((device.clone(), status));
    if !bearer.starts_with("ya29.test-") || seen.revoked.contains(&bearer) {
        answer(&mut seen, 401);
        return HttpResponse::Unauthorized().json(json!({"error": {
            "code": 401, "status": "UNAUTHENTICATED",
            "message": "Request had invalid authentication credentials."}}));
    }
    if message["notification"]["title"].as_str().is_none()
        || !message["data"]
            .as_object()
            .is_some_and(|d| d.values().all(Value::is_string))
    {
        answer(&mut seen, 400);
        return fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "bad message");
    }
    if device.starts_with("gone-") {
        answer(&mut seen, 404);
        return fcm_error(
            404,
            "NOT_FOUND",
            "UNREGISTERED",
            "Requested entity was not found.",
        );
    }
    let once = |seen: &mut Seen| seen.failed_once.insert(device.clone(), true).is_none();
    if device.starts_with("busy-") && once(&mut seen) {
        answer(&mut seen, 429);
        let mut res = fcm_error(
            429,
            "RESOURCE_EXHAUSTED",
            "QUOTA_EXCEEDED",
            "quota exceeded",
        );
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("1"),
        );
        return res;
    }
    if device.starts_with("flaky-") && once(&mut seen) {
        answer(&mut seen, 503);
        return fcm_error(503, "UNAVAILABLE", "UNAVAILABLE", "try again");
    }
    answer(&mut seen, 200);
    seen.sent.push(message);
    let n = seen.sent.len();
    HttpResponse::Ok().json(json!({"name": format!("projects/{PROJECT}/messages/{n}")}))
}

pub async fn start() -> Fcm {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let data = web::Data::new((seen.clone(), base.clone()));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/token", web::post().to(token))
            .route("/v1/projects/{rest:.*}", web::post().to(send))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("service-account.json");
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fcm-test-key.pem"
    ))
    .unwrap();
    std::fs::write(
        &credentials,
        json!({
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "test",
            "private_key": key,
            "client_email": CLIENT_EMAIL,
            "token_uri": format!("{base}/token"),
        })
        .to_string(),
    )
    .unwrap();
    Fcm {
        base,
        seen,
        credentials,
        _dir: dir,
    }
}

//! `spawn_app()` and the small client helpers the tests share.

use std::collections::HashMap;
use std::path::PathBuf;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use onsite::config::Config;
use onsite::startup::Application;

pub const PASSWORD: &str = "Secret123";
pub const ADMIN_EMAIL: &str = "root@onsite.test";
pub const ADMIN_PASSWORD: &str = "Admin12345";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    pub state: actix_web::web::Data<onsite::state::AppState>,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

/// A server with the default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_with(&[]).await
}

/// A second server on the same data directory and database as `first`
/// (another node, or the same node after a restart).
pub async fn spawn_sharing(first: &TestApp, extra: &[(&str, &str)]) -> TestApp {
    let dir = first.data_dir.display().to_string();
    let url = first.state.config.db.url.clone();
    let mut all: Vec<(&str, &str)> = vec![("ONSITE_DATA_DIR", &dir), ("ONSITE_DATABASE_URL", &url)];
    all.extend_from_slice(extra);
    spawn_inner(&all, false).await
}

/// A server with extra `ONSITE_*` settings.
pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_inner(extra, true).await
}

async fn spawn_inner(extra: &[(&str, &str)], fresh_db: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut env: HashMap<String, String> = [
        ("ONSITE_BIND", "127.0.0.1:0"),
        ("ONSITE_WORKERS", "1"),
        ("ONSITE_LOG", "warn"),
        ("ONSITE_ADMIN_EMAIL", ADMIN_EMAIL),
        ("ONSITE_ADMIN_PASSWORD", ADMIN_PASSWORD),
        // Every test talks from 127.0.0.1; the rate limit tests turn them on.
        ("ONSITE_RATE_LIMITS", "off"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.insert("ONSITE_DATA_DIR".into(), dir.path().display().to_string());
    let pg = match std::env::var("ONSITE_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() && fresh_db => Some(PgDatabase::create(&url).await),
        _ => None,
    };
    if let Some(pg) = &pg {
        env.insert("ONSITE_DATABASE_URL".into(), pg.url.clone());
        env.insert("ONSITE_DB_POOL_SIZE".into(), "4".into());
    }
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let data_dir = PathBuf::from(&env["ONSITE_DATA_DIR"]);
    let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    onsite::telemetry::init(&config.log, config.edge.log_json);
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: reqwest::Client::builder()
            .user_agent("onsite-tests/1.0")
            .build()
            .unwrap(),
        data_dir,
        state,
        _dir: dir,
        _pg: pg,
    }
}

/// A fresh PostgreSQL database, dropped when the test ends.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str) -> Self {
        let name = format!("onsite_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = AsyncPgConnection::establish(admin_url).await.unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let mut url = url::Url::parse(admin_url).unwrap();
        url.set_path(&name);
        Self {
            admin_url: admin_url.to_owned(),
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime; use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url).await {
                    let _ = diesel::sql_query(sql).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// The `error.code` of an error body (asserting the shape).
    pub fn error_code(&self) -> String {
        let body = self.json();
        assert!(
            body["error"]["message"].is_string(),
            "no error message in {body}"
        );
        body["error"]["code"].as_str().unwrap().to_owned()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.send_with(method, path, token, body, &[]).await
    }

    /// [`Self::send`] with extra request headers (`Accept-Language`...).
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.request(method, self.url(path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        Resp {
            status: res.status(),
            headers: res.headers().clone(),
            text: res.text().await.unwrap(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, None, Some(body)).await
    }

    pub async fn post_auth(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Resp {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, None).await
    }

    /// Registers an account and returns its JSON user.
    pub async fn register(&self, email: &str, role: &str) -> Value {
        let res = self
            .post(
                "/v1/auth/register",
                json!({"email": email, "password": PASSWORD, "first_name": "Test",
                       "last_name": "User", "role": role}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        res.json()
    }

    pub async fn login(&self, identifier: &str, password: &str) -> Resp {
        self.post(
            "/v1/auth/login",
            json!({"identifier": identifier, "password": password}),
        )
        .await
    }

    /// Registers and logs in; returns the token pair.
    pub async fn user(&self, email: &str, role: &str) -> Value {
        self.register(email, role).await;
        let res = self.login(email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        res.json()
    }

    /// Logs the bootstrap admin in through the emailed code; returns the tokens.
    pub async fn admin(&self) -> Value {
        let res = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let challenge = res.json()["challenge_id"].as_str().unwrap().to_owned();
        let code = self.last_code(ADMIN_EMAIL).await;
        let res = self
            .post(
                "/v1/auth/otp/verify",
                json!({"challenge_id": challenge, "code": code}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        res.json()
    }

    pub fn outbox(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Waits (up to 10 s) until the outbox workers have sent everything that
    /// is due: mail, SMS and push leave the server after the request that
    /// caused them has been answered.
    pub async fn settle_outbox(&self) {
        for _ in 0..1000 {
            let due = self
                .state
                .db
                .run(async |c| onsite::db::outbox::due_count(c, onsite::db::now()).await)
                .await
                .unwrap()
                .unwrap();
            if due == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the outbox did not drain within 10 s");
    }

    /// Every message in the outbox addressed to `to` (emails and SMS), oldest
    /// first, once the outbox has drained.
    pub async fn messages_to(&self, to: &str) -> Vec<String> {
        self.settle_outbox().await;
        self.outbox_files_to(to)
    }

    /// The outbox files addressed to `to` as they are now.
    pub fn outbox_files_to(&self, to: &str) -> Vec<String> {
        // Oldest first by modification time; files written within one clock
        // tick share it, so the inode number (allocated in creation order
        // here) breaks ties.
        let mut found: Vec<((std::time::SystemTime, u64), String)> = Vec::new();
        let Ok(entries) = std::fs::read_dir(self.outbox()) else {
            return Vec::new();
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue; // being written
            }
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let addressed = text
                .lines()
                .take_while(|l| !l.is_empty())
                .any(|l| l.eq_ignore_ascii_case(&format!("To: {to}")));
            if addressed {
                let meta = entry.metadata().unwrap();
                let ino = std::os::unix::fs::MetadataExt::ino(&meta);
                found.push(((meta.modified().unwrap(), ino), text));
            }
        }
        found.sort_by_key(|(t, _)| *t);
        found.into_iter().map(|(_, text)| text).collect()
    }

    /// Waits (up to 10 s) until `to` has at least `count` messages, and
    /// everything already queued has been sent; returns them. (A message may
    /// be queued after the answer, e.g. a password reset's.)
    pub async fn wait_for_messages(&self, to: &str, count: usize) -> Vec<String> {
        for _ in 0..500 {
            self.settle_outbox().await;
            let found = self.outbox_files_to(to);
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{to} did not receive {count} messages");
    }

    /// The six-digit code of the newest message to `to`.
    pub async fn last_code(&self, to: &str) -> String {
        let last = self
            .messages_to(to)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no message to {to}"));
        find_after(&last, &regex::Regex::new(r"\b(\d{6})\b").unwrap())
    }

    /// The link/reset token of the newest message to `to`.
    pub async fn last_token(&self, to: &str) -> String {
        let last = self
            .messages_to(to)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no message to {to}"));
        find_after(
            &last,
            &regex::Regex::new(r"token=([A-Za-z0-9_-]{43})").unwrap(),
        )
    }

    pub fn jwt_secret(&self) -> Vec<u8> {
        std::fs::read_to_string(self.data_dir.join("jwt_secret"))
            .unwrap()
            .trim()
            .as_bytes()
            .to_vec()
    }
}

fn find_after(text: &str, re: &regex::Regex) -> String {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or(("", &text));
    let body = if head.contains("quoted-printable") {
        decode_qp(body)
    } else {
        body.to_owned()
    };
    re.captures(&body)
        .unwrap_or_else(|| panic!("nothing matching {re} in {body}"))[1]
        .to_owned()
}

pub fn token(pair: &Value) -> String {
    pair["access_token"].as_str().unwrap().to_owned()
}

pub fn refresh(pair: &Value) -> String {
    pair["refresh_token"].as_str().unwrap().to_owned()
}

/// Undoes quoted-printable (soft line breaks and `=XX` escapes).
fn decode_qp(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

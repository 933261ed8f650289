//! A local stand-in for an OpenID Connect provider (Google's shape): discovery
//! at `/.well-known/openid-configuration`, the JWKS at `/jwks`, and the token
//! endpoint `POST /token` for the authorization code grant with PKCE (S256)
//! and HTTP basic client authentication, answering OAuth 2.0's error objects
//! (`invalid_grant`, `invalid_client`). ID tokens are RS256 JWTs signed with
//! one of two test keys; [`OidcProvider::rotate`] swaps the published key, as
//! a provider's key rotation does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;

pub const CLIENT_ID: &str = "onsite-app.apps.standin";
pub const CLIENT_SECRET: &str = "standin-client-secret";
pub const REDIRECT_URI: &str = "com.onsite.app:/oauth2redirect";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Key {
    A,
    B,
}

impl Key {
    fn kid(self) -> &'static str {
        match self {
            Self::A => "standin-key-a",
            Self::B => "standin-key-b",
        }
    }
    fn pem(self) -> &'static str {
        match self {
            Self::A => KEY_A_PEM,
            Self::B => KEY_B_PEM,
        }
    }
    fn n(self) -> &'static str {
        match self {
            Self::A => KEY_A_N,
            Self::B => KEY_B_N,
        }
    }
}

struct Grant {
    claims: Value,
    challenge: String,
    redirect_uri: String,
}

pub struct State {
    base: String,
    published: Key,
    codes: HashMap<String, Grant>,
    pub discovery_calls: usize,
    pub token_calls: usize,
}

pub struct OidcProvider {
    pub base: String,
    pub state: Arc<Mutex<State>>,
}

impl OidcProvider {
    pub async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let state = Arc::new(Mutex::new(State {
            base: base.clone(),
            published: Key::A,
            codes: HashMap::new(),
            discovery_calls: 0,
            token_calls: 0,
        }));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route("/jwks", web::get().to(jwks))
                .route("/token", web::post().to(token))
        })
        .workers(1)
        .listen(listener)
        .unwrap();
        actix_web::rt::spawn(server.run());
        Self { base, state }
    }

    /// The variables that make it onsite's `google` provider.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ONSITE_OIDC_PROVIDERS", "google".into()),
            ("ONSITE_OIDC_GOOGLE_ISSUER", self.base.clone()),
            ("ONSITE_OIDC_GOOGLE_CLIENT_ID", CLIENT_ID.into()),
            ("ONSITE_OIDC_GOOGLE_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("ONSITE_OIDC_GOOGLE_REDIRECT_URIS", REDIRECT_URI.into()),
        ]
    }

    /// An ID token's claims for `sub`, valid for ten minutes.
    pub fn claims(&self, sub: &str, email: &str, verified: bool, nonce: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.base, "aud": CLIENT_ID, "sub": sub, "iat": now, "exp": now + 600,
            "nonce": nonce, "email": email, "email_verified": verified,
            "given_name": "Gita", "family_name": "Rahimi",
        })
    }

    /// `claims` signed with `key`.
    pub fn sign(&self, claims: &Value, key: Key) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(key.kid().into());
        let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(key.pem().as_bytes()).unwrap();
        jsonwebtoken::encode(&header, claims, &encoding).unwrap()
    }

    /// What the authorization endpoint would hand the app: a code for
    /// `claims`, bound to the PKCE `verifier`'s challenge.
    pub fn code_for(&self, claims: Value, verifier: &str) -> String {
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let code = format!("code-{}", uuid::Uuid::new_v4().simple());
        self.state.lock().unwrap().codes.insert(
            code.clone(),
            Grant {
                claims,
                challenge,
                redirect_uri: REDIRECT_URI.into(),
            },
        );
        code
    }

    /// Publishes key B instead of A (tokens are signed with B from now on).
    pub fn rotate(&self) {
        self.state.lock().unwrap().published = Key::B;
    }

    pub fn discovery_calls(&self) -> usize {
        self.state.lock().unwrap().discovery_calls
    }
}

async fn discovery(state: web::Data<Mutex<State>>) -> HttpResponse {
    let mut s = state.lock().unwrap();
    s.discovery_calls += 1;
    let base = s.base.clone();
    HttpResponse::Ok().json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code", "id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(state: web::Data<Mutex<State>>) -> HttpResponse {
    let key = state.lock().unwrap().published;
    HttpResponse::Ok().json(json!({"keys": [{
        "kty": "RSA", "alg": "RS256", "use": "sig", "kid": key.kid(), "n": key.n(), "e": "AQAB",
    }]}))
}

fn oauth_error(status: u16, code: &str, description: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .json(json!({"error": code, "error_description": description}))
}

async fn token(state: web::Data<Mutex<State>>, req: HttpRequest, body: String) -> HttpResponse {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let mut s = state.lock().unwrap();
    s.token_calls += 1;
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let expected = format!("{CLIENT_ID}:{CLIENT_SECRET}");
    let posted = form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if basic.as_deref() != Some(expected.as_str()) && !posted {
        return oauth_error(401, "invalid_client", "client authentication failed");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(400, "unsupported_grant_type", "authorization_code only");
    }
    let Some(grant) = form.get("code").and_then(|c| s.codes.remove(c)) else {
        return oauth_error(400, "invalid_grant", "the code is unknown or was used");
    };
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return oauth_error(400, "invalid_grant", "redirect_uri does not match");
    }
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    if challenge != grant.challenge {
        return oauth_error(400, "invalid_grant", "PKCE verification failed");
    }
    let key = s.published;
    drop(s);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.kid().into());
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(key.pem().as_bytes()).unwrap();
    let id_token = jsonwebtoken::encode(&header, &grant.claims, &encoding).unwrap();
    HttpResponse::Ok().json(json!({
        "access_token": format!("at-{}", uuid::Uuid::new_v4().simple()),
        "token_type": "Bearer",
        "expires_in": 3599,
        "scope": "openid email profile",
        "id_token": id_token,
    }))
}

// Test keys (tests/fixtures/), made for this stand-in and used nowhere else;
// the moduli are what its JWKS publishes.
const KEY_A_PEM: &str = include_str!("../fixtures/oidc-test-key-a.pem");
const KEY_A_N: &str = "q0vs6FCXC9GE8NFj8Ol14gGJMWEQEB8WNl7b9Qww5y4MjAvvYp-aXCKq-8c8Xh3_juXECo3N8RtR_X1vklnGf8ysFaRf541Vgh5rJ2P2kGZ0pWyAwib4ngLcWMProbRmA-O4c7Yd0qzGDol7gBsyS0xWb1bwnpK51E8V2cEDf4Sni1O5fIWJGhrT4LTRxybRyFb9WBjo23ZNxeUvMJtpwG3zrTxLoe0E4RAcbHNajHBQtQbjoSkA4H_7rgcVM-S-1JaZgETzB7AV6T7U_Z8j65lwqZPXp3mo2tq89HEuClntMapZyTvSQ9EgsMfCQpF6gyc1v0GGNT1skhbjB2OyNQ";
const KEY_B_PEM: &str = include_str!("../fixtures/oidc-test-key-b.pem");
const KEY_B_N: &str = "ifHJMuR2Xl716BkID0jJMInwA-KI3n0oEvm1FTJ4a28ikdCa-xDXiWvuk56SmT7tPnmQtJ5AksYp4DEZaLCb16709tJSiTPFMEFeJYwb2Cz-PlXL_35ZmHBdZf8CzP2j-s3Vv50Ee4L8QyzP8sF1YD9X_9pvbDmJi8eZad0dhBMPkB6YJDumLoAwa1Sjla1vVaFAnp92z35aIuu1vfwtjvWW94qY9ukDI9yFAzNDVKdBCZ2NevYNmzR4ErcP02RgjxynJBO3xE8N2FO5UUPwKtzuii8YT6G4huBrs1hEABunE_noWOnPeqj6O2KuAIs-66pfEMfUle8zGwRMPzS3Sw";

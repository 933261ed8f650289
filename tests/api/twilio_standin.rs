//! A local stand-in for Twilio's Messages API as onsite uses it: `POST
//! /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth with the
//! account SID and auth token, form-encoded `To`, `From` or
//! `MessagingServiceSid`, `Body`; 201 with the message resource, or Twilio's
//! error object (`code`, `message`, `more_info`, `status`). Twilio's magic
//! test numbers: `+15005550001` is invalid (21211), `+15005550004` has opted
//! out (21610). [`Twilio::fail_next`] answers the next requests 503.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use serde_json::{json, Value};

pub const ACCOUNT_SID: &str = "ACstandin0000000000000000000000000";
pub const AUTH_TOKEN: &str = "standin-auth-token";
pub const FROM: &str = "+15005550006";

#[derive(Default)]
pub struct State {
    /// Every accepted message resource.
    pub messages: Vec<Value>,
    /// Every answer, as (To, HTTP status).
    pub answers: Vec<(String, u16)>,
    fail_next: usize,
}

pub struct Twilio {
    pub base: String,
    pub state: Arc<Mutex<State>>,
}

impl Twilio {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new().app_data(data.clone()).route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                web::post().to(create),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        Self {
            base: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ONSITE_SMS_PROVIDER", "twilio".into()),
            ("ONSITE_TWILIO_ACCOUNT_SID", ACCOUNT_SID.into()),
            ("ONSITE_TWILIO_AUTH_TOKEN", AUTH_TOKEN.into()),
            ("ONSITE_TWILIO_FROM", FROM.into()),
            ("ONSITE_TWILIO_API_BASE", self.base.clone()),
        ]
    }

    pub fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().fail_next = n;
    }

    pub fn sent_to(&self, to: &str) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .messages
            .iter()
            .filter(|m| m["to"] == to)
            .map(|m| m["body"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn answers_to(&self, to: &str) -> Vec<u16> {
        self.state
            .lock()
            .unwrap()
            .answers
            .iter()
            .filter(|(t, _)| t == to)
            .map(|(_, s)| *s)
            .collect()
    }

    /// Waits (up to 5 s) for `n` messages to `to`.
    pub async fn wait_for(&self, to: &str, n: usize) -> Vec<String> {
        for _ in 0..500 {
            let sent = self.sent_to(to);
            if sent.len() >= n {
                return sent;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("{n} text(s) to {to} never came: {:?}", self.sent_to(to));
    }
}

fn error(status: u16, code: i64, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({
        "code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status,
    }))
}

async fn create(
    req: HttpRequest,
    sid: web::Path<String>,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    );
    let authorised = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str());
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let to = form.get("To").cloned().unwrap_or_default();
    let mut state = state.lock().unwrap();
    let (status, res) = if !authorised || sid.as_str() != ACCOUNT_SID {
        (401, error(401, 20003, "Authenticate"))
    } else if state.fail_next > 0 {
        state.fail_next -= 1;
        (503, error(503, 20503, "Service Unavailable"))
    } else if to.is_empty() {
        (400, error(400, 21604, "A 'To' phone number is required."))
    } else if to == "+15005550001" || !to.starts_with('+') {
        (
            400,
            error(
                400,
                21211,
                &format!("The 'To' number {to} is not a valid phone number."),
            ),
        )
    } else if to == "+15005550004" {
        (
            400,
            error(400, 21610, "Attempt to send to unsubscribed recipient"),
        )
    } else if form.get("From").map(String::as_str) != Some(FROM)
        && !form.contains_key("MessagingServiceSid")
    {
        (
            400,
            error(
                400,
                21606,
                "The From phone number is not a valid, SMS-capable number.",
            ),
        )
    } else {
        let message = json!({
            "sid": format!("SM{:032}", state.messages.len() + 1), "account_sid": ACCOUNT_SID,
            "to": to, "from": form.get("From"), "body": form.get("Body"), "status": "queued",
            "num_segments": "1", "direction": "outbound-api",
        });
        state.messages.push(message.clone());
        (201, HttpResponse::Created().json(message))
    };
    state.answers.push((to, status));
    res
}

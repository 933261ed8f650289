//! A local stand-in for the part of Stripe's REST API onsite uses, speaking
//! its wire format: form-encoded requests with a bearer secret key,
//! `Idempotency-Key` replays (and `idempotency_error` for a key reused with
//! other parameters), Stripe's error objects, PaymentIntents with manual
//! capture, refunds, Connect transfers, and events signed as Stripe signs
//! them (`Stripe-Signature: t=..,v1=HMAC-SHA256(secret, "t.body")`).
//!
//! Test payment methods (as Stripe's): `pm_card_visa` authorises,
//! `pm_card_chargeDeclined` and `pm_card_chargeDeclinedInsufficientFunds`
//! are declined (402 `card_error`), `pm_card_threeDSecure2Required` needs
//! the customer (`requires_action`) until [`Stripe::authenticate`].
//! Destinations: `acct_closed` is refused (`account_invalid`).
//! [`Stripe::fail_next`] answers the next requests with a 500 that stores no
//! idempotent result, as an outage before the request ran;
//! [`Stripe::lose_next_answers`] runs them and loses the answer (a 502), as a
//! connection cut after Stripe acted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

pub const SECRET_KEY: &str = "sk_test_onsite_standin";
pub const WEBHOOK_SECRET: &str = "whsec_onsite_standin";

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub status: u16,
    pub replayed: bool,
}

#[derive(Default)]
pub struct State {
    intents: HashMap<String, Value>,
    pub refunds: Vec<Value>,
    pub transfers: Vec<Value>,
    /// key -> (what was asked, status, answer)
    idempotent: HashMap<String, (String, u16, Value)>,
    pub seen: Vec<Seen>,
    fail_next: usize,
    lose_next: usize,
    next_id: u64,
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_standin{:06}", self.next_id)
    }
}

pub struct Stripe {
    pub base: String,
    pub state: Arc<Mutex<State>>,
}

fn error(
    status: u16,
    kind: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> (u16, Value) {
    let mut e = json!({"type": kind, "message": message});
    if let Some(code) = code {
        e["code"] = code.into();
    }
    if let Some(param) = param {
        e["param"] = param.into();
    }
    (status, json!({ "error": e }))
}

impl Stripe {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
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

    /// Settings that point onsite at this stand-in.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ONSITE_PAYMENT_GATEWAY", "stripe".into()),
            ("ONSITE_STRIPE_SECRET_KEY", SECRET_KEY.into()),
            ("ONSITE_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.into()),
            ("ONSITE_STRIPE_API_BASE", self.base.clone()),
        ]
    }

    pub fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().fail_next = n;
    }

    /// The next `n` requests run (and their idempotent results are kept),
    /// but their answers are lost on the way back: a 502 from a proxy.
    pub fn lose_next_answers(&self, n: usize) {
        self.state.lock().unwrap().lose_next = n;
    }

    pub fn seen(&self, method: &str, path_prefix: &str) -> Vec<Seen> {
        self.state
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|s| s.method == method && s.path.starts_with(path_prefix))
            .cloned()
            .collect()
    }

    pub fn intent(&self, id: &str) -> Value {
        self.state.lock().unwrap().intents[id].clone()
    }

    pub fn intents(&self) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .intents
            .values()
            .cloned()
            .collect()
    }

    /// The customer passed 3-D Secure: the intent is authorised; returns the
    /// event Stripe would send (`payment_intent.amount_capturable_updated`).
    pub fn authenticate(&self, id: &str) -> Value {
        let mut state = self.state.lock().unwrap();
        let intent = state.intents.get_mut(id).unwrap();
        assert_eq!(intent["status"], "requires_action");
        intent["status"] = "requires_capture".into();
        intent["amount_capturable"] = intent["amount"].clone();
        let object = intent.clone();
        let event_id = state.id("evt");
        json!({"id": event_id, "object": "event", "type": "payment_intent.amount_capturable_updated",
               "created": chrono::Utc::now().timestamp(), "data": {"object": object}})
    }

    /// `Stripe-Signature` for `body` at `t`, with `secret`.
    pub fn sign(secret: &str, t: i64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{body}").as_bytes());
        format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
    }
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let method = req.method().as_str().to_owned();
    let path = req.path().to_owned();
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorised = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {SECRET_KEY}"));
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let mut state = state.lock().unwrap();
    let mut replayed = false;
    let (status, answer) = if !authorised {
        error(
            401,
            "invalid_request_error",
            None,
            None,
            "Invalid API Key provided",
        )
    } else if state.fail_next > 0 {
        state.fail_next -= 1;
        error(500, "api_error", None, None, "An unknown error occurred")
    } else {
        let asked = format!("{method} {path} {}", String::from_utf8_lossy(&body));
        match key.as_ref().and_then(|k| state.idempotent.get(k)).cloned() {
            Some((first, status, answer)) if first == asked => {
                replayed = true;
                (status, answer)
            }
            Some(_) => error(
                400,
                "idempotency_error",
                None,
                None,
                "Keys for idempotent requests can only be used with the same parameters they were first used with.",
            ),
            None => {
                let (status, answer) = route(&mut state, &method, &path, &form);
                if let (Some(k), true) = (&key, method == "POST" && status < 500) {
                    state
                        .idempotent
                        .insert(k.clone(), (asked, status, answer.clone()));
                }
                (status, answer)
            }
        }
    };
    let lost = authorised && status < 500 && state.lose_next > 0;
    if lost {
        state.lose_next -= 1;
    }
    let status = if lost { 502 } else { status };
    state.seen.push(Seen {
        method,
        path,
        idempotency_key: key,
        status,
        replayed,
    });
    if lost {
        return HttpResponse::BadGateway().body("upstream connection reset");
    }
    let mut res = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(answer)
}

fn route(
    state: &mut State,
    method: &str,
    path: &str,
    form: &HashMap<String, String>,
) -> (u16, Value) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("POST", ["v1", "payment_intents"]) => create_intent(state, form),
        ("GET", ["v1", "payment_intents", id]) => match state.intents.get(*id) {
            Some(pi) => (200, pi.clone()),
            None => missing("payment_intent", id),
        },
        ("POST", ["v1", "payment_intents", id, "capture"]) => {
            let Some(pi) = state.intents.get_mut(*id) else {
                return missing("payment_intent", id);
            };
            if pi["status"] != "requires_capture" {
                let message = format!(
                    "This PaymentIntent could not be captured because it has a status of {}.",
                    pi["status"]
                );
                return error(
                    400,
                    "invalid_request_error",
                    Some("payment_intent_unexpected_state"),
                    None,
                    &message,
                );
            }
            pi["status"] = "succeeded".into();
            pi["amount_received"] = pi["amount"].clone();
            pi["amount_capturable"] = 0.into();
            (200, pi.clone())
        }
        ("POST", ["v1", "refunds"]) => refund(state, form),
        ("POST", ["v1", "transfers"]) => transfer(state, form),
        _ => error(
            404,
            "invalid_request_error",
            None,
            None,
            "Unrecognized request URL",
        ),
    }
}

fn missing(what: &str, id: &str) -> (u16, Value) {
    error(
        404,
        "invalid_request_error",
        Some("resource_missing"),
        Some("id"),
        &format!("No such {what}: '{id}'"),
    )
}

fn amount(form: &HashMap<String, String>) -> Result<i64, (u16, Value)> {
    match form.get("amount").map(|a| a.parse::<i64>()) {
        Some(Ok(a)) if a > 0 => Ok(a),
        Some(_) => Err(error(
            400,
            "invalid_request_error",
            Some("parameter_invalid_integer"),
            Some("amount"),
            "Invalid integer",
        )),
        None => Err(error(
            400,
            "invalid_request_error",
            Some("parameter_missing"),
            Some("amount"),
            "Missing required param: amount.",
        )),
    }
}

fn metadata(form: &HashMap<String, String>) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in form {
        if let Some(name) = k
            .strip_prefix("metadata[")
            .and_then(|k| k.strip_suffix(']'))
        {
            m.insert(name.to_owned(), v.clone().into());
        }
    }
    Value::Object(m)
}

fn create_intent(state: &mut State, form: &HashMap<String, String>) -> (u16, Value) {
    let amount = match amount(form) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let currency = form.get("currency").cloned().unwrap_or_default();
    if currency.len() != 3 || currency != currency.to_lowercase() {
        return error(
            400,
            "invalid_request_error",
            Some("parameter_invalid"),
            Some("currency"),
            "Invalid currency",
        );
    }
    let method = form.get("payment_method").cloned().unwrap_or_default();
    let decline = match method.as_str() {
        "pm_card_visa" | "pm_card_threeDSecure2Required" => None,
        "pm_card_chargeDeclined" => Some("generic_decline"),
        "pm_card_chargeDeclinedInsufficientFunds" => Some("insufficient_funds"),
        _ => {
            return error(
                400,
                "invalid_request_error",
                Some("resource_missing"),
                Some("payment_method"),
                &format!("No such PaymentMethod: '{method}'"),
            )
        }
    };
    let id = state.id("pi");
    let manual = form.get("capture_method").map(String::as_str) == Some("manual");
    let confirmed = form.get("confirm").map(String::as_str) == Some("true");
    let status = match (confirmed, decline, method.as_str()) {
        (false, _, _) => "requires_confirmation",
        (true, Some(_), _) => "requires_payment_method",
        (true, None, "pm_card_threeDSecure2Required") => "requires_action",
        (true, None, _) if manual => "requires_capture",
        (true, None, _) => "succeeded",
    };
    let mut pi = json!({
        "id": id, "object": "payment_intent", "amount": amount, "currency": currency,
        "status": status, "capture_method": if manual { "manual" } else { "automatic" },
        "client_secret": format!("{id}_secret_standin"), "payment_method": method,
        "amount_capturable": if status == "requires_capture" { amount } else { 0 },
        "amount_received": if status == "succeeded" { amount } else { 0 },
        "metadata": metadata(form), "last_payment_error": null, "next_action": null,
    });
    if status == "requires_action" {
        pi["next_action"] = json!({"type": "use_stripe_sdk"});
    }
    if let Some(decline_code) = decline {
        let e = json!({"type": "card_error", "code": "card_declined", "decline_code": decline_code,
                       "message": "Your card was declined."});
        pi["last_payment_error"] = e.clone();
        state.intents.insert(id, pi.clone());
        let mut body = e;
        body["payment_intent"] = pi;
        return (402, json!({ "error": body }));
    }
    state.intents.insert(id, pi.clone());
    (200, pi)
}

fn refund(state: &mut State, form: &HashMap<String, String>) -> (u16, Value) {
    let pi_id = form.get("payment_intent").cloned().unwrap_or_default();
    let Some(pi) = state.intents.get(&pi_id).cloned() else {
        return missing("payment_intent", &pi_id);
    };
    let amount = match form.get("amount") {
        None => pi["amount_received"].as_i64().unwrap(),
        Some(_) => match amount(form) {
            Ok(a) => a,
            Err(e) => return e,
        },
    };
    let refunded: i64 = state
        .refunds
        .iter()
        .filter(|r| r["payment_intent"] == pi_id.as_str())
        .map(|r| r["amount"].as_i64().unwrap())
        .sum();
    if pi["status"] != "succeeded" || refunded + amount > pi["amount_received"].as_i64().unwrap() {
        return error(
            400,
            "invalid_request_error",
            Some("amount_too_large"),
            Some("amount"),
            "Refund amount is greater than unrefunded amount on charge",
        );
    }
    let id = state.id("re");
    let refund = json!({"id": id, "object": "refund", "amount": amount, "payment_intent": pi_id,
                        "status": "succeeded", "metadata": metadata(form)});
    state.refunds.push(refund.clone());
    (200, refund)
}

fn transfer(state: &mut State, form: &HashMap<String, String>) -> (u16, Value) {
    let amount = match amount(form) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let destination = form.get("destination").cloned().unwrap_or_default();
    if destination == "acct_closed" || !destination.starts_with("acct_") {
        return error(
            400,
            "invalid_request_error",
            Some("account_invalid"),
            Some("destination"),
            "The destination account is closed or does not exist.",
        );
    }
    let id = state.id("tr");
    let transfer = json!({"id": id, "object": "transfer", "amount": amount,
        "currency": form.get("currency"), "destination": destination,
        "transfer_group": form.get("transfer_group"), "metadata": metadata(form)});
    state.transfers.push(transfer.clone());
    (200, transfer)
}

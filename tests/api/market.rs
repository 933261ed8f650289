//! A marketplace ready to book, set up through the API: a verified, online
//! provider with a complete profile in Johannesburg, open 08:00-18:00 local
//! every day, an approved one-hour service (R100.00), a customer, an admin.

use serde_json::{json, Value};

use crate::fixtures;
use crate::helpers::{token, TestApp};

pub struct Market {
    pub customer: String,
    pub customer_id: String,
    pub provider: String,
    pub provider_id: String,
    pub admin: String,
    pub service_id: String,
}

/// Where the job is: about 1 km from the provider's base.
pub fn job_location() -> Value {
    json!({"lat": -26.2041, "lng": 28.0473, "address": "1 Commissioner St"})
}

/// The provider's base, about 1 km from [`job_location`].
pub const BASE: (f64, f64) = (-26.195, 28.04);

pub async fn market(app: &TestApp) -> Market {
    let admin = crate::helpers::token(&app.admin().await);
    let provider = fixtures::bookable_provider(app, &admin, "pro@example.com", BASE).await;
    let res = app
        .put_auth(
            "/v1/providers/me/online",
            &provider.token,
            json!({"online": true}),
        )
        .await;
    assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.text);
    fixtures::every_day(
        app,
        &provider,
        "Africa/Johannesburg",
        60,
        0,
        json!([{"start": "08:00", "end": "18:00"}]),
    )
    .await;
    let service_id =
        fixtures::approved_service(app, &admin, &provider, "Fix a leaking tap", 10_000, 60).await;
    let customer = app.user("cus@example.com", "customer").await;
    Market {
        customer: token(&customer),
        customer_id: customer["user"]["id"].as_str().unwrap().to_owned(),
        provider: provider.token,
        provider_id: provider.id,
        admin,
        service_id,
    }
}

impl Market {
    /// Books the service (on demand) as the customer; returns the booking.
    pub async fn book(&self, app: &TestApp, job_size: &str) -> Value {
        let res = app
            .post_auth(
                "/v1/bookings",
                &self.customer,
                json!({"service_id": self.service_id, "location": job_location(), "job_size": job_size}),
            )
            .await;
        assert_eq!(res.status, reqwest::StatusCode::CREATED, "{}", res.text);
        res.json()
    }

    /// Pays a booking with a fresh intent (and tip); returns the confirm answer.
    pub async fn pay(&self, app: &TestApp, booking_id: &str, tip: i64) -> Value {
        let mut body = json!({"booking_id": booking_id});
        if tip > 0 {
            body["tip"] = json!({"amount": tip, "currency": "ZAR"});
        }
        let intent = app
            .client
            .post(app.url("/v1/payments/intents"))
            .bearer_auth(&self.customer)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(intent.status(), reqwest::StatusCode::CREATED);
        let intent: Value = intent.json().await.unwrap();
        let res = app
            .post_auth(
                &format!(
                    "/v1/payments/intents/{}/confirm",
                    intent["id"].as_str().unwrap()
                ),
                &self.customer,
                json!({"payment_method": "sim_card_ok"}),
            )
            .await;
        assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.text);
        res.json()
    }

    /// Drives a paid booking to `in_progress`: the provider accepts, an admin
    /// puts them at the door, the provider starts.
    pub async fn start(&self, app: &TestApp, id: &str) {
        for (who, path, body) in [
            (
                &self.provider,
                format!("/v1/bookings/{id}/accept"),
                json!({}),
            ),
            (
                &self.admin,
                format!("/v1/admin/bookings/{id}/force"),
                json!({"to": "arrived", "reason": "test: at the door"}),
            ),
            (
                &self.provider,
                format!("/v1/bookings/{id}/start"),
                json!({}),
            ),
        ] {
            let res = app.post_auth(&path, who, body).await;
            assert_eq!(res.status, reqwest::StatusCode::OK, "{path}: {}", res.text);
        }
    }

    pub async fn act(
        &self,
        app: &TestApp,
        who: &str,
        booking_id: &str,
        action: &str,
        body: Value,
    ) -> crate::helpers::Resp {
        app.post_auth(&format!("/v1/bookings/{booking_id}/{action}"), who, body)
            .await
    }
}

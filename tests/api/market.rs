//! A marketplace ready to book: a verified, online provider with a complete
//! profile in Johannesburg and an approved service (R100.00), a customer, an admin.

use serde_json::{json, Value};

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

pub async fn market(app: &TestApp) -> Market {
    let provider = app.user("pro@example.com", "provider").await;
    let provider_id = provider["user"]["id"].as_str().unwrap().to_owned();
    let customer = app.user("cus@example.com", "customer").await;
    let admin = app.admin().await;
    let service_id = publish(app, &provider_id).await;
    Market {
        customer: token(&customer),
        customer_id: customer["user"]["id"].as_str().unwrap().to_owned(),
        provider: token(&provider),
        provider_id,
        admin: token(&admin),
        service_id,
    }
}

/// MERGE: replace with the provider/service/admin APIs once they land.
async fn publish(app: &TestApp, provider_id: &str) -> String {
    use onsite::db::schema::{provider_profiles, services};
    let now = onsite::db::now();
    let mut conn = app.state.db.get().await.unwrap();
    let profile = onsite::db::providers::ProviderProfile {
        user_id: provider_id.to_owned(),
        bio: "Licensed plumber".into(),
        skills: r#"["plumbing"]"#.into(),
        experience_years: 5,
        base_lat: Some(-26.195),
        base_lng: Some(28.04),
        base_address: None,
        service_radius_km: 20.0,
        online: true,
        verified_at: Some(now),
        verified_by: None,
        verification_note: None,
        timezone: "Africa/Johannesburg".into(),
        slot_minutes: 60,
        buffer_minutes: 0,
        rating: 0.0,
        rating_count: 0,
        created_at: now,
        updated_at: now,
    };
    let service = onsite::db::services::Service {
        id: onsite::db::new_id(),
        provider_id: Some(provider_id.to_owned()),
        title: "Fix a leaking tap".into(),
        description: "Washers, cartridges, seals".into(),
        price_amount: 10_000,
        currency: "ZAR".into(),
        duration_minutes: 60,
        status: "approved".into(),
        active: true,
        review_note: None,
        reviewed_by: None,
        reviewed_at: None,
        created_by: provider_id.to_owned(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let id = service.id.clone();
    onsite::db_run!(conn, |c| {
        diesel_async::RunQueryDsl::execute(
            diesel::insert_into(provider_profiles::table).values(&profile),
            c,
        )
        .await
        .unwrap();
        diesel_async::RunQueryDsl::execute(
            diesel::insert_into(services::table).values(&service),
            c,
        )
        .await
        .unwrap();
    });
    id
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

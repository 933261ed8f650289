//! Marketplace fixtures: providers with profiles, verification, hours,
//! approved services, and dates in the future.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{token, Resp, TestApp};

/// Cape Town city centre and points at known distances from it.
pub const CAPE_TOWN: (f64, f64) = (-33.9249, 18.4241);

impl TestApp {
    pub async fn put_auth(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn patch_auth(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete_auth(&self, path: &str, token: &str) -> Resp {
        self.send(Method::DELETE, path, Some(token), None).await
    }

    pub async fn delete_body(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::DELETE, path, Some(token), Some(body))
            .await
    }

    /// The bootstrap admin's access token.
    pub async fn admin_token(&self) -> String {
        token(&self.admin().await)
    }

    /// [`TestApp::user`] with an owned email, for concurrent use.
    pub async fn user_owned(&self, email: String, role: &str) -> Value {
        self.user(&email, role).await
    }

    /// A customer's access token.
    pub async fn customer(&self, email: &str) -> String {
        token(&self.user(email, "customer").await)
    }
}

/// A provider account: its id and access token.
#[derive(Debug, Clone)]
pub struct Provider {
    pub id: String,
    pub token: String,
}

/// A complete profile body based at `at`.
pub fn profile_body(at: (f64, f64), radius_km: f64) -> Value {
    json!({
        "bio": "Licensed plumber, 10 years in the trade.",
        "skills": ["Plumbing", "drain cleaning"],
        "experience_years": 10,
        "base_location": {"lat": at.0, "lng": at.1, "address": "1 Long St"},
        "service_radius_km": radius_km,
    })
}

/// A provider with a complete profile at `at` (not verified).
pub async fn provider_with_profile(app: &TestApp, email: &str, at: (f64, f64)) -> Provider {
    let pair = app.user(email, "provider").await;
    let provider = Provider {
        id: pair["user"]["id"].as_str().unwrap().to_owned(),
        token: token(&pair),
    };
    let res = app
        .put_auth(
            "/v1/providers/me/profile",
            &provider.token,
            profile_body(at, 50.0),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    provider
}

pub async fn verify(app: &TestApp, admin: &str, provider_id: &str) {
    let res = app
        .post_auth(
            &format!("/v1/admin/providers/{provider_id}/verify"),
            admin,
            json!({"verified": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

/// A verified provider with a complete profile at `at`.
pub async fn bookable_provider(
    app: &TestApp,
    admin: &str,
    email: &str,
    at: (f64, f64),
) -> Provider {
    let p = provider_with_profile(app, email, at).await;
    verify(app, admin, &p.id).await;
    p
}

/// Creates a service as the provider; returns its JSON.
pub async fn create_service(
    app: &TestApp,
    provider: &Provider,
    title: &str,
    amount: i64,
    minutes: i64,
) -> Value {
    let res = app
        .post_auth(
            "/v1/services",
            &provider.token,
            json!({"title": title, "description": format!("{title} done right"),
                   "price": {"amount": amount, "currency": "ZAR"}, "duration_minutes": minutes}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.json()
}

pub async fn approve(app: &TestApp, admin: &str, service_id: &str) {
    let res = app
        .post_auth(
            &format!("/v1/admin/services/{service_id}/approve"),
            admin,
            json!({"approved": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

/// Creates and approves a service; returns its id.
pub async fn approved_service(
    app: &TestApp,
    admin: &str,
    provider: &Provider,
    title: &str,
    amount: i64,
    minutes: i64,
) -> String {
    let id = create_service(app, provider, title, amount, minutes).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    approve(app, admin, &id).await;
    id
}

/// Sets the provider's hours: the same `intervals` every day of the week.
pub async fn every_day(
    app: &TestApp,
    provider: &Provider,
    tz: &str,
    slot: i64,
    buffer: i64,
    intervals: Value,
) {
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let weekly: serde_json::Map<String, Value> = days
        .iter()
        .map(|d| ((*d).to_owned(), intervals.clone()))
        .collect();
    let res = app
        .put_auth(
            "/v1/providers/me/availability",
            &provider.token,
            json!({"timezone": tz, "slot_minutes": slot, "buffer_minutes": buffer, "weekly": weekly}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

/// A UTC date a few days ahead (so every slot of it is in the future).
pub fn days_ahead(n: i64) -> NaiveDate {
    Utc::now().date_naive() + Duration::days(n)
}

/// The first `weekday` on or after `from`.
pub fn next_weekday(from: NaiveDate, weekday: Weekday) -> NaiveDate {
    let mut d = from;
    while d.weekday() != weekday {
        d += Duration::days(1);
    }
    d
}

/// The last `weekday` of a month.
pub fn last_weekday_of(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap();
    let mut d = next - Duration::days(1);
    while d.weekday() != weekday {
        d -= Duration::days(1);
    }
    d
}

/// `GET /v1/providers/{id}/slots` for the UTC day `date`; the slot strings.
pub async fn slots_on(
    app: &TestApp,
    provider_id: &str,
    service_id: Option<&str>,
    date: NaiveDate,
) -> Vec<String> {
    let mut url = format!(
        "/v1/providers/{provider_id}/slots?from={date}T00:00:00Z&to={}T00:00:00Z",
        date + Duration::days(1)
    );
    if let Some(s) = service_id {
        url.push_str(&format!("&service_id={s}"));
    }
    let res = app.get(&url).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json()["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The ids of a page's items.
pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Sets a provider's rating directly (there is no rating API yet).
pub async fn set_rating(app: &TestApp, provider_id: &str, rating: f64, count: i64) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::provider_profiles::dsl as pp;
    app.state
        .db
        .run(async |conn| {
            onsite::db_run!(conn, |c| diesel::update(
                pp::provider_profiles.find(provider_id)
            )
            .set((pp::rating.eq(rating), pp::rating_count.eq(count)))
            .execute(c)
            .await)
            .unwrap();
        })
        .await
        .unwrap()
}

/// A bookable provider at `at` who travels up to `radius_km`.
pub async fn provider_at(
    app: &TestApp,
    admin: &str,
    email: &str,
    at: (f64, f64),
    radius_km: f64,
) -> Provider {
    let p = bookable_provider(app, admin, email, at).await;
    let res = app
        .put_auth(
            "/v1/providers/me/profile",
            &p.token,
            profile_body(at, radius_km),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    p
}

/// Every page of `path` (which must not end in a cursor) with `limit`; the
/// items' ids in order, asserting each page is at most `limit` long.
pub async fn all_pages(app: &TestApp, path: &str, limit: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let res = app.get(&url).await;
        assert_eq!(res.status, StatusCode::OK, "{url}: {}", res.text);
        let page = res.json();
        let got = page["items"].as_array().unwrap();
        assert!(got.len() <= limit, "{url}");
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
    panic!("paging did not end");
}

/// A real `w` x `h` PNG (a gradient).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A real JPEG whose EXIF segment carries a GPS marker text, to prove the
/// server drops it.
pub fn jpeg_with_exif(marker: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 60]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    let jpeg = out.into_inner();
    // SOI, then an APP1 "Exif" segment, then the rest of the file.
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(marker.as_bytes());
    let len = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
    let mut with = jpeg[..2].to_vec();
    with.extend_from_slice(&[0xFF, 0xE1, len[0], len[1]]);
    with.extend_from_slice(&payload);
    with.extend_from_slice(&jpeg[2..]);
    with
}

/// Uploads `bytes` named `name` as multipart field `field` to `path`.
pub async fn upload_file(
    app: &TestApp,
    path: &str,
    token: &str,
    field: &str,
    bytes: Vec<u8>,
    name: &str,
    extra: &[(&str, &str)],
) -> crate::helpers::Resp {
    upload_file_with(
        app,
        reqwest::Method::POST,
        path,
        token,
        field,
        bytes,
        name,
        extra,
    )
    .await
}

/// [`upload_file`] with another method (e.g. `PUT`).
#[allow(clippy::too_many_arguments)]
pub async fn upload_file_with(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    field: &str,
    bytes: Vec<u8>,
    name: &str,
    extra: &[(&str, &str)],
) -> crate::helpers::Resp {
    let mut form = reqwest::multipart::Form::new().part(
        field.to_owned(),
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    for (k, v) in extra {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    let res = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::helpers::Resp {
        status: res.status(),
        headers: res.headers().clone(),
        text: res.text().await.unwrap(),
    }
}

/// A small, well-formed PDF.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

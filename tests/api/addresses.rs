//! The address book and the geocoder: search (Nominatim through its stand-in,
//! or the embedded coordinates reader), background locating, one default,
//! ownership, and bookings made from a saved address.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_with, token, TestApp};
use crate::market::market;
use crate::nominatim_standin::Nominatim;
use crate::twilio::code_in;
use crate::twilio_standin::Twilio;

async fn spawn_geo(geo: &Nominatim, more: &[(&'static str, String)]) -> TestApp {
    let mut env = geo.settings();
    env.extend(more.iter().cloned());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_with(&env).await
}

fn search_path(q: &str) -> String {
    format!(
        "/v1/geo/search?q={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    )
}

/// Waits (up to 10 s) until the address leaves `pending`; returns it.
async fn settled(app: &TestApp, access: &str, id: &str) -> Value {
    for _ in 0..200 {
        let list = app.get_auth("/v1/me/addresses", access).await.json();
        let a = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .cloned()
            .expect("the address");
        if a["geocode_status"] != "pending" {
            return a;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("address {id} stayed pending");
}

#[actix_web::test]
async fn a_customer_signs_up_by_phone_adds_a_home_address_by_search_and_books() {
    let (twilio, geo) = (Twilio::start().await, Nominatim::start().await);
    let app = spawn_geo(&geo, &twilio.settings()).await;
    let m = market(&app).await;

    // Signed up with nothing but a number and the texted code.
    let phone = "+27831234567";
    let res = app.post("/v1/auth/otp/send", json!({"phone": phone})).await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.text);
    let text = twilio.wait_for(phone, 1).await.pop().unwrap();
    let res = app
        .post(
            "/v1/auth/otp/login",
            json!({"phone": phone, "code": code_in(&text)}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let access = token(&res.json());

    // The address, found by search.
    let res = app
        .get_auth(&search_path("1 Commissioner Street, Johannesburg"), &access)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let found = res.json();
    assert_eq!(found["source"], "nominatim");
    let place = &found["items"][0];
    assert_eq!(place["street"], "1 Commissioner Street");
    assert_eq!(place["city"], "Johannesburg");
    assert_eq!(place["postal_code"], "2001");
    assert_eq!(place["country"], "ZA");
    let res = app
        .post_auth(
            "/v1/me/addresses",
            &access,
            json!({
                "street": place["street"], "city": place["city"], "region": place["region"],
                "postal_code": place["postal_code"], "country": place["country"],
                "location": {"lat": place["lat"], "lng": place["lng"]},
                "access_notes": "Gate code 4711, second floor",
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let home = res.json();
    assert_eq!(home["label"], "Home");
    assert_eq!(home["default"], true);
    assert_eq!(home["geocode_status"], "given");

    // Booked at the saved address: the booking keeps its place and notes.
    let res = app
        .post_auth(
            "/v1/bookings",
            &access,
            json!({"service_id": m.service_id, "address_id": home["id"], "job_size": "small",
                   "notes": "The tap in the kitchen"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let booking = res.json();
    assert_eq!(booking["location"]["lat"], place["lat"]);
    assert_eq!(booking["location"]["lng"], place["lng"]);
    let address = booking["location"]["address"].as_str().unwrap_or_default();
    assert!(
        address.contains("1 Commissioner Street") && address.starts_with("Home"),
        "{booking}"
    );
    let notes = booking["notes"].as_str().unwrap_or_default();
    assert!(
        notes.contains("The tap in the kitchen") && notes.contains("Gate code 4711"),
        "{notes}"
    );

    // Another customer cannot book with it; nor with both or neither place.
    let res = app
        .post_auth(
            "/v1/bookings",
            &m.customer,
            json!({"service_id": m.service_id, "address_id": home["id"], "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text);
    let res = app
        .post_auth(
            "/v1/bookings",
            &access,
            json!({"service_id": m.service_id, "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "location");
}

#[actix_web::test]
async fn addresses_saved_without_a_location_are_geocoded_in_the_background() {
    let geo = Nominatim::start().await;
    let app = spawn_geo(&geo, &[]).await;
    let m = market(&app).await;
    let access = &m.customer;

    let res = app
        .post_auth(
            "/v1/me/addresses",
            access,
            json!({"label": "Office", "street": "1 Commissioner Street", "city": "Johannesburg",
                   "postal_code": "2001", "country": "za"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let office = res.json();
    assert_eq!(office["geocode_status"], "pending");
    assert_eq!(office["location"], Value::Null);
    assert_eq!(office["country"], "ZA");
    let id = office["id"].as_str().unwrap();
    let office = settled(&app, access, id).await;
    assert_eq!(office["geocode_status"], "found", "{office}");
    assert!((office["location"]["lat"].as_f64().unwrap() + 26.2041).abs() < 1e-6);
    let asked = geo.state.lock().unwrap().seen.last().unwrap().query.clone();
    assert!(
        asked.contains("1 Commissioner Street") && asked.contains("2001 Johannesburg"),
        "{asked}"
    );

    // Moved to a street the geocoder does not know: no stale point is kept.
    let res = app
        .patch_auth(
            &format!("/v1/me/addresses/{id}"),
            access,
            json!({"street": "99 Nowhere Lane"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["location"], Value::Null);
    let moved = settled(&app, access, id).await;
    assert_eq!(moved["geocode_status"], "not_found", "{moved}");
    let res = app
        .post_auth(
            "/v1/bookings",
            access,
            json!({"service_id": m.service_id, "address_id": id, "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    assert_eq!(res.error_code(), "address_not_located");

    // Placed by hand, it books.
    let res = app
        .patch_auth(
            &format!("/v1/me/addresses/{id}"),
            access,
            json!({"location": {"lat": -26.2041, "lng": 28.0473}}),
        )
        .await;
    assert_eq!(res.json()["geocode_status"], "given");
    let res = app
        .post_auth(
            "/v1/bookings",
            access,
            json!({"service_id": m.service_id, "address_id": id, "job_size": "small"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
}

#[actix_web::test]
async fn the_address_book_keeps_one_default_checks_its_input_and_belongs_to_its_owner() {
    let app = spawn_app().await;
    let ann = token(&app.user("ann@example.com", "customer").await);
    let bob = token(&app.user("bob@example.com", "customer").await);
    let add = |label: &str, default: bool| {
        json!({"label": label, "street": "12 Long Street", "city": "Cape Town", "country": "ZA",
               "location": {"lat": -33.9205, "lng": 18.4187}, "default": default})
    };
    let first = app
        .post_auth("/v1/me/addresses", &ann, add("Home", false))
        .await
        .json();
    assert_eq!(first["default"], true, "the first is the default");
    let second = app
        .post_auth("/v1/me/addresses", &ann, add("Work", true))
        .await
        .json();
    assert_eq!(second["default"], true);
    let list = app.get_auth("/v1/me/addresses", &ann).await.json();
    let defaults: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(list["items"][0]["id"], second["id"], "the default first");

    // Bob sees none of it and can change none of it.
    let theirs = format!("/v1/me/addresses/{}", first["id"].as_str().unwrap());
    assert_eq!(
        app.get_auth("/v1/me/addresses", &bob).await.json()["items"],
        json!([])
    );
    assert_eq!(
        app.patch_auth(&theirs, &bob, json!({"label": "Mine"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete_auth(&theirs, &bob).await.status,
        StatusCode::NOT_FOUND
    );

    // Deleting the default hands it to the oldest left.
    let res = app
        .delete_auth(
            &format!("/v1/me/addresses/{}", second["id"].as_str().unwrap()),
            &ann,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let list = app.get_auth("/v1/me/addresses", &ann).await.json();
    assert_eq!(list["items"][0]["id"], first["id"]);
    assert_eq!(list["items"][0]["default"], true);

    // Bad input: a clear error naming the field, nothing stored.
    for (body, field) in [
        (
            json!({"street": "1 A St", "city": "X", "country": "South Africa"}),
            "country",
        ),
        (
            json!({"street": "  ", "city": "X", "country": "ZA"}),
            "street",
        ),
        (
            json!({"street": "1 A St", "city": "X", "country": "ZA", "access_notes": "x".repeat(501)}),
            "access_notes",
        ),
        (
            json!({"street": "1 A St", "city": "X", "country": "ZA", "location": {"lat": 95, "lng": 0}}),
            "location",
        ),
    ] {
        let res = app.post_auth("/v1/me/addresses", &ann, body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
        assert_eq!(res.json()["error"]["field"], field, "{}", res.text);
    }
    let res = app
        .patch_auth(&theirs, &ann, json!({"default": false}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get_auth("/v1/me/addresses", &ann).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Twenty at most.
    for i in 1..20 {
        let res = app
            .post_auth("/v1/me/addresses", &ann, add(&format!("A{i}"), false))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    let res = app
        .post_auth("/v1/me/addresses", &ann, add("One too many", false))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "address_book_full");
}

#[actix_web::test]
async fn the_geocoder_is_polite_caches_speaks_the_callers_language_and_reports_outages() {
    let geo = Nominatim::start().await;
    let app = spawn_geo(&geo, &[]).await;
    let ann = token(&app.user("ann@example.com", "customer").await);

    let q = search_path("12 Long Street, Cape Town");
    let a = app.get_auth(&q, &ann).await.json();
    let b = app.get_auth(&q, &ann).await.json();
    assert_eq!(a, b);
    assert_eq!(geo.calls(), 1, "the second answer came from the cache");
    assert_eq!(a["items"][0]["country"], "ZA");
    {
        let s = geo.state.lock().unwrap();
        let ua = &s.seen[0].user_agent;
        assert!(ua.starts_with("onsite/"), "{ua}");
        assert_eq!(s.seen[0].language, "en");
    }

    // In Persian when asked.
    let res = app
        .send_with(
            reqwest::Method::GET,
            &search_path("Azadi Square, Tehran"),
            Some(&ann),
            None,
            &[("accept-language", "fa-IR,fa;q=0.9")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(
        res.json()["items"][0]["display_name"],
        "میدان آزادی، تهران، استان تهران، ایران"
    );
    assert_eq!(
        geo.state.lock().unwrap().seen.last().unwrap().language,
        "fa-IR"
    );

    // Coordinates never leave the server.
    let calls = geo.calls();
    let res = app
        .get_auth(&search_path("-33.9205, 18.4187"), &ann)
        .await
        .json();
    assert_eq!(res["items"][0]["lat"], -33.9205);
    assert_eq!(geo.calls(), calls);

    // Reverse: a known point, and the sea.
    let res = app
        .get_auth("/v1/geo/reverse?lat=-33.9206&lng=18.4188", &ann)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["items"][0]["street"], "12 Long Street");
    assert_eq!(
        geo.state.lock().unwrap().seen.last().unwrap().path,
        "/reverse"
    );
    let res = app.get_auth("/v1/geo/reverse?lat=-40&lng=10", &ann).await;
    assert_eq!(res.json()["items"], json!([]));

    // Requests are spaced at the configured rate (20 a second here).
    let before = geo.calls();
    for street in ["1 Long Street", "2 Long Street", "3 Long Street"] {
        app.get_auth(&search_path(&format!("{street}, Cape Town")), &ann)
            .await;
    }
    {
        let s = geo.state.lock().unwrap();
        let times: Vec<_> = s.seen[before..].iter().map(|r| r.at).collect();
        for pair in times.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap >= std::time::Duration::from_millis(40), "{gap:?}");
        }
    }

    // The service down: a clear 503, nothing cached.
    geo.fail_next(1);
    let res = app
        .get_auth(&search_path("Commissioner Street, Johannesburg"), &ann)
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.text);
    assert_eq!(res.error_code(), "geocoder_unavailable");
    let res = app
        .get_auth(&search_path("Commissioner Street, Johannesburg"), &ann)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["items"][0]["city"], "Johannesburg");

    // Bad questions.
    for path in [
        "/v1/geo/search?q=ab",
        "/v1/geo/reverse?lat=91&lng=0",
        "/v1/geo/search?q=abc&limit=50",
    ] {
        assert_eq!(
            app.get_auth(path, &ann).await.status,
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
    assert_eq!(app.get(&q).await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn without_a_geocoder_only_coordinates_are_understood() {
    let app = spawn_app().await;
    let ann = token(&app.user("ann@example.com", "customer").await);
    let res = app
        .get_auth(&search_path("-26.2041 28.0473"), &ann)
        .await
        .json();
    assert_eq!(res["source"], "coordinates");
    assert_eq!(res["items"][0]["lat"], -26.2041);
    assert_eq!(res["items"][0]["lng"], 28.0473);
    let res = app
        .get_auth(&search_path("12 Long Street, Cape Town"), &ann)
        .await
        .json();
    assert_eq!(res["items"], json!([]));
    let res = app
        .get_auth("/v1/geo/reverse?lat=-26.2&lng=28.04", &ann)
        .await
        .json();
    assert_eq!(res["items"][0]["lat"], -26.2);

    // An address saved without a location cannot be placed here.
    let res = app
        .post_auth(
            "/v1/me/addresses",
            &ann,
            json!({"street": "12 Long Street", "city": "Cape Town", "country": "ZA"}),
        )
        .await;
    let id = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        settled(&app, &ann, &id).await["geocode_status"],
        "not_found"
    );
}

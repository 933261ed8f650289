//! A local stand-in for Nominatim's HTTP API as onsite uses it: `GET /search`
//! (`q`, `format=jsonv2`, `addressdetails=1`, `limit`, `accept-language`) and
//! `GET /reverse` (`lat`, `lon`, same options), answering Nominatim's JSON:
//! string `lat`/`lon`, `display_name` in the asked language, and the
//! `address` object (`house_number`, `road`, `city`, `state`, `postcode`,
//! `country_code`...). Reverse at a point nothing is near answers 200 with
//! `{"error": "Unable to geocode"}`, as Nominatim does. It keeps every
//! request (with its `User-Agent` and time) and [`Nominatim::fail_next`]
//! answers the next requests 503.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// A place the stand-in knows: every needle must be in the lower-cased query.
struct Known {
    needles: &'static [&'static str],
    lat: f64,
    lon: f64,
    name_en: &'static str,
    name_fa: &'static str,
    address: &'static [(&'static str, &'static str)],
}

const PLACES: &[Known] = &[
    Known {
        needles: &["commissioner", "johannesburg"],
        lat: -26.204_1,
        lon: 28.047_3,
        name_en: "1, Commissioner Street, Marshalltown, Johannesburg, Gauteng, 2001, South Africa",
        name_fa: "۱، خیابان کمیشنر، ژوهانسبورگ، گوتنگ، آفریقای جنوبی",
        address: &[
            ("house_number", "1"),
            ("road", "Commissioner Street"),
            ("suburb", "Marshalltown"),
            ("city", "Johannesburg"),
            ("state", "Gauteng"),
            ("postcode", "2001"),
            ("country", "South Africa"),
            ("country_code", "za"),
        ],
    },
    Known {
        needles: &["long street", "cape town"],
        lat: -33.920_5,
        lon: 18.418_7,
        name_en: "12, Long Street, Cape Town, Western Cape, 8001, South Africa",
        name_fa: "۱۲، خیابان لانگ، کیپ‌تاون، کیپ غربی، آفریقای جنوبی",
        address: &[
            ("house_number", "12"),
            ("road", "Long Street"),
            ("city", "Cape Town"),
            ("state", "Western Cape"),
            ("postcode", "8001"),
            ("country", "South Africa"),
            ("country_code", "za"),
        ],
    },
    Known {
        needles: &["azadi", "tehran"],
        lat: 35.699_7,
        lon: 51.338_0,
        name_en: "Azadi Square, Tehran, Tehran Province, Iran",
        name_fa: "میدان آزادی، تهران، استان تهران، ایران",
        address: &[
            ("road", "Azadi Square"),
            ("city", "Tehran"),
            ("state", "Tehran Province"),
            ("country", "Iran"),
            ("country_code", "ir"),
        ],
    },
];

pub struct Seen {
    /// `/search` or `/reverse`.
    pub path: String,
    pub query: String,
    pub user_agent: String,
    pub language: String,
    pub at: Instant,
}

#[derive(Default)]
pub struct State {
    pub seen: Vec<Seen>,
    fail_next: usize,
}

pub struct Nominatim {
    pub base: String,
    pub state: Arc<Mutex<State>>,
}

impl Nominatim {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/search", web::get().to(search))
                .route("/reverse", web::get().to(reverse))
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

    /// The variables that point onsite here (as fast as tests like).
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ONSITE_GEOCODER_URL", self.base.clone()),
            ("ONSITE_GEOCODER_RATE", "20".into()),
        ]
    }

    pub fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().fail_next = n;
    }

    /// How many requests reached it.
    pub fn calls(&self) -> usize {
        self.state.lock().unwrap().seen.len()
    }
}

fn known(q: &str) -> Vec<&'static Known> {
    let q = q.to_lowercase();
    PLACES
        .iter()
        .filter(|p| p.needles.iter().all(|n| q.contains(n)))
        .collect()
}

fn render(p: &Known, language: &str) -> Value {
    let name = if language.starts_with("fa") {
        p.name_fa
    } else {
        p.name_en
    };
    let address: serde_json::Map<String, Value> = p
        .address
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    json!({
        "place_id": 1000,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
        "osm_type": "way",
        "lat": format!("{}", p.lat),
        "lon": format!("{}", p.lon),
        "category": "place",
        "type": "house",
        "display_name": name,
        "address": address,
    })
}

/// Records the request; `Err` with the answer when it must fail.
fn admit(
    state: &web::Data<Mutex<State>>,
    req: &HttpRequest,
) -> Result<Vec<(String, String)>, Box<HttpResponse>> {
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut s = state.lock().unwrap();
    s.seen.push(Seen {
        path: req.path().to_owned(),
        query: get("q"),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        language: get("accept-language"),
        at: Instant::now(),
    });
    if s.fail_next > 0 {
        s.fail_next -= 1;
        return Err(Box::new(
            HttpResponse::ServiceUnavailable().body("<html>Service Temporarily Unavailable</html>"),
        ));
    }
    if get("format") != "jsonv2" || get("addressdetails") != "1" {
        return Err(Box::new(HttpResponse::BadRequest().json(json!({"error": {"code": 400, "message": "format=jsonv2 and addressdetails=1 expected by this stand-in"}}))));
    }
    Ok(query)
}

async fn search(state: web::Data<Mutex<State>>, req: HttpRequest) -> HttpResponse {
    let query = match admit(&state, &req) {
        Ok(q) => q,
        Err(res) => return *res,
    };
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(10);
    let language = get("accept-language").unwrap_or("en");
    let found: Vec<Value> = known(get("q").unwrap_or_default())
        .into_iter()
        .take(limit)
        .map(|p| render(p, language))
        .collect();
    HttpResponse::Ok().json(found)
}

async fn reverse(state: web::Data<Mutex<State>>, req: HttpRequest) -> HttpResponse {
    let query = match admit(&state, &req) {
        Ok(q) => q,
        Err(res) => return *res,
    };
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let (Some(lat), Some(lon)) = (
        get("lat").and_then(|v| v.parse::<f64>().ok()),
        get("lon").and_then(|v| v.parse::<f64>().ok()),
    ) else {
        return HttpResponse::BadRequest().json(
            json!({"error": {"code": 400, "message": "Parameter 'lat' and 'lon' required"}}),
        );
    };
    let language = get("accept-language").unwrap_or("en");
    // Within about 200 m.
    match PLACES
        .iter()
        .find(|p| (p.lat - lat).abs() < 0.002 && (p.lon - lon).abs() < 0.002)
    {
        Some(p) => HttpResponse::Ok().json(render(p, language)),
        None => HttpResponse::Ok().json(json!({"error": "Unable to geocode"})),
    }
}

use actix_web::{http::header, web, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/openapi.json").route(web::get().to(super::openapi::document)))
        .service(web::resource("/docs").route(web::get().to(page)));
}

/// A page that renders `/openapi.json` with Scalar's viewer, fetched from a CDN
/// by the browser at view time (nothing is downloaded at build time).
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>onsite API reference</title>
</head>
<body>
  <noscript>The reference needs JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <script id="api-reference" data-url="/openapi.json"></script>
  <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body>
</html>
"#;

/// Browsable API reference.
#[utoipa::path(get, path = "/docs", tag = "operations",
    responses((status = 200, content_type = "text/html", description = "the reference page")))]
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(PAGE)
}

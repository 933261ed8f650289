//! Service categories: kept by admins (audited), with a re-encoded image,
//! browsed by customers, used by services and discovery, and counted in the
//! admin's revenue view.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::fixtures::{png, upload_file_with};
use crate::helpers::{spawn_with, TestApp};
use crate::market::market;
use crate::reviews::completed;

fn files_under(app: &TestApp, dir: &str) -> usize {
    let root = app.data_dir.join("uploads").join(dir);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return 0;
    };
    entries
        .map(|e| std::fs::read_dir(e.unwrap().path()).unwrap().count())
        .sum()
}

async fn create(app: &TestApp, admin: &str, body: Value) -> Value {
    let res = app.post_auth("/v1/admin/categories", admin, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.json()
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> crate::helpers::Resp {
    app.send(Method::PATCH, path, Some(token), Some(body)).await
}

fn slugs(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn admins_keep_categories_with_images_and_customers_browse_by_them() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let admin = &m.admin;

    // Created in listing order; bad input and a taken slug change nothing.
    let cleaning = create(
        &app,
        admin,
        json!({"slug": "cleaning", "name": "Cleaning", "position": 2}),
    )
    .await;
    let plumbing = create(
        &app,
        admin,
        json!({"slug": "plumbing", "name": "Plumbing", "description": "Taps and pipes", "position": 1}),
    )
    .await;
    let gardens = create(
        &app,
        admin,
        json!({"slug": "gardens", "name": "Gardens", "active": false}),
    )
    .await;
    for (body, field) in [
        (json!({"slug": "Bad Slug", "name": "x"}), "slug"),
        (json!({"slug": "ok-slug", "name": ""}), "name"),
        (
            json!({"slug": "ok-slug", "name": "x", "position": -1}),
            "position",
        ),
    ] {
        let res = app.post_auth("/v1/admin/categories", admin, body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
        assert_eq!(res.json()["error"]["field"], field);
    }
    let res = app
        .post_auth(
            "/v1/admin/categories",
            admin,
            json!({"slug": "plumbing", "name": "Again"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "slug_taken");
    let res = patch(
        &app,
        &format!("/v1/admin/categories/{}", cleaning["id"].as_str().unwrap()),
        admin,
        json!({"slug": "plumbing"}),
    )
    .await;
    assert_eq!(res.error_code(), "slug_taken");

    // Customers see active ones in order; admins may ask for all.
    let public = app.get("/v1/categories").await.json();
    assert_eq!(slugs(&public), ["plumbing", "cleaning"]);
    assert_eq!(public["items"][0]["description"], "Taps and pipes");
    assert_eq!(public["items"][0]["image_url"], Value::Null);
    let all = app.get_auth("/v1/categories?all=true", admin).await.json();
    assert_eq!(slugs(&all), ["gardens", "plumbing", "cleaning"]);
    assert_eq!(
        app.get_auth("/v1/categories?all=true", &m.customer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let gardens_id = gardens["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/categories/{gardens_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let by_slug = app.get("/v1/categories/plumbing").await;
    assert_eq!(by_slug.status, StatusCode::OK);
    assert_eq!(by_slug.json()["id"], plumbing["id"]);

    // An image: re-encoded as JPEG in two sizes; a bad file is refused and
    // changes nothing; a new image replaces the old files.
    let pid = plumbing["id"].as_str().unwrap();
    let image_path = format!("/v1/admin/categories/{pid}/image");
    let put = |bytes: Vec<u8>, name: &'static str| {
        let (app, path, admin) = (&app, image_path.clone(), admin.clone());
        async move { upload_file_with(app, Method::PUT, &path, &admin, "image", bytes, name, &[]).await }
    };
    let res = put(b"not an image at all".to_vec(), "pipes.png").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.error_code(), "undecodable_image");
    let res = put(png(64, 64), "pipes.pdf").await;
    assert_eq!(res.error_code(), "mislabelled_file");
    assert_eq!(files_under(&app, "categories"), 0);
    let res = put(png(2000, 1000), "pipes.png").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let first = res.json();
    let url = first["image_url"].as_str().unwrap().to_owned();
    let thumb_url = first["thumb_url"].as_str().unwrap().to_owned();
    assert_eq!(files_under(&app, "categories"), 2);
    let img = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(img.status(), StatusCode::OK);
    assert_eq!(img.headers()["content-type"], "image/jpeg");
    assert!(img.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("public"));
    let display = image::load_from_memory(&img.bytes().await.unwrap()).unwrap();
    assert_eq!((display.width(), display.height()), (1280, 640));
    let thumb = app.client.get(app.url(&thumb_url)).send().await.unwrap();
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 160));
    let res = put(png(100, 100), "pipes2.png").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_ne!(res.json()["image_url"].as_str().unwrap(), url);
    assert_eq!(
        files_under(&app, "categories"),
        2,
        "the old image's files go"
    );
    let listed = app.get("/v1/categories").await.json();
    assert_eq!(listed["items"][0]["image_url"], res.json()["image_url"]);

    // Services take a category (by id or slug); discovery filters by it.
    let res = app
        .post_auth(
            "/v1/services",
            &m.provider,
            json!({"title": "Garden care", "price": {"amount": 30000, "currency": "ZAR"},
                   "category_id": "gardens"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "inactive category");
    assert_eq!(res.json()["error"]["field"], "category_id");
    let service = format!("/v1/services/{}", m.service_id);
    let res = patch(
        &app,
        &service,
        &m.provider,
        json!({"category_id": "plumbing"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["category_id"], pid);
    assert_eq!(
        res.json()["status"],
        "approved",
        "a move needs no new review"
    );
    let found = app.get("/v1/services?category=plumbing").await.json();
    let ids: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [m.service_id.as_str()]);
    assert_eq!(found["items"][0]["category_id"], pid);
    let other = app.get("/v1/services?category=cleaning").await.json();
    assert!(other["items"].as_array().unwrap().is_empty());
    let res = app.get("/v1/services?category=nope").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["field"], "category");

    // Revenue by category, from completed bookings.
    let done = completed(&app, &m).await;
    let price = app
        .get_auth(&format!("/v1/bookings/{done}"), &m.customer)
        .await
        .json()["price"]["total"]["amount"]
        .as_i64()
        .unwrap();
    let revenue = app
        .get_auth("/v1/admin/stats/revenue?days=1", admin)
        .await
        .json();
    assert_eq!(
        revenue["by_category"],
        json!([{"category_id": pid, "name": "Plumbing", "completed": 1, "revenue": price}])
    );

    // A category in use cannot be deleted; deactivated, it is hidden.
    let res = app
        .send(
            Method::DELETE,
            &format!("/v1/admin/categories/{pid}"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "category_in_use");
    let res = patch(
        &app,
        &format!("/v1/admin/categories/{pid}"),
        admin,
        json!({"active": false, "name": "Plumbing & drains"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(slugs(&app.get("/v1/categories").await.json()), ["cleaning"]);
    assert_eq!(
        app.get(&format!("/v1/categories/{pid}/image")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = patch(&app, &service, &m.provider, json!({"category_id": null})).await;
    assert_eq!(res.json()["category_id"], Value::Null);
    let res = app
        .send(Method::DELETE, &image_path, Some(admin), None)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["image_url"], Value::Null);
    assert_eq!(files_under(&app, "categories"), 0);
    let res = app
        .send(
            Method::DELETE,
            &format!("/v1/admin/categories/{pid}"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_auth(&format!("/v1/categories/{pid}"), admin)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Every change is in the audit log.
    let log = app
        .get_auth(&format!("/v1/admin/audit-log?target_id={pid}"), admin)
        .await
        .json();
    let mut actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "category.create",
            "category.image",
            "category.image",
            "category.update",
            "category.image",
            "category.delete"
        ]
    );
}

//! Uploads: KYC documents (private to their provider and admins, reviewed
//! by admins) and service galleries (re-encoded, at most ten).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::fixtures::{jpeg_with_exif, pdf, png, upload_file};
use crate::helpers::{spawn_with, TestApp, PASSWORD};
use crate::market::market;

async fn get_raw(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[actix_web::test]
async fn kyc_documents_are_private_checked_and_reviewed_by_admins() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let docs = "/v1/providers/me/documents";
    let up = |bytes: Vec<u8>, name: &'static str, kind: &'static str| {
        let app = &app;
        let token = m.provider.clone();
        async move { upload_file(app, docs, &token, "file", bytes, name, &[("kind", kind)]).await }
    };

    // Refused, and nothing kept.
    let res = up(pdf(), "licence.jpg", "licence").await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::BAD_REQUEST, "mislabelled_file".into())
    );
    let res = up(b"just some text".to_vec(), "licence.pdf", "licence").await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::BAD_REQUEST, "undecodable_file".into())
    );
    let mut broken = b"%PDF-1.4\n".to_vec();
    broken.extend_from_slice(&[b'x'; 4096]);
    let res = up(broken, "licence.pdf", "licence").await;
    assert_eq!(
        res.error_code(),
        "undecodable_file",
        "a PDF without its end"
    );
    let res = up(pdf(), "licence.pdf", "passport_photo").await;
    assert_eq!(
        (res.status, res.json()["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("kind"))
    );
    let mut huge = pdf();
    huge.resize(10 * 1024 * 1024 + 1, b' ');
    let res = up(huge, "licence.pdf", "licence").await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let res = upload_file(
        &app,
        docs,
        &m.customer,
        "file",
        pdf(),
        "l.pdf",
        &[("kind", "licence")],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let listed = app.get_auth(docs, &m.provider).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "{listed}");

    // A PDF is kept as sent; a photo is re-encoded, without its EXIF.
    let res = up(pdf(), "licence.pdf", "licence").await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let licence = res.json();
    assert_eq!(licence["status"], "pending");
    assert_eq!(licence["content_type"], "application/pdf");
    let res = up(
        jpeg_with_exif("GPSLongitude 18.4241"),
        "id.jpg",
        "id_document",
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id_doc = res.json();
    assert_eq!(id_doc["content_type"], "image/jpeg");

    let file = licence["file_url"].as_str().unwrap().to_owned();
    let res = get_raw(&app, &file, Some(&m.provider)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf());
    let photo = get_raw(&app, id_doc["file_url"].as_str().unwrap(), Some(&m.admin)).await;
    assert_eq!(photo.status(), StatusCode::OK);
    let photo = photo.bytes().await.unwrap();
    assert!(!String::from_utf8_lossy(&photo).contains("GPSLongitude"));
    let other =
        crate::fixtures::bookable_provider(&app, &m.admin, "q@example.com", crate::market::BASE)
            .await;
    for token in [Some(m.customer.as_str()), Some(other.token.as_str())] {
        assert_eq!(
            get_raw(&app, &file, token).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        get_raw(&app, &file, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(app.get_auth(docs, &other.token).await.json()["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // The admins' queue and decisions.
    let queue = app
        .get_auth("/v1/admin/documents?status=pending", &m.admin)
        .await
        .json();
    let ids: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            licence["id"].as_str().unwrap(),
            id_doc["id"].as_str().unwrap()
        ]
    );
    let verify = |id: &Value| format!("/v1/admin/documents/{}/verify", id["id"].as_str().unwrap());
    let res = app
        .post_auth(&verify(&licence), &m.admin, json!({"verified": false}))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app
        .post_auth(&verify(&licence), &m.admin, json!({"verified": true}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "verified");
    let res = app
        .post_auth(
            &verify(&id_doc),
            &m.admin,
            json!({"verified": false, "reason": "Too blurry to read."}),
        )
        .await;
    assert_eq!(res.json()["status"], "rejected");
    let res = app
        .post_auth(&verify(&id_doc), &m.admin, json!({"verified": true}))
        .await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::CONFLICT, "already_reviewed".into())
    );
    let mine = app.get_auth(docs, &m.provider).await.json();
    assert_eq!(mine["items"][0]["reason"], "Too blurry to read.");
    let center = app.get_auth("/v1/notifications", &m.provider).await.json();
    let reviewed = center["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "document_reviewed")
        .count();
    assert_eq!(reviewed, 2);
    assert!(app
        .get_auth("/v1/admin/documents?status=pending", &m.admin)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let log = app
        .get_auth("/v1/admin/audit-log?action=document.verify", &m.admin)
        .await
        .json();
    assert_eq!(log["items"].as_array().unwrap().len(), 2);

    // Deleting the provider's account removes the files and the rows.
    let uploads = app.data_dir.join("uploads").join("documents");
    assert_eq!(
        std::fs::read_dir(&uploads).unwrap().count(),
        1,
        "one provider's folder"
    );
    let res = app
        .send(
            reqwest::Method::DELETE,
            "/v1/privacy/account",
            Some(&m.provider),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    let left: usize = std::fs::read_dir(&uploads)
        .unwrap()
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum();
    assert_eq!(left, 0, "document files left");
    assert_eq!(
        get_raw(&app, &file, Some(&m.admin)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn a_gallery_holds_ten_reencoded_images_its_provider_manages() {
    let app = spawn_with(&[]).await;
    let m = market(&app).await;
    let gallery = format!("/v1/services/{}/images", m.service_id);
    let add = |bytes: Vec<u8>, name: &'static str| {
        let (app, gallery, token) = (&app, gallery.clone(), m.provider.clone());
        async move { upload_file(app, &gallery, &token, "image", bytes, name, &[]).await }
    };
    let res = add(jpeg_with_exif("GPSLatitude -33.9"), "front.jpg").await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let first = res.json();
    let res = get_raw(&app, first["url"].as_str().unwrap(), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let served = res.bytes().await.unwrap();
    assert!(!String::from_utf8_lossy(&served).contains("GPSLatitude"));
    let thumb = get_raw(&app, first["thumb_url"].as_str().unwrap(), None).await;
    assert_eq!(thumb.status(), StatusCode::OK);
    for i in 1..10 {
        let res = add(png(20 + i, 20), "more.png").await;
        assert_eq!(res.status, StatusCode::CREATED, "{i}: {}", res.text);
    }
    let res = add(png(30, 30), "eleventh.png").await;
    assert_eq!(
        (res.status, res.error_code()),
        (StatusCode::CONFLICT, "gallery_full".into())
    );
    let res = add(b"GIF89a....".to_vec(), "x.gif").await;
    assert_eq!(res.error_code(), "undecodable_image");
    let listed = app.get(&gallery).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 10);

    // Only its provider or an admin changes it.
    let other =
        crate::fixtures::bookable_provider(&app, &m.admin, "q@example.com", crate::market::BASE)
            .await;
    let res = upload_file(
        &app,
        &gallery,
        &other.token,
        "image",
        png(10, 10),
        "x.png",
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let one = format!("{gallery}/{}", first["id"].as_str().unwrap());
    let res = app.delete_auth(&one, &other.token).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app.delete_auth(&one, &m.provider).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get_raw(&app, &one, None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&gallery).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    let res = add(png(30, 30), "again.png").await;
    assert_eq!(res.status, StatusCode::CREATED, "a place is free again");
    assert_eq!(
        app.get("/v1/services/nope/images").await.status,
        StatusCode::NOT_FOUND
    );
}

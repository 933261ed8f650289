//! Uploads on an S3-compatible store: the same API against a real S3
//! protocol server (moto's, from PyPI; CI installs it). Runs when
//! `moto_server` is on the PATH or `ONSITE_TEST_MOTO` names it; under CI it
//! must run.

use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::{png, upload_file};
use crate::helpers::{spawn_with, PASSWORD};

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn moto_binary() -> Option<String> {
    if let Ok(path) = std::env::var("ONSITE_TEST_MOTO") {
        return Some(path);
    }
    let found = Command::new("sh")
        .args(["-c", "command -v moto_server"])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&found.stdout).trim().to_owned();
    (!path.is_empty()).then_some(path)
}

#[actix_web::test]
async fn uploads_live_in_an_s3_bucket_when_configured() {
    let Some(moto) = moto_binary() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the S3 test: install moto[server]"
        );
        eprintln!("skipped: no moto_server (pip install 'moto[server]')");
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Moto(
        Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if http
            .put(format!("{base}/onsite-test"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "moto_server answered");

    let url = format!("s3://test:test@onsite-test/uploads?endpoint={base}&region=us-east-1");
    let app = spawn_with(&[("ONSITE_BLOB_URL", url.as_str())]).await;
    let pair = app.user("ann@example.com", "customer").await;
    let token = crate::helpers::token(&pair);
    let id = pair["user"]["id"].as_str().unwrap().to_owned();
    let res = upload_file(
        &app,
        "/v1/me/avatar",
        &token,
        "avatar",
        png(400, 300),
        "me.png",
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let avatar = res.json()["avatar_url"].as_str().unwrap().to_owned();
    let res = app.client.get(app.url(&avatar)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let img = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (400, 300));

    // The objects are in the bucket (read back over the S3 protocol, with
    // the server's credentials); nothing is on local disk.
    let bucket = onsite::uploads::s3::S3BlobStore::from_url(&url).unwrap();
    let version = app
        .state
        .db
        .run(async |c| onsite::db::users::find(c, &id).await)
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .avatar
        .unwrap();
    let keys: Vec<String> = ["display", "thumb"]
        .iter()
        .map(|size| onsite::api::me::avatar::key(&id, &version, size))
        .collect();
    for key in &keys {
        let blob = onsite::uploads::BlobStore::get(&bucket, key).await.unwrap();
        assert!(blob.is_some_and(|b| !b.bytes.is_empty()), "{key}");
    }
    assert!(!app.data_dir.join("uploads").exists());

    // Erasing the account empties its part of the bucket.
    let res = app
        .send(
            reqwest::Method::DELETE,
            "/v1/privacy/account",
            Some(&token),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    for key in &keys {
        let blob = onsite::uploads::BlobStore::get(&bucket, key).await.unwrap();
        assert!(blob.is_none(), "{key} left in the bucket");
    }
}

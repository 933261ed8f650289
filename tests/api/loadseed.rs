//! `onsite seed-load`: the pairs it seeds work through the real API.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn seeded_pairs_have_working_tokens_and_confirmed_bookings() {
    let app = spawn_app().await;
    let out = app.data_dir.join("seed.json");
    let run = Command::new(env!("CARGO_BIN_EXE_onsite"))
        .env_clear()
        .env("ONSITE_DATA_DIR", &app.data_dir)
        .env("ONSITE_DATABASE_URL", &app.state.config.db.url)
        .env("ONSITE_BIND", "127.0.0.1:18080")
        .env("ONSITE_LOG", "warn")
        .args([
            "seed-load",
            "--pairs",
            "3",
            "--token-ttl-s",
            "7200",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let seed = onsite::loadseed::SeedFile::read(&out).unwrap();
    assert_eq!(seed.base_url, "http://127.0.0.1:18080");
    assert_eq!(seed.pairs.len(), 3);

    for pair in &seed.pairs {
        // Signed with the server's key (the data dir's secret), with the longer TTL.
        let claims = app.state.jwt.verify(&pair.customer_token).unwrap();
        let ttl = claims.exp - chrono::Utc::now().timestamp();
        assert!((7100..=7200).contains(&ttl), "{ttl}");

        let me = app.get_auth("/v1/auth/me", &pair.customer_token).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.json()["role"], "customer", "{}", me.text);
        let me = app.get_auth("/v1/auth/me", &pair.provider_token).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.json()["role"], "provider", "{}", me.text);

        let path = format!("/v1/bookings/{}", pair.booking_id);
        for token in [&pair.customer_token, &pair.provider_token] {
            let res = app.get_auth(&path, token).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            let b = res.json();
            assert_eq!(b["status"], "confirmed");
            assert_eq!(b["chat_active"], true);
            assert!(b["chat_token"].is_string());
            assert_eq!(b["seq"], 4);
        }
        let events = app
            .get_auth(&format!("{path}/events"), &pair.customer_token)
            .await;
        assert_eq!(events.status, StatusCode::OK, "{}", events.text);
        let events = events.json();
        let journal: Vec<(i64, String, String)> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["seq"].as_i64().unwrap(),
                    e["type"].as_str().unwrap().to_owned(),
                    e["status"]
                        .as_str()
                        .map_or_else(|| e["active"].to_string(), str::to_owned),
                )
            })
            .collect();
        let expected = [
            (1, "booking", "pending_payment"),
            (2, "booking", "requested"),
            (3, "booking", "confirmed"),
            (4, "chat_state", "true"),
        ]
        .map(|(seq, kind, what)| (seq, kind.to_owned(), what.to_owned()));
        assert_eq!(journal, expected);
        assert_eq!(events["last_seq"], 4);
    }

    // The money is in escrow like after a real capture: the books reconcile.
    let admin = crate::helpers::token(&app.admin().await);
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &admin)
        .await
        .json();
    assert_eq!(summary["balanced"], true, "{summary}");
    assert_eq!(summary["escrow_held"], 3 * 25_000, "{summary}");

    // The seeded state is the real flow's: the session takes over from it. A
    // provider's cancellation journals seq 5 and 6 and refunds in full.
    let pair = &seed.pairs[0];
    let res = app
        .post_auth(
            &format!("/v1/bookings/{}/cancel", pair.booking_id),
            &pair.provider_token,
            json!({"reason": "load test over"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["status"], "cancelled");
    assert_eq!(res.json()["seq"], 6);
    let summary = app
        .get_auth("/v1/admin/ledger/summary", &admin)
        .await
        .json();
    assert_eq!(summary["balanced"], true, "{summary}");
    assert_eq!(summary["escrow_held"], 2 * 25_000, "{summary}");
    assert_eq!(summary["refunded"], 25_000, "{summary}");
}

#[actix_web::test]
async fn seeded_accounts_share_one_password() {
    let app = spawn_app().await;
    let opts = onsite::loadseed::SeedOptions {
        pairs: 2,
        token_ttl: std::time::Duration::from_secs(60),
    };
    let seed = onsite::loadseed::seed(&app.state.config, &opts)
        .await
        .unwrap();
    assert_eq!(seed.pairs.len(), 2);
    let claims = app.state.jwt.verify(&seed.pairs[1].provider_token).unwrap();
    let me = app
        .get_auth("/v1/auth/me", &seed.pairs[1].provider_token)
        .await
        .json();
    let email = me["email"].as_str().unwrap().to_owned();
    assert_eq!(me["id"], claims.sub.as_str());
    let res = app.login(&email, onsite::loadseed::PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

//! Group commit: journal writes queued together share one transaction, and
//! each is answered with its own outcome.

use futures_util::future::join_all;
use onsite_actors::journal::{Append, Appended, ChatDraft, Entry, Journal, JournalError};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::market::market;

#[actix_web::test]
async fn a_stale_write_in_a_batch_fails_alone() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        let b = m.book(&app, "small").await;
        let id = b["id"].as_str().unwrap().to_owned();
        m.pay(&app, &id, 0).await;
        let res = m.act(&app, &m.provider, &id, "accept", json!({})).await;
        assert_eq!(res.status, StatusCode::OK);
        ids.push(id);
    }
    let journal = &app.state.journal;
    let mut appends = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let last_seq = journal.load(id).await.unwrap().last_seq;
        // The third one expects a seq the booking left behind.
        let expected_seq = if i == 2 { last_seq - 1 } else { last_seq };
        appends.push(journal.append(Append {
            booking_id: id.clone(),
            expected_seq,
            entry: Entry::Chat(ChatDraft {
                from: m.customer_id.clone(),
                text: format!("message {i}"),
                client_msg_id: format!("g{i}"),
            }),
        }));
    }
    // All queued before the writer runs: they share its next transaction.
    let outcomes = join_all(appends).await;
    for (i, (id, outcome)) in ids.iter().zip(&outcomes).enumerate() {
        let events = app
            .get_auth(&format!("/v1/bookings/{id}/events"), &m.customer)
            .await
            .json();
        let texts: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "chat")
            .map(|e| e["message"]["text"].as_str().unwrap())
            .collect();
        if i == 2 {
            assert!(
                matches!(outcome, Err(JournalError::VersionConflict)),
                "{outcome:?}"
            );
            assert!(texts.is_empty(), "{texts:?}");
        } else {
            assert!(matches!(outcome, Ok(Appended::New(_))), "{outcome:?}");
            assert_eq!(texts, [format!("message {i}")]);
        }
    }
}

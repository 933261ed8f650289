//! Group commit and batched reads: journal writes queued together share one
//! transaction, reads queued together share their queries, and each is
//! answered with its own outcome.

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

#[actix_web::test]
async fn loads_and_replays_queued_together_each_get_their_own_booking() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let b = m.book(&app, "small").await;
        let id = b["id"].as_str().unwrap().to_owned();
        // Different histories: two stay unpaid, three are accepted.
        if i >= 2 {
            m.pay(&app, &id, 0).await;
            let res = m.act(&app, &m.provider, &id, "accept", json!({})).await;
            assert_eq!(res.status, StatusCode::OK);
        }
        ids.push(id);
    }
    let journal = &app.state.journal;
    let mut asked: Vec<String> = ids.clone();
    asked.push("no-such-booking".into());
    let loads = join_all(asked.iter().map(|id| journal.load(id))).await;
    for (i, (id, loaded)) in asked.iter().zip(&loads).enumerate() {
        if i == ids.len() {
            assert!(matches!(loaded, Err(JournalError::NotFound)), "{loaded:?}");
            continue;
        }
        let record = loaded.as_ref().unwrap();
        let view = app
            .get_auth(&format!("/v1/bookings/{id}"), &m.customer)
            .await
            .json();
        assert_eq!(&record.id, id);
        assert_eq!(record.state.as_str(), view["status"].as_str().unwrap());
        assert_eq!(record.customer_id, m.customer_id);
    }
    // Several ranges, two of them of the same booking.
    let last = |i: usize| loads[i].as_ref().unwrap().last_seq;
    let ranges = [
        (ids[0].clone(), 0, last(0)),
        (ids[3].clone(), 0, last(3)),
        (ids[3].clone(), 2, last(3) - 1),
        (ids[4].clone(), last(4), last(4)),
    ];
    let replays = join_all(
        ranges
            .iter()
            .map(|(id, after, up_to)| journal.replay(id, *after, *up_to)),
    )
    .await;
    for ((id, after, up_to), replay) in ranges.iter().zip(replays) {
        let got: Vec<(String, i64)> = replay
            .unwrap()
            .into_iter()
            .map(|e| (e.booking_id, e.seq))
            .collect();
        let want: Vec<(String, i64)> = (after + 1..=*up_to).map(|s| (id.clone(), s)).collect();
        assert_eq!(got, want);
    }
}

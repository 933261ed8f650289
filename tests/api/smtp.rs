//! With `ONSITE_SMTP_URL` set, mail goes over real SMTP (here to a local sink
//! that speaks the protocol) instead of the outbox.

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{spawn_with, ADMIN_EMAIL, ADMIN_PASSWORD};

/// A minimal SMTP server that accepts every message and keeps its DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    smtp_sink_on(TcpListener::bind("127.0.0.1:0").await.unwrap())
}

fn smtp_sink_on(listener: TcpListener) -> (u16, Arc<Mutex<Vec<String>>>) {
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    actix_web::rt::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            actix_web::rt::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            write.write_all(b"354 end with .\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            store.lock().unwrap().push(data);
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

#[actix_web::test]
async fn mail_goes_over_smtp_when_configured() {
    let (port, received) = smtp_sink().await;
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_with(&[("ONSITE_SMTP_URL", &url)]).await;
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    app.settle_outbox().await;
    let mails = received.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains(&format!("To: {ADMIN_EMAIL}")),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("Your onsite admin sign-in code is:"));
    assert!(
        app.messages_to(ADMIN_EMAIL).await.is_empty(),
        "nothing in the outbox"
    );
}

#[actix_web::test]
async fn mail_waits_out_an_smtp_outage_and_goes_once_the_server_is_back() {
    // A port with nobody listening yet: the mail server is down.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_with(&[("ONSITE_SMTP_URL", &url)]).await;
    // The sign-in does not wait for (or fail on) the mail server.
    let res = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let failed: String = wait_until(|| async {
        let rows = app
            .state
            .db
            .run(async |c| onsite::db::outbox::pending(c).await)
            .await
            .unwrap()
            .unwrap();
        let tried = last_error(&app).await;
        if rows == 1 {
            tried
        } else {
            None
        }
    })
    .await;
    assert!(
        !failed.is_empty(),
        "the failed attempt is recorded with its error"
    );

    // The server comes back; the retry (5 s after the first try) delivers it.
    let (_, received) = smtp_sink_on(TcpListener::bind(("127.0.0.1", port)).await.unwrap());
    let mails = wait_until(|| async {
        let mails = received.lock().unwrap().clone();
        (!mails.is_empty()).then_some(mails)
    })
    .await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Your onsite admin sign-in code is:"));
    app.settle_outbox().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(received.lock().unwrap().len(), 1, "sent once");
}

async fn last_error(app: &crate::helpers::TestApp) -> Option<String> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use onsite::db::schema::outbox;
    app.state
        .db
        .run(async |c| {
            onsite::db_run!(c, |c| outbox::table
                .select(outbox::last_error)
                .first::<Option<String>>(c)
                .await)
        })
        .await
        .unwrap()
        .unwrap()
}

/// Polls `check` every 50 ms for up to 15 s.
async fn wait_until<T, F, Fut>(check: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("condition not met within 15 s");
}

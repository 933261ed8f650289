//! A websocket test client (tokio-tungstenite) speaking PROTOCOL.md.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::TestApp;

pub struct Ws {
    pub stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

impl TestApp {
    pub fn ws_url(&self, token: &str) -> String {
        format!("{}/ws?token={token}", self.base.replacen("http", "ws", 1))
    }

    pub async fn ws(&self, token: &str) -> Ws {
        let (stream, _) = tokio_tungstenite::connect_async(self.ws_url(token))
            .await
            .unwrap();
        Ws { stream }
    }
}

impl Ws {
    pub async fn send(&mut self, v: Value) {
        self.stream
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(Message::Text(text.to_owned().into()))
            .await
            .unwrap();
    }

    /// The next JSON frame (pings are answered by the library), within 5 s.
    pub async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("a frame within 5 s")
                .expect("the socket is open")
                .expect("a valid frame");
            match msg {
                Message::Text(t) => return serde_json::from_str(&t).unwrap(),
                Message::Close(c) => panic!("closed: {c:?}"),
                _ => continue,
            }
        }
    }

    /// Frames until one matches `pred` (returned); all of them are appended to `seen`.
    pub async fn until(&mut self, seen: &mut Vec<Value>, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let v = self.recv().await;
            seen.push(v.clone());
            if pred(&v) {
                return v;
            }
        }
    }

    pub async fn subscribe(&mut self, booking_id: &str, since_seq: Option<i64>) -> Value {
        let mut frame = json!({"type": "subscribe", "id": "sub", "booking_id": booking_id});
        if let Some(s) = since_seq {
            frame["since_seq"] = s.into();
        }
        self.send(frame).await;
        // A user-level `notification` (e.g. a chat alert raced with this
        // socket's registration) may come first: it is not about the stream.
        let mut reply = self.recv().await;
        while reply["type"] == "notification" {
            reply = self.recv().await;
        }
        assert_eq!(reply["type"], "subscribed", "{reply}");
        reply
    }

    /// Reads until the server closes; returns the close code.
    pub async fn closed(&mut self) -> u16 {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.stream.next()).await {
                Ok(Some(Ok(Message::Close(Some(frame))))) => return u16::from(frame.code),
                Ok(Some(Ok(Message::Close(None)))) => return u16::from(CloseCode::Status),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_))) | Ok(None) => return 0,
                Err(_) => panic!("not closed within 10 s"),
            }
        }
    }
}

/// A device time `secs_ago` seconds ago, with milliseconds.
pub fn now_minus(secs_ago: f64) -> String {
    let at = chrono::Utc::now() - chrono::Duration::milliseconds((secs_ago * 1000.0) as i64);
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

//! One path for every notification. A notice is *stored* in the transaction
//! of the change it announces (the in-app row, and its mail in the outbox when
//! the recipient's settings allow it), so a rolled-back change announces
//! nothing and a committed one loses nothing; it is *delivered* only after
//! that commit: a `notification` frame to every open socket of the user (the
//! dispatcher knows user -> connections, whatever they subscribed to) and a
//! wake-up for the mail worker, which never makes a request wait on SMTP.

use std::sync::{Arc, OnceLock};

use actix::Recipient;
use onsite_actors::messages::Deliver;
use onsite_actors::protocol::frames;
use serde::Serialize;
use tokio::sync::Notify;

use crate::db::{self, notifications::NotificationRow, outbox::OutboxMail, users::User, DbConn};
use crate::domain::NotificationKind;
use crate::notify::Mail;

/// Something a user should hear of.
#[derive(Debug, Clone)]
pub struct Notice {
    pub user_id: String,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub booking_id: Option<String>,
    /// What an app needs to act on it without another request.
    pub data: serde_json::Value,
    /// The mail version, sent when the recipient's settings allow it.
    pub mail: Option<Mail>,
}

impl Notice {
    /// A notice about the account (not a booking), mailed as `mail`.
    pub fn account(
        user_id: &str,
        kind: NotificationKind,
        mail: Mail,
        data: serde_json::Value,
    ) -> Self {
        Self {
            user_id: user_id.to_owned(),
            kind,
            title: mail.subject.clone(),
            body: mail.body.trim().to_owned(),
            booking_id: None,
            data,
            mail: Some(mail),
        }
    }
}

/// The `notification` object of frames and of `GET /v1/notifications`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub read: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<&NotificationRow> for NotificationView {
    fn from(n: &NotificationRow) -> Self {
        Self {
            id: n.id.clone(),
            kind: n.kind,
            title: n.title.clone(),
            body: n.body.clone(),
            booking_id: n.booking_id.clone(),
            data: serde_json::from_str(&n.data).unwrap_or_default(),
            read: n.read_at.is_some(),
            created_at: db::utc(n.created_at),
        }
    }
}

/// Whether `kind` is mailed by default (money and booking changes are; the
/// live steps of a job, which the app shows as they happen, are not).
pub const fn mailed_by_default(kind: NotificationKind) -> bool {
    use NotificationKind as K;
    !matches!(
        kind,
        K::ProviderEnRoute | K::ProviderArrived | K::JobStarted
    )
}

/// The user's choice for mail of `kind` (`settings.notifications.<kind>.mail`),
/// else the default.
pub fn mail_allowed(settings: &str, kind: NotificationKind) -> bool {
    serde_json::from_str::<serde_json::Value>(settings)
        .ok()
        .and_then(|s| s["notifications"][kind.as_str()]["mail"].as_bool())
        .unwrap_or(mailed_by_default(kind))
}

/// Stores `notices` in the caller's transaction; the rows go to [`Delivery::deliver`]
/// once it committed.
pub async fn store(
    conn: &mut DbConn,
    notices: Vec<Notice>,
) -> diesel::QueryResult<Vec<NotificationRow>> {
    store_for(conn, notices, &[]).await
}

/// [`store`], with the recipients the caller already loaded (others are read).
pub async fn store_for(
    conn: &mut DbConn,
    notices: Vec<Notice>,
    known: &[User],
) -> diesel::QueryResult<Vec<NotificationRow>> {
    let mut rows = Vec::with_capacity(notices.len());
    for notice in notices {
        let loaded;
        let user = match known.iter().find(|u| u.id == notice.user_id) {
            Some(user) => user,
            None => match db::users::find(conn, &notice.user_id).await? {
                Some(user) => {
                    loaded = user;
                    &loaded
                }
                None => continue,
            },
        };
        let row = NotificationRow {
            id: db::new_id(),
            user_id: notice.user_id,
            kind: notice.kind,
            title: notice.title,
            body: notice.body,
            booking_id: notice.booking_id,
            data: notice.data.to_string(),
            read_at: None,
            created_at: db::now(),
        };
        db::notifications::insert(conn, &row).await?;
        if let Some(mail) = notice
            .mail
            .filter(|_| user.is_active() && mail_allowed(&user.settings, row.kind))
        {
            db::outbox::insert(
                conn,
                &OutboxMail::new(&user.email, &mail.subject, &mail.body),
            )
            .await?;
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Where stored notices go after their commit. Cheap to clone; the dispatcher
/// is attached once it runs (it is built after the journal that needs this).
#[derive(Clone, Default)]
pub struct Delivery {
    dispatcher: Arc<OnceLock<Recipient<Deliver>>>,
    mail: Arc<Notify>,
}

impl Delivery {
    pub fn attach(&self, dispatcher: Recipient<Deliver>) {
        let _ = self.dispatcher.set(dispatcher);
    }

    /// Wakes the mail worker now (it also wakes on its own every few seconds).
    pub fn wake_mail(&self) {
        self.mail.notify_one();
    }

    /// Waits for [`wake_mail`](Self::wake_mail).
    pub async fn mail_woken(&self) {
        self.mail.notified().await;
    }

    /// Pushes each stored notice to its user's open sockets and wakes the mail worker.
    pub fn deliver(&self, rows: &[NotificationRow]) {
        if rows.is_empty() {
            return;
        }
        if let Some(dispatcher) = self.dispatcher.get() {
            for row in rows {
                let view = NotificationView::from(row);
                dispatcher.do_send(Deliver {
                    user_id: Some(row.user_id.clone()),
                    admins: false,
                    text: frames::notification(&view),
                });
            }
        }
        self.wake_mail();
    }
}

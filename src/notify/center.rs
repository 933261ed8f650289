//! One path for every notification. A notice is *stored* in the transaction
//! of the change it announces (the in-app row, and its mail in the outbox when
//! the recipient's settings allow it), so a rolled-back change announces
//! nothing and a committed one loses nothing; it is *delivered* only after
//! that commit: a `notification` frame to every open socket of the user (the
//! dispatcher knows user -> connections, whatever they subscribed to) and a
//! wake-up for the outbox workers (mail, and push to the devices of users with
//! no open socket), so a request never waits on SMTP or a push service.

use std::sync::{Arc, OnceLock};

use actix::Recipient;
use onsite_actors::messages::Deliver;
use onsite_actors::presence::Presence;
use onsite_actors::protocol::frames;
use serde::Serialize;
use tokio::sync::Notify;

use crate::db::{self, notifications::NotificationRow, outbox::OutboxRow, users::User, DbConn};
use crate::domain::{Channel, NotificationKind};
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

/// Whether `kind` is mailed by default: money and booking changes are; the
/// live steps of a job, which the app shows as they happen, are not; chat
/// only when push cannot reach the user (no registered device, or push of
/// that kind turned off).
pub const fn mailed_by_default(kind: NotificationKind, has_devices: bool) -> bool {
    use NotificationKind as K;
    match kind {
        K::ProviderEnRoute | K::ProviderArrived | K::JobStarted => false,
        K::ChatMessage | K::AdminMessage | K::ComplaintMessage => !has_devices,
        _ => true,
    }
}

/// The user's choice for `channel` ("mail" or "push") of `kind`
/// (`settings.notifications.<kind>.<channel>`), if they made one.
fn chosen(settings: &str, kind: NotificationKind, channel: &str) -> Option<bool> {
    serde_json::from_str::<serde_json::Value>(settings)
        .ok()
        .and_then(|s| s["notifications"][kind.as_str()][channel].as_bool())
}

/// Whether `kind` is mailed to a user with these settings.
pub fn mail_allowed(settings: &str, kind: NotificationKind, has_devices: bool) -> bool {
    chosen(settings, kind, "mail").unwrap_or(mailed_by_default(kind, has_devices))
}

/// Whether `kind` is pushed to the user's devices when they have no open
/// socket (on unless they turned it off).
pub fn push_allowed(settings: &str, kind: NotificationKind) -> bool {
    chosen(settings, kind, "push").unwrap_or(true)
}

/// Whether `kind` is texted to a user's verified phone: the moments someone
/// waits at the door for (accepted, on the way, arrived) unless turned off;
/// anything else only when turned on.
pub fn sms_allowed(settings: &str, kind: NotificationKind) -> bool {
    use NotificationKind as K;
    chosen(settings, kind, "sms").unwrap_or(matches!(
        kind,
        K::BookingAccepted | K::ProviderEnRoute | K::ProviderArrived
    ))
}

/// Where notices go: stored in the transaction of the change they announce
/// ([`store`](Self::store)), delivered after its commit
/// ([`deliver`](Self::deliver)). Cheap to clone; the dispatcher is attached
/// once it runs (it is built after the journal that needs this).
#[derive(Clone, Default)]
pub struct Delivery {
    dispatcher: Arc<OnceLock<Recipient<Deliver>>>,
    presence: Presence,
    /// One wake-up per outbox channel, indexed like `Channel::ALL`.
    wake: Arc<[Notify; 3]>,
}

impl Delivery {
    pub fn attach(&self, dispatcher: Recipient<Deliver>) {
        let _ = self.dispatcher.set(dispatcher);
    }

    /// Who has an open socket (kept by the dispatcher).
    pub fn presence(&self) -> Presence {
        self.presence.clone()
    }

    /// Wakes the worker of `channel` now (it also wakes every few seconds).
    pub fn wake(&self, channel: Channel) {
        self.wake[index(channel)].notify_one();
    }

    /// Waits for [`wake`](Self::wake) of `channel`.
    pub async fn woken(&self, channel: Channel) {
        self.wake[index(channel)].notified().await;
    }

    /// Stores `notices` in the caller's transaction; the rows go to
    /// [`deliver`](Self::deliver) once it committed.
    pub async fn store(
        &self,
        conn: &mut DbConn,
        notices: Vec<Notice>,
    ) -> diesel::QueryResult<Vec<NotificationRow>> {
        self.store_for(conn, notices, &[]).await
    }

    /// [`store`](Self::store), with the recipients the caller already loaded
    /// (others are read). Besides the in-app row: the mail when the settings
    /// allow it, and a push to each device when the user has no open socket.
    pub async fn store_for(
        &self,
        conn: &mut DbConn,
        notices: Vec<Notice>,
        known: &[User],
    ) -> diesel::QueryResult<Vec<NotificationRow>> {
        let mut rows = Vec::with_capacity(notices.len());
        for mut notice in notices {
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
            super::localize::account_notice(
                &mut notice,
                crate::i18n::Lang::of(user.language.as_deref()),
            );
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
            if !user.is_active() {
                rows.push(row);
                continue;
            }
            let devices = db::devices::of_user(conn, &user.id).await?;
            if !self.presence.is_online(&user.id) && push_allowed(&user.settings, row.kind) {
                let data = push_data(&row, &notice.data);
                for device in &devices {
                    db::outbox::insert(
                        conn,
                        &OutboxRow::push(
                            &user.id,
                            &device.id,
                            &device.token,
                            &row.title,
                            &row.body,
                            &data,
                        ),
                    )
                    .await?;
                }
            }
            // "Push works" for the mail default: a device, and push on for the kind.
            let pushable = !devices.is_empty() && push_allowed(&user.settings, row.kind);
            if let (Some(mail), Some(to)) = (
                notice
                    .mail
                    .filter(|_| mail_allowed(&user.settings, row.kind, pushable)),
                user.email.as_deref(),
            ) {
                let mut out = OutboxRow::mail(to, &mail.subject, &mail.body);
                // The completion mail is the receipt: the worker attaches the
                // recipient's copy of the invoice when it sends it.
                if let (NotificationKind::JobCompleted, Some(booking)) = (row.kind, &row.booking_id)
                {
                    out.user_id = Some(user.id.clone());
                    out.data = Some(
                        serde_json::json!({"attach": "invoice", "booking_id": booking}).to_string(),
                    );
                }
                db::outbox::insert(conn, &out).await?;
            }
            if let (Some(phone), Some(_)) = (&user.phone, user.phone_verified_at) {
                if sms_allowed(&user.settings, row.kind) {
                    let text = format!("{}: {}", row.title, row.body);
                    db::outbox::insert(conn, &OutboxRow::sms(phone, &text)).await?;
                }
            }
            rows.push(row);
        }
        Ok(rows)
    }

    /// Pushes each stored notice to its user's open sockets and wakes the
    /// mail and push workers.
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
        self.wake(Channel::Push);
        self.wake(Channel::Mail);
        self.wake(Channel::Sms);
    }
}

/// Leaves an account mail (a code, a link, a warning) in the outbox, in the
/// caller's transaction; wake the mail worker after the commit.
pub async fn queue_mail(conn: &mut DbConn, mail: &Mail) -> diesel::QueryResult<()> {
    db::outbox::insert(conn, &OutboxRow::mail(&mail.to, &mail.subject, &mail.body)).await
}

/// Leaves an SMS in the outbox, in the caller's transaction; wake the SMS
/// worker after the commit.
pub async fn queue_sms(conn: &mut DbConn, sms: &crate::notify::Sms) -> diesel::QueryResult<()> {
    db::outbox::insert(conn, &OutboxRow::sms(&sms.to, &sms.body)).await
}

fn index(channel: Channel) -> usize {
    match channel {
        Channel::Mail => 0,
        Channel::Sms => 1,
        Channel::Push => 2,
    }
}

/// The data map of a push: the notice's own data, plus what identifies it.
fn push_data(row: &NotificationRow, data: &serde_json::Value) -> serde_json::Value {
    let mut map = data.as_object().cloned().unwrap_or_default();
    map.insert("notification_id".into(), row.id.clone().into());
    map.insert("kind".into(), row.kind.as_str().into());
    if let Some(b) = &row.booking_id {
        map.insert("booking_id".into(), b.clone().into());
    }
    serde_json::Value::Object(map)
}

//! Push devices (`devices`) and the chat alert throttle (`chat_alerts`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{chat_alerts, devices};
use super::{new_id, now, DbConn};
use crate::db_run;
use crate::domain::Platform;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = devices)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Device {
    pub id: String,
    pub user_id: String,
    pub platform: Platform,
    /// The push service's registration token (FCM).
    #[serde(skip)]
    pub token: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Registers `token` for `user_id`: a new device, or the existing row of that
/// token (moved to this user when another account had registered it: a token
/// belongs to whoever signed in on the device last). Returns the device.
pub async fn register(
    conn: &mut DbConn,
    user_id: &str,
    platform: Platform,
    token: &str,
) -> QueryResult<Device> {
    let at = now();
    let previous: Option<String> = db_run!(conn, |c| devices::table
        .filter(devices::token.eq(token))
        .select(devices::user_id)
        .first(c)
        .await
        .optional())?;
    let fresh = Device {
        id: new_id(),
        user_id: user_id.to_owned(),
        platform,
        token: token.to_owned(),
        created_at: at,
        updated_at: at,
    };
    // One statement, so two registrations of one token race harmlessly.
    db_run!(conn, |c| diesel::insert_into(devices::table)
        .values(&fresh)
        .on_conflict(devices::token)
        .do_update()
        .set((
            devices::user_id.eq(user_id),
            devices::platform.eq(platform),
            devices::updated_at.eq(at),
        ))
        .execute(c)
        .await)?;
    let device: Device = db_run!(conn, |c| devices::table
        .filter(devices::token.eq(token))
        .select(Device::as_select())
        .first(c)
        .await)?;
    if previous.is_some_and(|p| p != user_id) {
        // What still waited for the account signed in before must not reach this one.
        super::outbox::drop_device(conn, &device.id).await?;
    }
    Ok(device)
}

pub async fn of_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Device>> {
    db_run!(conn, |c| devices::table
        .filter(devices::user_id.eq(user_id))
        .order(devices::created_at.asc())
        .select(Device::as_select())
        .load(c)
        .await)
}

/// Removes a device of `user_id`; false when it is not theirs (or gone).
pub async fn remove(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::delete(
        devices::table
            .filter(devices::id.eq(id))
            .filter(devices::user_id.eq(user_id))
    )
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Removes a device the push service no longer knows.
pub async fn forget(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::delete(devices::table.find(id))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Every device of a user, with their unsent push (account erasure,
/// logout-all, a password reset or change: whoever else was signed in stops
/// receiving push; the user's apps register again after signing in).
pub async fn remove_all(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    for device in of_user(conn, user_id).await? {
        super::outbox::drop_device(conn, &device.id).await?;
    }
    db_run!(conn, |c| diesel::delete(
        devices::table.filter(devices::user_id.eq(user_id))
    )
    .execute(c)
    .await)
}

/// Takes the chat alert of `(booking, user)` when none was sent since
/// `since`: true means "alert now" (and records it), false "alerted recently".
pub async fn take_chat_alert(
    conn: &mut DbConn,
    booking_id: &str,
    user_id: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    let at = now();
    let updated = db_run!(conn, |c| diesel::update(
        chat_alerts::table
            .find((booking_id, user_id))
            .filter(chat_alerts::alerted_at.lt(since))
    )
    .set(chat_alerts::alerted_at.eq(at))
    .execute(c)
    .await)?;
    if updated == 1 {
        return Ok(true);
    }
    let inserted = db_run!(conn, |c| diesel::insert_into(chat_alerts::table)
        .values((
            chat_alerts::booking_id.eq(booking_id),
            chat_alerts::user_id.eq(user_id),
            chat_alerts::alerted_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(inserted == 1)
}

/// Forgets a user's chat alerts (account erasure).
pub async fn forget_alerts(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        chat_alerts::table.filter(chat_alerts::user_id.eq(user_id))
    )
    .execute(c)
    .await)
}

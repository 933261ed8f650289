//! What account deletion erases beyond the user's own row: everything a
//! person wrote or that names them, across the tables where it ends up, so
//! that no personal data survives (checked by a test that searches every
//! text column). Financial rows stay, tied to the anonymous id. Runs inside
//! the deletion's transaction.

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;

use super::schema::{
    booking_events, bookings, challenges, chat_messages, complaint_messages, complaints,
    login_audit, notifications, outbox, reviews, users,
};
use super::DbConn;
use crate::db_run;

diesel::define_sql_function! {
    /// SQL `REPLACE(text, from, to)` (the same on SQLite and PostgreSQL).
    fn replace(x: Text, from: Text, to: Text) -> Text;
}

/// The text that stands where erased words were.
pub const ERASED: &str = "[erased]";

/// Who is being erased, and how they were written down.
pub struct Person<'a> {
    pub id: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// What their email becomes (`login_audit` keeps the attempt, not the address).
    pub placeholder: &'a str,
}

impl Person<'_> {
    /// The words to find, longest first so the full name goes before its parts.
    fn needles(&self) -> Vec<String> {
        let mut n: Vec<String> = Vec::new();
        // An account that signed up by phone may have no name yet: a blank
        // "full name" would erase every space.
        let full = format!("{} {}", self.first_name, self.last_name);
        if full.trim().chars().count() >= 3 {
            n.push(full.trim().to_owned());
        }
        n.extend(self.email.map(str::to_owned));
        n.extend(self.phone.map(str::to_owned));
        // A name part of one or two letters would erase more than the name.
        n.extend(
            [self.first_name, self.last_name]
                .into_iter()
                .filter(|p| p.chars().count() >= 3)
                .map(str::to_owned),
        );
        n
    }
}

/// Replaces every needle in `$column` of `$table` rows matching `$scope`.
macro_rules! scrub {
    ($conn:expr, $table:ident, $scope:expr, $needles:expr, [$($column:ident),+]) => {{
        for needle in $needles {
            let like = format!("%{needle}%");
            $(
                db_run!($conn, |c| diesel::update($table::table.filter($scope).filter($table::$column.like(&like)))
                    .set($table::$column.eq(replace($table::$column, needle.as_str(), ERASED)))
                    .execute(c)
                    .await)?;
            )+
        }
    }};
}

pub async fn erase(conn: &mut DbConn, p: &Person<'_>) -> QueryResult<()> {
    let id = p.id.to_owned();
    let needles = p.needles();
    // Where their payouts went (a bank or account reference).
    super::payouts::forget_destination(conn, &id).await?;
    // Their feedback's words, and what they sent through "reach us".
    super::content::erase(conn, &id, p.email).await?;
    let identifiers: Vec<String> = p
        .email
        .into_iter()
        .chain(p.phone)
        .map(str::to_owned)
        .collect();
    // Codes and links sent to them; the sign-in attempts keep no address.
    db_run!(conn, |c| diesel::delete(
        challenges::table.filter(
            challenges::user_id
                .eq(&id)
                .or(challenges::destination.eq_any(&identifiers))
        )
    )
    .execute(c)
    .await)?;
    db_run!(conn, |c| diesel::update(
        login_audit::table.filter(
            login_audit::user_id
                .eq(&id)
                .or(login_audit::identifier.eq_any(&identifiers))
        )
    )
    .set(login_audit::identifier.eq(p.placeholder))
    .execute(c)
    .await)?;

    // Their bookings: where the jobs were and what they wrote on them.
    let theirs: Vec<(String, f64, f64, String)> = db_run!(conn, |c| bookings::table
        .filter(
            bookings::customer_id
                .eq(&id)
                .or(bookings::provider_id.eq(&id))
        )
        .select((
            bookings::id,
            bookings::location_lat,
            bookings::location_lng,
            bookings::customer_id
        ))
        .load(c)
        .await)?;
    for (booking, lat, lng, customer) in &theirs {
        if *customer == id {
            // A customer's job is at their home: only the area stays.
            let (lat, lng) = ((lat * 100.0).round() / 100.0, (lng * 100.0).round() / 100.0);
            db_run!(conn, |c| diesel::update(bookings::table.find(booking))
                .set((
                    bookings::address.eq(None::<String>),
                    bookings::notes.eq(None::<String>),
                    bookings::location_lat.eq(lat),
                    bookings::location_lng.eq(lng),
                ))
                .execute(c)
                .await)?;
        }
    }
    let ids: Vec<String> = theirs.into_iter().map(|(b, ..)| b).collect();

    // What they said in chat, in the messages and in the journal that carried them.
    db_run!(conn, |c| diesel::update(
        chat_messages::table.filter(chat_messages::sender_id.eq(&id))
    )
    .set(chat_messages::body.eq(ERASED))
    .execute(c)
    .await)?;
    let events: Vec<(String, i64, String)> = db_run!(conn, |c| booking_events::table
        .filter(booking_events::booking_id.eq_any(&ids))
        .filter(booking_events::kind.eq("chat"))
        .select((
            booking_events::booking_id,
            booking_events::seq,
            booking_events::payload
        ))
        .load(c)
        .await)?;
    for (booking, seq, payload) in events {
        let Ok(mut body) = serde_json::from_str::<serde_json::Value>(&payload) else {
            continue;
        };
        if body["message"]["from"] == id.as_str() {
            body["message"]["text"] = ERASED.into();
            let payload = body.to_string();
            db_run!(conn, |c| diesel::update(
                booking_events::table.find((&booking, seq))
            )
            .set(booking_events::payload.eq(&payload))
            .execute(c)
            .await)?;
        }
    }
    // Reviews by and of them keep their rating, not their words.
    db_run!(conn, |c| diesel::update(reviews::table.filter(
        reviews::author_id.eq(&id).or(reviews::subject_id.eq(&id))
    ))
    .set(reviews::comment.eq(None::<String>))
    .execute(c)
    .await)?;
    super::complaints::erase_author(conn, &id).await?;

    // Their name where others read about them: the other parties' chat, the
    // journal, notices, mails still kept, complaint threads.
    scrub!(
        conn,
        chat_messages,
        chat_messages::booking_id.eq_any(&ids),
        &needles,
        [body]
    );
    scrub!(
        conn,
        booking_events,
        booking_events::booking_id.eq_any(&ids),
        &needles,
        [payload]
    );
    scrub!(
        conn,
        notifications,
        notifications::booking_id.eq_any(&ids),
        &needles,
        [title, body, data]
    );
    let complaint_ids: Vec<String> = db_run!(conn, |c| complaints::table
        .filter(complaints::booking_id.eq_any(&ids))
        .select(complaints::id)
        .load(c)
        .await)?;
    scrub!(
        conn,
        complaints,
        complaints::id.eq_any(&complaint_ids),
        &needles,
        [description]
    );
    scrub!(
        conn,
        complaint_messages,
        complaint_messages::complaint_id.eq_any(&complaint_ids),
        &needles,
        [body]
    );
    let counterparts: Vec<String> = db_run!(conn, |c| bookings::table
        .filter(bookings::id.eq_any(&ids))
        .select(bookings::provider_id)
        .union(
            bookings::table
                .filter(bookings::id.eq_any(&ids))
                .select(bookings::customer_id)
        )
        .load(c)
        .await)?;
    let addresses: Vec<String> = db_run!(conn, |c| users::table
        .filter(users::id.eq_any(&counterparts))
        .filter(users::email.is_not_null())
        .select(users::email.assume_not_null())
        .load(c)
        .await)?;
    scrub!(
        conn,
        outbox,
        outbox::user_id
            .eq_any(&counterparts)
            .or(outbox::to_addr.eq_any(&addresses)),
        &needles,
        [subject, body]
    );
    Ok(())
}

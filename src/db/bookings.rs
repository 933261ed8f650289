//! The `bookings` table. Rows are created by `POST /v1/bookings`; afterwards
//! only the booking's session (through the journal) changes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::bookings;
use super::DbConn;
use crate::db_run;
use crate::payments::policy::{JobSize, Price};
use onsite_actors::booking::BookingState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = bookings)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Booking {
    pub id: String,
    pub reference: String,
    pub customer_id: String,
    pub provider_id: String,
    pub service_id: String,
    pub status: BookingState,
    pub version: i64,
    pub last_seq: i64,
    pub scheduled_at: Option<NaiveDateTime>,
    pub location_lat: f64,
    pub location_lng: f64,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub job_size: JobSize,
    pub base_amount: i64,
    pub multiplier_bps: i32,
    pub total_amount: i64,
    pub tip_amount: i64,
    pub currency: String,
    pub commission_bps: i32,
    pub token_date: String,
    pub token_number: i32,
    pub duration_minutes: i32,
    #[serde(skip)]
    pub customer_chat_token: Option<String>,
    #[serde(skip)]
    pub provider_chat_token: Option<String>,
    pub payment_due_at: Option<NaiveDateTime>,
    pub respond_by: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    /// What is paid to book it, when less than the price (0: the whole price).
    pub deposit_amount: i64,
    /// When the balance after the deposit was captured.
    pub balance_paid_at: Option<NaiveDateTime>,
}

/// What a new booking is made of; everything else starts as every booking does.
pub struct NewBooking<'a> {
    pub customer_id: &'a str,
    pub provider_id: &'a str,
    pub service_id: &'a str,
    pub location: (f64, f64),
    pub address: Option<String>,
    pub notes: Option<String>,
    pub job_size: JobSize,
    pub price: Price,
    /// Of the price, what is paid to book (0: all of it).
    pub deposit: i64,
    pub currency: &'a str,
    pub commission_bps: u32,
    pub duration_minutes: i32,
    pub payment_due_at: NaiveDateTime,
}

impl Booking {
    /// A booking as it is born: `pending_payment` at version 0, its creation
    /// journaled as `seq` 1, no slot or token number yet (the insert assigns them).
    pub fn new(n: NewBooking<'_>, reference: String, now: NaiveDateTime) -> Self {
        Self {
            id: super::new_id(),
            reference,
            customer_id: n.customer_id.to_owned(),
            provider_id: n.provider_id.to_owned(),
            service_id: n.service_id.to_owned(),
            status: BookingState::INITIAL,
            version: 0,
            last_seq: 1,
            scheduled_at: None,
            location_lat: n.location.0,
            location_lng: n.location.1,
            address: n.address,
            notes: n.notes,
            job_size: n.job_size,
            base_amount: n.price.base,
            multiplier_bps: n.price.multiplier_bps,
            total_amount: n.price.total,
            tip_amount: 0,
            currency: n.currency.to_owned(),
            commission_bps: i32::try_from(n.commission_bps).unwrap_or(i32::MAX),
            token_date: String::new(),
            token_number: 0,
            duration_minutes: n.duration_minutes,
            customer_chat_token: None,
            provider_chat_token: None,
            payment_due_at: Some(n.payment_due_at),
            respond_by: None,
            cancel_reason: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
            deposit_amount: n.deposit,
            balance_paid_at: None,
        }
    }
}

impl Booking {
    pub fn is_party(&self, user_id: &str) -> bool {
        self.customer_id == user_id || self.provider_id == user_id
    }

    /// What the customer pays to book it: the deposit, or the whole price.
    pub fn booking_amount(&self) -> i64 {
        if self.deposit_amount > 0 {
            self.deposit_amount
        } else {
            self.total_amount
        }
    }

    /// The balance after a deposit while it is not paid, whatever the state.
    pub fn balance_unpaid(&self) -> i64 {
        if self.deposit_amount > 0 && self.balance_paid_at.is_none() {
            self.total_amount - self.deposit_amount
        } else {
            0
        }
    }

    /// What can still be paid of the price after the deposit: the unpaid
    /// balance of a live booking; 0 once it ended.
    pub fn balance_due(&self) -> i64 {
        if self.status.is_terminal() {
            0
        } else {
            self.balance_unpaid()
        }
    }

    /// What the customer has paid for it (tip included): nothing while it
    /// awaits payment, else the whole price, or the deposit while the
    /// balance is unpaid.
    pub fn paid_amount(&self) -> i64 {
        if self.status == BookingState::PendingPayment {
            return 0;
        }
        self.total_amount - self.balance_unpaid() + self.tip_amount
    }
}

pub async fn insert(conn: &mut DbConn, booking: &Booking) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(bookings::table)
        .values(booking)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Booking>> {
    db_run!(conn, |c| bookings::table
        .find(id)
        .select(Booking::as_select())
        .first(c)
        .await
        .optional())
}

/// Several bookings in one query (in no particular order; missing ids are
/// simply absent).
pub async fn find_many(conn: &mut DbConn, ids: &[&str]) -> QueryResult<Vec<Booking>> {
    db_run!(conn, |c| bookings::table
        .filter(bookings::id.eq_any(ids))
        .select(Booking::as_select())
        .load(c)
        .await)
}

/// The next free token number of a provider's day.
pub async fn next_token(conn: &mut DbConn, provider_id: &str, day: &str) -> QueryResult<i32> {
    let max: Option<i32> = db_run!(conn, |c| bookings::table
        .filter(bookings::provider_id.eq(provider_id))
        .filter(bookings::token_date.eq(day))
        .select(diesel::dsl::max(bookings::token_number))
        .first(c)
        .await)?;
    Ok(max.unwrap_or(0) + 1)
}

/// Who is asking for a list of bookings.
pub enum Viewer<'a> {
    Party(&'a str),
    Admin,
}

/// What to look for in a list of bookings (all optional).
#[derive(Debug, Default)]
pub struct BookingFilter {
    pub status: Option<BookingState>,
    pub provider_id: Option<String>,
    pub customer_id: Option<String>,
    /// Created at or after.
    pub from: Option<NaiveDateTime>,
    /// Created before.
    pub to: Option<NaiveDateTime>,
}

/// A page of bookings, newest first, after the `(created_at, id)` cursor.
pub async fn list(
    conn: &mut DbConn,
    viewer: Viewer<'_>,
    filter: &BookingFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Booking>> {
    // The boxed query is built inside each backend's arm (boxing fixes the backend).
    db_run!(conn, |c| {
        let mut query = bookings::table.select(Booking::as_select()).into_boxed();
        if let Viewer::Party(user) = &viewer {
            query = query.filter(
                bookings::customer_id
                    .eq(user.to_string())
                    .or(bookings::provider_id.eq(user.to_string())),
            );
        }
        if let Some(status) = filter.status {
            query = query.filter(bookings::status.eq(status));
        }
        if let Some(provider) = &filter.provider_id {
            query = query.filter(bookings::provider_id.eq(provider.clone()));
        }
        if let Some(customer) = &filter.customer_id {
            query = query.filter(bookings::customer_id.eq(customer.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(bookings::created_at.ge(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(bookings::created_at.lt(to));
        }
        if let Some((at, id)) = &after {
            query = query.filter(
                bookings::created_at.lt(*at).or(bookings::created_at
                    .eq(*at)
                    .and(bookings::id.lt(id.clone()))),
            );
        }
        query
            .order((bookings::created_at.desc(), bookings::id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

/// Bookings whose payment window or answer window has passed.
pub async fn overdue(
    conn: &mut DbConn,
    at: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(String, BookingState)>> {
    db_run!(conn, |c| bookings::table
        .filter(
            bookings::status
                .eq(BookingState::PendingPayment)
                .and(bookings::payment_due_at.lt(at))
                .or(bookings::status
                    .eq(BookingState::Requested)
                    .and(bookings::respond_by.lt(at)))
        )
        .select((bookings::id, bookings::status))
        .limit(limit)
        .load(c)
        .await)
}

/// The columns a journal commit may change.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = bookings)]
pub struct BookingUpdate {
    pub status: BookingState,
    pub version: i64,
    pub last_seq: i64,
    pub scheduled_at: Option<NaiveDateTime>,
    pub tip_amount: i64,
    pub customer_chat_token: Option<String>,
    pub provider_chat_token: Option<String>,
    pub respond_by: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub balance_paid_at: Option<NaiveDateTime>,
}

impl BookingUpdate {
    pub fn of(b: &Booking) -> Self {
        Self {
            status: b.status,
            version: b.version,
            last_seq: b.last_seq,
            scheduled_at: b.scheduled_at,
            tip_amount: b.tip_amount,
            customer_chat_token: b.customer_chat_token.clone(),
            provider_chat_token: b.provider_chat_token.clone(),
            respond_by: b.respond_by,
            cancel_reason: b.cancel_reason.clone(),
            updated_at: b.updated_at,
            completed_at: b.completed_at,
            balance_paid_at: b.balance_paid_at,
        }
    }
}

/// Writes `update` only if the row is still at `expected_version`.
pub async fn update_at_version(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    update: &BookingUpdate,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        bookings::table
            .find(id)
            .filter(bookings::version.eq(expected_version))
    )
    .set(update)
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Moves `last_seq` forward by one if it is still `expected` (appends that
/// change no state: chat, read receipts, proximity).
pub async fn bump_seq(conn: &mut DbConn, id: &str, expected: i64) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        bookings::table
            .find(id)
            .filter(bookings::last_seq.eq(expected))
    )
    .set((
        bookings::last_seq.eq(expected + 1),
        bookings::updated_at.eq(super::now())
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Every booking that takes fixes, as `(provider_id, booking_id)`: what the
/// in-memory index of live bookings starts from.
pub async fn all_live(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    db_run!(conn, |c| bookings::table
        .filter(bookings::status.eq_any(TAKE_FIXES))
        .select((bookings::provider_id, bookings::id))
        .load(c)
        .await)
}

/// The states in which a booking takes location fixes.
const TAKE_FIXES: [BookingState; 4] = [
    BookingState::Confirmed,
    BookingState::EnRoute,
    BookingState::Arrived,
    BookingState::InProgress,
];

/// Every booking reference in use (`seed-load` avoids them).
pub async fn references(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    db_run!(conn, |c| bookings::table
        .select(bookings::reference)
        .load(c)
        .await)
}

/// Holds the booking's row until the transaction ends (PostgreSQL; SQLite's
/// one connection runs transactions one at a time already): e.g. the two
/// parties' reviews, written at the same moment, see each other.
pub async fn lock(conn: &mut DbConn, booking_id: &str) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => {
            let _: Vec<String> = bookings::table
                .find(booking_id)
                .select(bookings::id)
                .for_update()
                .load(&mut **c)
                .await?;
        }
        DbConn::Sqlite(_) => {}
    }
    Ok(())
}

//! Payment intents (`payments`), stored idempotent responses
//! (`idempotency_keys`) and refunds (`refunds`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{gateway_events, idempotency_keys, payments, refunds};
use super::{now, DbConn};
use crate::db_run;
use crate::payments::policy::{PaymentPurpose, RefundRule};
use onsite_actors::payment::{self, PaymentEvent, PaymentStatus, RefundEvent, RefundStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = payments)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Payment {
    pub id: String,
    pub booking_id: String,
    pub customer_id: String,
    /// What it pays of the booking's price (all of it, the deposit or the
    /// balance) plus tip, in minor units.
    pub amount: i64,
    pub tip_amount: i64,
    pub currency: String,
    pub status: PaymentStatus,
    pub gateway: String,
    pub gateway_ref: Option<String>,
    pub failure_code: Option<String>,
    pub refunded_amount: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The whole price, a deposit or a balance.
    pub purpose: PaymentPurpose,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct IdempotentResponse {
    pub user_id: String,
    pub idem_key: String,
    pub request_hash: String,
    pub status_code: i32,
    pub response: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = refunds)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Refund {
    pub id: String,
    pub payment_id: String,
    pub booking_id: String,
    pub amount: i64,
    /// The cancellation-policy rule applied.
    pub rule: RefundRule,
    /// `pending` until the gateway confirms, then `succeeded` (or `failed`).
    pub status: RefundStatus,
    pub created_at: NaiveDateTime,
}

pub async fn insert(conn: &mut DbConn, p: &Payment) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(payments::table)
        .values(p)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Payment>> {
    db_run!(conn, |c| payments::table
        .find(id)
        .select(Payment::as_select())
        .first(c)
        .await
        .optional())
}

/// The captured payments of a booking (the whole price, or a deposit and
/// its balance), newest first, each with what its refunds not refused by the
/// gateway already took of it.
pub async fn captured_for(conn: &mut DbConn, booking_id: &str) -> QueryResult<Vec<(Payment, i64)>> {
    let paid: Vec<Payment> = db_run!(conn, |c| payments::table
        .filter(payments::booking_id.eq(booking_id))
        .filter(payments::status.eq(PaymentStatus::Succeeded))
        .order((payments::created_at.desc(), payments::id.desc()))
        .select(Payment::as_select())
        .load(c)
        .await)?;
    let taken: Vec<(String, i64)> = db_run!(conn, |c| refunds::table
        .filter(refunds::booking_id.eq(booking_id))
        .filter(refunds::status.ne(RefundStatus::Failed))
        .select((refunds::payment_id, refunds::amount))
        .load(c)
        .await)?;
    Ok(paid
        .into_iter()
        .map(|p| {
            let refunded = taken
                .iter()
                .filter(|(id, _)| *id == p.id)
                .map(|(_, amount)| amount)
                .sum();
            (p, refunded)
        })
        .collect())
}

/// Whether the balance of a booking booked with a deposit has been captured.
pub async fn balance_captured(conn: &mut DbConn, booking_id: &str) -> QueryResult<bool> {
    let n: i64 = db_run!(conn, |c| payments::table
        .filter(payments::booking_id.eq(booking_id))
        .filter(payments::purpose.eq(PaymentPurpose::Balance))
        .filter(payments::status.eq(PaymentStatus::Succeeded))
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}

/// Moves a payment that is in `from` by `event`, through the payment table
/// (`onsite_actors::payment`); false if it was not in `from` any more, or the
/// table refuses the event there. Sets the gateway reference and failure code.
pub async fn transition(
    conn: &mut DbConn,
    id: &str,
    from: PaymentStatus,
    event: PaymentEvent,
    gateway_ref: Option<&str>,
    failure_code: Option<&str>,
) -> QueryResult<bool> {
    let to = match payment::transition(from, event) {
        Ok(to) => to,
        Err(refused) => {
            tracing::debug!(payment = %id, %refused, "payment transition refused");
            return Ok(false);
        }
    };
    let n = db_run!(conn, |c| diesel::update(
        payments::table.find(id).filter(payments::status.eq(from))
    )
    .set((
        payments::status.eq(to),
        payments::gateway_ref.eq(gateway_ref),
        payments::failure_code.eq(failure_code),
        payments::updated_at.eq(now()),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Starts a charge of `p` as last read (`processing`); false if another
/// confirmation, a webhook or the sweeper moved it meanwhile.
pub async fn begin(conn: &mut DbConn, p: &Payment) -> QueryResult<bool> {
    transition(conn, &p.id, p.status, PaymentEvent::Begin, None, None).await
}

pub async fn add_refunded(conn: &mut DbConn, id: &str, amount: i64) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(payments::table.find(id))
        .set((
            payments::refunded_amount.eq(payments::refunded_amount + amount),
            payments::updated_at.eq(now()),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// A page of payments, newest first; `customer` narrows to one customer.
pub async fn list(
    conn: &mut DbConn,
    customer: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Payment>> {
    db_run!(conn, |c| {
        let mut query = payments::table.select(Payment::as_select()).into_boxed();
        if let Some(customer) = customer {
            query = query.filter(payments::customer_id.eq(customer.to_owned()));
        }
        if let Some((at, id)) = &after {
            query = query.filter(
                payments::created_at.lt(*at).or(payments::created_at
                    .eq(*at)
                    .and(payments::id.lt(id.clone()))),
            );
        }
        query
            .order((payments::created_at.desc(), payments::id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

pub async fn find_idempotent(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
) -> QueryResult<Option<IdempotentResponse>> {
    db_run!(conn, |c| idempotency_keys::table
        .find((user_id, key))
        .select(IdempotentResponse::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn store_idempotent(conn: &mut DbConn, row: &IdempotentResponse) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(idempotency_keys::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn insert_refund(conn: &mut DbConn, r: &Refund) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(refunds::table)
        .values(r)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn pending_refunds(conn: &mut DbConn, booking_id: &str) -> QueryResult<Vec<Refund>> {
    db_run!(conn, |c| refunds::table
        .filter(refunds::booking_id.eq(booking_id))
        .filter(refunds::status.eq(RefundStatus::Pending))
        .select(Refund::as_select())
        .load(c)
        .await)
}

pub async fn refunds_for(conn: &mut DbConn, booking_id: &str) -> QueryResult<Vec<Refund>> {
    db_run!(conn, |c| refunds::table
        .filter(refunds::booking_id.eq(booking_id))
        .order(refunds::created_at.asc())
        .select(Refund::as_select())
        .load(c)
        .await)
}

/// Refunds still `pending` that were created before `before`.
pub async fn stale_pending_refunds(
    conn: &mut DbConn,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Refund>> {
    db_run!(conn, |c| refunds::table
        .filter(refunds::status.eq(RefundStatus::Pending))
        .filter(refunds::created_at.lt(before))
        .order(refunds::created_at.asc())
        .limit(limit)
        .select(Refund::as_select())
        .load(c)
        .await)
}

/// Records the gateway's charge reference of a payment being captured.
pub async fn set_reference(conn: &mut DbConn, id: &str, reference: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(payments::table.find(id))
        .set((
            payments::gateway_ref.eq(Some(reference)),
            payments::updated_at.eq(now())
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// Payments stuck in `processing` since before `before` (an interrupted capture).
pub async fn stale_processing(
    conn: &mut DbConn,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Payment>> {
    db_run!(conn, |c| payments::table
        .filter(payments::status.eq(PaymentStatus::Processing))
        .filter(payments::updated_at.lt(before))
        .order(payments::updated_at.asc())
        .limit(limit)
        .select(Payment::as_select())
        .load(c)
        .await)
}

/// Marks a pending refund settled; false if another worker already did.
pub async fn settle_refund(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let from = RefundStatus::Pending;
    let Ok(to) = payment::refund_transition(from, RefundEvent::Settle) else {
        return Ok(false);
    };
    let n = db_run!(conn, |c| diesel::update(
        refunds::table.find(id).filter(refunds::status.eq(from))
    )
    .set(refunds::status.eq(to))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Whether the gateway's event `event_id` was handled before.
pub async fn event_seen(conn: &mut DbConn, gateway: &str, event_id: &str) -> QueryResult<bool> {
    let found: Option<String> = db_run!(conn, |c| gateway_events::table
        .filter(gateway_events::gateway.eq(gateway))
        .filter(gateway_events::event_id.eq(event_id))
        .select(gateway_events::event_id)
        .first(c)
        .await
        .optional())?;
    Ok(found.is_some())
}

/// Remembers a handled event (a concurrent redelivery that also handled it
/// is no error: handling is idempotent).
pub async fn remember_event(
    conn: &mut DbConn,
    gateway: &str,
    event_id: &str,
    kind: &str,
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(gateway_events::table)
        .values((
            gateway_events::gateway.eq(gateway),
            gateway_events::event_id.eq(event_id),
            gateway_events::kind.eq(kind),
            gateway_events::received_at.eq(now()),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

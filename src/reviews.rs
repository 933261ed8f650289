//! The review rules: who may review whom and when, and the double-blind
//! publication.
//!
//! After a booking is completed, its customer may review the provider and its
//! provider the customer, once each, within the review window (14 days by
//! default, `ONSITE_REVIEW_WINDOW_S`). A review stays hidden until both
//! sides have reviewed or the window closes, so neither can answer the
//! other's in kind; at publication it counts in its subject's average, in the
//! same transaction. The sweeper publishes the reviews whose window closed.

use chrono::NaiveDateTime;
use onsite_actors::booking::BookingState;

use crate::db::{self, bookings::Booking, reviews::ReviewRow, DbConn};
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};

/// A review as its author sends it (the comment already trimmed and bounded).
pub struct Draft {
    pub rating: i64,
    pub comment: Option<String>,
}

/// Stores `author`'s review of the other party of `booking`; publishes both
/// if the other party had already reviewed. Runs inside the caller's
/// transaction.
pub async fn submit(
    conn: &mut DbConn,
    booking: &Booking,
    author: Role,
    author_id: &str,
    draft: Draft,
    window: chrono::Duration,
    now: NaiveDateTime,
) -> ApiResult<ReviewRow> {
    if !(1..=5).contains(&draft.rating) {
        return Err(ApiError::validation(
            "rating",
            "must be a whole number from 1 to 5",
        ));
    }
    let comment = draft.comment.filter(|c| !c.is_empty());
    let (own_id, subject_id) = match author {
        Role::Customer => (&booking.customer_id, &booking.provider_id),
        _ => (&booking.provider_id, &booking.customer_id),
    };
    if own_id != author_id {
        return Err(ApiError::Forbidden(
            match author {
                Role::Customer => "not_the_customer",
                _ => "not_the_provider",
            },
            match author {
                Role::Customer => "only the booking's customer rates its provider".into(),
                _ => "only the booking's provider rates its customer".into(),
            },
        ));
    }
    let Some(completed_at) = booking
        .completed_at
        .filter(|_| booking.status == BookingState::Completed)
    else {
        return Err(ApiError::Conflict(
            "not_completed",
            "a booking can be reviewed once it is completed".into(),
        ));
    };
    if now >= completed_at + window {
        return Err(ApiError::Conflict(
            "review_window_closed",
            format!(
                "reviews are taken for {} days after completion",
                window.num_days().max(1)
            ),
        ));
    }
    db::bookings::lock(conn, &booking.id).await?;
    let mut row = ReviewRow {
        booking_id: booking.id.clone(),
        author_role: author,
        author_id: author_id.to_owned(),
        subject_id: subject_id.clone(),
        rating: draft.rating as i32,
        comment,
        created_at: now,
        published_at: None,
        reply: None,
        replied_at: None,
    };
    if !db::reviews::insert(conn, &row).await? {
        return Err(ApiError::Conflict(
            "already_reviewed",
            "you have already reviewed this booking".into(),
        ));
    }
    // The other side reviewed already: both are published now.
    if db::reviews::of_booking(conn, &booking.id).await?.len() == 2 {
        publish(conn, &booking.id, now).await?;
        row.published_at = Some(now);
    }
    Ok(row)
}

/// Publishes the booking's hidden reviews and counts each in its subject's
/// average (in the caller's transaction). Returns how many it published.
pub async fn publish(conn: &mut DbConn, booking_id: &str, now: NaiveDateTime) -> ApiResult<usize> {
    let published = db::reviews::publish(conn, booking_id, now).await?;
    for review in &published {
        db::reviews::count_in(conn, review).await?;
    }
    Ok(published.len())
}

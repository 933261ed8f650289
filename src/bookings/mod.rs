//! A booking is born here: the decisions of `POST /v1/bookings` that are not
//! HTTP (its reference, its slots, its first journal event), so creation goes
//! through the same helpers as the rest of its life. The price is decided in
//! `payments::policy::price`, beside the cancellation policy; after creation
//! every change goes through the booking's session.

use onsite_actors::booking::BookingState;
use onsite_actors::protocol::{BookingChanged, EventBody};
use rand::Rng;

use crate::db::{self, bookings::Booking, DbConn};
use crate::error::{ApiError, ApiResult};

const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A fresh `BK-XXXXXX` reference (unique by index; [`insert`] retries on a clash).
pub fn reference() -> String {
    let mut rng = rand::rng();
    let code: String = (0..6)
        .map(|_| char::from(REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())]))
        .collect();
    format!("BK-{code}")
}

/// Which of the provider's time the booking takes.
pub enum Slots {
    /// As soon as possible: no slot.
    OnDemand,
    /// These slot starts, checked free by the availability rules.
    Scheduled(Vec<chrono::NaiveDateTime>),
    /// The slot of the customer's live hold.
    Hold(String),
}

/// Inserts `booking` with its slots and its first journal event, in one
/// transaction; a racing booking that took the same reference or daily token
/// number makes it try again with a new reference.
pub async fn insert(conn: &mut DbConn, booking: &mut Booking, slots: &Slots) -> ApiResult<()> {
    for _ in 0..5 {
        booking.reference = reference();
        match insert_once(conn, booking, slots).await {
            Ok(()) => return Ok(()),
            Err(Insert::Retry) => continue,
            Err(Insert::Api(e)) => return Err(e),
        }
    }
    Err(ApiError::Conflict(
        "busy",
        "too many bookings at once; try again".into(),
    ))
}

enum Insert {
    Retry,
    Api(ApiError),
}

impl From<diesel::result::Error> for Insert {
    fn from(err: diesel::result::Error) -> Self {
        if db::is_unique_violation(&err) {
            Self::Retry
        } else {
            Self::Api(err.into())
        }
    }
}

impl From<ApiError> for Insert {
    fn from(err: ApiError) -> Self {
        Self::Api(err)
    }
}

/// Inserts the booking, its first journal event and its slot claims atomically.
async fn insert_once(conn: &mut DbConn, b: &mut Booking, slots: &Slots) -> Result<(), Insert> {
    let customer = b.customer_id.clone();
    let customer = customer.as_str();
    db::transaction(conn, async |c| {
        match slots {
            Slots::OnDemand => {}
            Slots::Scheduled(starts) => b.scheduled_at = starts.first().copied(),
            Slots::Hold(hold_id) => {
                let hold = db::holds::find(c, hold_id)
                    .await?
                    .filter(|h| {
                        h.is_live(db::now())
                            && h.customer_id == customer
                            && h.service_id == b.service_id
                    })
                    .ok_or(ApiError::Conflict(
                        "hold_expired",
                        "the hold does not exist, is not yours, or expired".into(),
                    ))?;
                b.scheduled_at = Some(hold.start_at);
            }
        }
        let day = b.scheduled_at.unwrap_or(b.created_at).date().to_string();
        b.token_number = db::bookings::next_token(c, &b.provider_id, &day).await?;
        b.token_date = day;
        db::bookings::insert(c, b).await?;
        match slots {
            Slots::OnDemand => {}
            Slots::Scheduled(starts) => {
                if !db::slots::claim(
                    c,
                    &b.provider_id,
                    starts,
                    db::slots::Claimant::Booking(&b.id),
                )
                .await?
                {
                    return Err(Insert::Api(ApiError::Conflict(
                        "slot_unavailable",
                        "that slot is already taken".into(),
                    )));
                }
            }
            Slots::Hold(hold_id) => {
                if db::slots::convert_hold(c, hold_id, &b.id).await? == 0 {
                    return Err(Insert::Api(ApiError::Conflict(
                        "hold_expired",
                        "the hold expired".into(),
                    )));
                }
                if !db::holds::consume(c, hold_id).await? {
                    return Err(Insert::Api(ApiError::Conflict(
                        "hold_expired",
                        "the hold expired".into(),
                    )));
                }
            }
        }
        let (first, _) = crate::journal::booking_event(
            &b.id,
            1,
            EventBody::Booking(BookingChanged::new(
                None,
                BookingState::INITIAL,
                Some(customer),
                None,
                false,
            )),
            Some(customer),
            b.created_at,
        );
        db::events::insert(c, &first).await?;
        Ok(())
    })
    .await
}

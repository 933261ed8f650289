use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use onsite_actors::booking::BookingState;
use onsite_actors::protocol::{BookingChanged, EventBody};
use rand::Rng;
use serde::Deserialize;
use utoipa::ToSchema;

use super::view::BookingView;
use crate::db::{self, bookings::Booking, DbConn};
use crate::domain::{Location, Money, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobSize {
    Small,
    Medium,
    Large,
    Custom,
}

impl JobSize {
    fn as_str(self) -> &'static str {
        match self {
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
            Self::Custom => "custom",
        }
    }

    /// Price multiplier in basis points (custom jobs are priced by `custom_price`).
    fn multiplier_bps(self) -> i32 {
        match self {
            Self::Small | Self::Custom => 10_000,
            Self::Medium => 15_000,
            Self::Large => 20_000,
        }
    }
}

/// Unknown fields (a client-side `price`, `total` or `amount`) are ignored:
/// money is always computed by the server.
#[derive(Deserialize, ToSchema)]
pub struct CreateBookingRequest {
    pub service_id: String,
    /// A free slot start (see `GET /v1/providers/{id}/slots`); omit with
    /// `hold_id` for a held slot, or both for an on-demand job (as soon as possible).
    pub scheduled_at: Option<DateTime<Utc>>,
    pub hold_id: Option<String>,
    #[schema(value_type = crate::api::views::LocationView)]
    pub location: Location,
    pub notes: Option<String>,
    pub job_size: JobSize,
    /// Required for, and only for, `job_size: custom`.
    pub custom_price: Option<Money>,
    pub estimated_duration_minutes: Option<i32>,
}

const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn reference() -> String {
    let mut rng = rand::rng();
    let code: String = (0..6)
        .map(|_| char::from(REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())]))
        .collect();
    format!("BK-{code}")
}

/// Book a service. The price is fixed now from the service and the job size;
/// the booking waits for payment (`pending_payment`).
#[utoipa::path(post, path = "/v1/bookings", tag = "bookings", security(("bearer" = [])),
    request_body = CreateBookingRequest,
    responses((status = 201, body = BookingView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "slot taken, hold expired, provider offline", body = crate::error::ErrorBody),
        (status = 422, description = "outside the provider's service area", body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<CreateBookingRequest>,
) -> ApiResult<HttpResponse> {
    if me.role() != Role::Customer {
        return Err(ApiError::Forbidden(
            "customers_only",
            "only customers can book".into(),
        ));
    }
    if req.notes.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::validation(
            "notes",
            "must be at most 2000 characters",
        ));
    }
    if req.scheduled_at.is_some() && req.hold_id.is_some() {
        return Err(ApiError::validation(
            "hold_id",
            "give scheduled_at or hold_id, not both",
        ));
    }
    state.with_db(async |conn| {
        let service = db::services::find(conn, &req.service_id)
            .await?
            .filter(db::services::Service::is_listed)
            .ok_or(ApiError::NotFound("service"))?;
        let provider_id = service.provider_id.clone().unwrap_or_default();
        let profile = crate::marketplace::ensure_bookable(conn, &provider_id).await?;
        if let (Some(lat), Some(lng)) = (profile.base_lat, profile.base_lng) {
            let km =
                crate::marketplace::geo::distance_km((lat, lng), (req.location.lat, req.location.lng));
            if km > profile.service_radius_km {
                return Err(ApiError::Unprocessable(
                    "outside_service_area",
                    format!(
                        "the job is {km:.1} km from the provider, who serves {:.1} km",
                        profile.service_radius_km
                    ),
                ));
            }
        }
        let (base, total) = match (req.job_size, &req.custom_price) {
            (JobSize::Custom, Some(price)) if price.currency == service.currency => {
                (service.price_amount, price.amount)
            }
            (JobSize::Custom, Some(_)) => {
                return Err(ApiError::validation(
                    "custom_price",
                    format!("must be in {}", service.currency),
                ))
            }
            (JobSize::Custom, None) => {
                return Err(ApiError::validation(
                    "custom_price",
                    "is required for a custom job",
                ))
            }
            (_, Some(_)) => {
                return Err(ApiError::validation(
                    "custom_price",
                    "is only for job_size custom",
                ))
            }
            (size, None) => {
                let total =
                    i128::from(service.price_amount) * i128::from(size.multiplier_bps()) / 10_000;
                (
                    service.price_amount,
                    i64::try_from(total).map_err(ApiError::internal)?,
                )
            }
        };
        let duration = match req.estimated_duration_minutes {
            Some(m) if !(15..=24 * 60).contains(&m) => {
                return Err(ApiError::validation(
                    "estimated_duration_minutes",
                    "must be between 15 and 1440",
                ))
            }
            Some(m) => m,
            None => service.duration_minutes,
        };
        let slots = match (&req.scheduled_at, &req.hold_id) {
            (Some(start), None) => Slots::Scheduled(
                crate::availability::booking_slots(conn, &profile, &service, *start).await?,
            ),
            (None, Some(hold)) => Slots::Hold(hold.clone()),
            _ => {
                if !profile.online {
                    return Err(ApiError::Conflict(
                        "provider_offline",
                        "the provider is offline; book a slot instead".into(),
                    ));
                }
                Slots::OnDemand
            }
        };
        let now = db::now();
        let mut booking = Booking {
            id: db::new_id(),
            reference: reference(),
            customer_id: me.id().to_owned(),
            provider_id: provider_id.clone(),
            service_id: service.id.clone(),
            status: BookingState::INITIAL,
            version: 0,
            last_seq: 1,
            scheduled_at: None,
            location_lat: req.location.lat,
            location_lng: req.location.lng,
            address: req.location.address.clone(),
            notes: req.notes.clone(),
            job_size: req.job_size.as_str().to_owned(),
            base_amount: base,
            multiplier_bps: req.job_size.multiplier_bps(),
            total_amount: total,
            tip_amount: 0,
            currency: service.currency.clone(),
            commission_bps: i32::try_from(state.config.commission_bps).unwrap_or(1500),
            token_date: String::new(),
            token_number: 0,
            duration_minutes: duration,
            customer_chat_token: None,
            provider_chat_token: None,
            payment_due_at: Some(
                now + chrono::Duration::seconds(
                    i64::try_from(state.config.payment_window.as_secs()).unwrap_or(900),
                ),
            ),
            respond_by: None,
            cancel_reason: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
        };
        // A racing booking may take the same reference or token number: try again.
        for attempt in 0..5 {
            booking.reference = reference();
            match insert(conn, &mut booking, &slots, me.id()).await {
                Ok(()) => {
                    tracing::info!(booking = %booking.id, reference = %booking.reference, "booking created");
                    return Ok(HttpResponse::Created().json(BookingView::new(&booking, me.id())));
                }
                Err(Insert::Retry) if attempt < 4 => continue,
                Err(Insert::Retry) => break,
                Err(Insert::Api(e)) => return Err(e),
            }
        }
        Err(ApiError::Conflict(
            "busy",
            "too many bookings at once; try again".into(),
        ))
    })
    .await
}

enum Slots {
    OnDemand,
    Scheduled(Vec<chrono::NaiveDateTime>),
    Hold(String),
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
async fn insert(
    conn: &mut DbConn,
    b: &mut Booking,
    slots: &Slots,
    customer: &str,
) -> Result<(), Insert> {
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

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::view::BookingView;
use crate::bookings::{self, Slots};
use crate::db::{self, bookings::Booking, bookings::NewBooking};
use crate::domain::{Location, Money, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::payments::policy::{self, JobSize, PriceError};
use crate::state::AppState;

/// Unknown fields (a client-side `price`, `total` or `amount`) are ignored:
/// money is always computed by the server.
#[derive(Deserialize, ToSchema)]
pub struct CreateBookingRequest {
    pub service_id: String,
    /// A free slot start (see `GET /v1/providers/{id}/slots`); omit with
    /// `hold_id` for a held slot, or both for an on-demand job (as soon as possible).
    pub scheduled_at: Option<DateTime<Utc>>,
    pub hold_id: Option<String>,
    /// Where the job is: give this or `address_id`.
    #[schema(value_type = Option<crate::api::views::LocationView>)]
    pub location: Option<Location>,
    /// One of the customer's saved addresses (`/v1/me/addresses`), instead
    /// of `location`: the booking keeps a copy of its place, its one-line
    /// address and its access notes.
    pub address_id: Option<String>,
    /// The booking link the customer came by (`GET /v1/p/{slug}`): the
    /// booking counts as a conversion of the provider's current link.
    pub link: Option<String>,
    pub notes: Option<String>,
    pub job_size: JobSize,
    /// Required for, and only for, `job_size: custom`.
    pub custom_price: Option<Money>,
    pub estimated_duration_minutes: Option<i32>,
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
    state
        .limits
        .check(crate::edge::limits::Bucket::Bookings, me.id())?;
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
    let (location, address, notes) = match (&req.location, &req.address_id) {
        (Some(l), None) => ((l.lat, l.lng), l.address.clone(), req.notes.clone()),
        (None, Some(id)) => saved_address(&state, me.id(), id, req.notes.as_deref()).await?,
        _ => {
            return Err(ApiError::validation(
                "location",
                "give location or address_id (one of them)",
            ))
        }
    };
    state.with_db(async |conn| {
        let service = db::services::find(conn, &req.service_id)
            .await?
            .filter(db::services::Service::is_listed)
            .ok_or(ApiError::NotFound("service"))?;
        let provider_id = service.provider_id.clone().unwrap_or_default();
        let profile = crate::marketplace::ensure_bookable(conn, &provider_id).await?;
        if let (Some(lat), Some(lng)) = (profile.base_lat, profile.base_lng) {
            let km =
                crate::marketplace::geo::distance_km((lat, lng), location);
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
        let price = policy::price(
            req.job_size,
            service.price_amount,
            &service.currency,
            req.custom_price.as_ref().map(|p| (p.amount, p.currency.as_str())),
        )
        .map_err(|e| match e {
            PriceError::TooLarge => ApiError::internal(e),
            _ => ApiError::validation("custom_price", e.to_string()),
        })?;
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
        let mut booking = Booking::new(
            NewBooking {
                customer_id: me.id(),
                provider_id: &provider_id,
                service_id: &service.id,
                location,
                address: address.clone(),
                notes: notes.clone(),
                job_size: req.job_size,
                price,
                deposit: policy::deposit(service.deposit(), price.total),
                currency: &service.currency,
                commission_bps: state.config.money.commission_bps,
                duration_minutes: duration,
                payment_due_at: now + state.config.money.payment_window,
            },
            bookings::reference(),
            now,
        );
        bookings::insert(conn, &mut booking, &slots).await?;
        if let Some(slug) = req.link.as_deref().filter(|l| l.len() <= 64) {
            // A replaced or another provider's link counts for nothing.
            db::links::count_conversion(conn, &provider_id, slug).await?;
        }
        tracing::info!(booking = %booking.id, reference = %booking.reference, "booking created");
        Ok(HttpResponse::Created().json(BookingView::new(&booking, me.id())))
    })
    .await
}

/// A saved address as a booking's place: its point, its one line, and its
/// access notes after the customer's notes.
async fn saved_address(
    state: &AppState,
    customer: &str,
    id: &str,
    notes: Option<&str>,
) -> ApiResult<((f64, f64), Option<String>, Option<String>)> {
    let a = state
        .with_db(async |conn| Ok(db::addresses::find(conn, customer, id).await?))
        .await?
        .ok_or(ApiError::NotFound("address"))?;
    let Some(point) = a.location() else {
        return Err(ApiError::Conflict(
            "address_not_located",
            "this address has no location yet: wait for the geocoder, or give it one with PATCH /v1/me/addresses/{id}".into(),
        ));
    };
    let notes = match (
        notes.map(str::trim).filter(|n| !n.is_empty()),
        &a.access_notes,
    ) {
        (Some(n), Some(access)) => Some(format!("{n}\n\nAccess: {access}")),
        (None, Some(access)) => Some(format!("Access: {access}")),
        (n, None) => n.map(str::to_owned),
    };
    Ok((point, Some(format!("{}: {}", a.label, a.one_line())), notes))
}

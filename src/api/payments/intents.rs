use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::view::PaymentView;
use crate::auth::secrets;
use crate::db::{
    self,
    payments::{IdempotentResponse, Payment},
    DbConn,
};
use crate::domain::Money;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, AuthUser};
use crate::payments::policy::PaymentPurpose;
use crate::state::AppState;
use onsite_actors::booking::BookingState;
use onsite_actors::payment::PaymentStatus;

/// Unknown fields (a client-side `price`, `total` or `amount`) are ignored:
/// money is always computed by the server.
#[derive(Deserialize, ToSchema)]
pub struct IntentRequest {
    pub booking_id: String,
    /// Optional tip, all of it for the provider, in the booking's currency.
    pub tip: Option<Money>,
}

/// Create a payment intent for my booking. Requires an `Idempotency-Key`
/// header: a repeat with the same key and body replays the first answer; the
/// same key with a different body is 422. The amount is computed by the
/// server (plus tip), never taken from the client: for a booking awaiting
/// payment, its price, or its deposit when the service asks one; for a
/// booking paid by deposit (requested .. in_progress), the balance.
#[utoipa::path(post, path = "/v1/payments/intents", tag = "payments", security(("bearer" = [])),
    request_body = IntentRequest,
    params(("Idempotency-Key" = String, Header, description = "client-chosen key, 1-255 characters")),
    responses((status = 201, body = PaymentView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`booking_not_payable` (nothing is owed in its state) or `balance_paid`", body = crate::error::ErrorBody),
        (status = 422, description = "idempotency key reused with other parameters", body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "idempotency_key_required",
                "send an Idempotency-Key header (1-255 characters)".into(),
            )
        })?
        .to_owned();
    let intent: IntentRequest = parse_json(&body)?;
    // The canonical form of the parameters, so key reuse is detected by meaning.
    let fingerprint = secrets::sha256_hex(&format!(
        "{}|{:?}",
        intent.booking_id,
        intent.tip.as_ref().map(|t| (t.amount, t.currency.clone()))
    ));
    state
        .with_db(async |conn| {
            if let Some(stored) = db::payments::find_idempotent(conn, me.id(), &key).await? {
                return replay(&stored, &fingerprint);
            }
            // The intent and its stored answer are one transaction: a concurrent
            // request with the same key leaves no orphan intent behind.
            let created = db::transaction(conn, async |c| -> Result<IdempotentResponse, Stored> {
                let view = create_intent(c, &me, &intent).await?;
                let row = IdempotentResponse {
                    user_id: me.id().to_owned(),
                    idem_key: key.clone(),
                    request_hash: fingerprint.clone(),
                    status_code: i32::from(StatusCode::CREATED.as_u16()),
                    response: serde_json::to_string(&view).map_err(ApiError::internal)?,
                    created_at: db::now(),
                };
                db::payments::store_idempotent(c, &row).await?;
                Ok(row)
            })
            .await;
            match created {
                Ok(row) => Ok(HttpResponse::Created()
                    .content_type("application/json")
                    .body(row.response)),
                // Validation and state errors are not stored: the client may fix and retry.
                Err(Stored::Api(e)) => Err(e),
                Err(Stored::KeyTaken) => {
                    match db::payments::find_idempotent(conn, me.id(), &key).await? {
                        Some(stored) => replay(&stored, &fingerprint),
                        None => Err(ApiError::Conflict("busy", "try again".into())),
                    }
                }
            }
        })
        .await
}

/// Why storing an intent failed: the key was taken by a concurrent request, or anything else.
enum Stored {
    KeyTaken,
    Api(ApiError),
}

impl From<diesel::result::Error> for Stored {
    fn from(err: diesel::result::Error) -> Self {
        if db::is_unique_violation(&err) {
            Self::KeyTaken
        } else {
            Self::Api(err.into())
        }
    }
}

impl From<ApiError> for Stored {
    fn from(err: ApiError) -> Self {
        Self::Api(err)
    }
}

fn replay(stored: &IdempotentResponse, fingerprint: &str) -> ApiResult<HttpResponse> {
    if stored.request_hash != fingerprint {
        return Err(ApiError::Unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was used with different parameters".into(),
        ));
    }
    let status = StatusCode::from_u16(u16::try_from(stored.status_code).unwrap_or(200))
        .unwrap_or(StatusCode::OK);
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .insert_header(("idempotent-replayed", "true"))
        .body(stored.response.clone()))
}

async fn create_intent(
    conn: &mut DbConn,
    me: &AuthUser,
    intent: &IntentRequest,
) -> ApiResult<PaymentView> {
    let booking = db::bookings::find(conn, &intent.booking_id)
        .await?
        .filter(|b| b.customer_id == me.id())
        .ok_or(ApiError::NotFound("booking"))?;
    // Booking pays its deposit (or the whole price); a booked one its balance.
    let (purpose, due) = if booking.status == BookingState::PendingPayment {
        let purpose = if booking.deposit_amount > 0 {
            PaymentPurpose::Deposit
        } else {
            PaymentPurpose::Full
        };
        (purpose, booking.booking_amount())
    } else if booking.status.holds_escrow() && booking.balance_due() > 0 {
        (PaymentPurpose::Balance, booking.balance_due())
    } else if booking.status.holds_escrow() && booking.deposit_amount > 0 {
        return Err(ApiError::Conflict(
            "balance_paid",
            "the balance of this booking is already paid".into(),
        ));
    } else {
        return Err(ApiError::Conflict(
            "booking_not_payable",
            format!("the booking is {}, not awaiting payment", booking.status),
        ));
    };
    let tip = match &intent.tip {
        Some(t) if t.currency != booking.currency => {
            return Err(ApiError::validation(
                "tip",
                format!("must be in {}", booking.currency),
            ))
        }
        Some(t) if t.amount > booking.total_amount => {
            return Err(ApiError::validation(
                "tip",
                "cannot exceed the booking's price",
            ))
        }
        Some(t) => t.amount,
        None => 0,
    };
    let now = db::now();
    let payment = Payment {
        id: db::new_id(),
        booking_id: booking.id.clone(),
        customer_id: me.id().to_owned(),
        amount: due + tip,
        tip_amount: tip,
        currency: booking.currency.clone(),
        status: PaymentStatus::RequiresConfirmation,
        gateway: "sim".into(),
        gateway_ref: None,
        failure_code: None,
        refunded_amount: 0,
        created_at: now,
        updated_at: now,
        purpose,
    };
    db::payments::insert(conn, &payment).await?;
    Ok(PaymentView::from(&payment))
}

//! `GET /v1/admin/export/{bookings,users,payments,ledger}.csv`: the admins'
//! exports, streamed. Rows are read in keyset pages of [`PAGE`] and each page
//! is written out before the next is read, so memory stays flat whatever the
//! size. RFC 4180 quoting by the `csv` crate; a text cell that a spreadsheet
//! would run as a formula is neutralised. Every export is audited.

use actix_web::{http::header, web, HttpResponse};
use chrono::NaiveDateTime;
use futures_util::stream;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::{self, export::Key, export::Range};
use crate::domain::ClientInfo;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// Rows read per round trip to the database.
pub const PAGE: i64 = 500;

#[derive(Deserialize, IntoParams)]
pub struct ExportRange {
    /// First day, `YYYY-MM-DD` (UTC), inclusive: rows created on or after it.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    pub to: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum Export {
    Bookings,
    Users,
    Payments,
    Ledger,
}

impl Export {
    const fn name(self) -> &'static str {
        match self {
            Self::Bookings => "bookings",
            Self::Users => "users",
            Self::Payments => "payments",
            Self::Ledger => "ledger",
        }
    }

    const fn header(self) -> &'static [&'static str] {
        match self {
            Self::Bookings => &[
                "id",
                "reference",
                "status",
                "customer_id",
                "provider_id",
                "service_id",
                "job_size",
                "total_amount",
                "tip_amount",
                "currency",
                "commission_bps",
                "scheduled_at",
                "duration_minutes",
                "address",
                "notes",
                "cancel_reason",
                "created_at",
                "completed_at",
            ],
            Self::Users => &[
                "id",
                "role",
                "status",
                "email",
                "phone",
                "first_name",
                "last_name",
                "email_verified_at",
                "phone_verified_at",
                "created_at",
            ],
            Self::Payments => &[
                "id",
                "booking_id",
                "customer_id",
                "amount",
                "tip_amount",
                "refunded_amount",
                "currency",
                "status",
                "gateway",
                "gateway_ref",
                "failure_code",
                "created_at",
                "updated_at",
            ],
            Self::Ledger => &[
                "entry_id",
                "transaction_id",
                "kind",
                "booking_id",
                "payment_id",
                "account",
                "amount",
                "currency",
                "memo",
                "created_at",
            ],
        }
    }

    /// One page of rows as cells, and the key of its last row.
    async fn page(
        self,
        c: &mut db::DbConn,
        range: Range,
        after: Option<&Key>,
    ) -> diesel::QueryResult<(Vec<Vec<String>>, Option<Key>)> {
        fn key<T>(rows: &[T], f: impl Fn(&T) -> Key) -> Option<Key> {
            rows.last().map(f)
        }
        Ok(match self {
            Self::Bookings => {
                let rows = db::export::bookings(c, range, after, PAGE).await?;
                let last = key(&rows, |b| (b.created_at, b.id.clone()));
                let cells = rows
                    .into_iter()
                    .map(|b| {
                        vec![
                            b.id,
                            b.reference,
                            b.status.to_string(),
                            b.customer_id,
                            b.provider_id,
                            b.service_id,
                            b.job_size.to_string(),
                            b.total_amount.to_string(),
                            b.tip_amount.to_string(),
                            b.currency,
                            b.commission_bps.to_string(),
                            time(b.scheduled_at),
                            b.duration_minutes.to_string(),
                            b.address.unwrap_or_default(),
                            b.notes.unwrap_or_default(),
                            b.cancel_reason.unwrap_or_default(),
                            time(Some(b.created_at)),
                            time(b.completed_at),
                        ]
                    })
                    .collect();
                (cells, last)
            }
            Self::Users => {
                let rows = db::export::users(c, range, after, PAGE).await?;
                let last = key(&rows, |u| (u.created_at, u.id.clone()));
                let cells = rows
                    .into_iter()
                    .map(|u| {
                        vec![
                            u.id,
                            u.role.to_string(),
                            u.status.to_string(),
                            u.email.unwrap_or_default(),
                            u.phone.unwrap_or_default(),
                            u.first_name,
                            u.last_name,
                            time(u.email_verified_at),
                            time(u.phone_verified_at),
                            time(Some(u.created_at)),
                        ]
                    })
                    .collect();
                (cells, last)
            }
            Self::Payments => {
                let rows = db::export::payments(c, range, after, PAGE).await?;
                let last = key(&rows, |p| (p.created_at, p.id.clone()));
                let cells = rows
                    .into_iter()
                    .map(|p| {
                        vec![
                            p.id,
                            p.booking_id,
                            p.customer_id,
                            p.amount.to_string(),
                            p.tip_amount.to_string(),
                            p.refunded_amount.to_string(),
                            p.currency,
                            p.status.to_string(),
                            p.gateway,
                            p.gateway_ref.unwrap_or_default(),
                            p.failure_code.unwrap_or_default(),
                            time(Some(p.created_at)),
                            time(Some(p.updated_at)),
                        ]
                    })
                    .collect();
                (cells, last)
            }
            Self::Ledger => {
                let rows = db::export::ledger(c, range, after, PAGE).await?;
                let last = key(&rows, |(e, _)| (e.created_at, e.id.clone()));
                let cells = rows
                    .into_iter()
                    .map(|(e, t)| {
                        vec![
                            e.id,
                            e.transaction_id,
                            t.kind.to_string(),
                            t.booking_id.unwrap_or_default(),
                            t.payment_id.unwrap_or_default(),
                            e.account,
                            e.amount.to_string(),
                            e.currency,
                            t.memo,
                            time(Some(e.created_at)),
                        ]
                    })
                    .collect();
                (cells, last)
            }
        })
    }
}

fn time(at: Option<NaiveDateTime>) -> String {
    at.map(|t| db::utc(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A cell a spreadsheet would evaluate (`=`, `+`, `-`, `@`, or a leading
/// tab or carriage return) gets a leading `'` so it shows as text; plain
/// numbers such as a negative amount stay numbers.
pub fn neutralise(cell: String) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell
    }
}

fn encode(rows: Vec<Vec<String>>) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 200));
    for row in rows {
        out.write_record(row.into_iter().map(neutralise))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// Where the stream is between pages.
struct Progress {
    state: web::Data<AppState>,
    export: Export,
    range: Range,
    after: Option<Key>,
    header: bool,
    done: bool,
}

async fn export(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    query: ExportRange,
    export: Export,
) -> ApiResult<HttpResponse> {
    me.require_admin()?;
    let (from, to) = crate::api::dates::day_range(query.from.as_deref(), query.to.as_deref())?;
    let range = Range { from, to };
    let file = format!("{}.csv", export.name());
    state
        .in_transaction(async |c| {
            super::audit::record(
                c,
                &me,
                &client,
                super::audit::Entry {
                    action: "export.csv",
                    target_type: "export",
                    target_id: &file,
                    before: None,
                    after: Some(serde_json::json!({"from": query.from, "to": query.to})),
                    reason: None,
                },
            )
            .await
        })
        .await?;
    tracing::info!(admin = %me.id(), file = %file, "export started");
    let start = Progress {
        state: state.clone(),
        export,
        range,
        after: None,
        header: true,
        done: false,
    };
    let body = stream::unfold(start, |mut p| async move {
        if p.done {
            return None;
        }
        let export = p.export;
        let range = p.range;
        let after = p.after.take();
        let page = p
            .state
            .with_db(async |c| Ok(export.page(c, range, after.as_ref()).await?))
            .await;
        let (mut rows, last) = match page {
            Ok(page) => page,
            Err(e) => {
                // The client sees a cut transfer, never a half file called whole.
                tracing::error!(file = export.name(), error = %e, "export failed");
                p.done = true;
                return Some((Err(std::io::Error::other("export failed")), p));
            }
        };
        p.done = i64::try_from(rows.len()).unwrap_or(0) < PAGE;
        p.after = last;
        if std::mem::take(&mut p.header) {
            rows.insert(0, export.header().iter().map(|h| (*h).to_owned()).collect());
        }
        let chunk = encode(rows)
            .map(web::Bytes::from)
            .map_err(std::io::Error::other);
        Some((chunk, p))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Every booking, oldest first (admins only; audited).
#[utoipa::path(get, path = "/v1/admin/export/bookings.csv", tag = "admin", security(("bearer" = [])),
    params(ExportRange),
    responses((status = 200, content_type = "text/csv", description = "RFC 4180, header row first"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn bookings(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    q: web::Query<ExportRange>,
) -> ApiResult<HttpResponse> {
    export(state, me, client, q.into_inner(), Export::Bookings).await
}

/// Every account (no secrets), oldest first (admins only; audited).
#[utoipa::path(get, path = "/v1/admin/export/users.csv", tag = "admin", security(("bearer" = [])),
    params(ExportRange),
    responses((status = 200, content_type = "text/csv", description = "RFC 4180, header row first"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn users(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    q: web::Query<ExportRange>,
) -> ApiResult<HttpResponse> {
    export(state, me, client, q.into_inner(), Export::Users).await
}

/// Every payment, oldest first (admins only; audited).
#[utoipa::path(get, path = "/v1/admin/export/payments.csv", tag = "admin", security(("bearer" = [])),
    params(ExportRange),
    responses((status = 200, content_type = "text/csv", description = "RFC 4180, header row first"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn payments(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    q: web::Query<ExportRange>,
) -> ApiResult<HttpResponse> {
    export(state, me, client, q.into_inner(), Export::Payments).await
}

/// Every ledger entry with its transaction, oldest first (admins only; audited).
#[utoipa::path(get, path = "/v1/admin/export/ledger.csv", tag = "admin", security(("bearer" = [])),
    params(ExportRange),
    responses((status = 200, content_type = "text/csv", description = "RFC 4180, header row first"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn ledger(
    state: web::Data<AppState>,
    me: AuthUser,
    client: ClientInfo,
    q: web::Query<ExportRange>,
) -> ApiResult<HttpResponse> {
    export(state, me, client, q.into_inner(), Export::Ledger).await
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_neutralised_but_numbers_stay_numbers() {
        for risky in [
            "=SUM(A1:A9)",
            "+1+1",
            "-2+3",
            "@cmd",
            "\t=1",
            "\r=1",
            "=HYPERLINK(\"x\")",
        ] {
            assert!(neutralise(risky.into()).starts_with('\''), "{risky:?}");
        }
        for safe in ["-5000", "1500", "+27", "alice", "", "a=b"] {
            assert_eq!(neutralise(safe.into()), safe);
        }
    }
}

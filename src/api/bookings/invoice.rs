use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::invoices::{self, Copy, InvoiceDoc};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct InvoiceQuery {
    /// `json`, `html` or `pdf`; without it the `Accept` header decides (JSON by default).
    pub format: Option<String>,
    /// `customer` or `provider` (admins; a provider may also see the customer's copy).
    pub copy: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Html,
    Pdf,
}

fn format_of(query: Option<&str>, req: &HttpRequest) -> ApiResult<Format> {
    if let Some(f) = query {
        return match f {
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            "pdf" => Ok(Format::Pdf),
            _ => Err(ApiError::validation("format", "must be json, html or pdf")),
        };
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // The first of the three the client names, in its order.
    let first = accept
        .split(',')
        .map(|part| part.split(';').next().unwrap_or_default().trim())
        .find_map(|m| match m {
            "application/pdf" => Some(Format::Pdf),
            "text/html" => Some(Format::Html),
            "application/json" => Some(Format::Json),
            _ => None,
        });
    Ok(first.unwrap_or(Format::Json))
}

/// The invoice of a completed booking: JSON, a printable HTML page or a PDF
/// (`?format=` or `Accept`). The customer gets their copy; the provider gets
/// theirs, with the platform's commission and their earnings. Numbered
/// `INV-YYYYMMDD-NNNNN` when the job completed; the same booking always has
/// the same number.
#[utoipa::path(get, path = "/v1/bookings/{id}/invoice", tag = "bookings", security(("bearer" = [])),
    params(("id" = String, Path), InvoiceQuery),
    responses((status = 200, body = InvoiceDoc, content(
            (InvoiceDoc = "application/json"),
            (String = "text/html"),
            (Vec<u8> = "application/pdf"))),
        (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "a customer asked for the provider's copy", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "not completed: no invoice yet", body = crate::error::ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    id: web::Path<String>,
    query: web::Query<InvoiceQuery>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let format = format_of(query.format.as_deref(), &req)?;
    let asked = match query.copy.as_deref() {
        None => None,
        Some("customer") => Some(Copy::Customer),
        Some("provider") => Some(Copy::Provider),
        Some(_) => return Err(ApiError::validation("copy", "must be customer or provider")),
    };
    let doc = state
        .with_db(async |c| {
            let b = super::visible(c, &me, &id).await?;
            let mine = if me.role() == Role::Admin {
                Copy::Customer
            } else if me.id() == b.provider_id {
                Copy::Provider
            } else {
                Copy::Customer
            };
            let copy = match asked {
                None => mine,
                Some(Copy::Provider) if mine == Copy::Customer && me.role() != Role::Admin => {
                    return Err(ApiError::Forbidden(
                        "provider_copy",
                        "only the provider and admins see the provider's copy".into(),
                    ))
                }
                Some(copy) => copy,
            };
            invoices::load(c, &state.config.platform, &b, copy)
                .await?
                .ok_or_else(|| {
                    ApiError::Conflict(
                        "not_invoiced",
                        "a booking is invoiced when its job is completed".into(),
                    )
                })
        })
        .await?;
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(doc),
        Format::Html => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ))
            .body(invoices::html::render(&doc)),
        Format::Pdf => {
            let name = doc.file_name("pdf");
            let bytes = web::block(move || invoices::pdf::render(&doc))
                .await
                .map_err(ApiError::internal)?;
            HttpResponse::Ok()
                .content_type("application/pdf")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{name}\""),
                ))
                .body(bytes)
        }
    })
}

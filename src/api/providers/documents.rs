//! A provider's KYC documents: uploaded by the provider, read only by them
//! and by admins (never cached), reviewed under `/v1/admin/documents`.

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, documents::DocumentRow};
use crate::domain::{DocumentKind, DocumentStatus, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;
use crate::uploads::{files, multipart};

/// Largest document accepted.
pub const DOCUMENT_LIMIT: usize = files::FILE_LIMIT;

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub provider_id: String,
    pub kind: DocumentKind,
    /// `application/pdf`, or `image/jpeg` for an image (re-encoded).
    pub content_type: String,
    pub size_bytes: i64,
    pub status: DocumentStatus,
    /// The admin's reason for a rejection.
    pub reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The file, for the provider and admins only.
    pub file_url: String,
}

impl From<&DocumentRow> for DocumentView {
    fn from(d: &DocumentRow) -> Self {
        Self {
            id: d.id.clone(),
            provider_id: d.provider_id.clone(),
            kind: d.kind,
            content_type: d.content_type.clone(),
            size_bytes: d.size_bytes,
            status: d.status,
            reason: d.reason.clone(),
            reviewed_at: d.reviewed_at.map(db::utc),
            created_at: db::utc(d.created_at),
            file_url: format!("/v1/documents/{}/file", d.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    /// Newest first.
    pub items: Vec<DocumentView>,
}

/// Upload a KYC document (providers only): multipart field `file` (a PDF,
/// or a JPEG, PNG or WebP image, at most 10 MB) and field `kind`
/// (`id_document`, `licence` or `certificate`). Images are re-encoded; a PDF
/// is kept as sent but only ever served to its owner and admins, as an
/// attachment. It waits for an admin's review.
#[utoipa::path(post, path = "/v1/providers/me/documents", tag = "providers", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "fields `file` and `kind`"),
    responses((status = 201, body = DocumentView),
        (status = 400, description = "`undecodable_file`, `undecodable_image`, `mislabelled_file`", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>,
    me: AuthUser,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let file = multipart::read(form, &["file"], DOCUMENT_LIMIT).await?;
    let kind: DocumentKind = file
        .fields
        .get("kind")
        .and_then(|k| k.parse().ok())
        .ok_or_else(|| {
            ApiError::validation("kind", "must be `id_document`, `licence` or `certificate`")
        })?;
    let (content_type, bytes) = files::accept(file).await?;
    let row = DocumentRow {
        id: db::new_id(),
        provider_id: me.id().to_owned(),
        kind,
        content_type: content_type.to_owned(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        status: DocumentStatus::Pending,
        reason: None,
        reviewed_by: None,
        reviewed_at: None,
        created_at: db::now(),
    };
    // The file first: a row never points at nothing.
    state
        .blobs
        .put(&row.key(), bytes, content_type)
        .await
        .map_err(ApiError::internal)?;
    state
        .with_db(async |c| Ok(db::documents::insert(c, &row).await?))
        .await?;
    tracing::info!(provider = %me.id(), document = %row.id, kind = %row.kind, "document uploaded");
    Ok(HttpResponse::Created().json(DocumentView::from(&row)))
}

/// My KYC documents and their review (providers only).
#[utoipa::path(get, path = "/v1/providers/me/documents", tag = "providers", security(("bearer" = [])),
    responses((status = 200, body = DocumentList), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    let rows = state
        .with_db(async |c| Ok(db::documents::of_provider(c, me.id()).await?))
        .await?;
    Ok(HttpResponse::Ok().json(DocumentList {
        items: rows.iter().map(DocumentView::from).collect(),
    }))
}

/// A document's file: for its provider and admins only (404 for anyone
/// else), never cached, always an attachment.
#[utoipa::path(get, path = "/v1/documents/{id}/file", tag = "providers", security(("bearer" = [])),
    params(("id" = String, Path, description = "document id")),
    responses((status = 200, content_type = "application/pdf", description = "the file (or image/jpeg)"),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn file(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = state
        .with_db(async |c| {
            db::documents::find(c, &path)
                .await?
                .filter(|d| me.role() == Role::Admin || d.provider_id == me.id())
                .ok_or(ApiError::NotFound("document"))
        })
        .await?;
    let blob = state
        .blobs
        .get(&row.key())
        .await
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound("document"))?;
    let name = format!(
        "{}-{}.{}",
        row.kind,
        row.id,
        files::extension(&row.content_type)
    );
    Ok(files::private_response(
        blob.bytes,
        &row.content_type,
        &name,
    ))
}

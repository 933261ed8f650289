//! Files that are a PDF or a photo (KYC documents, complaint attachments):
//! a PDF must start and end like one and is kept as sent (and only ever
//! served privately, as an attachment); a photo is re-encoded like every
//! image. The name and declared type must agree with the content.

use super::{images, multipart::Upload};
use crate::error::ApiError;

/// Largest PDF or photo accepted.
pub const FILE_LIMIT: usize = 10 * 1024 * 1024;

const EXTENSIONS: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("webp", "image/webp"),
];

/// A PDF that starts like one and ends like one.
fn is_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

/// The file as it will be kept: `(content type, bytes)`, `application/pdf`
/// or `image/jpeg`.
pub async fn accept(file: Upload) -> Result<(&'static str, Vec<u8>), ApiError> {
    if is_pdf(&file.bytes) {
        images::check_label(
            "application/pdf",
            file.filename.as_deref(),
            file.declared_type.as_deref(),
            EXTENSIONS,
        )?;
        Ok(("application/pdf", file.bytes))
    } else if let Some(kind) = images::sniff(&file.bytes) {
        images::check_label(
            kind,
            file.filename.as_deref(),
            file.declared_type.as_deref(),
            EXTENSIONS,
        )?;
        Ok((
            "image/jpeg",
            images::process_document_async(file.bytes).await?,
        ))
    } else {
        Err(ApiError::BadRequest(
            "undecodable_file",
            "the file must be a PDF or a JPEG, PNG or WebP image".into(),
        ))
    }
}

/// The extension a kept file's key ends with.
pub fn extension(content_type: &str) -> &'static str {
    if content_type == "application/pdf" {
        "pdf"
    } else {
        "jpg"
    }
}

/// Serves a kept file privately: never cached, always downloaded.
pub fn private_response(
    bytes: Vec<u8>,
    content_type: &str,
    filename: &str,
) -> actix_web::HttpResponse {
    use actix_web::http::header;
    actix_web::HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes)
}

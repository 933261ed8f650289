//! Reading one file (and its small text fields) from a multipart body,
//! within a size limit: the whole file is never held beyond the limit.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::error::ApiError;

/// The file a client sent.
pub struct Upload {
    pub bytes: Vec<u8>,
    /// The name the client gave it (only used to check it is not mislabelled).
    pub filename: Option<String>,
    /// The type the client declared for it.
    pub declared_type: Option<String>,
    /// The form's short text fields (at most 1 KB each).
    pub fields: HashMap<String, String>,
}

fn unreadable() -> ApiError {
    ApiError::BadRequest(
        "malformed_body",
        "the multipart body could not be read".into(),
    )
}

/// Past the limit, the rest of a body is still read (and dropped) up to this
/// much, so the client, which is still sending, gets the 413 instead of a
/// connection reset; a larger body is cut off.
const DRAIN: usize = 16 * 1024 * 1024;

/// Reads and drops what is left of the body, up to [`DRAIN`] bytes.
async fn drain(field: actix_multipart::Field, mut form: Multipart) {
    let mut left = DRAIN;
    let mut current = Some(field);
    while let Some(mut field) = current.take() {
        while let Some(chunk) = field.next().await {
            match chunk {
                Ok(c) if c.len() < left => left -= c.len(),
                _ => return,
            }
        }
        // The next field is only handed out once this one is dropped.
        drop(field);
        current = match form.next().await {
            Some(Ok(next)) => Some(next),
            _ => None,
        };
    }
}

/// Reads the first field named one of `names` as the file (at most `limit`
/// bytes: 413 beyond) and every other field as text.
pub async fn read(mut form: Multipart, names: &[&str], limit: usize) -> Result<Upload, ApiError> {
    let mut file: Option<(Vec<u8>, Option<String>, Option<String>)> = None;
    let mut fields = HashMap::new();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| unreadable())?;
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = file.is_none() && names.contains(&name.as_str());
        let cap = if is_file { limit } else { 1024 };
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename().map(str::to_owned));
        let declared = field.content_type().map(|m| m.essence_str().to_owned());
        let mut buf = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if buf.len() + chunk.len() > cap {
                drain(field, form).await;
                return Err(if is_file {
                    ApiError::PayloadTooLarge(limit)
                } else {
                    ApiError::validation(&name, "is longer than 1 KB")
                });
            }
            buf.extend_from_slice(&chunk);
        }
        if is_file {
            file = Some((buf, filename, declared));
        } else if !name.is_empty() {
            fields.insert(name, String::from_utf8_lossy(&buf).trim().to_owned());
        }
    }
    let (bytes, filename, declared_type) = file.ok_or_else(|| {
        ApiError::validation(
            names.first().copied().unwrap_or("file"),
            "send the file in this multipart field",
        )
    })?;
    Ok(Upload {
        bytes,
        filename,
        declared_type,
        fields,
    })
}

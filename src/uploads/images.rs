//! Images as the server keeps them: the upload is sniffed by its bytes
//! (JPEG, PNG or WebP; the name and declared type must agree with it),
//! decoded under size limits, and re-encoded as a display size and a
//! thumbnail in JPEG. Nothing of the original file (metadata, EXIF with its
//! GPS position, trailing data, a polyglot payload) survives.

use std::io::Cursor;

use image::{imageops::FilterType, DynamicImage, ImageFormat, ImageReader, Limits};

use crate::error::ApiError;

/// Largest image upload accepted (avatars, gallery images).
pub const IMAGE_LIMIT: usize = 5 * 1024 * 1024;

/// The longest side of the display size.
pub const DISPLAY: u32 = 1280;
/// The longest side of the thumbnail.
pub const THUMB: u32 = 320;
/// Larger images are refused before they are decoded.
const MAX_SIDE: u32 = 12_000;

/// Both sizes, JPEG.
pub struct Processed {
    pub display: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn format_of(bytes: &[u8]) -> Option<ImageFormat> {
    match image::guess_format(bytes).ok()? {
        f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => Some(f),
        _ => None,
    }
}

/// 400 `mislabelled_file` when the name's extension or the declared type
/// names another kind of file than the bytes are.
pub fn check_label(
    actual: &str,
    filename: Option<&str>,
    declared: Option<&str>,
    allowed_ext: &[(&str, &str)],
) -> Result<(), ApiError> {
    let ext = filename
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    let ext_ok = ext.as_deref().is_none_or(|e| {
        allowed_ext
            .iter()
            .any(|(x, kind)| *x == e && *kind == actual)
    });
    let type_ok = declared
        .filter(|t| *t != "application/octet-stream")
        .is_none_or(|t| t.eq_ignore_ascii_case(actual));
    if ext_ok && type_ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "mislabelled_file",
            format!("the file's name or declared type does not match its content ({actual})"),
        ))
    }
}

/// The image types accepted, by extension.
pub const IMAGE_EXTENSIONS: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("webp", "image/webp"),
];

/// The MIME type of an accepted image, by its bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    format_of(bytes).map(|f| match f {
        ImageFormat::Png => "image/png",
        ImageFormat::WebP => "image/webp",
        _ => "image/jpeg",
    })
}

fn undecodable() -> ApiError {
    ApiError::BadRequest(
        "undecodable_image",
        "the file is not a JPEG, PNG or WebP image that can be read".into(),
    )
}

fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, ApiError> {
    let mut out = Cursor::new(Vec::new());
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    rgb.write_with_encoder(encoder)
        .map_err(ApiError::internal)?;
    Ok(out.into_inner())
}

fn fit(img: &DynamicImage, side: u32) -> DynamicImage {
    if img.width() <= side && img.height() <= side {
        img.clone()
    } else {
        img.resize(side, side, FilterType::Lanczos3)
    }
}

fn decode(bytes: &[u8]) -> Result<DynamicImage, ApiError> {
    let format = format_of(bytes).ok_or_else(undecodable)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|_| undecodable())
}

/// Decodes and re-encodes `bytes` (CPU work: call it on a blocking thread).
pub fn process(bytes: &[u8]) -> Result<Processed, ApiError> {
    let img = decode(bytes)?;
    Ok(Processed {
        display: jpeg(&fit(&img, DISPLAY))?,
        thumb: jpeg(&fit(&img, THUMB))?,
        width: img.width(),
        height: img.height(),
    })
}

/// The longest side of a document photo (kept readable).
pub const DOCUMENT: u32 = 2400;

/// A document photo: decoded and re-encoded once, up to [`DOCUMENT`] px.
pub fn process_document(bytes: &[u8]) -> Result<Vec<u8>, ApiError> {
    let img = decode(bytes)?;
    jpeg(&fit(&img, DOCUMENT))
}

/// [`process_document`] on a blocking thread.
pub async fn process_document_async(bytes: Vec<u8>) -> Result<Vec<u8>, ApiError> {
    tokio::task::spawn_blocking(move || process_document(&bytes))
        .await
        .map_err(ApiError::internal)?
}

/// [`process`] on a blocking thread.
pub async fn process_async(bytes: Vec<u8>) -> Result<Processed, ApiError> {
    tokio::task::spawn_blocking(move || process(&bytes))
        .await
        .map_err(ApiError::internal)?
}

/// An image upload taken in: the first multipart field named one of
/// `fields` (at most [`IMAGE_LIMIT`]: 413 beyond), sniffed, its label
/// checked, decoded and re-encoded. `what` names it in the 400 (e.g. "the
/// avatar").
pub async fn receive(
    form: actix_multipart::Multipart,
    fields: &[&str],
    what: &str,
) -> Result<Processed, ApiError> {
    let file = super::multipart::read(form, fields, IMAGE_LIMIT).await?;
    let kind = sniff(&file.bytes).ok_or_else(|| {
        ApiError::BadRequest(
            "undecodable_image",
            format!("{what} must be a JPEG, PNG or WebP image"),
        )
    })?;
    check_label(
        kind,
        file.filename.as_deref(),
        file.declared_type.as_deref(),
        IMAGE_EXTENSIONS,
    )?;
    process_async(file.bytes).await
}

/// Stores both sizes, each under `key(size)`.
pub async fn store(
    blobs: &dyn super::BlobStore,
    processed: Processed,
    key: impl Fn(&str) -> String,
) -> Result<(), ApiError> {
    for (size, bytes) in [("display", processed.display), ("thumb", processed.thumb)] {
        blobs
            .put(&key(size), bytes, "image/jpeg")
            .await
            .map_err(ApiError::internal)?;
    }
    Ok(())
}

/// Removes both sizes (a missing one is fine; a failure is logged).
pub async fn remove(blobs: &dyn super::BlobStore, key: impl Fn(&str) -> String) {
    for size in ["display", "thumb"] {
        if let Err(e) = blobs.delete(&key(size)).await {
            tracing::warn!(key = %key(size), error = %e, "image file not removed");
        }
    }
}

//! Uploaded files: where they are kept ([`BlobStore`]: files under
//! `$ONSITE_DATA_DIR/uploads/` by default, or an S3-compatible bucket), how
//! images are made safe to serve ([`images`]: decoded, resized and
//! re-encoded, so metadata such as EXIF never survives and no upload is
//! served back as sent), and how one file is read from a multipart body
//! within a size limit ([`multipart`]).

pub mod files;
pub mod fs;
pub mod images;
pub mod multipart;
pub mod s3;

use async_trait::async_trait;

/// One stored object.
pub struct Blob {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// Where uploads are kept. Keys are `/`-separated paths of lower-case
/// letters, digits, `-`, `_` and `.`, chosen by the server (never by a
/// client).
#[async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> anyhow::Result<()>;
    async fn get(&self, key: &str) -> anyhow::Result<Option<Blob>>;
    /// Removes the object; a missing one is not an error.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
}

/// The configured store: an S3-compatible bucket when `ONSITE_BLOB_URL`
/// is set, else the embedded one under `$ONSITE_DATA_DIR/uploads/`.
pub async fn open(config: &crate::config::Config) -> anyhow::Result<std::sync::Arc<dyn BlobStore>> {
    Ok(match &config.blob_url {
        Some(url) => std::sync::Arc::new(s3::S3BlobStore::from_url(url)?),
        None => std::sync::Arc::new(fs::FsBlobStore::new(config.uploads_dir())),
    })
}

/// Whether `key` is one the server could have made.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 300
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_cannot_climb_out_of_the_store() {
        assert!(super::valid_key("avatars/0193-ab/v1-thumb.jpg"));
        for bad in ["", "../etc/passwd", "a//b", "a/./b", "A/b", "a/b c", "/abs"] {
            assert!(!super::valid_key(bad), "{bad}");
        }
    }
}

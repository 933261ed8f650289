//! An S3-compatible blob store (AWS S3, MinIO, Ceph, moto...) through the
//! `object_store` crate. Configured by `ONSITE_BLOB_URL=s3://bucket[/prefix]`
//! with `?endpoint=http://host:port` for a store other than AWS and
//! `&region=...`; credentials come from the standard `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY`, or from the URL (`s3://KEY:SECRET@bucket`).

use async_trait::async_trait;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

use super::{fs::content_type_of, valid_key, Blob, BlobStore};

pub struct S3BlobStore {
    store: AmazonS3,
    prefix: String,
}

impl S3BlobStore {
    /// From `s3://bucket[/prefix]?endpoint=...&region=...`.
    pub fn from_url(raw: &str) -> anyhow::Result<Self> {
        let url = url::Url::parse(raw)?;
        anyhow::ensure!(
            url.scheme() == "s3",
            "ONSITE_BLOB_URL must start with s3://"
        );
        let bucket = url
            .host_str()
            .filter(|b| !b.is_empty())
            .ok_or_else(|| anyhow::anyhow!("ONSITE_BLOB_URL names no bucket"))?;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if !url.username().is_empty() {
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("v={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            builder = builder
                .with_access_key_id(decode(url.username()))
                .with_secret_access_key(decode(url.password().unwrap_or_default()));
        }
        let mut region_set = false;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "endpoint" => {
                    builder = builder
                        .with_allow_http(v.starts_with("http://"))
                        .with_endpoint(v.to_string())
                        .with_virtual_hosted_style_request(false);
                }
                "region" => {
                    region_set = true;
                    builder = builder.with_region(v.to_string());
                }
                other => anyhow::bail!("ONSITE_BLOB_URL: unknown parameter `{other}`"),
            }
        }
        if !region_set && std::env::var("AWS_REGION").is_err() {
            builder = builder.with_region("us-east-1");
        }
        let prefix = url.path().trim_matches('/').to_owned();
        Ok(Self {
            store: builder.build()?,
            prefix,
        })
    }

    fn path(&self, key: &str) -> anyhow::Result<Path> {
        anyhow::ensure!(valid_key(key), "invalid blob key {key:?}");
        Ok(if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        })
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> anyhow::Result<()> {
        let opts = PutOptions {
            attributes: Attributes::from_iter([(
                Attribute::ContentType,
                object_store::AttributeValue::from(content_type.to_owned()),
            )]),
            ..Default::default()
        };
        self.store
            .put_opts(&self.path(key)?, PutPayload::from(bytes), opts)
            .await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Blob>> {
        match self.store.get(&self.path(key)?).await {
            Ok(found) => Ok(Some(Blob {
                bytes: found.bytes().await?.to_vec(),
                content_type: content_type_of(key).to_owned(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&self.path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

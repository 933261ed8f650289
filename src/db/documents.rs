//! Providers' KYC documents (`provider_documents`); the files are in the blob store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::provider_documents;
use super::DbConn;
use crate::db_run;
use crate::domain::{DocumentKind, DocumentStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = provider_documents)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct DocumentRow {
    pub id: String,
    pub provider_id: String,
    pub kind: DocumentKind,
    /// `application/pdf` or `image/jpeg` (images are re-encoded).
    pub content_type: String,
    pub size_bytes: i64,
    pub status: DocumentStatus,
    pub reason: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl DocumentRow {
    /// Where the file is in the blob store.
    pub fn key(&self) -> String {
        let ext = crate::uploads::files::extension(&self.content_type);
        format!(
            "documents/{}/{}.{ext}",
            self.provider_id.to_ascii_lowercase(),
            self.id.to_ascii_lowercase()
        )
    }
}

pub async fn insert(conn: &mut DbConn, row: &DocumentRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(provider_documents::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<DocumentRow>> {
    db_run!(conn, |c| provider_documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(c)
        .await
        .optional())
}

/// A provider's documents, newest first.
pub async fn of_provider(conn: &mut DbConn, provider_id: &str) -> QueryResult<Vec<DocumentRow>> {
    db_run!(conn, |c| provider_documents::table
        .filter(provider_documents::provider_id.eq(provider_id))
        .order((
            provider_documents::created_at.desc(),
            provider_documents::id.desc()
        ))
        .select(DocumentRow::as_select())
        .load(c)
        .await)
}

/// The admins' queue: documents in `status`, oldest first, after the keyset.
pub async fn queue(
    conn: &mut DbConn,
    status: Option<DocumentStatus>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<DocumentRow>> {
    db_run!(conn, |c| {
        let mut q = provider_documents::table
            .select(DocumentRow::as_select())
            .into_boxed();
        if let Some(status) = status {
            q = q.filter(provider_documents::status.eq(status));
        }
        if let Some((at, id)) = &after {
            q = q.filter(
                provider_documents::created_at
                    .gt(*at)
                    .or(provider_documents::created_at
                        .eq(*at)
                        .and(provider_documents::id.gt(id.clone()))),
            );
        }
        q.order((
            provider_documents::created_at.asc(),
            provider_documents::id.asc(),
        ))
        .limit(limit)
        .load(c)
        .await
    })
}

/// Records an admin's decision on a pending document; false if it was decided already.
pub async fn review(
    conn: &mut DbConn,
    id: &str,
    status: DocumentStatus,
    reason: Option<&str>,
    admin: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        provider_documents::table
            .find(id)
            .filter(provider_documents::status.eq(DocumentStatus::Pending))
    )
    .set((
        provider_documents::status.eq(status),
        provider_documents::reason.eq(reason),
        provider_documents::reviewed_by.eq(Some(admin)),
        provider_documents::reviewed_at.eq(Some(at)),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Removes a provider's document rows (their files are removed by the caller).
pub async fn delete_of(conn: &mut DbConn, provider_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        provider_documents::table.filter(provider_documents::provider_id.eq(provider_id))
    )
    .execute(c)
    .await)
}

//! Services' galleries (`service_images`); the images are in the blob store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::service_images;
use super::DbConn;
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_images)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ImageRow {
    pub id: String,
    pub service_id: String,
    /// Of the original upload.
    pub width: i32,
    pub height: i32,
    pub created_at: NaiveDateTime,
}

impl ImageRow {
    /// Where one size (`display` or `thumb`) is in the blob store.
    pub fn key(&self, size: &str) -> String {
        format!(
            "services/{}/{}-{size}.jpg",
            self.service_id.to_ascii_lowercase(),
            self.id.to_ascii_lowercase()
        )
    }
}

pub async fn insert(conn: &mut DbConn, row: &ImageRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(service_images::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// A service's images in the order they were added.
pub async fn of_service(conn: &mut DbConn, service_id: &str) -> QueryResult<Vec<ImageRow>> {
    db_run!(conn, |c| service_images::table
        .filter(service_images::service_id.eq(service_id))
        .order((service_images::created_at.asc(), service_images::id.asc()))
        .select(ImageRow::as_select())
        .load(c)
        .await)
}

pub async fn count(conn: &mut DbConn, service_id: &str) -> QueryResult<i64> {
    db_run!(conn, |c| service_images::table
        .filter(service_images::service_id.eq(service_id))
        .count()
        .get_result(c)
        .await)
}

/// Removes one image row; false if there was none.
pub async fn delete(conn: &mut DbConn, service_id: &str, id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::delete(
        service_images::table
            .filter(service_images::service_id.eq(service_id))
            .filter(service_images::id.eq(id))
    )
    .execute(c)
    .await)?;
    Ok(n == 1)
}

//! Service categories (`categories`), kept by the admins; a category's image
//! is in the blob store (see [`Category::image_key`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::categories;
use super::DbConn;
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = categories)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Category {
    pub id: String,
    /// Unique, `[a-z0-9-]`, used in discovery filters and URLs.
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Listing order (lowest first), then the name.
    pub position: i32,
    /// An inactive category is hidden from customers; its services stay.
    pub active: bool,
    /// The version of its image, if it has one.
    pub image: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Category {
    /// Where one size (`display` or `thumb`) of an image version is.
    pub fn image_key(id: &str, version: &str, size: &str) -> String {
        format!(
            "categories/{}/{version}-{size}.jpg",
            id.to_ascii_lowercase()
        )
    }
}

/// What an admin may change; `None` leaves a field as is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = categories)]
pub struct CategoryChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
    pub image: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub async fn insert(conn: &mut DbConn, row: &Category) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(categories::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn update(conn: &mut DbConn, id: &str, changes: &CategoryChanges) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(categories::table.find(id))
        .set(changes)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Category>> {
    db_run!(conn, |c| categories::table
        .find(id)
        .select(Category::as_select())
        .first(c)
        .await
        .optional())
}

/// By id or by slug.
pub async fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<Category>> {
    db_run!(conn, |c| categories::table
        .filter(categories::id.eq(key).or(categories::slug.eq(key)))
        .select(Category::as_select())
        .first(c)
        .await
        .optional())
}

/// All categories in listing order; only active ones unless `all`.
pub async fn list(conn: &mut DbConn, all: bool) -> QueryResult<Vec<Category>> {
    db_run!(conn, |c| {
        let mut q = categories::table
            .select(Category::as_select())
            .order((
                categories::position.asc(),
                categories::name.asc(),
                categories::id.asc(),
            ))
            .into_boxed();
        if !all {
            q = q.filter(categories::active.eq(true));
        }
        q.load(c).await
    })
}

/// `(id, name)` of several categories (in no particular order).
pub async fn names(conn: &mut DbConn, ids: &[&str]) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db_run!(conn, |c| categories::table
        .filter(categories::id.eq_any(ids))
        .select((categories::id, categories::name))
        .load(c)
        .await)
}

/// Removes the row; false if there was none.
pub async fn delete(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::delete(categories::table.find(id))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

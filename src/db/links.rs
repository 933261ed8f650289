//! The `booking_links` table: each provider's shareable booking page.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::booking_links;
use super::{now, DbConn};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = booking_links)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct BookingLink {
    pub provider_id: String,
    pub slug: String,
    pub clicks: i64,
    pub conversions: i64,
    pub created_at: NaiveDateTime,
    pub regenerated_at: NaiveDateTime,
}

pub async fn of_provider(conn: &mut DbConn, provider_id: &str) -> QueryResult<Option<BookingLink>> {
    db_run!(conn, |c| booking_links::table
        .find(provider_id)
        .select(BookingLink::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<BookingLink>> {
    db_run!(conn, |c| booking_links::table
        .filter(booking_links::slug.eq(slug))
        .select(BookingLink::as_select())
        .first(c)
        .await
        .optional())
}

/// Gives the provider `slug`: a first link, or a new one replacing the old
/// (the counts carry over).
pub async fn set_slug(conn: &mut DbConn, provider_id: &str, slug: &str) -> QueryResult<()> {
    let now = now();
    let changed = db_run!(conn, |c| diesel::update(
        booking_links::table.find(provider_id)
    )
    .set((
        booking_links::slug.eq(slug),
        booking_links::regenerated_at.eq(now)
    ))
    .execute(c)
    .await)?;
    if changed == 0 {
        let row = BookingLink {
            provider_id: provider_id.to_owned(),
            slug: slug.to_owned(),
            clicks: 0,
            conversions: 0,
            created_at: now,
            regenerated_at: now,
        };
        db_run!(conn, |c| diesel::insert_into(booking_links::table)
            .values(&row)
            .execute(c)
            .await)?;
    }
    Ok(())
}

pub async fn count_click(conn: &mut DbConn, slug: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        booking_links::table.filter(booking_links::slug.eq(slug))
    )
    .set(booking_links::clicks.eq(booking_links::clicks + 1))
    .execute(c)
    .await)?;
    Ok(())
}

/// Counts a booking made from `slug`, if it is `provider_id`'s current link.
pub async fn count_conversion(
    conn: &mut DbConn,
    provider_id: &str,
    slug: &str,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        booking_links::table
            .find(provider_id)
            .filter(booking_links::slug.eq(slug))
    )
    .set(booking_links::conversions.eq(booking_links::conversions + 1))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

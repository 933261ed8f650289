//! The `addresses` table: each user's address book.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::addresses;
use super::DbConn;
use crate::db_run;
use crate::domain::GeocodeStatus;

/// Addresses one user may keep.
pub const MAX_PER_USER: i64 = 20;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = addresses)]
#[diesel(treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Address {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub street: String,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub location_lat: Option<f64>,
    pub location_lng: Option<f64>,
    /// For the provider: a gate code, the floor, where to park.
    pub access_notes: Option<String>,
    pub is_default: bool,
    pub geocode_status: GeocodeStatus,
    pub geocode_tries: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Address {
    pub fn location(&self) -> Option<(f64, f64)> {
        self.location_lat.zip(self.location_lng)
    }

    /// One line: street, postal code and city, region, country (what the
    /// geocoder is asked, and what a booking records).
    pub fn one_line(&self) -> String {
        let mut parts = vec![self.street.clone()];
        parts.push(match &self.postal_code {
            Some(code) => format!("{code} {}", self.city),
            None => self.city.clone(),
        });
        parts.extend(self.region.clone());
        parts.push(self.country.clone());
        parts.join(", ")
    }
}

/// The user's addresses, the default first, then oldest first.
pub async fn list(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Address>> {
    db_run!(conn, |c| addresses::table
        .filter(addresses::user_id.eq(user_id))
        .order((
            addresses::is_default.desc(),
            addresses::created_at.asc(),
            addresses::id.asc()
        ))
        .select(Address::as_select())
        .load(c)
        .await)
}

pub async fn count(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    db_run!(conn, |c| addresses::table
        .filter(addresses::user_id.eq(user_id))
        .count()
        .get_result(c)
        .await)
}

/// One of the user's addresses (`None` for another user's).
pub async fn find(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<Option<Address>> {
    db_run!(conn, |c| addresses::table
        .find(id)
        .filter(addresses::user_id.eq(user_id))
        .select(Address::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn insert(conn: &mut DbConn, a: &Address) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(addresses::table)
        .values(a)
        .execute(c)
        .await)?;
    Ok(())
}

/// Writes every column of `a` (a changed address, whole).
pub async fn save(conn: &mut DbConn, a: &Address) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(addresses::table.find(&a.id))
        .set(a)
        .execute(c)
        .await)?;
    Ok(())
}

/// Clears the user's default (before another becomes it).
pub async fn clear_default(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        addresses::table
            .filter(addresses::user_id.eq(user_id))
            .filter(addresses::is_default.eq(true))
    )
    .set(addresses::is_default.eq(false))
    .execute(c)
    .await)?;
    Ok(())
}

pub async fn delete(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::delete(
        addresses::table
            .find(id)
            .filter(addresses::user_id.eq(user_id))
    )
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Makes the user's oldest address the default when none is.
pub async fn ensure_default(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    let all = list(conn, user_id).await?;
    if all.iter().any(|a| a.is_default) {
        return Ok(());
    }
    if let Some(first) = <[Address]>::first(&all) {
        db_run!(conn, |c| diesel::update(addresses::table.find(&first.id))
            .set(addresses::is_default.eq(true))
            .execute(c)
            .await)?;
    }
    Ok(())
}

/// Addresses waiting for the geocoder, longest waiting first.
pub async fn pending(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Address>> {
    db_run!(conn, |c| addresses::table
        .filter(addresses::geocode_status.eq(GeocodeStatus::Pending))
        .order(addresses::updated_at.asc())
        .limit(limit)
        .select(Address::as_select())
        .load(c)
        .await)
}

/// Records the geocoder's answer for an address, unless the address changed
/// meanwhile (`seen` is the `updated_at` the question was asked at).
pub async fn record_geocode(
    conn: &mut DbConn,
    id: &str,
    seen: NaiveDateTime,
    found: Option<(f64, f64)>,
) -> QueryResult<bool> {
    let status = if found.is_some() {
        GeocodeStatus::Found
    } else {
        GeocodeStatus::NotFound
    };
    let n = db_run!(conn, |c| diesel::update(
        addresses::table
            .find(id)
            .filter(addresses::updated_at.eq(seen))
            .filter(addresses::geocode_status.eq(GeocodeStatus::Pending))
    )
    .set((
        addresses::location_lat.eq(found.map(|f| f.0)),
        addresses::location_lng.eq(found.map(|f| f.1)),
        addresses::geocode_status.eq(status),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Counts a failed try; after `give_up` tries the address is `not_found`.
pub async fn record_try(conn: &mut DbConn, id: &str, give_up: i32) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(addresses::table.find(id))
        .set(addresses::geocode_tries.eq(addresses::geocode_tries + 1))
        .execute(c)
        .await)?;
    db_run!(conn, |c| diesel::update(
        addresses::table
            .find(id)
            .filter(addresses::geocode_tries.ge(give_up))
    )
    .set(addresses::geocode_status.eq(GeocodeStatus::NotFound))
    .execute(c)
    .await)?;
    Ok(())
}

/// Removes every address of a user (account erasure).
pub async fn delete_all(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        addresses::table.filter(addresses::user_id.eq(user_id))
    )
    .execute(c)
    .await)
}

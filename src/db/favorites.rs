//! A customer's favorite providers (`favorites`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::favorites;
use super::DbConn;
use crate::db_run;

/// Adds `provider_id` to the user's favorites; false if it already was one.
pub async fn add(
    conn: &mut DbConn,
    user_id: &str,
    provider_id: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::insert_into(favorites::table)
        .values((
            favorites::user_id.eq(user_id),
            favorites::provider_id.eq(provider_id),
            favorites::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Removes it; false if it was not a favorite.
pub async fn remove(conn: &mut DbConn, user_id: &str, provider_id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::delete(
        favorites::table.find((user_id, provider_id))
    )
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// The user's favorites, newest first, after the keyset `(created_at, provider_id)`.
pub async fn page(
    conn: &mut DbConn,
    user_id: &str,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    db_run!(conn, |c| {
        let mut q = favorites::table
            .filter(favorites::user_id.eq(user_id.to_owned()))
            .select((favorites::provider_id, favorites::created_at))
            .into_boxed();
        if let Some((at, id)) = &before {
            q = q.filter(
                favorites::created_at.lt(*at).or(favorites::created_at
                    .eq(*at)
                    .and(favorites::provider_id.lt(id.clone()))),
            );
        }
        q.order((favorites::created_at.desc(), favorites::provider_id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

/// Which of `provider_ids` the user has among their favorites.
pub async fn among(
    conn: &mut DbConn,
    user_id: &str,
    provider_ids: &[&str],
) -> QueryResult<Vec<String>> {
    if provider_ids.is_empty() {
        return Ok(Vec::new());
    }
    db_run!(conn, |c| favorites::table
        .filter(favorites::user_id.eq(user_id))
        .filter(favorites::provider_id.eq_any(provider_ids))
        .select(favorites::provider_id)
        .load(c)
        .await)
}

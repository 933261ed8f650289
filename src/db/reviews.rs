//! Reviews (`reviews`), both ways per booking, and the subjects' rating sums
//! they count in once published.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{provider_profiles, reviews, users};
use super::DbConn;
use crate::db_run;
use crate::domain::Role;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = reviews)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ReviewRow {
    pub booking_id: String,
    /// `customer` (a review of the provider) or `provider` (of the customer).
    pub author_role: Role,
    pub author_id: String,
    pub subject_id: String,
    pub rating: i32,
    pub comment: Option<String>,
    pub created_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub reply: Option<String>,
    pub replied_at: Option<NaiveDateTime>,
}

/// Stores a new review; false if its author already reviewed this booking.
pub async fn insert(conn: &mut DbConn, row: &ReviewRow) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::insert_into(reviews::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Both reviews of a booking that exist (at most two).
pub async fn of_booking(conn: &mut DbConn, booking_id: &str) -> QueryResult<Vec<ReviewRow>> {
    db_run!(conn, |c| reviews::table
        .filter(reviews::booking_id.eq(booking_id))
        .select(ReviewRow::as_select())
        .load(c)
        .await)
}

/// Marks the booking's unpublished reviews published at `at`; returns them
/// (each must now count in its subject's average, in the same transaction).
pub async fn publish(
    conn: &mut DbConn,
    booking_id: &str,
    at: NaiveDateTime,
) -> QueryResult<Vec<ReviewRow>> {
    let pending: Vec<ReviewRow> = db_run!(conn, |c| reviews::table
        .filter(reviews::booking_id.eq(booking_id))
        .filter(reviews::published_at.is_null())
        .select(ReviewRow::as_select())
        .load(c)
        .await)?;
    let mut published = Vec::with_capacity(pending.len());
    for mut row in pending {
        // Only the writer that moves it from unpublished counts it.
        let n = db_run!(conn, |c| diesel::update(
            reviews::table
                .find((&row.booking_id, row.author_role))
                .filter(reviews::published_at.is_null())
        )
        .set(reviews::published_at.eq(Some(at)))
        .execute(c)
        .await)?;
        if n == 1 {
            row.published_at = Some(at);
            published.push(row);
        }
    }
    Ok(published)
}

/// Adds one published rating to its subject's sum and count, and refreshes
/// the provider's average (the column discovery filters and sorts by).
pub async fn count_in(conn: &mut DbConn, review: &ReviewRow) -> QueryResult<()> {
    let rating = i64::from(review.rating);
    match review.author_role {
        Role::Customer => {
            db_run!(conn, |c| diesel::update(
                provider_profiles::table.find(&review.subject_id)
            )
            .set((
                provider_profiles::rating_sum.eq(provider_profiles::rating_sum + rating),
                provider_profiles::rating_count.eq(provider_profiles::rating_count + 1),
            ))
            .execute(c)
            .await)?;
            let (sum, count): (i64, i64) = db_run!(conn, |c| provider_profiles::table
                .find(&review.subject_id)
                .select((
                    provider_profiles::rating_sum,
                    provider_profiles::rating_count
                ))
                .first(c)
                .await)?;
            db_run!(conn, |c| diesel::update(
                provider_profiles::table.find(&review.subject_id)
            )
            .set(provider_profiles::rating.eq(average(sum, count)))
            .execute(c)
            .await)?;
        }
        _ => {
            db_run!(conn, |c| diesel::update(
                users::table.find(&review.subject_id)
            )
            .set((
                users::customer_rating_sum.eq(users::customer_rating_sum + rating),
                users::customer_rating_count.eq(users::customer_rating_count + 1),
            ))
            .execute(c)
            .await)?;
        }
    }
    Ok(())
}

/// The average of `count` ratings summing to `sum`, to two decimals (0 for none).
pub fn average(sum: i64, count: i64) -> f64 {
    if count == 0 {
        return 0.0;
    }
    ((sum as f64 / count as f64) * 100.0).round() / 100.0
}

/// Bookings with an unpublished review whose window closed: completed before
/// `closed_before`.
pub async fn due(
    conn: &mut DbConn,
    closed_before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    use super::schema::bookings;
    db_run!(conn, |c| reviews::table
        .inner_join(bookings::table.on(bookings::id.eq(reviews::booking_id)))
        .filter(reviews::published_at.is_null())
        .filter(bookings::completed_at.lt(closed_before))
        .select(reviews::booking_id)
        .distinct()
        .limit(limit)
        .load(c)
        .await)
}

/// A published review with its author's name, as the public sees it.
pub struct PublishedReview {
    pub review: ReviewRow,
    pub author_first_name: String,
    pub author_last_name: String,
}

/// Published reviews of `subject_id` written by `author_role`, newest first,
/// after the keyset `(published_at, booking_id)`.
pub async fn published_of(
    conn: &mut DbConn,
    subject_id: &str,
    author_role: Role,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<PublishedReview>> {
    let rows: Vec<(ReviewRow, String, String)> = db_run!(conn, |c| {
        let mut q = reviews::table
            .inner_join(users::table.on(users::id.eq(reviews::author_id)))
            .filter(reviews::subject_id.eq(subject_id.to_owned()))
            .filter(reviews::author_role.eq(author_role))
            .filter(reviews::published_at.is_not_null())
            .select((ReviewRow::as_select(), users::first_name, users::last_name))
            .into_boxed();
        if let Some((at, id)) = &before {
            q = q.filter(
                reviews::published_at.lt(*at).or(reviews::published_at
                    .eq(*at)
                    .and(reviews::booking_id.lt(id.clone()))),
            );
        }
        q.order((reviews::published_at.desc(), reviews::booking_id.desc()))
            .limit(limit)
            .load(c)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(review, first, last)| PublishedReview {
            review,
            author_first_name: first,
            author_last_name: last,
        })
        .collect())
}

/// Sets the subject's one reply to a published review; false if it was not
/// published or already answered.
pub async fn reply(
    conn: &mut DbConn,
    booking_id: &str,
    author_role: Role,
    text: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        reviews::table
            .find((booking_id, author_role))
            .filter(reviews::published_at.is_not_null())
            .filter(reviews::reply.is_null())
    )
    .set((
        reviews::reply.eq(Some(text)),
        reviews::replied_at.eq(Some(at))
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

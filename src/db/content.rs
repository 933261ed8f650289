//! Content the admins keep (`faqs`, `content_pages`) and what users send in
//! (`feedback`, `contact_messages`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{contact_messages, content_pages, faqs, feedback};
use super::DbConn;
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = faqs)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Faq {
    pub id: String,
    pub lang: String,
    pub question: String,
    pub answer: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = content_pages)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Page {
    pub slug: String,
    pub lang: String,
    pub title: String,
    pub body: String,
    pub updated_by: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = feedback)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Feedback {
    pub id: String,
    pub user_id: Option<String>,
    pub rating: i32,
    pub message: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = contact_messages)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Contact {
    pub id: String,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    pub ip: Option<String>,
    pub handled_by: Option<String>,
    pub handled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub async fn faqs_in(conn: &mut DbConn, lang: &str) -> QueryResult<Vec<Faq>> {
    db_run!(conn, |c| faqs::table
        .filter(faqs::lang.eq(lang))
        .order((faqs::position.asc(), faqs::id.asc()))
        .select(Faq::as_select())
        .load(c)
        .await)
}

pub async fn find_faq(conn: &mut DbConn, id: &str) -> QueryResult<Option<Faq>> {
    db_run!(conn, |c| faqs::table
        .find(id)
        .select(Faq::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn save_faq(conn: &mut DbConn, row: &Faq) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(faqs::table)
        .values(row)
        .on_conflict(faqs::id)
        .do_update()
        .set(row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn delete_faq(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::delete(faqs::table.find(id))
        .execute(c)
        .await)?;
    Ok(n == 1)
}

pub async fn page(conn: &mut DbConn, slug: &str, lang: &str) -> QueryResult<Option<Page>> {
    db_run!(conn, |c| content_pages::table
        .find((slug, lang))
        .select(Page::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn save_page(conn: &mut DbConn, row: &Page) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(content_pages::table)
        .values(row)
        .on_conflict((content_pages::slug, content_pages::lang))
        .do_update()
        .set(row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn insert_feedback(conn: &mut DbConn, row: &Feedback) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(feedback::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// Newest first, after the keyset `(created_at, id)`.
pub async fn feedback_page(
    conn: &mut DbConn,
    user_id: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Feedback>> {
    db_run!(conn, |c| {
        let mut q = feedback::table
            .select(Feedback::as_select())
            .order((feedback::created_at.desc(), feedback::id.desc()))
            .limit(limit)
            .into_boxed();
        if let Some(u) = user_id {
            q = q.filter(feedback::user_id.eq(u.to_owned()));
        }
        if let Some((at, id)) = after {
            q = q.filter(
                feedback::created_at
                    .lt(at)
                    .or(feedback::created_at.eq(at).and(feedback::id.lt(id))),
            );
        }
        q.load(c).await
    })
}

pub async fn insert_contact(conn: &mut DbConn, row: &Contact) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(contact_messages::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// Newest first, after the keyset; only unhandled ones with `open`, only
/// those from `email` when given.
pub async fn contact_page(
    conn: &mut DbConn,
    open: Option<bool>,
    email: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Contact>> {
    db_run!(conn, |c| {
        let mut q = contact_messages::table
            .select(Contact::as_select())
            .order((
                contact_messages::created_at.desc(),
                contact_messages::id.desc(),
            ))
            .limit(limit)
            .into_boxed();
        match open {
            Some(true) => q = q.filter(contact_messages::handled_at.is_null()),
            Some(false) => q = q.filter(contact_messages::handled_at.is_not_null()),
            None => {}
        }
        if let Some(e) = email {
            q = q.filter(contact_messages::email.eq(e.to_owned()));
        }
        if let Some((at, id)) = after {
            q = q.filter(
                contact_messages::created_at
                    .lt(at)
                    .or(contact_messages::created_at
                        .eq(at)
                        .and(contact_messages::id.lt(id))),
            );
        }
        q.load(c).await
    })
}

pub async fn find_contact(conn: &mut DbConn, id: &str) -> QueryResult<Option<Contact>> {
    db_run!(conn, |c| contact_messages::table
        .find(id)
        .select(Contact::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn mark_handled(conn: &mut DbConn, id: &str, by: &str) -> QueryResult<bool> {
    let at = super::now();
    let n = db_run!(conn, |c| diesel::update(
        contact_messages::table
            .find(id)
            .filter(contact_messages::handled_at.is_null())
    )
    .set((
        contact_messages::handled_by.eq(Some(by)),
        contact_messages::handled_at.eq(Some(at)),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// What account deletion erases here: their feedback's words and link, and
/// every contact message sent from their address.
pub async fn erase(conn: &mut DbConn, user_id: &str, email: Option<&str>) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(
        feedback::table.filter(feedback::user_id.eq(user_id))
    )
    .set((
        feedback::user_id.eq(None::<String>),
        feedback::message.eq("")
    ))
    .execute(c)
    .await)?;
    if let Some(email) = email {
        db_run!(conn, |c| diesel::delete(
            contact_messages::table.filter(contact_messages::email.eq(email))
        )
        .execute(c)
        .await)?;
    }
    Ok(())
}

//! Complaints (`complaints`) and each party's thread with the admins
//! (`complaint_messages`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{complaint_attachments, complaint_messages, complaints};
use super::DbConn;
use crate::db_run;
use crate::domain::{ComplaintKind, ComplaintSide, ComplaintStatus, Severity};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = complaints)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ComplaintRow {
    pub id: String,
    pub booking_id: String,
    pub reporter_id: String,
    pub respondent_id: String,
    pub kind: ComplaintKind,
    pub severity: Severity,
    pub description: String,
    pub status: ComplaintStatus,
    pub assigned_to: Option<String>,
    /// A payment issue filed while the money was in escrow: its release
    /// waits for the resolution.
    pub holds_escrow: bool,
    pub resolution: Option<String>,
    pub refund_amount: Option<i64>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ComplaintRow {
    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            ComplaintStatus::Open | ComplaintStatus::InReview
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = complaint_messages)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct MessageRow {
    pub id: String,
    pub complaint_id: String,
    pub side: ComplaintSide,
    pub author_id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub async fn insert(conn: &mut DbConn, row: &ComplaintRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(complaints::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ComplaintRow>> {
    db_run!(conn, |c| complaints::table
        .find(id)
        .select(ComplaintRow::as_select())
        .first(c)
        .await
        .optional())
}

/// Whether an open payment complaint holds this booking's escrow.
pub async fn holds_escrow(conn: &mut DbConn, booking_id: &str) -> QueryResult<bool> {
    db_run!(conn, |c| diesel::select(diesel::dsl::exists(
        complaints::table
            .filter(complaints::booking_id.eq(booking_id))
            .filter(complaints::holds_escrow.eq(true))
    ))
    .get_result(c)
    .await)
}

/// Whether `reporter` already has an open complaint about this booking.
pub async fn open_by(conn: &mut DbConn, booking_id: &str, reporter: &str) -> QueryResult<bool> {
    db_run!(conn, |c| diesel::select(diesel::dsl::exists(
        complaints::table
            .filter(complaints::booking_id.eq(booking_id))
            .filter(complaints::reporter_id.eq(reporter))
            .filter(complaints::status.eq_any([ComplaintStatus::Open, ComplaintStatus::InReview]))
    ))
    .get_result(c)
    .await)
}

/// What to look for in the admins' list (all optional).
#[derive(Default)]
pub struct ComplaintFilter {
    pub status: Option<ComplaintStatus>,
    pub severity: Option<Severity>,
    pub kind: Option<ComplaintKind>,
    pub assigned_to: Option<String>,
    pub booking_id: Option<String>,
    /// Reported by this user (the reporter's own list).
    pub reporter_id: Option<String>,
}

/// Complaints newest first, after the keyset `(created_at, id)`.
pub async fn page(
    conn: &mut DbConn,
    filter: &ComplaintFilter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<ComplaintRow>> {
    db_run!(conn, |c| {
        let mut q = complaints::table
            .select(ComplaintRow::as_select())
            .into_boxed();
        if let Some(status) = filter.status {
            q = q.filter(complaints::status.eq(status));
        }
        if let Some(severity) = filter.severity {
            q = q.filter(complaints::severity.eq(severity));
        }
        if let Some(kind) = filter.kind {
            q = q.filter(complaints::kind.eq(kind));
        }
        if let Some(admin) = &filter.assigned_to {
            q = q.filter(complaints::assigned_to.eq(admin.clone()));
        }
        if let Some(booking) = &filter.booking_id {
            q = q.filter(complaints::booking_id.eq(booking.clone()));
        }
        if let Some(reporter) = &filter.reporter_id {
            q = q.filter(complaints::reporter_id.eq(reporter.clone()));
        }
        if let Some((at, id)) = &before {
            q = q.filter(
                complaints::created_at.lt(*at).or(complaints::created_at
                    .eq(*at)
                    .and(complaints::id.lt(id.clone()))),
            );
        }
        q.order((complaints::created_at.desc(), complaints::id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

/// Takes the complaint for `admin` (it stays in review until closed).
pub async fn assign(
    conn: &mut DbConn,
    id: &str,
    admin: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(complaints::table.find(id).filter(
        complaints::status.eq_any([ComplaintStatus::Open, ComplaintStatus::InReview])
    ))
    .set((
        complaints::assigned_to.eq(Some(admin)),
        complaints::status.eq(ComplaintStatus::InReview),
        complaints::updated_at.eq(at),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// How an admin closes a complaint.
pub struct Closing<'a> {
    pub status: ComplaintStatus,
    pub resolution: &'a str,
    pub refund_amount: Option<i64>,
    pub admin: &'a str,
    pub at: NaiveDateTime,
}

/// Closes an open complaint and lifts its hold; false if it was already closed.
pub async fn close(conn: &mut DbConn, id: &str, closing: &Closing<'_>) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(complaints::table.find(id).filter(
        complaints::status.eq_any([ComplaintStatus::Open, ComplaintStatus::InReview])
    ))
    .set((
        complaints::status.eq(closing.status),
        complaints::resolution.eq(Some(closing.resolution)),
        complaints::refund_amount.eq(closing.refund_amount),
        complaints::resolved_by.eq(Some(closing.admin)),
        complaints::resolved_at.eq(Some(closing.at)),
        complaints::holds_escrow.eq(false),
        complaints::updated_at.eq(closing.at),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn add_message(conn: &mut DbConn, row: &MessageRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(complaint_messages::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// A complaint's messages oldest first: one side's, or both (`None`, admins).
pub async fn thread(
    conn: &mut DbConn,
    complaint_id: &str,
    side: Option<ComplaintSide>,
) -> QueryResult<Vec<MessageRow>> {
    db_run!(conn, |c| {
        let mut q = complaint_messages::table
            .filter(complaint_messages::complaint_id.eq(complaint_id))
            .select(MessageRow::as_select())
            .into_boxed();
        if let Some(side) = side {
            q = q.filter(complaint_messages::side.eq(side));
        }
        q.order((
            complaint_messages::created_at.asc(),
            complaint_messages::id.asc(),
        ))
        .load(c)
        .await
    })
}

/// Every complaint a user filed or is the subject of (their data export).
pub async fn of_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<ComplaintRow>> {
    db_run!(conn, |c| complaints::table
        .filter(
            complaints::reporter_id
                .eq(user_id)
                .or(complaints::respondent_id.eq(user_id))
        )
        .select(ComplaintRow::as_select())
        .order(complaints::created_at.asc())
        .load(c)
        .await)
}

/// Erases what a deleted user wrote: the descriptions of their complaints
/// and their messages (the complaints themselves stay for the records).
pub async fn erase_author(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    const ERASED: &str = "[erased at the author's request]";
    db_run!(conn, |c| diesel::update(
        complaints::table.filter(complaints::reporter_id.eq(user_id))
    )
    .set(complaints::description.eq(ERASED))
    .execute(c)
    .await)?;
    db_run!(conn, |c| diesel::update(
        complaint_messages::table.filter(complaint_messages::author_id.eq(user_id))
    )
    .set(complaint_messages::body.eq(ERASED))
    .execute(c)
    .await)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = complaint_attachments)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AttachmentRow {
    pub id: String,
    pub complaint_id: String,
    pub side: ComplaintSide,
    pub author_id: String,
    /// `application/pdf` or `image/jpeg` (photos are re-encoded).
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: NaiveDateTime,
}

impl AttachmentRow {
    /// Where the file is in the blob store.
    pub fn key(&self) -> String {
        format!(
            "complaints/{}/{}.{}",
            self.complaint_id.to_ascii_lowercase(),
            self.id.to_ascii_lowercase(),
            crate::uploads::files::extension(&self.content_type)
        )
    }
}

pub async fn add_attachment(conn: &mut DbConn, row: &AttachmentRow) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(complaint_attachments::table)
        .values(row)
        .execute(c)
        .await)?;
    Ok(())
}

/// A complaint's attachments oldest first: one side's, or both (`None`, admins).
pub async fn attachments(
    conn: &mut DbConn,
    complaint_id: &str,
    side: Option<ComplaintSide>,
) -> QueryResult<Vec<AttachmentRow>> {
    db_run!(conn, |c| {
        let mut q = complaint_attachments::table
            .filter(complaint_attachments::complaint_id.eq(complaint_id))
            .select(AttachmentRow::as_select())
            .into_boxed();
        if let Some(side) = side {
            q = q.filter(complaint_attachments::side.eq(side));
        }
        q.order((
            complaint_attachments::created_at.asc(),
            complaint_attachments::id.asc(),
        ))
        .load(c)
        .await
    })
}

/// Removes the attachments `user_id` added and returns them (their files
/// are removed by the caller): part of erasing an account.
pub async fn take_attachments_of(
    conn: &mut DbConn,
    user_id: &str,
) -> QueryResult<Vec<AttachmentRow>> {
    let rows: Vec<AttachmentRow> = db_run!(conn, |c| complaint_attachments::table
        .filter(complaint_attachments::author_id.eq(user_id))
        .select(AttachmentRow::as_select())
        .load(c)
        .await)?;
    db_run!(conn, |c| diesel::delete(
        complaint_attachments::table.filter(complaint_attachments::author_id.eq(user_id))
    )
    .execute(c)
    .await)?;
    Ok(rows)
}

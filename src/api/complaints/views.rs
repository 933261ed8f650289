use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::Reader;
use crate::db::{
    self, complaints::AttachmentRow, complaints::ComplaintRow, complaints::MessageRow,
};
use crate::domain::{ComplaintKind, ComplaintSide, ComplaintStatus, Severity};

/// A complaint, and the thread its reader may see.
#[derive(Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: String,
    pub booking_id: String,
    pub reporter_id: String,
    /// The booking's other party, whom the complaint is about.
    pub respondent_id: String,
    #[serde(rename = "type")]
    pub kind: ComplaintKind,
    pub severity: Severity,
    pub description: String,
    pub status: ComplaintStatus,
    /// The admin handling it (shown to admins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// The booking's payout waits for this complaint's resolution.
    pub holds_escrow: bool,
    pub resolution: Option<String>,
    /// What the resolution refunded to the customer, minor units.
    pub refund_amount: Option<i64>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Oldest first: the reader's side of the thread (both sides for admins).
    /// Absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<ComplaintMessageView>>,
    /// The files on the reader's side (both for admins). Absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentView>>,
}

/// A file added to a complaint.
#[derive(Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub side: ComplaintSide,
    pub author_id: String,
    /// `application/pdf` or `image/jpeg`.
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub file_url: String,
}

impl AttachmentView {
    pub fn of(a: &AttachmentRow, c: &ComplaintRow) -> Self {
        Self {
            id: a.id.clone(),
            side: a.side,
            author_id: a.author_id.clone(),
            content_type: a.content_type.clone(),
            size_bytes: a.size_bytes,
            created_at: db::utc(a.created_at),
            file_url: format!("/v1/complaints/{}/attachments/{}", c.id, a.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintMessageView {
    pub id: String,
    /// Whose conversation with the admins it belongs to.
    pub side: ComplaintSide,
    pub author_id: String,
    /// True when an admin wrote it.
    pub from_admin: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl ComplaintMessageView {
    pub fn of(m: &MessageRow, from_admin: bool) -> Self {
        Self {
            id: m.id.clone(),
            side: m.side,
            author_id: m.author_id.clone(),
            from_admin,
            body: m.body.clone(),
            created_at: db::utc(m.created_at),
        }
    }
}

impl ComplaintView {
    pub fn of(c: &ComplaintRow, reader: Reader) -> Self {
        Self {
            id: c.id.clone(),
            booking_id: c.booking_id.clone(),
            reporter_id: c.reporter_id.clone(),
            respondent_id: c.respondent_id.clone(),
            kind: c.kind,
            severity: c.severity,
            description: c.description.clone(),
            status: c.status,
            assigned_to: (reader == Reader::Admin)
                .then(|| c.assigned_to.clone())
                .flatten(),
            holds_escrow: c.holds_escrow,
            resolution: c.resolution.clone(),
            refund_amount: c.refund_amount,
            resolved_at: c.resolved_at.map(db::utc),
            created_at: db::utc(c.created_at),
            updated_at: db::utc(c.updated_at),
            messages: None,
            attachments: None,
        }
    }

    /// With the files the reader may see.
    pub fn with_attachments(mut self, c: &ComplaintRow, files: &[AttachmentRow]) -> Self {
        self.attachments = Some(files.iter().map(|a| AttachmentView::of(a, c)).collect());
        self
    }

    /// With the thread: messages written by neither party came from an admin.
    pub fn with_thread(mut self, c: &ComplaintRow, messages: &[MessageRow]) -> Self {
        self.messages = Some(
            messages
                .iter()
                .map(|m| {
                    let from_admin = m.author_id != c.reporter_id && m.author_id != c.respondent_id;
                    ComplaintMessageView::of(m, from_admin)
                })
                .collect(),
        );
        self
    }
}

/// A page of complaints.
#[derive(Serialize, ToSchema)]
pub struct ComplaintPage {
    pub items: Vec<ComplaintView>,
    pub next_cursor: Option<String>,
}

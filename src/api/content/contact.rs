use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::views::StatusView;
use crate::db::{self, content::Contact};
use crate::domain::{BoundedText, ClientInfo, Email, MessageText, PersonName};
use crate::error::ApiResult;
use crate::extract::ValidJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    #[schema(value_type = String)]
    pub name: PersonName,
    #[schema(value_type = String, format = "email")]
    pub email: Email,
    /// 1 to 200 characters.
    #[schema(value_type = String)]
    pub subject: BoundedText<1, 200>,
    /// 1 to 4000 characters.
    #[schema(value_type = String)]
    pub message: MessageText,
}

#[derive(Serialize, ToSchema)]
pub struct ContactView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
    /// Set once an admin marked it handled.
    pub handled_at: Option<DateTime<Utc>>,
    pub handled_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Contact> for ContactView {
    fn from(c: &Contact) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
            subject: c.subject.clone(),
            message: c.message.clone(),
            handled_at: c.handled_at.map(db::utc),
            handled_by: c.handled_by.clone(),
            created_at: db::utc(c.created_at),
        }
    }
}

/// Reach us (anyone; `ONSITE_RATE_CONTACT_IP` per address). The admins read
/// it under `/v1/admin/contact`.
#[utoipa::path(post, path = "/v1/contact", tag = "content", request_body = ContactRequest,
    responses((status = 202, body = StatusView), (status = 400, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<ContactRequest>,
) -> ApiResult<HttpResponse> {
    let row = Contact {
        id: db::new_id(),
        name: req.name.into_inner(),
        email: req.email.as_str().to_owned(),
        subject: req.subject.into_inner(),
        message: req.message.into_inner(),
        ip: client.ip,
        handled_by: None,
        handled_at: None,
        created_at: db::now(),
    };
    state
        .with_db(async |c| Ok(db::content::insert_contact(c, &row).await?))
        .await?;
    Ok(HttpResponse::Accepted().json(StatusView { status: "accepted" }))
}

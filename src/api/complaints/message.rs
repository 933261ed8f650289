use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::ComplaintMessageView;
use super::Reader;
use crate::db::{self, complaints::MessageRow};
use crate::domain::{ComplaintSide, MessageText, NotificationKind};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson};
use crate::notify::center::Notice;
use crate::notify::Mail;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintMessage {
    /// 1 to 4000 characters.
    #[schema(value_type = String)]
    pub body: MessageText,
    /// Admins only: whose side to write on (default `reporter`). A party
    /// always writes on its own side.
    pub side: Option<ComplaintSide>,
}

/// Write in a complaint's thread: a party on its own side, an admin on the
/// side it names (that party is notified). Closed complaints take no more
/// messages.
#[utoipa::path(post, path = "/v1/complaints/{id}/messages", tag = "complaints", security(("bearer" = [])),
    params(("id" = String, Path, description = "complaint id")), request_body = ComplaintMessage,
    responses((status = 201, body = ComplaintMessageView), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`complaint_closed`", body = crate::error::ErrorBody)))]
pub async fn message(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
    body: LateJson<ComplaintMessage>,
) -> ApiResult<HttpResponse> {
    let (view, notified) = state
        .in_transaction(async |c| {
            let (complaint, reader) = super::visible(c, &me, &path).await?;
            let req = body.parse()?;
            let side = match (reader, req.side) {
                (Reader::Party(own), None) => own,
                (Reader::Party(own), Some(side)) if side == own => own,
                (Reader::Party(_), Some(_)) => {
                    return Err(ApiError::validation(
                        "side",
                        "you write on your own side of the complaint",
                    ))
                }
                (Reader::Admin, side) => side.unwrap_or(ComplaintSide::Reporter),
            };
            if !complaint.is_open() {
                return Err(ApiError::Conflict(
                    "complaint_closed",
                    "this complaint is closed; file a new one if something else went wrong"
                        .into(),
                ));
            }
            let row = MessageRow {
                id: db::new_id(),
                complaint_id: complaint.id.clone(),
                side,
                author_id: me.id().to_owned(),
                body: req.body.into_inner(),
                created_at: db::now(),
            };
            db::complaints::add_message(c, &row).await?;
            let mut notified = Vec::new();
            if reader == Reader::Admin {
                let party = match side {
                    ComplaintSide::Reporter => &complaint.reporter_id,
                    ComplaintSide::Respondent => &complaint.respondent_id,
                };
                let notice = Notice::account(
                    party,
                    NotificationKind::ComplaintMessage,
                    Mail {
                        to: String::new(),
                        subject: "Support wrote about a complaint".into(),
                        body: format!("{}\n", row.body),
                    },
                    serde_json::json!({"complaint_id": complaint.id, "booking_id": complaint.booking_id}),
                );
                notified = state.delivery.store(c, vec![notice]).await?;
            }
            Ok((ComplaintMessageView::of(&row, reader == Reader::Admin), notified))
        })
        .await?;
    state.delivery.deliver(&notified);
    Ok(HttpResponse::Created().json(view))
}

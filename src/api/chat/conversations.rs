use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, bookings::Viewer};
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Conversation {
    pub booking_id: String,
    pub reference: String,
    pub status: onsite_actors::booking::BookingState,
    pub chat_active: bool,
    /// The other participant's user id.
    pub with: String,
    #[schema(value_type = Option<Object>)]
    #[schema(value_type = Option<Object>)]
    pub last_message: Option<onsite_actors::protocol::ChatMessage>,
    pub unread_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Conversations {
    pub items: Vec<Conversation>,
}

/// My booking conversations (those where I hold a chat token), newest first,
/// with the last message and how many messages I have not read.
#[utoipa::path(get, path = "/v1/chats", tag = "realtime", security(("bearer" = [])),
    responses((status = 200, body = Conversations)))]
pub async fn list(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            let bookings =
                db::bookings::list(conn, Viewer::Party(me.id()), &Default::default(), None, 100)
                    .await?;
            let mut items = Vec::new();
            for b in bookings {
                let mine = if me.id() == b.customer_id {
                    &b.customer_chat_token
                } else {
                    &b.provider_chat_token
                };
                if mine.is_none() {
                    continue;
                }
                let last = db::chat::last(conn, &b.id).await?;
                let unread_count = db::chat::unread(conn, &b.id, me.id()).await?;
                let chat_active = b.status.chat_active();
                items.push(Conversation {
                    with: if me.id() == b.customer_id {
                        b.provider_id.clone()
                    } else {
                        b.customer_id.clone()
                    },
                    booking_id: b.id,
                    reference: b.reference,
                    status: b.status,
                    chat_active,
                    last_message: last.map(|m| m.message()),
                    unread_count,
                });
            }
            Ok(HttpResponse::Ok().json(Conversations { items }))
        })
        .await
}

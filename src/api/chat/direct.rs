//! Direct provider <-> admin chat. A provider opens it (with any admin's id);
//! admins answer (the conversation is the provider's, any admin may reply).
//! Customers cannot open one with admins. Messages are committed before the
//! answer and delivered live to the other side's sockets (`direct_chat` frames).

use actix_web::{web, HttpResponse};
use onsite_actors::messages::Deliver;
use onsite_actors::protocol::{frames, parse, ChatMessage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{self, direct::DirectMessage};
use crate::domain::Role;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, LateJson};
use crate::notify;
use crate::state::AppState;

/// Which provider's conversation `me` may use with `other`.
async fn conversation_of(state: &AppState, me: &AuthUser, other: &str) -> ApiResult<String> {
    state
        .with_db(async |conn| {
            let other = db::users::find(conn, other)
                .await?
                .filter(|u| u.is_active())
                .ok_or(ApiError::NotFound("user"))?;
            match (me.role(), other.role) {
                (Role::Provider, Role::Admin) => Ok(me.id().to_owned()),
                (Role::Admin, Role::Provider) => Ok(other.id),
                (Role::Customer, _) => Err(ApiError::Forbidden(
                    "direct_chat_not_allowed",
                    "direct chat is between providers and the admin team".into(),
                )),
                _ => Err(ApiError::Forbidden(
                    "direct_chat_not_allowed",
                    "direct chat is between a provider and an admin".into(),
                )),
            }
        })
        .await
}

#[derive(Serialize, ToSchema)]
pub struct DirectConversation {
    pub provider_id: String,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ChatMessage>,
}

/// The direct conversation between a provider and the admin team.
#[utoipa::path(get, path = "/v1/chats/direct/{user_id}", tag = "realtime", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "an admin (for providers) or a provider (for admins)")),
    responses((status = 200, body = DirectConversation), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn history(
    state: web::Data<AppState>,
    me: AuthUser,
    user_id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let provider_id = conversation_of(&state, &me, &user_id).await?;
    state
        .with_db(async |conn| {
            let items = db::direct::conversation(conn, &provider_id, 500)
                .await?
                .iter()
                .map(DirectMessage::message)
                .collect();
            Ok(HttpResponse::Ok().json(DirectConversation { provider_id, items }))
        })
        .await
}

#[derive(Deserialize, ToSchema)]
pub struct DirectSend {
    pub text: String,
    pub client_msg_id: String,
}

/// Send a direct message (providers start; admins answer an opened conversation).
#[utoipa::path(post, path = "/v1/chats/direct/{user_id}", tag = "realtime", security(("bearer" = [])),
    params(("user_id" = String, Path)), request_body = DirectSend,
    responses((status = 201, description = "the stored message", body = Object),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    me: AuthUser,
    user_id: web::Path<String>,
    body: LateJson<DirectSend>,
) -> ApiResult<HttpResponse> {
    let provider_id = conversation_of(&state, &me, &user_id).await?;
    let body = body.parse()?;
    let text = parse::chat_text(Some(&body.text))?;
    let client_msg_id = parse::client_msg_id(Some(&body.client_msg_id))?;
    let (message, new, notified) = state
        .in_transaction(async |conn| {
            let to_provider = me.role() == Role::Admin;
            if to_provider && !db::direct::exists(conn, &provider_id).await? {
                return Err(ApiError::Conflict(
                    "not_opened",
                    "the provider has not opened a conversation".into(),
                ));
            }
            let draft = DirectMessage {
                id: db::new_id(),
                provider_id: provider_id.clone(),
                sender_id: me.id().to_owned(),
                body: text,
                client_msg_id,
                created_at: db::now(),
            };
            let (stored, new) = db::direct::insert_once(conn, &draft).await?;
            let message = stored.message();
            // A provider hears of an admin's message wherever they are.
            let mut notified = Vec::new();
            if new && to_provider {
                if let Some(provider) = db::users::find(conn, &provider_id).await? {
                    let notice = notify::chat::from_admin(
                        &provider.id,
                        provider.email.as_deref().unwrap_or_default(),
                        &message,
                        &state.config.http.public_url,
                    );
                    notified = state
                        .delivery
                        .store_for(conn, vec![notice], std::slice::from_ref(&provider))
                        .await?;
                }
            }
            Ok((message, new, notified))
        })
        .await?;
    if new {
        let to_provider = me.role() == Role::Admin;
        state.dispatcher.do_send(Deliver {
            user_id: to_provider.then(|| provider_id.clone()),
            admins: !to_provider,
            text: frames::direct_chat(&provider_id, &message),
        });
        state.delivery.deliver(&notified);
    }
    Ok(HttpResponse::Created().json(message))
}

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::password;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, ValidJson};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct DeleteAccount {
    /// The account's password, re-entered.
    pub password: String,
}

/// Delete my account: name, email, phone, avatar, location and settings are
/// erased, and so is what I wrote (chat, reviews' words, complaints, job
/// notes and addresses) and my name where others read it; bookings,
/// payments and ledger lines stay, tied to an anonymous id.
/// Every session ends and open sockets close with 4401.
#[utoipa::path(delete, path = "/v1/privacy/account", tag = "account", security(("bearer" = [])),
    request_body = DeleteAccount,
    responses((status = 204), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn delete_account(
    state: web::Data<AppState>,
    me: AuthUser,
    ValidJson(req): ValidJson<DeleteAccount>,
) -> ApiResult<HttpResponse> {
    if me.role() == crate::domain::Role::Admin {
        return Err(ApiError::Forbidden(
            "admin_account",
            "admin accounts are removed by another admin".into(),
        ));
    }
    let ok = password::verify_async(
        req.password,
        me.user.password_hash.clone(),
        state.dummy_hash.clone(),
    )
    .await?;
    if !ok {
        return Err(ApiError::validation(
            "password",
            "is not this account's password",
        ));
    }
    let id = me.id().to_owned();
    let placeholder = format!("deleted+{id}@deleted.invalid");
    state
        .with_db(async |conn| {
            let documents = db::transaction(conn, async |c| {
                db::users::erase(c, &id, &placeholder).await?;
                db::totp::remove(c, &id).await?;
                db::addresses::delete_all(c, &id).await?;
                db::oidc::unlink_all(c, &id).await?;
                // What was told to them, what still waits to reach them, and
                // where push would reach them, goes too.
                db::notifications::delete_for_user(c, &id).await?;
                db::outbox::forget(c, &id, me.user.email.as_deref(), me.user.phone.as_deref())
                    .await?;
                db::devices::remove_all(c, &id).await?;
                db::devices::forget_alerts(c, &id).await?;
                db::consents::forget(c, &id).await?;
                db::erasure::erase(
                    c,
                    &db::erasure::Person {
                        id: &id,
                        email: me.user.email.as_deref(),
                        phone: me.user.phone.as_deref(),
                        first_name: &me.user.first_name,
                        last_name: &me.user.last_name,
                        placeholder: &placeholder,
                    },
                )
                .await?;
                db::sessions::revoke_all(c, &id, None, "account_deleted").await?;
                // A provider's identity documents go with them.
                let documents = db::documents::of_provider(c, &id).await?;
                db::documents::delete_of(c, &id).await?;
                let mut files: Vec<String> = documents.iter().map(|d| d.key()).collect();
                files.extend(
                    db::complaints::take_attachments_of(c, &id)
                        .await?
                        .iter()
                        .map(|a| a.key()),
                );
                Ok::<_, ApiError>(files)
            })
            .await?;
            for key in documents {
                if let Err(e) = state.blobs.delete(&key).await {
                    tracing::error!(file = %key, error = %e, "erased account's file not removed");
                }
            }
            if let Some(version) = &me.user.avatar {
                crate::api::me::avatar::remove(&state, &id, version).await;
            }
            crate::ws::close_user(&state, &id);
            tracing::info!(user = %id, "account deleted");
            Ok(HttpResponse::NoContent().finish())
        })
        .await
}

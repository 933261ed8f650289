//! Invitations: an admin creates an account with no password and mails its
//! owner a single-use link to choose one (`POST /v1/auth/invitations/accept`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::register::ensure_free;
use crate::api::views::UserView;
use crate::auth::challenge::{self, Purpose};
use crate::db::{self, users::User};
use crate::domain::{Channel, ClientInfo, Email, PersonName, Phone, Role};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::i18n::{middleware::RequestLang, Lang};
use crate::notify::{center, templates};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(value_type = String, format = "email")]
    pub email: Email,
    #[schema(value_type = String)]
    pub first_name: PersonName,
    #[schema(value_type = String)]
    pub last_name: PersonName,
    #[schema(value_type = Option<String>, example = "+27821234567")]
    pub phone: Option<Phone>,
    /// `en` or `fa`: the invitee's language (their account keeps it); by
    /// default the language of this request (`Accept-Language`).
    pub language: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InviteResponse {
    pub user: UserView,
    pub invitation: InvitationView,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    /// The address the completion link went to.
    pub sent_to: String,
    /// The link is single use and expires then.
    pub expires_at: DateTime<Utc>,
}

/// Creates the account (no password; the email counts as verified once the
/// invitation is accepted) and mails the completion link.
pub async fn invite(
    state: &AppState,
    me: &AuthUser,
    client: &ClientInfo,
    req: InviteRequest,
    role: Role,
    RequestLang(asked): RequestLang,
) -> ApiResult<InviteResponse> {
    let lang = match req.language.as_deref() {
        Some(tag) => Lang::parse(tag)
            .filter(|l| l.tag() == tag)
            .ok_or_else(|| ApiError::validation("language", "must be en or fa"))?,
        None => asked,
    };
    state
        .with_db(async |conn| {
            ensure_free(conn, &req.email, req.phone.as_ref()).await?;
            let mut user = User::new_account(
                Some(req.email.as_str().to_owned()),
                req.phone.map(Phone::into_inner),
                None,
                req.first_name.into_inner(),
                req.last_name.into_inner(),
                role,
            );
            user.language = Some(lang.tag().to_owned());
            let issued = db::transaction(conn, async |c| {
                if let Err(err) = db::users::insert(c, &user).await {
                    if db::is_unique_violation(&err) {
                        return Err(ApiError::Conflict(
                            "account_exists",
                            "an account with this email or phone already exists".into(),
                        ));
                    }
                    return Err(err.into());
                }
                if role == Role::Provider {
                    db::providers::find_or_create(c, &user.id).await?;
                }
                let issued = challenge::issue(
                    state,
                    c,
                    Some(&user.id),
                    Purpose::Invitation,
                    req.email.as_str(),
                    false,
                    true,
                )
                .await?;
                let token = issued.token.as_deref().unwrap_or_default();
                let link = format!(
                    "{}/accept-invitation?token={token}",
                    state.config.http.public_url
                );
                // The account and its invitation mail commit together.
                let mail = templates::localized(
                    lang,
                    &format!("invitation-{role}"),
                    &[("link", link.as_str()), ("token", token)],
                    templates::invitation(req.email.as_str(), role.as_str(), token, &link),
                );
                center::queue_mail(c, &mail).await?;
                super::audit::record(
                    c,
                    me,
                    client,
                    super::audit::Entry {
                        action: "user.invite",
                        target_type: "user",
                        target_id: &user.id,
                        before: None,
                        after: Some(serde_json::json!({"role": role, "email": user.email})),
                        reason: None,
                    },
                )
                .await?;
                Ok::<_, ApiError>(issued)
            })
            .await?;
            state.delivery.wake(Channel::Mail);
            let expires_at = db::challenges::find(conn, &issued.id)
                .await?
                .map_or_else(Utc::now, |c| db::utc(c.expires_at));
            tracing::info!(user = %user.id, role = %user.role, "account invited");
            Ok(InviteResponse {
                user: UserView::from(&user),
                invitation: InvitationView {
                    sent_to: req.email.as_str().to_owned(),
                    expires_at,
                },
            })
        })
        .await
}

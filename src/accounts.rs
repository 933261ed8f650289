//! Account creation outside the public API: the bootstrap admin and
//! `onsite admin create`.

use crate::auth::password;
use crate::db::{self, users::User, DbConn};
use crate::domain::{Email, Password, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Creates an admin account (email already verified: they received the
/// credentials out of band, and every admin login is confirmed by email).
pub async fn create_admin(
    conn: &mut DbConn,
    email: &Email,
    password: &Password,
    first_name: &str,
    last_name: &str,
) -> ApiResult<User> {
    if db::users::email_taken(conn, email.as_str()).await? {
        return Err(ApiError::Conflict(
            "email_taken",
            format!("{} already has an account", email.as_str()),
        ));
    }
    let hash = password::hash_async(password.expose().to_owned()).await?;
    let mut user = User::new_account(
        Some(email.as_str().to_owned()),
        None,
        Some(hash),
        first_name.to_owned(),
        last_name.to_owned(),
        Role::Admin,
    );
    user.email_verified_at = Some(user.created_at);
    db::users::insert(conn, &user).await?;
    Ok(user)
}

/// On first start: creates the admin named by `ONSITE_ADMIN_EMAIL` /
/// `ONSITE_ADMIN_PASSWORD` if there is no admin yet.
pub async fn bootstrap_admin(state: &AppState) -> anyhow::Result<()> {
    let Some((email, pass)) = &state.config.auth.bootstrap_admin else {
        return Ok(());
    };
    let email =
        Email::try_from(email.clone()).map_err(|e| anyhow::anyhow!("ONSITE_ADMIN_EMAIL {e}"))?;
    let pass = Password::try_from(pass.clone())
        .map_err(|e| anyhow::anyhow!("ONSITE_ADMIN_PASSWORD {e}"))?;
    state
        .db
        .run(async |conn| {
            if db::users::any_admin(conn).await? {
                return Ok(());
            }
            let user = create_admin(conn, &email, &pass, "Admin", "")
                .await
                .map_err(|e| anyhow::anyhow!("bootstrap admin: {e}"))?;
            tracing::info!(user = %user.id, email = %user.identifier(), "bootstrap admin created");
            Ok::<(), anyhow::Error>(())
        })
        .await?
}

//! Who may change a service.

use crate::db::{self, services::Service, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::marketplace;

/// The service, if `me` may change it: its provider or an admin. 404 when
/// `me` may not even see it, 403 `not_owner` when they may see but not change it.
pub async fn editable(conn: &mut DbConn, me: &AuthUser, id: &str) -> ApiResult<Service> {
    let service = db::services::find(conn, id)
        .await?
        .ok_or(ApiError::NotFound("service"))?;
    if me.is_admin() || service.provider_id.as_deref() == Some(me.id()) {
        return Ok(service);
    }
    if marketplace::can_see_service(conn, Some(&me.user), &service).await? {
        return Err(ApiError::Forbidden(
            "not_owner",
            "only the service's provider or an admin may change it".into(),
        ));
    }
    Err(ApiError::NotFound("service"))
}

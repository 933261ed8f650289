use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::AddressView;
use crate::db;
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AddressList {
    /// The default first, then oldest first.
    pub items: Vec<AddressView>,
}

/// My saved addresses.
#[utoipa::path(get, path = "/v1/me/addresses", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = AddressList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    let rows = state
        .with_db(async |conn| Ok(db::addresses::list(conn, me.id()).await?))
        .await?;
    Ok(HttpResponse::Ok().json(AddressList {
        items: rows.iter().map(AddressView::from).collect(),
    }))
}

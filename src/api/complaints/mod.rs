//! `/v1/complaints`: a party of a booking complains about it, follows its
//! handling and talks to the admins on its own side of the thread (rules in
//! [`crate::complaints`]; the admins' queue is under `/v1/admin/complaints`).

pub mod attachments;
pub mod file;
pub mod get;
pub mod message;
pub mod mine;
pub mod views;

use actix_web::web;

use crate::db::{self, complaints::ComplaintRow, DbConn};
use crate::domain::ComplaintSide;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/v1/complaints")
            .wrap(crate::only!(Parties))
            .route(web::post().to(file::file)),
    )
    .service(web::resource("/v1/complaints/mine").route(web::get().to(mine::mine)))
    .service(web::resource("/v1/complaints/{id}").route(web::get().to(get::get)))
    .service(web::resource("/v1/complaints/{id}/messages").route(web::post().to(message::message)))
    .service(
        web::resource("/v1/complaints/{id}/attachments").route(web::post().to(attachments::upload)),
    )
    .service(
        web::resource("/v1/complaints/{id}/attachments/{attachment_id}")
            .route(web::get().to(attachments::download)),
    );
}

/// Who is reading a complaint: its reporter, the other party (each on their
/// own side of the thread), or an admin (both sides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Party(ComplaintSide),
    Admin,
}

/// The complaint `id` as `me` may see it; 404 for anyone else.
pub async fn visible(c: &mut DbConn, me: &AuthUser, id: &str) -> ApiResult<(ComplaintRow, Reader)> {
    let row = db::complaints::find(c, id)
        .await?
        .ok_or(ApiError::NotFound("complaint"))?;
    let reader = if me.is_admin() {
        Reader::Admin
    } else if row.reporter_id == me.id() {
        Reader::Party(ComplaintSide::Reporter)
    } else if row.respondent_id == me.id() {
        Reader::Party(ComplaintSide::Respondent)
    } else {
        return Err(ApiError::NotFound("complaint"));
    };
    Ok((row, reader))
}

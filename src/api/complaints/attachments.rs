use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};

use super::views::AttachmentView;
use super::Reader;
use crate::db::{self, complaints::AttachmentRow};
use crate::domain::ComplaintSide;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;
use crate::uploads::{files, multipart};

/// Add a file to a complaint (multipart field `file`: a PDF, or a JPEG,
/// PNG or WebP photo, at most 10 MB; photos are re-encoded). It goes on the
/// sender's side like a message (admins name it with field `side`, default
/// `reporter`). Closed complaints take no more files.
#[utoipa::path(post, path = "/v1/complaints/{id}/attachments", tag = "complaints", security(("bearer" = [])),
    params(("id" = String, Path, description = "complaint id")),
    request_body(content_type = "multipart/form-data", description = "field `file` (and `side` for admins)"),
    responses((status = 201, body = AttachmentView),
        (status = 400, description = "`undecodable_file`, `undecodable_image`, `mislabelled_file`", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "`complaint_closed`", body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<String>,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let (complaint, reader) = state
        .with_db(async |c| super::visible(c, &me, &path).await)
        .await?;
    if !complaint.is_open() {
        return Err(ApiError::Conflict(
            "complaint_closed",
            "this complaint is closed".into(),
        ));
    }
    let file = multipart::read(form, &["file"], files::FILE_LIMIT).await?;
    let side = match (reader, file.fields.get("side").map(String::as_str)) {
        (Reader::Party(own), None) => own,
        (Reader::Party(own), Some(s)) if s == own.as_str() => own,
        (Reader::Party(_), Some(_)) => {
            return Err(ApiError::validation(
                "side",
                "you add files on your own side",
            ))
        }
        (Reader::Admin, None) => ComplaintSide::Reporter,
        (Reader::Admin, Some(s)) => s
            .parse()
            .map_err(|_| ApiError::validation("side", "must be `reporter` or `respondent`"))?,
    };
    let (content_type, bytes) = files::accept(file).await?;
    let row = AttachmentRow {
        id: db::new_id(),
        complaint_id: complaint.id.clone(),
        side,
        author_id: me.id().to_owned(),
        content_type: content_type.to_owned(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        created_at: db::now(),
    };
    state
        .blobs
        .put(&row.key(), bytes, content_type)
        .await
        .map_err(ApiError::internal)?;
    state
        .with_db(async |c| Ok(db::complaints::add_attachment(c, &row).await?))
        .await?;
    Ok(HttpResponse::Created().json(AttachmentView::of(&row, &complaint)))
}

/// One attachment's file: for whoever reads its side (admins: both), 404
/// for anyone else; never cached, always downloaded.
#[utoipa::path(get, path = "/v1/complaints/{id}/attachments/{attachment_id}", tag = "complaints", security(("bearer" = [])),
    params(("id" = String, Path, description = "complaint id"), ("attachment_id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the file (or image/jpeg)"),
        (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (complaint_id, attachment_id) = path.into_inner();
    let row = state
        .with_db(async |c| {
            let (complaint, reader) = super::visible(c, &me, &complaint_id).await?;
            let side = match reader {
                Reader::Party(side) => Some(side),
                Reader::Admin => None,
            };
            db::complaints::attachments(c, &complaint.id, side)
                .await?
                .into_iter()
                .find(|a| a.id == attachment_id)
                .ok_or(ApiError::NotFound("attachment"))
        })
        .await?;
    let blob = state
        .blobs
        .get(&row.key())
        .await
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound("attachment"))?;
    let name = format!(
        "attachment-{}.{}",
        row.id,
        files::extension(&row.content_type)
    );
    Ok(files::private_response(
        blob.bytes,
        &row.content_type,
        &name,
    ))
}

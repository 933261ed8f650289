use actix_web::{http::header, web, HttpResponse};
use serde_json::{json, Value};

use crate::db::{self, bookings::Viewer, DbConn};
use crate::domain::{ComplaintSide, Role};
use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;

/// Rows read per query while collecting.
const PAGE: i64 = 500;

/// Reads every page of a newest-first keyset list.
async fn all<T>(
    c: &mut DbConn,
    mut page: impl AsyncFnMut(
        &mut DbConn,
        Option<(chrono::NaiveDateTime, String)>,
    ) -> diesel::QueryResult<Vec<T>>,
    key: impl Fn(&T) -> (chrono::NaiveDateTime, String),
) -> diesel::QueryResult<Vec<T>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let rows = page(c, after.take()).await?;
        let full = i64::try_from(rows.len()).unwrap_or(0) == PAGE;
        after = rows.last().map(&key);
        out.extend(rows);
        if !full {
            return Ok(out);
        }
    }
}

fn to_json<T: serde::Serialize>(rows: &T) -> Value {
    serde_json::to_value(rows).unwrap_or(Value::Null)
}

/// Everything the server keeps about me, as one JSON document: profile,
/// provider profile, bookings with their SLA, payments and refunds, my
/// ledger lines, chat messages of my bookings and my direct conversation,
/// reviews by and of me, complaints with my side of their threads, consents,
/// devices, sign-in history, sessions, notifications and favorites. Times are
/// UTC; amounts are minor units. Never cached.
#[utoipa::path(get, path = "/v1/privacy/export", tag = "account", security(("bearer" = [])),
    responses((status = 200, content_type = "application/json", description = "all my data", body = Object),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn export(state: web::Data<AppState>, me: AuthUser) -> ApiResult<HttpResponse> {
    let id = me.id().to_owned();
    let doc = state
        .with_db(async |c| {
            let user = db::users::find(c, &id).await?;
            let provider = if me.role() == Role::Provider {
                db::providers::find(c, &id).await?
            } else {
                None
            };
            let bookings = all(
                c,
                async |c, after| {
                    db::bookings::list(c, Viewer::Party(&id), &Default::default(), after, PAGE)
                        .await
                },
                |b| (b.created_at, b.id.clone()),
            )
            .await?;
            let mut booking_docs = Vec::with_capacity(bookings.len());
            let mut messages = Vec::new();
            let mut reviews = Vec::new();
            let mut refunds = Vec::new();
            for b in &bookings {
                let sla = db::sla::find(c, &b.id).await?;
                booking_docs.push(json!({"booking": to_json(b), "sla": to_json(&sla)}));
                messages.extend(db::chat::history(c, &b.id, 0, 100_000).await?);
                reviews.extend(db::reviews::of_booking(c, &b.id).await?);
                if b.customer_id == id {
                    refunds.extend(db::payments::refunds_for(c, &b.id).await?);
                }
            }
            let direct = if me.role() == Role::Provider {
                db::direct::conversation(c, &id, 100_000).await?
            } else {
                Vec::new()
            };
            let payments = all(
                c,
                async |c, after| db::payments::list(c, Some(&id), after, PAGE).await,
                |p| (p.created_at, p.id.clone()),
            )
            .await?;
            let account = match me.role() {
                Role::Provider => db::ledger::provider(&id),
                _ => db::ledger::customer(&id),
            };
            let ledger: Vec<Value> = all(
                c,
                async |c, after| db::ledger::lines(c, &account, after, PAGE).await,
                |(e, _)| (e.created_at, e.id.clone()),
            )
            .await?
            .iter()
            .map(|(e, t)| json!({"entry": to_json(e), "transaction": to_json(t)}))
            .collect();
            let mut complaints = Vec::new();
            for row in db::complaints::of_user(c, &id).await? {
                let side = if row.reporter_id == id {
                    ComplaintSide::Reporter
                } else {
                    ComplaintSide::Respondent
                };
                let thread = db::complaints::thread(c, &row.id, Some(side)).await?;
                complaints.push(json!({"complaint": to_json(&row), "messages": to_json(&thread)}));
            }
            let notifications = all(
                c,
                async |c, after| db::notifications::page(c, &id, after, PAGE).await,
                |n| (n.created_at, n.id.clone()),
            )
            .await?;
            let favorites: Vec<Value> = all(
                c,
                async |c, after| db::favorites::page(c, &id, after, PAGE).await,
                |(p, at)| (*at, p.clone()),
            )
            .await?
            .iter()
            .map(|(p, at)| json!({"provider_id": p, "added_at": at}))
            .collect();
            Ok(json!({
                "exported_at": db::utc(db::now()),
                "profile": to_json(&user),
                "provider_profile": to_json(&provider),
                "bookings": booking_docs,
                "payments": to_json(&payments),
                "refunds": to_json(&refunds),
                "ledger": ledger,
                "messages": to_json(&messages),
                "direct_messages": to_json(&direct),
                "reviews": to_json(&reviews),
                "complaints": complaints,
                "consents": to_json(&db::consents::history(c, &id).await?),
                "devices": to_json(&db::devices::of_user(c, &id).await?),
                "addresses": to_json(&db::addresses::list(c, &id).await?),
                "sign_in_providers": to_json(&db::oidc::of_user(c, &id).await?),
                "login_history": to_json(&db::audit::for_user(c, &id, 100_000).await?),
                "sessions": to_json(&db::sessions::list_live(c, &id).await?),
                "notifications": to_json(&notifications),
                "favorites": favorites,
                "feedback": to_json(&all(
                    c,
                    async |c, after| db::content::feedback_page(c, Some(&id), after, PAGE).await,
                    |f| (f.created_at, f.id.clone()),
                )
                .await?),
                "contact_messages": to_json(&all(
                    c,
                    async |c, after| {
                        match me.user.email.as_deref() {
                            Some(email) => {
                                db::content::contact_page(c, None, Some(email), after, PAGE).await
                            }
                            None => Ok(Vec::new()),
                        }
                    },
                    |m| (m.created_at, m.id.clone()),
                )
                .await?),
                "payout_account": db::payouts::destination(c, &id).await?,
                "payouts": to_json(&all(
                    c,
                    async |c, after| db::payouts::list(c, Some(&id), None, after, PAGE).await,
                    |p| (p.created_at, p.id.clone()),
                )
                .await?),
            }))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"onsite-my-data.json\"",
        ))
        .json(doc))
}

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(root)))
        .service(web::resource("/health").route(web::get().to(live)))
        .service(web::resource("/health/ready").route(web::get().to(ready)));
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when a node of a cluster cannot reach Redis (it
    /// serves what it owns; commands for other nodes' bookings fail).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterHealth>,
}

/// A node of a cluster.
#[derive(Serialize, ToSchema)]
pub struct ClusterHealth {
    pub node: String,
    /// `ok` or `down`.
    pub redis: &'static str,
    /// The other nodes heard of within a lease.
    pub peers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Service {
    pub service: &'static str,
    pub version: &'static str,
    /// Where to read more: the API reference, the OpenAPI document, health.
    pub links: Links,
}

#[derive(Serialize, ToSchema)]
pub struct Links {
    pub docs: &'static str,
    pub openapi: &'static str,
    pub health: &'static str,
}

/// What answers here: the service, its version, where its documents are.
#[utoipa::path(get, path = "/", tag = "operations", responses((status = 200, body = Service)))]
pub async fn root() -> HttpResponse {
    HttpResponse::Ok().json(Service {
        service: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        links: Links {
            docs: "/docs",
            openapi: "/openapi.json",
            health: "/health",
        },
    })
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = Health)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
        cluster: None,
    })
}

/// Readiness: the database answers a query.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorBody)))]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state
        .with_db(async |conn| {
            db::ping(conn).await.map_err(|e| {
                tracing::error!(error = %e, "readiness query failed");
                ApiError::Unavailable
            })?;
            let cluster = state.cluster.as_ref().map(|c| {
                let mut peers = c.peers();
                peers.sort();
                ClusterHealth {
                    node: c.node_id.to_string(),
                    redis: if c.connected() { "ok" } else { "down" },
                    peers,
                }
            });
            let degraded = cluster.as_ref().is_some_and(|c| c.redis != "ok");
            Ok(HttpResponse::Ok().json(Health {
                status: if degraded { "degraded" } else { "ok" },
                database: Some(state.db.backend()),
                cluster,
            }))
        })
        .await
}

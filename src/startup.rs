//! Builds the application: migrations, pools, state, the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};

use crate::config::Config;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::extract::JSON_LIMIT;
use crate::state::AppState;
use crate::{accounts, api, middleware};

/// Connections the kernel queues before they are accepted. After a restart
/// every app reconnects at once; with the usual 128 most of their SYNs would
/// be dropped and retried seconds later. (The kernel caps it at
/// `net.core.somaxconn`.)
const LISTEN_BACKLOG: i32 = 8192;

/// The listening socket, with a backlog sized for a mass reconnect.
fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Migrates the database, connects, bootstraps the admin and binds the
    /// listener (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let applied = db::migrate::run(&config).await?;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
        let pool = DbPool::connect(&config).await?;
        let listener = listen(config.http.bind)
            .map_err(|e| anyhow::anyhow!("ONSITE_BIND {}: {e}", config.http.bind))?;
        let port = listener.local_addr()?.port();
        let workers = config.http.workers;
        let state = web::Data::new(AppState::build(config, pool).await?);
        accounts::bootstrap_admin(&state).await?;
        crate::sweeper::spawn(state.clone());
        crate::notify::worker::spawn(state.clone());
        let data = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(JSON_LIMIT))
                .app_data(web::PathConfig::default().error_handler(|err, _| {
                    ApiError::BadRequest("invalid_path", err.to_string()).into()
                }))
                .app_data(web::QueryConfig::default().error_handler(|err, _| {
                    ApiError::BadRequest("invalid_query", err.to_string()).into()
                }))
                .configure(api::routes)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ApiError::NotFound("route"))
                }))
                .wrap(ErrorHandlers::new().default_handler(middleware::json_errors))
                .wrap(from_fn(middleware::request_id))
        })
        .listen(listener)?
        .shutdown_timeout(10);
        if let Some(n) = workers {
            server = server.workers(n.max(1));
        }
        tracing::info!(port, backend = state.db.backend(), "listening");
        Ok(Self {
            port,
            server: server.run(),
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM (graceful) or the server is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

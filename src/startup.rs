//! Builds the application: migrations, pools, state, the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Condition, ErrorHandlers};
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
    /// The `/metrics` listener when `ONSITE_METRICS_BIND` is set.
    metrics: Option<(u16, Server)>,
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
        crate::metrics::install();
        let pool = DbPool::connect(&config).await?;
        let listener = listen(config.http.bind)
            .map_err(|e| anyhow::anyhow!("ONSITE_BIND {}: {e}", config.http.bind))?;
        let port = listener.local_addr()?.port();
        let workers = config.http.workers;
        let metrics_bind = config.edge.metrics_bind;
        let grace = config.edge.shutdown_grace.as_secs().max(1);
        let state = web::Data::new(AppState::build(config, pool).await?);
        accounts::bootstrap_admin(&state).await?;
        crate::cluster::start(state.clone());
        crate::sweeper::spawn(state.clone());
        crate::notify::worker::spawn(state.clone());
        crate::geocoding::locate::spawn(state.clone());
        let data = state.clone();
        // The server's own origin (its documentation page) is always allowed
        // once CORS is on.
        let origins: Vec<String> = {
            let mut o = state.config.edge.cors_origins.clone();
            if !o.is_empty() {
                if let Ok(own) = url::Url::parse(&state.config.http.public_url) {
                    o.push(own.origin().ascii_serialization());
                }
            }
            o
        };
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
                .configure(|cfg| {
                    if metrics_bind.is_none() {
                        cfg.route("/metrics", web::get().to(crate::metrics::scrape));
                    }
                })
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ApiError::NotFound("route"))
                }))
                .wrap(ErrorHandlers::new().default_handler(middleware::json_errors))
                // Outside the error handlers: every JSON error, whoever made it.
                .wrap(from_fn(crate::i18n::middleware::localize))
                .wrap(Condition::new(
                    !origins.is_empty(),
                    crate::edge::headers::cors(&origins),
                ))
                .wrap(from_fn(crate::edge::headers::security))
                // gzip or brotli when the client asks (websocket upgrades never are).
                .wrap(actix_web::middleware::Compress::default())
                .wrap(from_fn(middleware::request_id))
        })
        .listen(listener)?
        // Signals are ours (`run_until_stopped`): sockets are told first.
        .disable_signals()
        .shutdown_timeout(grace);
        if let Some(n) = workers {
            server = server.workers(n.max(1));
        }
        let metrics = match metrics_bind {
            Some(addr) => {
                let data = state.clone();
                let listener = std::net::TcpListener::bind(addr)
                    .map_err(|e| anyhow::anyhow!("ONSITE_METRICS_BIND {addr}: {e}"))?;
                let port = listener.local_addr()?.port();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .route("/metrics", web::get().to(crate::metrics::scrape))
                })
                .workers(1)
                .listen(listener)?
                .disable_signals()
                .shutdown_timeout(1)
                .run();
                tracing::info!(port, "metrics listening");
                Some((port, server))
            }
            None => None,
        };
        tracing::info!(port, backend = state.db.backend(), "listening");
        Ok(Self {
            port,
            server: server.run(),
            metrics,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The port `/metrics` is served on when `ONSITE_METRICS_BIND` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully
    /// ([`crate::shutdown`]), or until the server is stopped otherwise.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut handles = vec![self.server.handle()];
        let mut metrics = None;
        if let Some((_, server)) = self.metrics {
            handles.push(server.handle());
            metrics = Some(actix_web::rt::spawn(server));
        }
        // Spawned: the server's future handles the stop command while the
        // shutdown waits for it.
        let mut server = actix_web::rt::spawn(self.server);
        tokio::select! {
            done = &mut server => return done.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            () = crate::shutdown::signalled() => {}
        }
        crate::shutdown::drain(&self.state, &handles).await;
        let done = server
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if let Some(m) = metrics {
            let _ = m.await;
        }
        done
    }
}

//! Who is calling: the peer address and user agent, recorded with logins and sessions.

/// Who is calling: peer IP and user agent, as recorded in audits and sessions.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn of(req: &actix_web::HttpRequest) -> Self {
        Self {
            // Behind a trusted proxy, the address it forwarded.
            ip: crate::edge::client_ip::of(req).map(|ip| ip.to_string()),
            user_agent: req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect()),
        }
    }
}

//! The server's edge: who the client is behind proxies, rate limits,
//! security headers and CORS.

pub mod client_ip;
pub mod headers;
pub mod limits;

//! The client's address: the TCP peer, or, when the peer is a proxy named
//! in `ONSITE_TRUSTED_PROXIES`, the address it reports in
//! `X-Forwarded-For`. Rate limits key IPv6 clients by their /64, since one
//! subscriber usually holds a whole /64.

use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpRequest;
use ipnet::IpNet;

/// Parses `ONSITE_TRUSTED_PROXIES`: comma-separated addresses or CIDR
/// blocks (`10.0.0.0/8, 127.0.0.1, ::1`).
pub fn parse_proxies(raw: &str) -> Result<Vec<IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))
        })
        .collect()
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address as this server should believe it.
pub fn resolve(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = canonical(peer?);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    // From the right: each hop appended the address it saw. The first one
    // that is not a trusted proxy is the client; anything left of it could
    // have been written by the client itself.
    let mut client = peer;
    for hop in forwarded_for.unwrap_or_default().rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = canonical(ip);
        if !is_trusted(&client) {
            break;
        }
    }
    Some(client)
}

/// [`resolve`] for a request, with the server's trusted proxies.
pub fn of(req: &HttpRequest) -> Option<IpAddr> {
    let trusted = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|s| s.config.edge.trusted_proxies.as_slice())
        .unwrap_or_default();
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    resolve(req.peer_addr().map(|a| a.ip()), forwarded, trusted)
}

/// The key a rate limit counts an address under: an IPv4 address, or an
/// IPv6 address's /64.
pub fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxies = parse_proxies("10.0.0.0/8, ::1").unwrap();
        // Not a proxy: the header is the client's own claim.
        assert_eq!(
            resolve(Some(ip("203.0.113.9")), Some("1.2.3.4"), &proxies),
            Some(ip("203.0.113.9"))
        );
        // Behind the proxy: the rightmost untrusted hop.
        assert_eq!(
            resolve(
                Some(ip("10.0.0.5")),
                Some("6.6.6.6, 198.51.100.7, 10.0.0.9"),
                &proxies
            ),
            Some(ip("198.51.100.7"))
        );
        // A proxy without the header: the proxy itself.
        assert_eq!(resolve(Some(ip("::1")), None, &proxies), Some(ip("::1")));
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            resolve(Some(ip("10.0.0.5")), Some("nonsense"), &proxies),
            Some(ip("10.0.0.5"))
        );
        assert!(parse_proxies("10.0.0.0/33").is_err());
        assert!(parse_proxies("proxy.local").is_err());
        // An IPv4-mapped peer is its IPv4 address.
        assert_eq!(
            resolve(Some(ip("::ffff:203.0.113.9")), None, &[]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            limit_key(ip("2001:db8:1:2:ffff::9")),
            limit_key(ip("2001:db8:1:2::1"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:3::1")),
            limit_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(limit_key(ip("192.0.2.1")), "192.0.2.1");
    }
}

//! Who the client is and where the site is: the client address used for the sign-in
//! allowance (behind trusted reverse proxies only, from `X-Forwarded-For`), and the public
//! base URL used for absolute links (never from the request's `Host` header).

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::HeaderMap;

/// A range of addresses, written `addr` or `addr/prefix` (CIDR): the reverse proxies
/// whose `X-Forwarded-For` header is believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for IpRange {
    type Err = String;

    /// An address with an optional prefix length: `10.0.0.0/8`, `::1` (a single address).
    /// (Examples in `tests::ip_ranges_parse_and_contain`.)
    fn from_str(s: &str) -> Result<IpRange, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR range such as 10.0.0.0/8"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(IpRange { addr, prefix })
    }
}

impl IpRange {
    /// Whether `ip` is in the range (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (canonical(self.addr), ip) {
            (IpAddr::V4(r), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(r) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(r), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(r) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the
/// right-most address of `X-Forwarded-For` that is not a trusted proxy (a client can
/// write anything to the left of what its own proxy added, so only that part is
/// believed). With no proxy trusted, `X-Forwarded-For` is ignored.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return canonical(peer);
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Something unreadable: what is left of it cannot be believed.
            Err(_) => break,
        }
    }
    canonical(client)
}

/// The client of a request, as text for the sign-in allowance ("local" when not served
/// on a socket, as in tests that drive the router directly).
pub fn client_of(parts: &Parts, trusted: &[IpRange]) -> String {
    match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(c) => client_ip(c.0.ip(), &parts.headers, trusted).to_string(),
        None => "local".into(),
    }
}

/// Checks a public base URL (`--public-url`): `http` or `https`, a host, no query or
/// fragment; returned without a trailing `/` (examples in `tests::public_urls`).
pub fn public_url(s: &str) -> Result<String, String> {
    let s = s.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| format!("{s:?} must start with https:// or http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._~/:[]%".contains(&b);
    if host.is_empty() || !rest.bytes().all(plain) {
        return Err(format!(
            "{s:?} must be a plain address such as https://quire.example.org, with no query or fragment"
        ));
    }
    Ok(s.trim_end_matches('/').to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        h
    }

    // Were doctests (each one a link step of the whole server).
    #[test]
    fn ip_ranges_parse_and_contain() {
        let r: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains("10.1.2.3".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        assert!("::1"
            .parse::<IpRange>()
            .unwrap()
            .contains("::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpRange>().is_err());
    }

    #[test]
    fn public_urls() {
        assert_eq!(
            public_url("https://quire.example.org/").unwrap(),
            "https://quire.example.org"
        );
        assert_eq!(
            public_url("http://10.0.0.5:8080/guide").unwrap(),
            "http://10.0.0.5:8080/guide"
        );
        assert!(public_url("quire.example.org").is_err());
        assert!(public_url("https://a.org/?x=1").is_err());
    }

    #[test]
    fn forwarded_for_is_read_from_the_right_past_trusted_proxies() {
        let proxy: IpRange = "10.0.0.0/8".parse().unwrap();
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let h = xff("6.6.6.6, 203.0.113.9, 10.0.0.7");
        // Untrusted peer: the header is ignored.
        assert_eq!(
            client_ip("198.51.100.1".parse().unwrap(), &h, &[proxy]),
            "198.51.100.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(peer, &h, &[]), peer);
        // Trusted: the right-most untrusted address, not the forged left-most one.
        assert_eq!(
            client_ip(peer, &h, &[proxy]),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // Garbage stops the walk at the last address believed.
        assert_eq!(
            client_ip(peer, &xff("nonsense, 10.0.0.9"), &[proxy]),
            "10.0.0.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(peer, &HeaderMap::new(), &[proxy]), peer);
        // IPv4-mapped peers count as IPv4.
        assert_eq!(
            client_ip("::ffff:10.0.0.2".parse().unwrap(), &h, &[proxy]),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }
}

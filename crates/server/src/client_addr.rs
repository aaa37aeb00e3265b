//! The client's address, for the per-client throttle: the TCP peer, or — only when the peer is
//! one of the operator's `trusted_proxies` — the address those proxies say they received the
//! request from.
//!
//! Every proxy appends the address it received the request from, so the chain reads left to
//! right from the (claimed) client to the last proxy. Anything left of the first address a
//! trusted proxy wrote may be forged by the client. So the chain — across *all* lines of the
//! header, in order — is read from the right, skipping trusted proxies; the first address that is
//! not one is the client. A peer that is not a trusted proxy is the client, whatever its headers
//! say; an entry that is not an IP address where the walk needs one gives the peer address.
//! IPv6 clients are throttled per /64 (one subscriber's allocation), IPv4-mapped IPv6 addresses
//! as the IPv4 address they are.

use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use axum::http::HeaderMap;
use forwarded_header_value::{ForwardedStanza, Identifier};
use ipnet::IpNet;
use serde::Deserialize;

/// Which header the trusted proxies write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (the common one).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for="[2001:db8::1]:4711"`.
    Forwarded,
}

impl ForwardedHeader {
    fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }

    /// The address one comma-separated element names; `None` for anything else (garbage,
    /// `unknown`, an obfuscated identifier).
    fn element(self, text: &str) -> Option<IpAddr> {
        match self {
            Self::XForwardedFor => IpAddr::from_str(text.trim()).ok(),
            Self::Forwarded => {
                let stanza = ForwardedStanza::from_str(text).ok()?;
                match stanza.forwarded_for? {
                    Identifier::IpAddr(ip) => Some(ip),
                    Identifier::SocketAddr(addr) => Some(addr.ip()),
                    Identifier::String(_) | Identifier::Unknown => None,
                }
            }
        }
    }
}

/// How the client address is found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientAddress {
    trusted: Vec<IpNet>,
    header: ForwardedHeader,
}

impl ClientAddress {
    /// The rule for these trusted proxies and header.
    pub fn new(trusted: Vec<IpNet>, header: ForwardedHeader) -> Self {
        Self { trusted, header }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.is_trusted(peer) {
            return peer;
        }
        let mut chain = Vec::new();
        for line in headers.get_all(self.header.name()) {
            let Ok(line) = line.to_str() else {
                return peer;
            };
            chain.extend(line.split(',').map(|e| self.header.element(e)));
        }
        let mut leftmost_trusted = peer;
        for entry in chain.into_iter().rev() {
            let Some(ip) = entry.map(|ip| ip.to_canonical()) else {
                return peer;
            };
            if !self.is_trusted(ip) {
                return ip;
            }
            leftmost_trusted = ip;
        }
        leftmost_trusted
    }

    /// The throttle key of the client of a request: `client:` and the IPv4 address, or the /64
    /// of the IPv6 address.
    pub fn throttle_key(&self, peer: IpAddr, headers: &HeaderMap) -> String {
        match self.client(peer, headers) {
            IpAddr::V4(v4) => format!("client:{v4}"),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("client:{net}/64")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(name: &str, lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(
                axum::http::HeaderName::from_str(name).unwrap(),
                HeaderValue::from_str(line).unwrap(),
            );
        }
        map
    }

    fn proxies(header: ForwardedHeader) -> ClientAddress {
        ClientAddress::new(
            vec![
                "10.0.0.0/8".parse().unwrap(),
                "2001:db8:ffff::/48".parse().unwrap(),
            ],
            header,
        )
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_address_across_all_lines() {
        let rule = proxies(ForwardedHeader::XForwardedFor);
        let proxy = ip("10.0.0.5");
        let xff = |lines: &[&str]| rule.client(proxy, &headers("x-forwarded-for", lines));
        // One proxy appended the client it saw.
        assert_eq!(xff(&["203.0.113.7"]), ip("203.0.113.7"));
        // A forged first line and a forged left part are ignored: the walk starts on the right.
        assert_eq!(xff(&["198.51.100.1", "203.0.113.7"]), ip("203.0.113.7"));
        assert_eq!(xff(&["198.51.100.1, 203.0.113.7"]), ip("203.0.113.7"));
        // Two trusted proxies in the chain are skipped.
        assert_eq!(
            xff(&["198.51.100.1, 203.0.113.7", "10.1.1.1", "10.2.2.2"]),
            ip("203.0.113.7")
        );
        // Garbage left of the client does not matter; garbage where the client should be gives
        // the peer.
        assert_eq!(xff(&["not-an-ip, 203.0.113.7"]), ip("203.0.113.7"));
        assert_eq!(xff(&["203.0.113.7, not-an-ip"]), proxy);
        assert_eq!(xff(&["203.0.113.7, 10.1.1.1, "]), proxy);
        assert_eq!(xff(&["203.0.113.7:443"]), proxy);
        // No header, or only trusted addresses: the left-most trusted one.
        assert_eq!(xff(&[]), proxy);
        assert_eq!(xff(&["10.9.9.9, 10.1.1.1"]), ip("10.9.9.9"));
        // IPv4-mapped IPv6 is the IPv4 address.
        assert_eq!(xff(&["::ffff:203.0.113.7"]), ip("203.0.113.7"));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        for header in [ForwardedHeader::XForwardedFor, ForwardedHeader::Forwarded] {
            let rule = proxies(header);
            let peer = ip("198.51.100.9");
            let map = headers(header.name(), &["for=10.0.0.1", "10.0.0.1"]);
            assert_eq!(rule.client(peer, &map), peer);
        }
        // No trusted proxies at all: always the peer.
        let none = ClientAddress::default();
        assert_eq!(
            none.client(
                ip("127.0.0.1"),
                &headers("x-forwarded-for", &["203.0.113.7"])
            ),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn rfc_7239_forwarded_elements_with_ports_quotes_and_ipv6() {
        let rule = proxies(ForwardedHeader::Forwarded);
        let proxy = ip("2001:db8:ffff::1");
        let fwd = |lines: &[&str]| rule.client(proxy, &headers("forwarded", lines));
        assert_eq!(fwd(&["for=203.0.113.7"]), ip("203.0.113.7"));
        assert_eq!(
            fwd(&[r#"for="[2001:db8:cafe::17]:4711";proto=https"#]),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            fwd(&[
                "for=198.51.100.1",
                r#"for="203.0.113.7:47011", for=10.0.0.3"#
            ]),
            ip("203.0.113.7")
        );
        // Obfuscated or unknown where the client should be: the peer.
        assert_eq!(fwd(&["for=_hidden"]), proxy);
        assert_eq!(fwd(&["for=unknown"]), proxy);
        assert_eq!(fwd(&["by=10.0.0.1"]), proxy);
        assert_eq!(fwd(&["for=<script>"]), proxy);
        // X-Forwarded-For is not read when Forwarded is the configured header.
        let mut both = headers("forwarded", &["for=203.0.113.7"]);
        both.append("x-forwarded-for", HeaderValue::from_static("192.0.2.1"));
        assert_eq!(rule.client(proxy, &both), ip("203.0.113.7"));
    }

    #[test]
    fn ipv6_clients_share_a_throttle_per_64() {
        let rule = proxies(ForwardedHeader::XForwardedFor);
        let key = |client: &str| {
            rule.throttle_key(ip("10.0.0.5"), &headers("x-forwarded-for", &[client]))
        };
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "client:2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), "client:2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("203.0.113.7"), "client:203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "client:203.0.113.7");
    }
}

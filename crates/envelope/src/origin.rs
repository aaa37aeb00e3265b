//! Origins (RFC 6454): the one strict parser that every part of waxseal uses — for the key
//! server an envelope names (spec §3.1), the viewer's own origin, the sign-in providers'
//! endpoints and the settings of the key server and the CLI.
//!
//! An [`Origin`] is `scheme "://" host [":" port]` in its one serialised form, so two origins
//! are the same exactly when their texts are equal, and its text is safe to write into HTML,
//! a Content-Security-Policy or a header without escaping (it holds only `a-z 0-9 . - : / [ ]`).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a text is not an origin (or not a URL with one). Each says what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginError {
    /// Not `http://` or `https://` followed by a host.
    Scheme,
    /// Something follows the host and port: a path, query, fragment or trailing slash.
    Trailing,
    /// `user@` before the host.
    UserInfo,
    /// The host is not a lower-case DNS name, a dotted-decimal IPv4 address or a bracketed IPv6
    /// address in its canonical (RFC 5952) form.
    Host,
    /// The port is not 1–65535 in decimal without leading zeros, or is the scheme's default.
    Port,
    /// The URL holds a space, a control character, a quote, `<`, `>`, `\`, `` ` ``, or a
    /// character outside ASCII.
    Character,
}

impl OriginError {
    /// What is wrong, as a sentence fragment.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Scheme => "it does not start with http:// or https:// and a host",
            Self::Trailing => "it has a path, query, fragment or trailing slash after the host",
            Self::UserInfo => "it has a user name before the host",
            Self::Host => {
                "its host is not a lower-case DNS name, an IPv4 address or a bracketed IPv6 address"
            }
            Self::Port => "its port is not 1–65535 without leading zeros, or is the default port",
            Self::Character => {
                "it contains a space, a control character, a quote, <, >, \\ or non-ASCII text"
            }
        }
    }
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for OriginError {}

/// An `http` or `https` origin in its serialised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    text: String,
    scheme_len: usize,
    host_end: usize,
}

impl Origin {
    /// Parses exactly an origin: `scheme://host[:port]`, nothing before or after.
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let (origin, rest) = Self::prefix(text)?;
        if !rest.is_empty() {
            return Err(OriginError::Trailing);
        }
        Ok(origin)
    }

    /// The origin of an absolute `http(s)` URL: the origin, then nothing or a path, query or
    /// fragment (starting with `/`, `?` or `#`). The whole URL must be printable ASCII without
    /// spaces, quotes, `<`, `>`, `\` or `` ` ``.
    pub fn of_url(url: &str) -> Result<Self, OriginError> {
        if !url
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"'<>\\`".contains(&b))
        {
            return Err(OriginError::Character);
        }
        let (origin, rest) = Self::prefix(url)?;
        match rest.bytes().next() {
            None | Some(b'/' | b'?' | b'#') => Ok(origin),
            Some(_) => Err(OriginError::Trailing),
        }
    }

    /// The origin at the start of `text`, and what follows it.
    fn prefix(text: &str) -> Result<(Self, &str), OriginError> {
        let (scheme, rest) = if let Some(rest) = text.strip_prefix("https://") {
            ("https", rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            ("http", rest)
        } else {
            return Err(OriginError::Scheme);
        };
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, after) = rest.split_at(authority_len);
        if authority.is_empty() {
            return Err(OriginError::Scheme);
        }
        if authority.contains('@') {
            return Err(OriginError::UserInfo);
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (addr, tail) = v6.split_once(']').ok_or(OriginError::Host)?;
                let parsed: Ipv6Addr = addr.parse().map_err(|_| OriginError::Host)?;
                if parsed.to_string() != addr {
                    return Err(OriginError::Host);
                }
                let port = match tail {
                    "" => None,
                    p => Some(p.strip_prefix(':').ok_or(OriginError::Host)?),
                };
                (&authority[..addr.len() + 2], port)
            }
            None => match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            },
        };
        if !host.starts_with('[') && !is_ipv4(host) && !is_dns_name(host) {
            return Err(OriginError::Host);
        }
        if let Some(port) = port {
            let default = if scheme == "https" { "443" } else { "80" };
            let ok = !port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && !port.starts_with('0')
                && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p))
                && port != default;
            if !ok {
                return Err(OriginError::Port);
            }
        }
        let host_end = scheme.len() + 3 + host.len();
        let text = format!("{scheme}://{authority}");
        Ok((
            Self {
                text,
                scheme_len: scheme.len(),
                host_end,
            },
            after,
        ))
    }

    /// The serialised origin, e.g. `https://keys.example.com:8443`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        &self.text[..self.scheme_len]
    }

    /// The host, as people read it with its port: `keys.example.com:8443`.
    pub fn host_port(&self) -> &str {
        &self.text[self.scheme_len + 3..]
    }

    /// The host alone: `keys.example.com`, `192.0.2.1`, `[2001:db8::1]`.
    pub fn host(&self) -> &str {
        &self.text[self.scheme_len + 3..self.host_end]
    }

    /// Whether the host is this machine by name or address: `localhost`, `127.0.0.1`, `[::1]`.
    pub fn is_loopback(&self) -> bool {
        matches!(self.host(), "localhost" | "127.0.0.1" | "[::1]")
    }

    /// Whether the origin is `https`, or `http` on this machine (local development): the only
    /// origins a secret may be sent to.
    pub fn is_secure(&self) -> bool {
        self.scheme() == "https" || self.is_loopback()
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A dotted-decimal IPv4 address: four decimal numbers 0–255 without leading zeros.
fn is_ipv4(host: &str) -> bool {
    host.parse::<Ipv4Addr>().is_ok()
        && host
            .split('.')
            .all(|octet| octet == "0" || !octet.starts_with('0'))
}

/// A DNS name in lower-case ASCII (spec §3.1): labels of `a-z 0-9 -`, 1–63 characters, not
/// starting or ending with `-`, at most 253 characters in all, and a last label that is not all
/// digits (software would read `example.123` or `999.1.1.1` as an IPv4 address).
pub fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && !host
            .rsplit('.')
            .next()
            .unwrap_or("")
            .bytes()
            .all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_only_in_their_serialised_form() {
        for ok in [
            "https://keys.example.com",
            "https://keys.example.com:8443",
            "http://localhost:8080",
            "http://127.0.0.1:1",
            "http://[::1]:65535",
            "https://10.0.0.1",
            "https://0.0.0.0",
            "https://[2001:db8::1]",
            "https://xn--bcher-kva.example",
            "https://a.b-c.d1",
        ] {
            assert_eq!(
                Origin::parse(ok).map(|o| o.to_string()),
                Ok(ok.into()),
                "{ok}"
            );
        }
        let cases: &[(&str, OriginError)] = &[
            ("keys.example.com", OriginError::Scheme),
            ("ftp://keys.example.com", OriginError::Scheme),
            ("https://", OriginError::Scheme),
            ("HTTPS://keys.example.com", OriginError::Scheme),
            ("https://keys.example.com/", OriginError::Trailing),
            ("https://keys.example.com?x", OriginError::Trailing),
            ("https://keys.example.com#x", OriginError::Trailing),
            ("https://user@keys.example.com", OriginError::UserInfo),
            ("https://a:b@keys.example.com", OriginError::UserInfo),
            ("https://Keys.example.com", OriginError::Host),
            ("https://-keys.example.com", OriginError::Host),
            ("https://keys..example.com", OriginError::Host),
            ("https://keys.example.com.", OriginError::Host),
            ("https://example.123", OriginError::Host),
            ("https://999.1.1.1", OriginError::Host),
            ("https://256.1.1.1", OriginError::Host),
            ("https://192.0.2.01", OriginError::Host),
            ("https://1.2.3", OriginError::Host),
            ("https://[::1", OriginError::Host),
            ("https://[zz::1]", OriginError::Host),
            ("https://[2001:DB8::1]", OriginError::Host),
            ("https://[0:0::1]", OriginError::Host),
            ("https://[::1]x", OriginError::Host),
            ("https://ké.example", OriginError::Host),
            ("https://keys.example.com x", OriginError::Host),
            ("https://keys.example.com\"", OriginError::Host),
            ("https://keys.example.com:0", OriginError::Port),
            ("https://keys.example.com:08443", OriginError::Port),
            ("https://keys.example.com:65536", OriginError::Port),
            ("https://keys.example.com:", OriginError::Port),
            ("https://keys.example.com:443", OriginError::Port),
            ("http://localhost:80", OriginError::Port),
            ("https://keys.example.com:+443", OriginError::Port),
        ];
        for (bad, why) in cases {
            assert_eq!(Origin::parse(bad), Err(*why), "{bad}");
        }
    }

    #[test]
    fn urls_give_their_origin_and_hostile_ones_nothing() {
        for (url, origin) in [
            (
                "https://id.example.com/oauth2/v2.0/token",
                "https://id.example.com",
            ),
            ("https://id.example.com", "https://id.example.com"),
            (
                "https://id.example.com:8443?p=1",
                "https://id.example.com:8443",
            ),
            ("http://127.0.0.1:9/token#x", "http://127.0.0.1:9"),
            ("https://[2001:db8::1]/t", "https://[2001:db8::1]"),
        ] {
            assert_eq!(
                Origin::of_url(url).map(|o| o.to_string()),
                Ok(origin.into()),
                "{url}"
            );
        }
        let cases: &[(&str, OriginError)] = &[
            (
                "https://id.example.com\"><script>alert(1)</script>",
                OriginError::Character,
            ),
            ("https://id.example.com/token'", OriginError::Character),
            ("https://id.example.com/ token", OriginError::Character),
            ("https://id.example.com/tøken", OriginError::Character),
            (
                "https://id.example.com\\@evil.example",
                OriginError::Character,
            ),
            ("https://id.example.com/\n", OriginError::Character),
            (
                "https://evil.example@id.example.com/",
                OriginError::UserInfo,
            ),
            ("https://id.example.com;script-src", OriginError::Host),
            ("https://*.example.com/", OriginError::Host),
            (
                "javascript:alert(1)//https://id.example.com",
                OriginError::Scheme,
            ),
            ("//id.example.com/token", OriginError::Scheme),
            ("https:///token", OriginError::Scheme),
        ];
        for (bad, why) in cases {
            assert_eq!(Origin::of_url(bad), Err(*why), "{bad}");
        }
    }

    #[test]
    fn parts_and_secure_origins() {
        let o = Origin::parse("https://keys.example.com:8443").unwrap();
        assert_eq!(
            (o.scheme(), o.host(), o.host_port()),
            ("https", "keys.example.com", "keys.example.com:8443")
        );
        assert_eq!(Origin::parse("http://[::1]:8080").unwrap().host(), "[::1]");
        for (origin, secure) in [
            ("https://keys.example.com", true),
            ("http://localhost:8080", true),
            ("http://127.0.0.1:8080", true),
            ("http://[::1]:8080", true),
            ("http://keys.example.com", false),
            ("http://127.0.0.2", false),
            ("http://localhost.example.com", false),
        ] {
            assert_eq!(
                Origin::parse(origin).unwrap().is_secure(),
                secure,
                "{origin}"
            );
        }
    }
}

//! Where to connect: `tcp://host[:port]`, `tls://host[:port]`, or a bare `host[:port]`.

use std::fmt;
use std::str::FromStr;

/// DevLink3 over plain TCP.
pub const TCP_PORT: u16 = 50797;
/// DevLink3 over TLS.
pub const TLS_PORT: u16 = 50796;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Tcp,
    Tls,
}

/// A parsed target address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (scheme, rest) = match s.split_once("://") {
            None => (Scheme::Tcp, s),
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "tcp" => (Scheme::Tcp, rest),
                "tls" => (Scheme::Tls, rest),
                "ws" | "wss" => {
                    return Err(format!(
                        "{s:?}: WebSocket targets (ws://, wss://) are not supported yet; use tcp:// or tls://"
                    ));
                }
                other => return Err(format!("{s:?}: unknown scheme {other:?} (expected tcp:// or tls://)")),
            },
        };
        let rest = rest.trim_end_matches('/');
        let default_port = if scheme == Scheme::Tls { TLS_PORT } else { TCP_PORT };
        let (host, port) = split_host_port(rest).map_err(|e| format!("{s:?}: {e}"))?;
        if host.is_empty() {
            return Err(format!("{s:?}: no host"));
        }
        if host == "255.255.255.255" {
            return Err(
                "255.255.255.255 asked the old devlink.dll to discover an IP Office by broadcast; DevLink3 has no \
                 discovery: give the IP Office's address"
                    .to_string(),
            );
        }
        Ok(Target { scheme, host: host.to_string(), port: port.unwrap_or(default_port) })
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 address has no port.
fn split_host_port(s: &str) -> Result<(&str, Option<u16>), String> {
    let parse_port = |p: &str| p.parse::<u16>().map_err(|_| format!("bad port {p:?}"));
    if let Some(v6) = s.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("unclosed '['")?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(parse_port(port)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(format!("unexpected {after:?} after the address")),
        };
    }
    match s.matches(':').count() {
        0 => Ok((s, None)),
        1 => {
            let (host, port) = s.split_once(':').expect("one colon");
            Ok((host, Some(parse_port(port)?)))
        }
        _ => Ok((s, None)), // a bare IPv6 address
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Tcp => "tcp",
            Scheme::Tls => "tls",
        };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        s.parse().unwrap()
    }

    #[test]
    fn forms() {
        assert_eq!(t("10.0.0.1"), Target { scheme: Scheme::Tcp, host: "10.0.0.1".into(), port: 50797 });
        assert_eq!(t("ipo.local:1234").port, 1234);
        assert_eq!(t("tls://ipo").port, 50796);
        assert_eq!(t("TLS://ipo:99").scheme, Scheme::Tls);
        assert_eq!(t("tcp://[::1]:5").host, "::1");
        assert_eq!(t("::1").host, "::1");
        assert_eq!(t("tcp://[::1]").to_string(), "tcp://[::1]:50797");
        for bad in ["", "tcp://", "ftp://x", "x:notaport", "255.255.255.255", "ws://x/y", "[::1"] {
            assert!(bad.parse::<Target>().is_err(), "{bad:?} should be refused");
        }
    }
}

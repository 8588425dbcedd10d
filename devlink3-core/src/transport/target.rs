//! Where to connect: `tcp://host[:port]`, `tls://host[:port]`, a bare `host[:port]`, or a
//! WebSocket URL `ws://host[:port]/path`, `wss://host[:port]/path`.

use std::fmt;
use std::str::FromStr;

/// DevLink3 over plain TCP.
pub const TCP_PORT: u16 = 50797;
/// DevLink3 over TLS, and over secure WebSocket.
pub const TLS_PORT: u16 = 50796;
/// WebSocket over plain HTTP: IP Office documents no port for it, so HTTP's.
pub const WS_PORT: u16 = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Tcp,
    Tls,
    Ws,
    Wss,
}

/// A parsed target address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// WebSocket request path (`/` when none is given); empty for TCP and TLS.
    pub path: String,
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Target::parse_with_defaults(s, Scheme::Tcp, None)
    }
}

impl Target {
    /// Parses `s`, taking `scheme` when it names none and `port` (or the scheme's standard
    /// port) when it gives none: what a configuration file supplies for a bare address.
    pub fn parse_with_defaults(s: &str, scheme: Scheme, port: Option<u16>) -> Result<Self, String> {
        let s = s.trim();
        // Credentials never belong in a target: they would be echoed in every error and log
        // line. Checked before anything else so that no message repeats them.
        let authority = s.split_once("://").map_or(s, |(_, rest)| rest);
        let authority = authority.split(['/', '?']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err("the target contains user information (\"user:password@\"): give the address alone and pass \
                 the service user and password separately"
                .to_string());
        }
        let (scheme, rest) = match s.split_once("://") {
            None => (scheme, s),
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "tcp" => (Scheme::Tcp, rest),
                "tls" => (Scheme::Tls, rest),
                "ws" => (Scheme::Ws, rest),
                "wss" => (Scheme::Wss, rest),
                other => {
                    return Err(format!("{s:?}: unknown scheme {other:?} (expected tcp://, tls://, ws:// or wss://)"));
                }
            },
        };
        let (rest, path) = match scheme {
            Scheme::Ws | Scheme::Wss => match rest.find(['/', '?']) {
                Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
                Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
                None => (rest, "/".to_string()),
            },
            Scheme::Tcp | Scheme::Tls => (rest.trim_end_matches('/'), String::new()),
        };
        let default_port = port.unwrap_or(match scheme {
            Scheme::Tcp => TCP_PORT,
            Scheme::Tls | Scheme::Wss => TLS_PORT,
            Scheme::Ws => WS_PORT,
        });
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
        Ok(Target { scheme, host: host.to_string(), port: port.unwrap_or(default_port), path })
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
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}{}", self.host, self.port, self.path)
        } else {
            write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.path)
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
        assert_eq!(
            t("10.0.0.1"),
            Target { scheme: Scheme::Tcp, host: "10.0.0.1".into(), port: 50797, path: "".into() }
        );
        assert_eq!(t("ipo.local:1234").port, 1234);
        assert_eq!(t("tls://ipo").port, 50796);
        assert_eq!(t("TLS://ipo:99").scheme, Scheme::Tls);
        assert_eq!(t("tcp://[::1]:5").host, "::1");
        assert_eq!(t("::1").host, "::1");
        assert_eq!(t("tcp://[::1]").to_string(), "tcp://[::1]:50797");
        assert_eq!(t("wss://ipo/devlink3").to_string(), "wss://ipo:50796/devlink3");
        assert_eq!(t("ws://ipo:8080").path, "/");
        assert_eq!(t("ws://ipo?x=1").path, "/?x=1");
        assert_eq!(t("WSS://[::1]:9/a/b").to_string(), "wss://[::1]:9/a/b");
        let with = |s, scheme, port| Target::parse_with_defaults(s, scheme, port).unwrap().to_string();
        assert_eq!(with("ipo", Scheme::Tls, None), "tls://ipo:50796");
        assert_eq!(with("ipo", Scheme::Wss, Some(443)), "wss://ipo:443/");
        assert_eq!(with("ipo:7", Scheme::Tls, Some(443)), "tls://ipo:7", "the address's own port wins");
        assert_eq!(with("tcp://ipo", Scheme::Tls, Some(9)), "tcp://ipo:9", "the address's own scheme wins");
        assert_eq!(with("::1", Scheme::Tcp, Some(9)), "tcp://[::1]:9");
        for bad in ["", "tcp://", "ftp://x", "x:notaport", "255.255.255.255", "ws:///path", "[::1"] {
            assert!(bad.parse::<Target>().is_err(), "{bad:?} should be refused");
        }
    }
}

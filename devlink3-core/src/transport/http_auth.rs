//! HTTP authentication for the WebSocket upgrade: Basic (RFC 7617) and Digest with MD5
//! (RFC 7616), which IP Office's WebSocket service asks for.

use base64::Engine;
use md5::{Digest, Md5};

/// Which HTTP authentication to use on the WebSocket upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpAuth {
    /// Answer whatever the server challenges with (Digest preferred); none if it doesn't.
    #[default]
    Auto,
    /// Send no credentials at the HTTP layer.
    None,
    /// Send `Authorization: Basic` up front. Refused on `ws://` unless explicitly allowed.
    Basic,
    /// Answer the server's Digest challenge only.
    Digest,
}

impl std::str::FromStr for HttpAuth {
    type Err = String;

    /// `auto`, `none`, `basic` or `digest`, in any case: the spelling of every face's option.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(HttpAuth::Auto),
            "none" => Ok(HttpAuth::None),
            "basic" => Ok(HttpAuth::Basic),
            "digest" => Ok(HttpAuth::Digest),
            _ => Err(format!("{s:?}: expected auto, none, basic or digest")),
        }
    }
}

/// `Authorization: Basic base64(user:password)`.
pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    /// `Basic` or `Digest` (as sent).
    pub scheme: String,
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    /// The server offers `qop=auth` (we never use auth-int: no body to protect).
    pub qop_auth: bool,
    /// The nonce expired; the credentials were right.
    pub stale: bool,
    /// `MD5` or absent (which means MD5); other algorithms are not answered.
    pub algorithm: Option<String>,
}

impl Challenge {
    /// Parses one `WWW-Authenticate` header value (`Digest realm="x", nonce="y", ...`).
    pub fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, params) = header.split_once(char::is_whitespace).unwrap_or((header, ""));
        let mut challenge = Challenge { scheme: scheme.to_string(), ..Challenge::default() };
        for (key, value) in auth_params(params) {
            match key.to_ascii_lowercase().as_str() {
                "realm" => challenge.realm = value,
                "nonce" => challenge.nonce = value,
                "opaque" => challenge.opaque = Some(value),
                "qop" => challenge.qop_auth = value.split(',').any(|q| q.trim().eq_ignore_ascii_case("auth")),
                "stale" => challenge.stale = value.eq_ignore_ascii_case("true"),
                "algorithm" => challenge.algorithm = Some(value),
                _ => {}
            }
        }
        Some(challenge)
    }

    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("digest")
    }

    pub fn is_basic(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("basic")
    }

    /// Whether we can answer this Digest challenge (MD5 only).
    pub fn digest_supported(&self) -> bool {
        self.is_digest() && self.algorithm.as_deref().is_none_or(|a| a.eq_ignore_ascii_case("MD5"))
    }

    /// The `Authorization: Digest ...` answer for `method` on `uri`.
    pub fn digest_response(
        &self,
        user: &str,
        password: &str,
        method: &str,
        uri: &str,
        cnonce: &str,
        nc: u32,
    ) -> String {
        let nc = format!("{nc:08x}");
        let qop = self.qop_auth.then_some(("auth", nc.as_str(), cnonce));
        let response = digest(user, &self.realm, password, method, uri, &self.nonce, qop);
        let mut header = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm=MD5, response=\"{response}\"",
            quote(user),
            quote(&self.realm),
            quote(&self.nonce)
        );
        if self.qop_auth {
            header.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{}\"", quote(cnonce)));
        }
        if let Some(opaque) = &self.opaque {
            header.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
        }
        header
    }
}

/// The Digest `response` value (RFC 7616 §3.4.1, MD5): `qop` is `(qop, nc, cnonce)` when
/// the exchange uses one. Shared by the client's answer and the simulator's check.
pub fn digest(
    user: &str,
    realm: &str,
    password: &str,
    method: &str,
    uri: &str,
    nonce: &str,
    qop: Option<(&str, &str, &str)>,
) -> String {
    let ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    match qop {
        Some((qop, nc, cnonce)) => md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")),
        None => md5_hex(&format!("{ha1}:{nonce}:{ha2}")),
    }
}

/// `key=value` and `key="quoted, value"` pairs, comma-separated.
pub fn auth_params(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start_matches([',', ' ', '\t']);
        let Some((key, rest)) = s.split_once('=') else { return out };
        let rest = rest.trim_start();
        let (value, rest) = if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end..])
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            (rest[..end].trim().to_string(), &rest[end..])
        };
        out.push((key.trim().to_string(), value));
        s = rest;
    }
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh client nonce: 16 random octets, hex.
pub fn cnonce() -> String {
    let mut bytes = [0u8; 16];
    // ring's system randomness; failure is practically impossible and only weakens replay
    // protection of this one request, so fall back to zeros rather than fail the link.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 §3.9.1, the MD5 example.
    #[test]
    fn rfc7616_md5_example() {
        let header = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let c = Challenge::parse(header).unwrap();
        assert!(c.digest_supported() && c.qop_auth && !c.stale);
        let answer = c.digest_response(
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            1,
        );
        assert!(answer.contains(r#"response="8ca523f5e9506fed4657c9700eebdbec""#), "{answer}");
        assert!(answer.contains("nc=00000001") && answer.contains(r#"opaque="FQhe/"#), "{answer}");
    }

    #[test]
    fn basic_and_odd_challenges() {
        assert_eq!(basic("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let c = Challenge::parse(r#"Digest realm="a \"b\", c", nonce=xyz, stale=TRUE, algorithm=SHA-256"#).unwrap();
        assert_eq!((c.realm.as_str(), c.nonce.as_str(), c.stale), (r#"a "b", c"#, "xyz", true));
        assert!(!c.digest_supported());
        assert!(Challenge::parse(r#"Basic realm="IPO""#).unwrap().is_basic());
    }
}

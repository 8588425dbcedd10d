//! Keeping secrets out of logs.
//!
//! Our own log lines never carry a password, but those of our dependencies may: at trace
//! level the WebSocket library logs its upgrade request, `Authorization` header and all.
//! Every face that forwards `log` records (the CLI's stderr logger, Python's `logging`)
//! passes each message through [`redact`] first.

use std::borrow::Cow;

/// Header and parameter names whose values are secrets, lower case.
const SECRET_KEYS: &[&str] = &["authorization", "proxy-authorization", "password", "response", "cnonce"];

/// What a secret value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// `message` with the value of every `Authorization` header (Basic credentials, a whole
/// Digest answer) and of `password`/`response`/`cnonce` parameters replaced by
/// [`REDACTED`], in the forms logs print them: `authorization: Basic ...`,
/// `"authorization": "Basic ..."`, `response="..."`.
pub fn redact(message: &str) -> Cow<'_, str> {
    let lower = message.to_ascii_lowercase();
    if !SECRET_KEYS.iter().any(|key| lower.contains(key)) {
        return Cow::Borrowed(message);
    }
    let bytes = message.as_bytes();
    let mut out = String::with_capacity(message.len());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let Some(key) = SECRET_KEYS.iter().find(|key| lower[at..].starts_with(*key) && starts_word(bytes, at)) else {
            at += 1;
            continue;
        };
        let mut i = at + key.len();
        // The key's closing quote, then the separator: `: `, `=`, `": "`.
        if matches!(bytes.get(i), Some(b'"' | b'\'')) {
            i += 1;
        }
        let separator_start = i;
        while matches!(bytes.get(i), Some(b':' | b'=' | b' ' | b'\t')) {
            i += 1;
        }
        if i == separator_start {
            at += key.len(); // a word such as "Authorization failed", not a key and value
            continue;
        }
        let value_start = i;
        let end = match (bytes.get(i), bytes.get(i + 1)) {
            (Some(&quote @ (b'"' | b'\'')), _) => closing(bytes, i + 1, &[quote]),
            // Inside a string printed with `{:?}`: `response=\"...\"`.
            (Some(b'\\'), Some(b'"')) => closing(bytes, i + 2, b"\\\""),
            // An unquoted header value runs to the end of its line, also when the line end
            // is printed escaped (`\r\n` in a request logged with `{:?}`), or to a quote
            // that closes the string around it.
            _ => {
                let rest = &bytes[i..];
                let stop = (0..rest.len()).find(|&n| {
                    matches!(rest[n], b'\r' | b'\n' | b'"')
                        || (rest[n] == b'\\' && matches!(rest.get(n + 1), Some(b'r' | b'n' | b'"')))
                });
                stop.map_or(bytes.len(), |n| i + n)
            }
        };
        if end > value_start {
            out.push_str(&message[copied..value_start]);
            out.push_str(REDACTED);
            copied = end;
        }
        at = end.max(at + 1);
    }
    out.push_str(&message[copied..]);
    Cow::Owned(out)
}

/// The index just past the first `terminator` at or after `from` (the end if none).
fn closing(bytes: &[u8], from: usize, terminator: &[u8]) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.windows(terminator.len()).position(|w| w == terminator))
        .map_or(bytes.len(), |n| from + n + terminator.len())
}

/// Whether a key found at `at` starts a word (so `x-response` is not `response`).
/// A line that starts after an escaped line end (`\r\n` printed by `{:?}`) starts a word.
fn starts_word(bytes: &[u8], at: usize) -> bool {
    let escaped_line_end = at >= 2 && bytes[at - 2] == b'\\' && matches!(bytes[at - 1], b'r' | b'n');
    at == 0
        || escaped_line_end
        || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'-' || bytes[at - 1] == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        let basic = "Basic ZGV2bGluazM6czNjcjN0";
        for (line, secret) in [
            (format!("authorization: {basic}\r\nhost: x"), basic),
            (format!("{{\"authorization\": \"{basic}\", \"host\": \"x\"}}"), basic),
            (format!("Request {{ headers: {{\"Authorization\": \"{basic}\"}} }}"), basic),
            ("Authorization: Digest username=\"u\", response=\"6629fae49393a05397450978507c4ef1\"".into(), "6629fae4"),
            ("digest answer response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\"".into(), "0a4f113b"),
            // tungstenite's trace of the upgrade request: a `{:?}` string.
            (format!("Request: \"GET / HTTP/1.1\\r\\nauthorization: {basic}\\r\\nhost: x\\r\\n\""), basic),
            (
                "Request: \"GET / HTTP/1.1\\r\\nAuthorization: Digest username=\\\"u\\\", response=\\\"6629fae4\\\"\\r\\n\"".into(),
                "6629fae4",
            ),
        ] {
            let redacted = redact(&line);
            assert!(!redacted.contains(secret), "{line:?} -> {redacted:?}");
            assert!(redacted.contains(REDACTED), "{redacted:?}");
        }
        assert!(redact("authorization: Basic abc\nhost: ipo").ends_with("\nhost: ipo"));
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for line in ["operational: Avaya IP500v2", "the PBX refused authentication: AUTHENTICATION FAILED", ""] {
            assert_eq!(redact(line), line);
        }
    }
}

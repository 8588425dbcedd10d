//! Link settings shared by both C APIs, and the `key=value;...` option strings that set
//! them: DLOpen's `reserved2`, and `devlink3_config_set_options` in the extended API. The
//! extended API's typed setters call the same methods, so a value is checked the same
//! way whichever way it came in.

use std::path::PathBuf;
use std::time::Duration;

use devlink3_core::ConfigError;
use devlink3_core::client::{ClientConfig, check_queue_capacity, flags};
use devlink3_core::transport::{ClientCert, HttpAuth, parse_fingerprint};

use crate::text::Text;

/// Which call records a link asks for. One DevLink3 link carries either: `-CD2` switches
/// the PBX from Delta3 to Delta2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Records {
    Delta2,
    Delta3,
}

impl Records {
    pub fn name(self) -> &'static str {
        match self {
            Records::Delta2 => "Delta2",
            Records::Delta3 => "Delta3",
        }
    }
}

/// The option keys, for error messages and the documentation test.
pub(crate) const KEYS: &[&str] = &[
    "app",
    "events",
    "flags",
    "tls_ca",
    "tls_pin",
    "tls_insecure",
    "tls_cert",
    "tls_key",
    "tls_server_name",
    "queue",
    "keepalive",
    "timeout",
    "ws_auth",
    "ws_basic_cleartext",
    "ws_devlink_auth",
    "ws_protocol",
    "ws_header",
    "text",
];

/// Everything needed to open a link, before it is turned into a [`ClientConfig`].
#[derive(Debug, Clone)]
pub(crate) struct LinkSettings {
    pub config: ClientConfig,
    pub records: Records,
    /// Whether `records` was chosen by an option (`events=`, `-CD2`) rather than left to
    /// the default: a legacy link then takes the kind its first `DLRegister*` asks for.
    pub records_chosen: bool,
    /// Event request flags besides `-CD2` (which `records` decides).
    pub extra_flags: String,
    /// `text=`: the encoding of legacy record text; `None` for the platform's default.
    text: Option<Text>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
}

impl LinkSettings {
    pub fn new(target: &str, user: &str, password: &str, records: Records) -> Self {
        LinkSettings {
            config: ClientConfig::new(target, user, password),
            records,
            records_chosen: false,
            extra_flags: String::new(),
            text: None,
            tls_cert: None,
            tls_key: None,
        }
    }

    /// Applies a `key=value;key=value` string. Keys are case-insensitive, whitespace around
    /// keys and values is ignored, empty entries are skipped, a later key overrides an
    /// earlier one. Boolean keys may stand alone (`tls_insecure` = `tls_insecure=1`).
    pub fn apply_options(&mut self, options: &str) -> Result<(), ConfigError> {
        for (key, value) in entries(options) {
            self.set(&key, value)?;
        }
        Ok(())
    }

    /// Sets one option from its text.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "app" => self.config.application_name = value.to_string(),
            "events" => {
                self.records = match value.to_ascii_lowercase().as_str() {
                    "delta2" => Records::Delta2,
                    "delta3" => Records::Delta3,
                    _ => return Err(ConfigError::option(key, format!("{value:?}: expected delta2 or delta3"))),
                };
                self.records_chosen = true;
            }
            "flags" => self.set_flags(value)?,
            "tls_ca" => self.config.tls.ca_file = Some(non_empty(key, value)?.into()),
            "tls_pin" => self.set_tls_pin(value)?,
            "tls_insecure" => self.config.tls.danger_accept_invalid_certs = boolean(key, value)?,
            "tls_cert" => self.tls_cert = Some(non_empty(key, value)?.into()),
            "tls_key" => self.tls_key = Some(non_empty(key, value)?.into()),
            "tls_server_name" => self.config.tls.server_name = Some(non_empty(key, value)?.to_string()),
            "queue" => self.set_queue_capacity(number(key, value)?)?,
            "keepalive" => self.set_keepalive(Duration::from_secs(number(key, value)?), None)?,
            "timeout" => {
                let timeout = Duration::from_secs(number(key, value)?);
                if timeout.is_zero() {
                    return Err(ConfigError::option(key, "must be at least 1 second"));
                }
                self.config.connect_timeout = timeout;
                self.config.response_timeout = timeout;
            }
            "ws_auth" => {
                self.config.websocket.http_auth =
                    value.parse::<HttpAuth>().map_err(|e| ConfigError::option(key, e.to_string()))?
            }
            "ws_basic_cleartext" => self.config.websocket.allow_basic_over_cleartext = boolean(key, value)?,
            "ws_devlink_auth" => self.config.websocket.devlink_auth = boolean(key, value)?,
            "ws_protocol" => self.config.websocket.protocols.push(non_empty(key, value)?.to_string()),
            "ws_header" => {
                let (name, header_value) = value
                    .split_once(':')
                    .ok_or_else(|| ConfigError::option(key, format!("{value:?}: expected \"Name: value\"")))?;
                self.config.websocket.headers.push((name.trim().to_string(), header_value.trim().to_string()));
            }
            "text" => self.text = Some(Text::parse(value).map_err(|reason| ConfigError::option(key, reason))?),
            _ => return Err(ConfigError::option(key, format!("unknown option (known: {})", KEYS.join(", ")))),
        }
        Ok(())
    }

    /// Extra event request flags, space-separated (`-SCN`, `-CONN`, `-TEXT`, `_SIPTrack`,
    /// `_CMExtn`). `-CD2` is accepted and means `events=delta2`.
    pub fn set_flags(&mut self, value: &str) -> Result<(), ConfigError> {
        let mut extra = Vec::new();
        for flag in value.split_whitespace() {
            if flag.eq_ignore_ascii_case(flags::CD2) {
                self.records = Records::Delta2;
                self.records_chosen = true;
            } else {
                extra.push(flag);
            }
        }
        self.extra_flags = extra.join(" ");
        Ok(())
    }

    pub fn set_tls_pin(&mut self, value: &str) -> Result<(), ConfigError> {
        self.config.tls.pin_sha256 = Some(parse_fingerprint(value).map_err(|e| ConfigError::option("tls_pin", e))?);
        Ok(())
    }

    pub fn set_tls_client_cert(&mut self, cert: &str, key: &str) -> Result<(), ConfigError> {
        self.tls_cert = Some(non_empty("tls_cert", cert)?.into());
        self.tls_key = Some(non_empty("tls_key", key)?.into());
        Ok(())
    }

    pub fn set_queue_capacity(&mut self, events: u64) -> Result<(), ConfigError> {
        let events = usize::try_from(events).unwrap_or(usize::MAX);
        check_queue_capacity(events)?;
        self.config.queue_capacity = events;
        Ok(())
    }

    /// The Test packet interval and, when given, how many may go unanswered.
    pub fn set_keepalive(&mut self, interval: Duration, misses: Option<u32>) -> Result<(), ConfigError> {
        if interval.is_zero() {
            return Err(ConfigError::ZeroDuration("the keepalive interval"));
        }
        self.config.keepalive_interval = interval;
        if let Some(misses) = misses {
            if misses == 0 {
                return Err(ConfigError::option("keepalive misses", "must be at least 1"));
            }
            self.config.keepalive_misses = misses;
        }
        Ok(())
    }

    /// The event request flags for `records` with the extra flags.
    pub fn event_flags(&self, records: Records) -> String {
        match records {
            Records::Delta2 => format!("{} {}", flags::CD2, self.extra_flags).trim_end().to_string(),
            Records::Delta3 => self.extra_flags.clone(),
        }
    }

    /// How a legacy link hands record text to `TEXT *` callbacks.
    pub fn text(&self) -> Text {
        self.text.unwrap_or(Text::LEGACY_DEFAULT)
    }

    /// Refuses what only the legacy API can honour: the extended API's strings are UTF-8.
    pub fn check_extended(&self) -> Result<(), ConfigError> {
        match self.text {
            Some(Text::Ansi) => Err(ConfigError::option(
                "text",
                "ansi is for the TEXT * records of DLOpen's callbacks; the extended API's strings are always UTF-8",
            )),
            _ => Ok(()),
        }
    }

    /// The configuration to connect with: flags composed, option pairs checked.
    pub fn client_config(&self) -> Result<ClientConfig, ConfigError> {
        let mut config = self.config.clone();
        config.flags = self.event_flags(self.records);
        config.tls.client_cert =
            ClientCert::from_pair(self.tls_cert.clone(), self.tls_key.clone(), ["tls_cert", "tls_key"])?;
        Ok(config)
    }
}

/// The `(key, value)` entries of a `key=value;key=value` string, keys lower-cased (see
/// [`LinkSettings::apply_options`]).
pub(crate) fn entries(options: &str) -> impl Iterator<Item = (String, &str)> {
    options.split(';').map(str::trim).filter(|entry| !entry.is_empty()).map(|entry| match entry.split_once('=') {
        Some((key, value)) => (key.trim().to_ascii_lowercase(), value.trim()),
        None => (entry.to_ascii_lowercase(), "1"),
    })
}

fn non_empty<'v>(key: &str, value: &'v str) -> Result<&'v str, ConfigError> {
    if value.is_empty() { Err(ConfigError::option(key, "needs a value")) } else { Ok(value) }
}

fn boolean(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::option(key, format!("{value:?}: expected 1 or 0"))),
    }
}

fn number(key: &str, value: &str) -> Result<u64, ConfigError> {
    value.parse().map_err(|_| ConfigError::option(key, format!("{value:?}: expected a whole number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(options: &str) -> Result<LinkSettings, ConfigError> {
        let mut s = LinkSettings::new("ipo", "user", "pw", Records::Delta2);
        s.apply_options(options)?;
        Ok(s)
    }

    #[test]
    fn defaults_ask_for_delta2_only() {
        let c = settings("").unwrap().client_config().unwrap();
        assert_eq!(c.flags, "-CD2");
        assert!(c.tls.client_cert.is_none());
    }

    #[test]
    fn every_key() {
        let pin = "AB:".repeat(31) + "AB";
        let s = settings(&format!(
            " app = My App ;events=DELTA3; flags=-SCN _SIPTrack;;tls_ca=/ca.pem;tls_pin={pin};TLS_INSECURE;\
             tls_cert=/c.pem;tls_key=/k.pem;tls_server_name=ipo.lan;queue=16;keepalive=5;timeout=3"
        ))
        .unwrap();
        let c = s.client_config().unwrap();
        assert_eq!(c.application_name, "My App");
        assert_eq!(c.flags, "-SCN _SIPTrack");
        assert_eq!(c.tls.ca_file.as_deref(), Some("/ca.pem".as_ref()));
        assert_eq!(c.tls.pin_sha256, Some([0xab; 32]));
        assert!(c.tls.danger_accept_invalid_certs);
        assert_eq!(c.tls.client_cert.unwrap().key_file, PathBuf::from("/k.pem"));
        assert_eq!(c.tls.server_name.as_deref(), Some("ipo.lan"));
        assert_eq!(c.queue_capacity, 16);
        assert_eq!(c.keepalive_interval, Duration::from_secs(5));
        assert_eq!(c.connect_timeout, Duration::from_secs(3));
        assert_eq!(c.response_timeout, Duration::from_secs(3));
        for key in KEYS {
            assert!(s.clone().set(key, "").is_err() || ["app", "flags"].contains(key), "{key} accepts empty");
        }
    }

    #[test]
    fn text_encoding() {
        assert_eq!(settings("").unwrap().text(), Text::LEGACY_DEFAULT);
        let utf8 = settings("text=utf8").unwrap();
        assert_eq!(utf8.text(), Text::Utf8);
        assert!(utf8.check_extended().is_ok());
        if cfg!(windows) {
            let ansi = settings("TEXT = ANSI").unwrap();
            assert_eq!(ansi.text(), Text::Ansi);
            assert!(ansi.check_extended().unwrap_err().to_string().contains("always UTF-8"));
        } else {
            assert!(settings("text=ansi").unwrap_err().to_string().contains("only on Windows"));
        }
    }

    #[test]
    fn flags_with_cd2_mean_delta2() {
        let c = settings("events=delta3;flags=-CD2 -TEXT").unwrap().client_config().unwrap();
        assert_eq!(c.flags, "-CD2 -TEXT");
    }

    #[test]
    fn every_key_is_documented_in_devlink_h() {
        let header = include_str!("../../include/devlink.h");
        for key in KEYS {
            assert!(header.contains(&format!(" {key}=")), "include/devlink.h does not document {key}=");
        }
    }

    #[test]
    fn mistakes_are_named() {
        for (options, needle) in [
            ("colour=blue", "colour: unknown option"),
            ("events=delta4", "delta2 or delta3"),
            ("tls_pin=abc", "64 hex digits"),
            ("tls_insecure=maybe", "expected 1 or 0"),
            ("queue=0", "queue capacity 0 is out of range: 1 to 1048576"),
            ("queue=100000000", "queue capacity 100000000 is out of range"),
            ("queue=4000000000", "out of range"),
            ("queue=-1", "whole number"),
            ("keepalive=0", "above zero"),
            ("timeout=0", "at least 1 second"),
            ("text=latin1", "expected ansi or utf8"),
        ] {
            let error = settings(options).unwrap_err().to_string();
            assert!(error.contains(needle), "{options}: {error}");
        }
        let half = settings("tls_cert=/c.pem").unwrap().client_config().unwrap_err().to_string();
        assert!(half.contains("tls_key"), "{half}");
    }
}

//! A link's event and TLS options as people write them (command lines, configuration
//! files): paths and a hex fingerprint, turned into a [`ClientConfig`].

use std::path::{Path, PathBuf};

use super::ClientConfig;
use crate::error::ConfigError;
use crate::transport::{ClientCert, parse_fingerprint};

/// TLS and event options of one link, as the command line or the file gives them.
#[derive(Debug, Clone, Default)]
pub struct LinkOptions {
    pub flags: String,
    pub tls_ca: Option<PathBuf>,
    pub tls_pin: Option<String>,
    pub insecure_skip_verify: bool,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

impl LinkOptions {
    /// A link's configuration; relative paths are relative to `base`.
    pub fn client_config(
        &self,
        target: &str,
        user: &str,
        password: String,
        base: Option<&Path>,
    ) -> Result<ClientConfig, ConfigError> {
        let resolve = |p: &PathBuf| match base {
            Some(base) if p.is_relative() => base.join(p),
            _ => p.clone(),
        };
        let mut config = ClientConfig::new(target, user, password);
        config.flags = self.flags.clone();
        config.tls.ca_file = self.tls_ca.as_ref().map(resolve);
        config.tls.danger_accept_invalid_certs = self.insecure_skip_verify;
        if let Some(pin) = &self.tls_pin {
            config.tls.pin_sha256 = Some(parse_fingerprint(pin).map_err(|e| ConfigError::option("tls_pin", e))?);
        }
        config.tls.client_cert = ClientCert::from_pair(
            self.tls_cert.as_ref().map(resolve),
            self.tls_key.as_ref().map(resolve),
            ["tls_cert", "tls_key"],
        )?;
        Ok(config)
    }
}

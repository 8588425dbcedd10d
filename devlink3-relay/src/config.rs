//! What the relay links to and where it publishes: built from the command line
//! (`--pbx NAME=TARGET`) or a TOML file of many sites with their own credentials.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use devlink3_core::ClientConfig;
pub use devlink3_core::client::LinkOptions;

/// The relay: its sites, the broker, the stream and its limits.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub sites: Vec<SiteConfig>,
    /// `nats://host:4222` (several, comma-separated, for a cluster).
    pub nats_url: String,
    /// The JetStream stream, created when absent with subjects `devlink3.>`. Default `DEVLINK3`.
    pub stream: String,
    /// Stream retention when the relay creates it: age and size (None: unlimited).
    pub max_age: Option<Duration>,
    pub max_bytes: Option<i64>,
    /// Events buffered per site while the broker is away; past it the oldest are dropped and
    /// reported. Default 100,000.
    pub buffer: usize,
    /// Where `/metrics` and `/healthz` are served (None: nowhere).
    pub metrics: Option<SocketAddr>,
}

impl RelayConfig {
    pub fn new(nats_url: impl Into<String>) -> Self {
        RelayConfig {
            sites: Vec::new(),
            nats_url: nats_url.into(),
            stream: "DEVLINK3".to_owned(),
            max_age: None,
            max_bytes: None,
            buffer: 100_000,
            metrics: None,
        }
    }

    /// Checks what cannot work before anything connects, naming the problem.
    pub fn validate(&self) -> Result<(), String> {
        if self.sites.is_empty() {
            return Err("no site: give --pbx NAME=TARGET (or sites in --config)".into());
        }
        for (i, site) in self.sites.iter().enumerate() {
            check_token("site name", &site.name)?;
            if self.sites[..i].iter().any(|s| s.name == site.name) {
                return Err(format!("site {:?} is given twice", site.name));
            }
        }
        check_token("stream name", &self.stream)?;
        if !(1..=10_000_000).contains(&self.buffer) {
            return Err(format!("buffer {} is not between 1 and 10,000,000 events", self.buffer));
        }
        Ok(())
    }
}

/// Names that go into subjects and stream names: letters, digits, `-` and `_`.
fn check_token(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 64 || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!("{what} {value:?}: use 1 to 64 letters, digits, '-' or '_'"));
    }
    Ok(())
}

/// One IP Office.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// The site's name in subjects: `devlink3.<name>.record.detail`.
    pub name: String,
    pub client: ClientConfig,
}

/// The TOML form:
///
/// ```toml
/// nats = "nats://127.0.0.1:4222"
/// stream = "DEVLINK3"          # optional
/// metrics = "127.0.0.1:9797"   # optional
/// buffer = 100000              # optional
/// max_age_hours = 168          # optional, when the relay creates the stream
///
/// [[site]]
/// name = "hq"
/// target = "tls://10.0.0.5"
/// user = "devlink3"
/// password_env = "HQ_PASSWORD"   # the password never sits in the file
/// tls_pin = "AB:CD:..."          # or tls_ca = "ca.pem", insecure_skip_verify = true
/// flags = "_CMExtn"              # optional
/// ```
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    nats: Option<String>,
    stream: Option<String>,
    metrics: Option<SocketAddr>,
    buffer: Option<usize>,
    max_age_hours: Option<f64>,
    max_bytes: Option<i64>,
    #[serde(default)]
    site: Vec<FileSite>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSite {
    name: String,
    target: String,
    user: String,
    password_env: String,
    #[serde(default)]
    flags: String,
    tls_ca: Option<PathBuf>,
    tls_pin: Option<String>,
    #[serde(default)]
    insecure_skip_verify: bool,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
}

/// Reads a TOML configuration file; `nats` given on the command line wins.
pub fn from_file(path: &Path, nats_override: Option<&str>) -> Result<RelayConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: FileConfig = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let nats = nats_override
        .map(str::to_owned)
        .or(file.nats)
        .ok_or_else(|| format!("{}: no nats URL (set nats = \"nats://...\" or give --nats)", path.display()))?;
    let mut config = RelayConfig::new(nats);
    if let Some(stream) = file.stream {
        config.stream = stream;
    }
    config.metrics = file.metrics;
    if let Some(buffer) = file.buffer {
        config.buffer = buffer;
    }
    if let Some(hours) = file.max_age_hours {
        if !(hours > 0.0 && hours.is_finite()) {
            return Err(format!("{}: max_age_hours must be positive", path.display()));
        }
        config.max_age = Some(Duration::from_secs_f64(hours * 3600.0));
    }
    config.max_bytes = file.max_bytes;
    let base = path.parent();
    for site in file.site {
        let password = std::env::var(&site.password_env).map_err(|_| {
            format!("site {:?}: environment variable {} (password_env) is not set", site.name, site.password_env)
        })?;
        let options = LinkOptions {
            flags: site.flags,
            tls_ca: site.tls_ca,
            tls_pin: site.tls_pin,
            insecure_skip_verify: site.insecure_skip_verify,
            tls_cert: site.tls_cert,
            tls_key: site.tls_key,
        };
        let client = options
            .client_config(&site.target, &site.user, password, base)
            .map_err(|e| format!("site {:?}: {e}", site.name))?;
        config.sites.push(SiteConfig { name: site.name, client });
    }
    config.validate()?;
    Ok(config)
}

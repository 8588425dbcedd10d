//! `devlink3 relay` (IP Offices into NATS JetStream) and `devlink3 tail --nats` (back out).

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use devlink3_relay::follow::{From, follow};
use devlink3_relay::{Relay, RelayConfig, SiteConfig};

use crate::{TailArgs, TlsArgs, read_password};

#[derive(Args)]
pub(crate) struct RelayArgs {
    /// A site: its name in subjects and its PBX (`hq=tls://10.0.0.5`); repeatable
    #[arg(long = "pbx", value_name = "NAME=TARGET")]
    pbx: Vec<String>,
    /// NATS server(s): nats://host:4222 (comma-separated for a cluster)
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// Many sites with their own credentials: a TOML file (see the README)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The JetStream stream (created when absent, subjects devlink3.>)
    #[arg(long, default_value = "DEVLINK3")]
    stream: String,
    /// Service user of the --pbx sites
    #[arg(long, short, env = "DEVLINK3_USER")]
    user: Option<String>,
    /// Name of an environment variable holding their password
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// Event request flags of the --pbx sites, e.g. "_CMExtn"
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    flags: String,
    #[command(flatten)]
    tls: TlsArgs,
    /// Serve /metrics (Prometheus) and /healthz here, e.g. 127.0.0.1:9797
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Events buffered per site while the broker is away
    #[arg(long, default_value_t = 100_000)]
    buffer: usize,
    /// When the relay creates the stream: keep events this many hours
    #[arg(long, value_name = "HOURS")]
    max_age_hours: Option<f64>,
    /// When the relay creates the stream: keep at most this many bytes
    #[arg(long, value_name = "BYTES")]
    max_bytes: Option<i64>,
    /// On SIGTERM or Ctrl-C, wait this long for the broker to take what is buffered
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    flush_timeout: f64,
}

fn config(args: &RelayArgs) -> Result<RelayConfig, String> {
    let mut config = match &args.config {
        Some(path) => devlink3_relay::config::from_file(path, args.nats.as_deref())?,
        None => RelayConfig::new(args.nats.clone().ok_or("give --nats URL (or a --config file that sets nats)")?),
    };
    if args.stream != "DEVLINK3" || args.config.is_none() {
        config.stream = args.stream.clone();
    }
    if args.metrics.is_some() {
        config.metrics = args.metrics;
    }
    if args.buffer != 100_000 || args.config.is_none() {
        config.buffer = args.buffer;
    }
    if let Some(hours) = args.max_age_hours {
        if !(hours > 0.0 && hours.is_finite()) {
            return Err(format!("--max-age-hours {hours}: give a positive number"));
        }
        config.max_age = Some(Duration::from_secs_f64(hours * 3600.0));
    }
    if args.max_bytes.is_some() {
        config.max_bytes = args.max_bytes;
    }
    if !args.pbx.is_empty() {
        let sites = args
            .pbx
            .iter()
            .map(|pbx| {
                pbx.split_once('=')
                    .ok_or_else(|| format!("--pbx {pbx:?}: expected NAME=TARGET, e.g. hq=tls://10.0.0.5"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let user = args.user.clone().ok_or("give --user (or set DEVLINK3_USER) for the --pbx sites")?;
        let password = read_password(args.password_env.as_deref(), &user)?;
        let options = args.tls.link_options(&args.flags);
        for (name, target) in sites {
            let client = options
                .client_config(target, &user, password.clone(), None)
                .map_err(|e| format!("--pbx {name}: {e}"))?;
            config.sites.push(SiteConfig { name: name.to_owned(), client });
        }
    }
    config.validate()?;
    Ok(config)
}

pub(crate) fn run(args: RelayArgs) -> Result<ExitCode, String> {
    let config = config(&args)?;
    let flush = Duration::from_secs_f64(args.flush_timeout.clamp(0.0, 3600.0));
    let sites: Vec<String> = config.sites.iter().map(|s| s.name.clone()).collect();
    let relay = Relay::start(config)?;
    log::info!("relaying {} into {}", sites.join(", "), args.stream);
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot wait for signals: {e}"))?;
    let refused = signals.block_on(async {
        #[cfg(unix)]
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("cannot wait for SIGTERM: {e}"))?;
        let mut check = tokio::time::interval(Duration::from_millis(500));
        loop {
            #[cfg(unix)]
            let term = terminate.recv();
            #[cfg(not(unix))]
            let term = std::future::pending::<Option<()>>();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok::<bool, String>(false),
                _ = term => return Ok(false),
                _ = check.tick() => {
                    if relay.all_refused() {
                        return Ok(true);
                    }
                }
            }
        }
    })?;
    if refused {
        log::error!("every site refused the relay for good: stopping");
    } else {
        log::info!("stopping: publishing what is buffered, then closing the links");
    }
    let left = relay.shutdown(flush);
    if left > 0 {
        log::warn!("{left} buffered events could not be published before the flush timeout");
    }
    Ok(if refused || left > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `devlink3 tail --nats URL`: the relay's stream, printed as `tail` prints a PBX.
pub(crate) fn tail(url: &str, args: &TailArgs) -> Result<ExitCode, String> {
    let until = args.duration.map(|s| Instant::now() + Duration::from_secs_f64(s));
    let from = if args.from_start { From::Start } else { From::Now };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut printed = 0u64;
    let mut failed = None;
    follow(url, &args.stream, args.site.as_deref(), from, until, |payload| {
        if out.write_all(payload).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush()).is_err() {
            return false; // a closed pipe
        }
        printed += 1;
        args.count.is_none_or(|n| printed < n)
    })
    .unwrap_or_else(|e| failed = Some(e));
    match failed {
        Some(e) => Err(e),
        None => Ok(ExitCode::SUCCESS),
    }
}

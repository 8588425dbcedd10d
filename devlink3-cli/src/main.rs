//! `devlink3`: tail an IP Office's call events, read its users, run the simulator, benchmark.

mod bench;
mod logger;
mod relay;
mod watch;

/// Events cross threads (built on the runtime, freed by the consumer): glibc malloc contends on
/// that pattern, mimalloc does not. A library leaves this choice to the application; this is ours.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use devlink3_core::calls::{CallStream, Tracked, TrackerConfig};
use devlink3_core::client::{Client, Event, LinkState};
use devlink3_core::document::Documented;
use devlink3_core::transport::HttpAuth;
use devlink3_sim::{SimConfig, Simulator};

#[derive(Parser)]
#[command(name = "devlink3", version, about = "Avaya IP Office DevLink3 call events, from the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print call events as JSON lines (link states go to stderr).
    Tail(TailArgs),
    /// Print what happens to calls as JSON lines: started, ringing, answered, ... ended
    /// with a summary; extension state changes too.
    Calls(CallsArgs),
    /// A live board of the calls in progress and the extensions' states.
    Watch(WatchArgs),
    /// Relay every event of one or more IP Offices into NATS JetStream.
    Relay(relay::RelayArgs),
    /// Read nasystem/user_list and print the users.
    Users(UsersArgs),
    /// Run the IP Office simulator for other programs to connect to.
    Sim(SimArgs),
    /// Measure end-to-end throughput: the simulator blasting events into a client.
    Bench(bench::BenchArgs),
    /// Print the JSON Schema of the event documents `tail` prints.
    Schema,
}

/// How to reach and log in to the PBX.
#[derive(Args)]
struct LinkArgs {
    /// tcp://host[:50797], tls://host[:50796], host[:port], ws://host[:80]/path or wss://host[:50796]/path
    target: Option<String>,
    /// Service user with the DevLink3 right
    #[arg(long, short, env = "DEVLINK3_USER")]
    user: Option<String>,
    /// Name of an environment variable holding the password (else you are prompted)
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    #[command(flatten)]
    tls: TlsArgs,
    /// ws:// and wss:// targets: HTTP authentication on the upgrade
    #[arg(long, value_enum, default_value = "auto", value_name = "AUTH")]
    ws_auth: WsAuth,
    /// Allow HTTP Basic over plain ws:// (sends the password in clear text)
    #[arg(long)]
    ws_allow_basic_cleartext: bool,
    /// Skip the DevLink3 login inside the WebSocket (servers that authenticate only at HTTP)
    #[arg(long)]
    ws_no_devlink_auth: bool,
    /// Sec-WebSocket-Protocol to offer (repeatable)
    #[arg(long, value_name = "NAME")]
    ws_protocol: Vec<String>,
    /// Extra upgrade request header "Name: value" (repeatable)
    #[arg(long, value_name = "HEADER")]
    ws_header: Vec<String>,
    /// Start the embedded simulator and connect to it (no PBX needed)
    #[arg(long, conflicts_with = "target")]
    sim: bool,
    /// With --sim: connect over WebSocket (ws://, HTTP Digest) instead of TCP
    #[arg(long, requires = "sim")]
    ws: bool,
    /// With --sim: calls started per second
    #[arg(long, default_value_t = 2.0, requires = "sim")]
    rate: f64,
    /// With --sim: seed for repeatable traffic
    #[arg(long, requires = "sim")]
    seed: Option<u64>,
    /// With --sim: also play the calls of this JSON call script (see the README)
    #[arg(long, value_name = "FILE", requires = "sim")]
    script: Option<PathBuf>,
}

/// How to trust the PBX's certificate, and ours for mutual TLS (tail, calls, relay...).
#[derive(Args)]
pub(crate) struct TlsArgs {
    /// PEM file of CA certificates to trust for tls://
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<PathBuf>,
    /// SHA-256 fingerprint of the PBX certificate to accept (hex, colons allowed)
    #[arg(long, value_name = "HEX")]
    tls_pin: Option<String>,
    /// Accept any TLS certificate (labs only: the password can be intercepted)
    #[arg(long)]
    insecure_skip_verify: bool,
    /// Client certificate (PEM) for mutual TLS
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Client private key (PEM) for mutual TLS
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

impl TlsArgs {
    /// With the event request `flags`: the link options the relay's configuration uses too.
    pub(crate) fn link_options(&self, flags: &str) -> devlink3_core::client::LinkOptions {
        devlink3_core::client::LinkOptions {
            flags: flags.to_owned(),
            tls_ca: self.tls_ca.clone(),
            tls_pin: self.tls_pin.clone(),
            insecure_skip_verify: self.insecure_skip_verify,
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
        }
    }
}

/// HTTP authentication for WebSocket targets.
#[derive(Clone, Copy, clap::ValueEnum)]
enum WsAuth {
    /// Answer the server's challenge (Digest preferred)
    Auto,
    None,
    Basic,
    Digest,
}

#[derive(Args)]
pub(crate) struct TailArgs {
    #[command(flatten)]
    link: LinkArgs,
    /// Event request flags, e.g. "-CD2 _SIPTrack _CMExtn"
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    flags: String,
    /// Include each record's original text as "raw"
    #[arg(long)]
    raw: bool,
    /// Stop after this many records
    #[arg(long)]
    count: Option<u64>,
    /// Stop after this many seconds
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Read the events from a devlink3 relay's NATS JetStream stream instead of a PBX
    #[arg(long, value_name = "URL", conflicts_with_all = ["target", "sim"])]
    nats: Option<String>,
    /// With --nats: only this site's events
    #[arg(long, requires = "nats")]
    site: Option<String>,
    /// With --nats: the stream
    #[arg(long, default_value = "DEVLINK3", requires = "nats")]
    stream: String,
    /// With --nats: everything the stream holds, not only what arrives from now on
    #[arg(long, requires = "nats")]
    from_start: bool,
}

#[derive(Args)]
struct CallsArgs {
    #[command(flatten)]
    link: LinkArgs,
    /// Event request flags, e.g. "-CONN" (Delta3 records are what calls are made of)
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    flags: String,
    /// Leave out extension state changes
    #[arg(long)]
    no_extensions: bool,
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Stop after this many events
    #[arg(long)]
    count: Option<u64>,
    /// Stop after this many seconds
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
}

/// The call model's limits.
#[derive(Args)]
pub(crate) struct TrackerArgs {
    /// End a call as "unknown" after this long without a record of it
    #[arg(long, default_value_t = 43_200.0, value_name = "SECS")]
    max_idle: f64,
    /// After a reconnect, how long the PBX has to re-announce a call before it ends as "unknown"
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    resync_window: f64,
}

impl TrackerArgs {
    pub(crate) fn config(&self) -> Result<TrackerConfig, String> {
        TrackerConfig::from_seconds(self.max_idle, self.resync_window, TrackerConfig::default().max_calls)
            .map_err(|e| format!("--{}", e.replace('_', "-")))
    }
}

#[derive(Args)]
pub(crate) struct WatchArgs {
    #[command(flatten)]
    link: LinkArgs,
    /// Event request flags
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    flags: String,
    /// Redraw at most this often, in seconds
    #[arg(long, default_value_t = 0.5, value_name = "SECS")]
    every: f64,
    #[command(flatten)]
    tracker: TrackerArgs,
    /// Stop after this many seconds
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
}

#[derive(Args)]
struct UsersArgs {
    #[command(flatten)]
    link: LinkArgs,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct SimArgs {
    /// TCP address to listen on
    #[arg(long, default_value = "127.0.0.1:50797")]
    listen: SocketAddr,
    /// Also listen for TLS here (self-signed certificate; its fingerprint is printed)
    #[arg(long, value_name = "ADDR")]
    tls_listen: Option<SocketAddr>,
    /// Calls started per second
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Seed for repeatable traffic
    #[arg(long)]
    seed: Option<u64>,
    /// Service user accepted by the simulator
    #[arg(long, default_value = "devlink3")]
    user: String,
    /// Name of an environment variable holding that user's password (default "devlink3")
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// Log each connection on stderr: who connected, the user and the login's result, the
    /// flags accepted or refused, lockouts and refused connections
    #[arg(short, long)]
    verbose: bool,
    /// Offer the PLAIN challenge instead of SHA1 on TLS links
    #[arg(long)]
    plain_auth: bool,
    /// Mutual TLS: TLS clients must present a certificate signed by a CA of this PEM file
    #[arg(long, value_name = "FILE")]
    client_ca: Option<std::path::PathBuf>,
    /// Also play the calls of this JSON call script, as written (see the README)
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
    /// Append what each call really was, as it ends, to FILE as JSON lines (direction,
    /// caller, called, answered_by, disposition, ring/talk/hold seconds): the truth to test
    /// a call model against
    #[arg(long, value_name = "FILE")]
    truth: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let floor = match &cli.command {
        Command::Sim(args) if args.verbose => log::LevelFilter::Info,
        Command::Relay(_) => log::LevelFilter::Info,
        _ => log::LevelFilter::Off,
    };
    if let Err(message) = logger::init(floor) {
        eprintln!("devlink3: {message}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Tail(args) => tail(args),
        Command::Calls(args) => calls(args),
        Command::Watch(args) => watch::run(args),
        Command::Relay(args) => relay::run(args),
        Command::Users(args) => users(args),
        Command::Sim(args) => sim(args),
        Command::Bench(args) => bench::run(args),
        Command::Schema => schema(),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("devlink3: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A connected client and, with `--sim`, the simulator it talks to (kept alive with it).
struct Session {
    client: Client,
    _sim: Option<Simulator>,
}

fn open(link: LinkArgs, flags: &str) -> Result<Session, String> {
    let (sim, target, user, password) = if link.sim {
        let mut config = SimConfig { rate: link.rate, ..SimConfig::default() };
        if let Some(seed) = link.seed {
            config.seed = seed;
        }
        if let Some(path) = &link.script {
            config.script = read_script(path)?;
        }
        if link.ws {
            config.ws = config.tcp.take();
        }
        let (user, password) = config.users[0].clone();
        let sim = Simulator::start(config).map_err(|e| format!("cannot start the simulator: {e}"))?;
        let target = sim.target();
        eprintln!("devlink3: simulator listening on {target}");
        (Some(sim), target, user, password)
    } else {
        let target = link.target.ok_or("give a TARGET (tcp://host, tls://host) or --sim")?;
        let user = link.user.ok_or("give --user (or set DEVLINK3_USER)")?;
        let password = read_password(link.password_env.as_deref(), &user)?;
        (None, target, user, password)
    };
    let mut config =
        link.tls.link_options(flags).client_config(&target, &user, password, None).map_err(|e| e.to_string())?;
    config.websocket.http_auth = match link.ws_auth {
        WsAuth::Auto => HttpAuth::Auto,
        WsAuth::None => HttpAuth::None,
        WsAuth::Basic => HttpAuth::Basic,
        WsAuth::Digest => HttpAuth::Digest,
    };
    config.websocket.allow_basic_over_cleartext = link.ws_allow_basic_cleartext;
    config.websocket.devlink_auth = !link.ws_no_devlink_auth;
    config.websocket.protocols = link.ws_protocol;
    for header in link.ws_header {
        let (name, value) =
            header.split_once(':').ok_or(format!("--ws-header {header:?}: expected \"Name: value\""))?;
        config.websocket.headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let client = Client::connect(config).map_err(|e| e.to_string())?;
    Ok(Session { client, _sim: sim })
}

/// A call script from a file, or why not (naming the file).
fn read_script(path: &std::path::Path) -> Result<Vec<devlink3_sim::ScriptedCall>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read --script {}: {e}", path.display()))?;
    devlink3_sim::parse_script(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The password from the named environment variable, else from the terminal (not echoed).
pub(crate) fn read_password(var: Option<&str>, user: &str) -> Result<String, String> {
    match var {
        Some(var) => std::env::var(var).map_err(|_| format!("environment variable {var} is not set")),
        None => rpassword::prompt_password(format!("Password for {user}: "))
            .map_err(|e| format!("cannot read the password from the terminal: {e} (use --password-env VAR)")),
    }
}

fn tail(args: TailArgs) -> Result<ExitCode, String> {
    if let Some(url) = &args.nats {
        return relay::tail(url, &args);
    }
    let session = open(args.link, &args.flags)?;
    let deadline = args.duration.map(|s| Instant::now() + Duration::from_secs_f64(s));
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut records = 0u64;
    loop {
        if args.count.is_some_and(|n| records >= n) || deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(ExitCode::SUCCESS);
        }
        let event = session.client.next_event(Some(Duration::from_millis(200))).map_err(|e| e.to_string())?;
        let Some(event) = event else {
            out.flush().map_err(|e| e.to_string())?;
            continue;
        };
        match &event {
            Event::LinkState(state) => {
                eprintln!("devlink3: {state}");
                if let LinkState::Rejected { .. } = state {
                    return Ok(ExitCode::FAILURE);
                }
            }
            Event::Missed { count, reason } => {
                eprintln!("devlink3: missed {count} events ({reason})");
                write_json(&mut out, &event, args.raw)?;
            }
            _ => {
                records += 1;
                write_json(&mut out, &event, args.raw)?;
            }
        }
    }
}

fn write_json(out: &mut impl Write, event: &Event, raw: bool) -> Result<(), String> {
    write_line(out, &Documented::new(event, raw))
}

/// One JSON line; a closed pipe (`devlink3 tail | head`) ends the program quietly.
fn write_line(out: &mut impl Write, value: &impl serde::Serialize) -> Result<(), String> {
    serde_json::to_writer(&mut *out, value).map_err(|e| e.to_string())?;
    if out.write_all(b"\n").is_err() {
        std::process::exit(0);
    }
    Ok(())
}

fn calls(args: CallsArgs) -> Result<ExitCode, String> {
    let tracker = args.tracker.config()?;
    let session = open(args.link, &args.flags)?;
    let deadline = args.duration.map(|s| Instant::now() + Duration::from_secs_f64(s));
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut stream = CallStream::new(&session.client, tracker);
    let mut printed = 0u64;
    loop {
        if args.count.is_some_and(|n| printed >= n) || deadline.is_some_and(|d| Instant::now() >= d) {
            out.flush().map_err(|e| e.to_string())?;
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(code) = report_link(&session.client) {
            return Ok(code);
        }
        let Some(tracked) = stream.next(Some(Duration::from_millis(200))).map_err(|e| e.to_string())? else {
            out.flush().map_err(|e| e.to_string())?;
            continue;
        };
        if args.no_extensions && matches!(tracked, Tracked::Extension(_)) {
            continue;
        }
        printed += 1;
        write_line(&mut out, &tracked)?;
    }
}

/// Reports the link's state on stderr when it changed; the exit code once it was refused.
fn report_link(client: &Client) -> Option<ExitCode> {
    use std::sync::Mutex;
    static LAST: Mutex<String> = Mutex::new(String::new());
    let state = client.state();
    let text = state.to_string();
    let mut last = LAST.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if *last != text {
        eprintln!("devlink3: {text}");
        *last = text;
    }
    matches!(state, LinkState::Rejected { .. }).then_some(ExitCode::FAILURE)
}

fn schema() -> Result<ExitCode, String> {
    let text = serde_json::to_string_pretty(&devlink3_core::document::schema()).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn users(args: UsersArgs) -> Result<ExitCode, String> {
    let json = args.json;
    let session = open(args.link, "")?;
    let users = session.client.users().map_err(|e| e.to_string())?;
    let mut out = io::stdout().lock();
    if json {
        let rows: Vec<&Vec<String>> = users.iter().map(|u| &u.fields).collect();
        serde_json::to_writer_pretty(&mut out, &rows).map_err(|e| e.to_string())?;
        writeln!(out).map_err(|e| e.to_string())?;
    } else {
        let _ = writeln!(out, "{:<20} {:<10} FULL NAME", "NAME", "EXTENSION");
        for u in &users {
            let _ = writeln!(out, "{:<20} {:<10} {}", u.name(), u.extension(), u.full_name());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn sim(args: SimArgs) -> Result<ExitCode, String> {
    let password = match args.password_env {
        Some(var) => std::env::var(&var).map_err(|_| format!("environment variable {var} is not set"))?,
        None => "devlink3".to_string(),
    };
    let mut config = SimConfig {
        tcp: Some(args.listen),
        tls: args.tls_listen,
        rate: args.rate,
        users: vec![(args.user.clone(), password)],
        plain_auth: args.plain_auth,
        client_ca_file: args.client_ca,
        ..SimConfig::default()
    };
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(path) = &args.script {
        config.script = read_script(path)?;
    }
    let sim = Simulator::start(config).map_err(|e| format!("cannot start the simulator: {e}"))?;
    let mut truth = match &args.truth {
        Some(path) => Some(io::LineWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open --truth {}: {e}", path.display()))?,
        )),
        None => None,
    };
    // Whoever started us may stop reading after the first line: a closed pipe is fine.
    let mut out = io::stdout();
    let _ = writeln!(out, "simulator: {} (user {:?})", sim.target(), args.user);
    if let (Some(target), Some(pin)) = (sim.tls_target(), sim.fingerprint_sha256()) {
        let _ = writeln!(out, "simulator: {target} certificate sha256 {pin}");
    }
    let _ = writeln!(out, "press Ctrl-C to stop");
    let _ = out.flush();
    loop {
        std::thread::sleep(Duration::from_millis(250));
        if let Some(file) = &mut truth {
            for call in sim.take_truths() {
                serde_json::to_writer(&mut *file, &call).map_err(|e| e.to_string())?;
                file.write_all(b"\n").map_err(|e| format!("cannot write --truth: {e}"))?;
            }
        }
    }
}

//! The client: one link to an IP Office, kept up until it is closed.
//!
//! [`Client::connect`] validates the configuration and returns at once; the session runs
//! on the process-wide runtime ([`crate::runtime`]): connect, Test packet, authenticate,
//! request events, keep alive, reconnect with back-off. Events and link states reach the
//! application through a bounded queue, pulled with [`Client::next_event`] or pushed to
//! callbacks on a dispatcher thread ([`Client::set_handlers`]).
//!
//! Records are asked for on demand. The link authenticates (and reports
//! [`LinkState::Operational`]) as soon as it can, but sends its event request only once
//! something consumes records: the first [`Client::next_event`], a record callback, or
//! [`Client::subscribe`]. Right after the event request an IP Office sends a record for
//! every call in progress, and records flow at once on a busy system: asking before anyone
//! takes them would lose them. Reconnects subscribe again the same way.
//!
//! The link never authenticates again by itself after AUTHENTICATION FAILED or LICENCE
//! MISSING: IP Office locks a service account out after repeated failures, across
//! reconnects. It reports [`LinkState::Rejected`] and stops.

mod backoff;
mod link_options;
mod session;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use crate::dispatch::{Dispatcher, EventQueue, HandlerSet, Handlers};
use crate::files::{USER_LIST, UserEntry, parse_user_list};
use crate::runtime;
use crate::subscription::Subscription;
use crate::transport::{Scheme, Target, TlsConnector, TlsOptions, WebSocketOptions};

pub use crate::error::{ConfigError, Error};
pub use crate::event::{Event, LinkState, MissedReason, Origin, PbxInfo};
pub use link_options::LinkOptions;

/// Event request flags (specification §6.4.1), to combine with spaces.
pub mod flags {
    /// Events from every PBX of the SCN (not with `-CD2`).
    pub const SCN: &str = "-SCN";
    /// Delta2 records instead of Delta3.
    pub const CD2: &str = "-CD2";
    /// Delta2 as UTF-8 instead of UTF-16.
    pub const TEXT: &str = "-TEXT";
    /// Delta3 records only once a call has been connected.
    pub const CONN: &str = "-CONN";
    /// SIPTrack events.
    pub const SIPTRACK: &str = "_SIPTrack";
    /// CMExtn events.
    pub const CMEXTN: &str = "_CMExtn";
}

/// How to reach the PBX and what to ask of it.
#[derive(Clone)]
pub struct ClientConfig {
    /// `tcp://host[:50797]`, `tls://host[:50796]`, a bare `host[:port]` (TCP), or a
    /// WebSocket URL `ws://host[:80]/path`, `wss://host[:50796]/path` (the path is
    /// site-specific).
    pub target: String,
    /// The IP Office service user with the DevLink3 right.
    pub user: String,
    /// Its password. Never logged; sent in PLAIN only over TLS.
    pub password: String,
    /// Reported to the PBX in the authentication request.
    pub application_name: String,
    /// Event request flags, space-separated (see [`flags`]); empty asks for Delta3 only.
    pub flags: String,
    pub tls: TlsOptions,
    /// For `ws://` and `wss://` targets.
    pub websocket: WebSocketOptions,
    /// Events buffered for a slow consumer before the oldest are dropped (and reported);
    /// 1 to [`MAX_QUEUE_CAPACITY`]. A queue three quarters full first holds up reading the
    /// socket, for at most 250 ms, so that a consumer only briefly behind loses nothing.
    pub queue_capacity: usize,
    /// How often to send a Test packet.
    pub keepalive_interval: Duration,
    /// Unanswered Test packets before the link is declared dead.
    pub keepalive_misses: u32,
    pub connect_timeout: Duration,
    /// How long to wait for each answer during connection set-up and for ReadFile.
    pub response_timeout: Duration,
    pub reconnect: Reconnect,
}

/// The largest event queue a link accepts (`queue_capacity`): about a minute of the
/// busiest IP Office. Slots are allocated as they fill, never up front.
pub const MAX_QUEUE_CAPACITY: usize = 1 << 20;

/// Reconnection timing: exponential back-off with jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconnect {
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// Wait after RETRY LATER or LIMITS EXCEEDED.
    pub retry_later_delay: Duration,
    /// How long a link must stay operational before the back-off starts again from
    /// `initial_delay`. A PBX that accepts the login and then drops the link keeps the
    /// delays growing, so it never sees more than one login per `max_delay` for long.
    pub stable_after: Duration,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            retry_later_delay: Duration::from_secs(30),
            stable_after: Duration::from_secs(30),
        }
    }
}

impl ClientConfig {
    /// A configuration with the defaults: Delta3 events, 30 s keepalive, 4096 queued events.
    pub fn new(target: impl Into<String>, user: impl Into<String>, password: impl Into<String>) -> Self {
        ClientConfig {
            target: target.into(),
            user: user.into(),
            password: password.into(),
            application_name: format!("devlink3 {}", env!("CARGO_PKG_VERSION")),
            flags: String::new(),
            tls: TlsOptions::default(),
            websocket: WebSocketOptions::default(),
            queue_capacity: 4096,
            keepalive_interval: Duration::from_secs(30),
            keepalive_misses: 2,
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(10),
            reconnect: Reconnect::default(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("target", &self.target)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("application_name", &self.application_name)
            .field("flags", &self.flags)
            .field("tls", &self.tls)
            .field("websocket", &self.websocket)
            .field("queue_capacity", &self.queue_capacity)
            .field("keepalive_interval", &self.keepalive_interval)
            .field("keepalive_misses", &self.keepalive_misses)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("reconnect", &self.reconnect)
            .finish()
    }
}

/// A validated configuration, shared with the session task.
pub(crate) struct Settings {
    pub config: ClientConfig,
    pub target: Target,
    pub tls: Option<TlsConnector>,
}

impl Settings {
    fn new(config: ClientConfig) -> Result<Self, Error> {
        let target: Target = config.target.parse().map_err(ConfigError::Target)?;
        if config.user.is_empty() {
            return Err(ConfigError::MissingUser.into());
        }
        for (name, text) in [("user", &config.user), ("password", &config.password), ("flags", &config.flags)] {
            if text.contains('\0') {
                return Err(ConfigError::NulCharacter(name).into());
            }
        }
        check_queue_capacity(config.queue_capacity)?;
        if config.keepalive_interval.is_zero() {
            return Err(ConfigError::ZeroDuration("keepalive interval").into());
        }
        if config.response_timeout.is_zero() {
            return Err(ConfigError::ZeroDuration("response timeout").into());
        }
        let tls = match target.scheme {
            Scheme::Tls | Scheme::Wss => Some(TlsConnector::new(&config.tls).map_err(ConfigError::Tls)?),
            Scheme::Tcp | Scheme::Ws => None,
        };
        Ok(Settings { config, target, tls })
    }
}

/// Checks a queue capacity against `1..=MAX_QUEUE_CAPACITY`; the error names the limit.
pub fn check_queue_capacity(capacity: usize) -> Result<(), ConfigError> {
    if (1..=MAX_QUEUE_CAPACITY).contains(&capacity) {
        Ok(())
    } else {
        Err(ConfigError::QueueCapacity { capacity, max: MAX_QUEUE_CAPACITY })
    }
}

/// State shared by the handle, the session task and the dispatcher.
pub(crate) struct Shared {
    pub queue: Arc<EventQueue>,
    state: Mutex<LinkState>,
}

impl Shared {
    /// Records and reports a link-state change.
    pub fn report(&self, state: LinkState) {
        log::info!("devlink3: {state}");
        *lock(&self.state) = state.clone();
        self.queue.push(Event::LinkState(state));
    }

    /// What the PBX said about itself, while the link is operational.
    pub fn operational_info(&self) -> Option<PbxInfo> {
        match &*lock(&self.state) {
            LinkState::Operational(info) => Some(info.clone()),
            _ => None,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where the session task sends a file's contents (or why it could not read it).
pub(crate) type FileReply = oneshot::Sender<Result<Vec<u8>, Error>>;

/// Requests from the handle to the session task.
pub(crate) enum Command {
    ReadFile { name: String, reply: FileReply },
}

/// A link to one IP Office. Dropping it closes it.
pub struct Client {
    shared: Arc<Shared>,
    commands: mpsc::UnboundedSender<Command>,
    shutdown: watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    handlers: Arc<HandlerSet>,
    subscription: Arc<Subscription>,
    /// Shared so that `close` can join it without holding the lock a callback may need.
    dispatcher: Mutex<Option<Arc<Dispatcher>>>,
    closed: AtomicBool,
    response_timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("state", &self.state()).finish_non_exhaustive()
    }
}

impl Client {
    /// Validates `config` and starts the link; returns at once, never waiting on the
    /// network. Link states follow as events.
    pub fn connect(config: ClientConfig) -> Result<Client, Error> {
        let response_timeout = config.response_timeout;
        let settings = Arc::new(Settings::new(config)?);
        let shared = Arc::new(Shared {
            queue: Arc::new(EventQueue::new(settings.config.queue_capacity)),
            state: Mutex::new(LinkState::Connecting { attempt: 1 }),
        });
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (subscription, subscription_rx) = Subscription::new(settings.config.flags.clone());
        let task =
            runtime::handle().spawn(session::run(settings, shared.clone(), command_rx, shutdown_rx, subscription_rx));
        Ok(Client {
            shared,
            commands,
            shutdown,
            task: Mutex::new(Some(task)),
            handlers: Arc::new(HandlerSet::new(subscription.clone())),
            subscription,
            dispatcher: Mutex::new(None),
            closed: AtomicBool::new(false),
            response_timeout,
        })
    }

    /// The current link state.
    pub fn state(&self) -> LinkState {
        if self.closed.load(Ordering::Acquire) {
            return LinkState::Closed;
        }
        lock(&self.shared.state).clone()
    }

    /// Asks the PBX for events now, with `flags` (the configured [`ClientConfig::flags`]
    /// when `None`), if the link has not asked yet; the records follow as events. Pulling
    /// events and registering a record callback do this by themselves; call it directly
    /// to choose the flags at that moment (a legacy application registering for Delta2).
    /// Refused when the link already asked with other flags.
    pub fn subscribe(&self, flags: Option<&str>) -> Result<(), Error> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        self.subscription.request(flags)
    }

    /// The event flags the link asked for, once it has subscribed.
    pub fn subscribed_flags(&self) -> Option<String> {
        self.subscription.flags()
    }

    /// The next event, waiting up to `timeout` (forever when `None`); `Ok(None)` on timeout.
    /// The first call subscribes the link (see [`Client::subscribe`]).
    pub fn next_event(&self, timeout: Option<Duration>) -> Result<Option<Event>, Error> {
        self.check_pull()?;
        self.subscription.request(None)?;
        self.pop(timeout)
    }

    fn pop(&self, timeout: Option<Duration>) -> Result<Option<Event>, Error> {
        match self.shared.queue.pop(timeout) {
            Some(event) => Ok(Some(event)),
            None if self.closed.load(Ordering::Acquire) => Err(Error::Closed),
            None => Ok(None),
        }
    }

    /// Up to `max` events into `out`: waits up to `timeout` for the first, then takes what
    /// is already queued without waiting. Returns how many were added. For bindings, which
    /// cross their language boundary once per batch rather than once per event.
    pub fn next_events(&self, out: &mut Vec<Event>, max: usize, timeout: Option<Duration>) -> Result<usize, Error> {
        self.check_pull()?;
        self.subscription.request(None)?;
        match self.shared.queue.pop_batch(out, max, timeout) {
            0 if self.closed.load(Ordering::Acquire) => Err(Error::Closed),
            added => Ok(added),
        }
    }

    fn check_pull(&self) -> Result<(), Error> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        if lock(&self.dispatcher).is_some() {
            return Err(Error::CallbackMode);
        }
        Ok(())
    }

    /// Changes the callbacks. The first call switches the link to callback mode: from then
    /// on a dispatcher thread delivers every event to them (and `next_event` is refused).
    /// Callable from inside a callback too; the change then applies when it returns.
    /// Once a record callback (or `other`) is set, the link subscribes (see
    /// [`Client::subscribe`]): no record arrives before there is a callback to take it.
    pub fn set_handlers(&self, update: impl FnOnce(&mut Handlers) + Send + 'static) -> Result<(), Error> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        // Not held across the update, which waits for a running callback: that callback may
        // be calling close or set_handlers itself, which need this lock.
        let from_callback = lock(&self.dispatcher).as_ref().is_some_and(|d| d.is_current());
        self.handlers.update(Box::new(update), from_callback);
        let mut dispatcher = lock(&self.dispatcher);
        if dispatcher.is_none() {
            let started =
                Dispatcher::start("devlink3-dispatch".into(), self.shared.queue.clone(), self.handlers.clone())
                    .map_err(|e| Error::Thread { thread: "dispatcher", reason: e.to_string() })?;
            *dispatcher = Some(Arc::new(started));
        }
        Ok(())
    }

    /// Reads a PBX pseudo-file (e.g. [`USER_LIST`]) on this link while events keep
    /// flowing. Waits for the link to be operational, up to the response timeout.
    pub fn read_file(&self, name: &str) -> Result<Vec<u8>, Error> {
        if runtime::on_runtime_thread() {
            return Err(Error::BlockingOnRuntime("read_file"));
        }
        runtime::handle().block_on(self.read_file_async(name))
    }

    /// [`Client::read_file`] for async callers (on the runtime): the same response timeout.
    pub async fn read_file_async(&self, name: &str) -> Result<Vec<u8>, Error> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(Command::ReadFile { name: name.to_string(), reply }).map_err(|_| Error::Closed)?;
        let timeout = self.response_timeout;
        tokio::time::timeout(timeout, answer)
            .await
            .unwrap_or(Ok(Err(Error::Timeout(timeout))))
            .unwrap_or(Err(Error::Closed))
    }

    /// The PBX's users, from `nasystem/user_list`.
    pub fn users(&self) -> Result<Vec<UserEntry>, Error> {
        Ok(parse_user_list(&self.read_file(USER_LIST)?))
    }

    /// Closes the link: idempotent, callable from any thread, also from inside a callback.
    /// Outside a callback it returns once no callback is running or will run, and the
    /// connection is closed.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.shared.queue.close();
        let _ = self.shutdown.send(true);
        // Joined outside the lock: the callback running now may call set_handlers or close.
        let dispatcher = lock(&self.dispatcher).clone();
        if let Some(dispatcher) = dispatcher {
            dispatcher.join();
        }
        // Wait for the session task so its socket is closed when we return (not possible
        // from a runtime thread, where blocking would stall the runtime).
        if !runtime::on_runtime_thread() {
            if let Some(task) = lock(&self.task).take() {
                runtime::handle().block_on(async {
                    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
                });
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.close();
    }
}

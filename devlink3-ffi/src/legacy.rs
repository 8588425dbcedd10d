//! The legacy `devlink.dll` API: `DLOpen`, `DLClose`, `DLRegisterType2CallDeltas`, plus
//! `DLRegisterType3CallDeltas`, and the 2001 `DLRegisterCallLog` (accepted, never called).
//! Prototypes, return codes and comms states are those of the original `DEVLINK.H` (see
//! `include/devlink.h`, which documents the behaviour).
//!
//! Each `pbxh` maps to one [`Client`]. The comms callback is installed at `DLOpen`; the
//! record callback at the first `DLRegister*`, which is also when the link subscribes to
//! the kind of record it asks for (Type2: Delta2, Type3: Delta3): the IP Office's records
//! (its snapshot of the calls in progress first) then arrive once there is a callback to
//! take them. Both read the application's function pointers from slots of our own, so
//! registering again or unregistering never touches the client.

#![allow(non_snake_case)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::{CStr, c_char};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use devlink3_core::client::{Client, Event, LinkState};
use devlink3_core::dispatch::Handlers;
use devlink3_core::transport::{Scheme, Target};
use devlink3_core::wire::ResultCode;
use devlink3_core::wire::tuple::tag;
use once_cell::sync::Lazy;

use crate::error::{FfiOutcome, ffi_boundary, set_last_error};
use crate::legacy_config::{FILE_NAME, LegacyConfig, env_name, library_dir, process_env};
use crate::logging;
use crate::options::{LinkSettings, Records};
use crate::text::{Text, legacy_string};

/// `LONG` of the original header: 32 bits on every platform (as on Win32).
pub type LONG = i32;
/// `DWORD` of the original header.
pub type DWORD = u32;
/// `TEXT` of the original header.
pub type TEXT = c_char;
/// What the exports return in registers: the `LONG` sign-extended to 64 bits. C callers
/// read the low half (EAX) as ever; a .NET program that declared the functions as
/// returning a 64-bit `long` reads EDX:EAX on x86 (RAX on x64) and gets the same number
/// instead of a `LONG` glued to whatever the upper register held.
pub type WideLong = i64;

pub const DEVLINK_SUCCESS: LONG = 0;
pub const DEVLINK_UNSPECIFIEDFAIL: LONG = 1;
pub const DEVLINK_LICENCENOTFOUND: LONG = 2;

pub const DEVLINK_COMMS_OPERATIONAL: DWORD = 0;
pub const DEVLINK_COMMS_NORESPONSE: DWORD = 1;
pub const DEVLINK_COMMS_REJECTED: DWORD = 2;
pub const DEVLINK_COMMS_MISSEDPACKETS: DWORD = 3;

/// `DLCOMMSEVENT`: comms-state changes. `extern "system"` is `__stdcall` on 32-bit
/// Windows (as `CALLBACK` there) and the C convention everywhere else.
pub type DLCOMMSEVENT = Option<unsafe extern "system" fn(pbxh: DWORD, comms_state: DWORD, parm1: DWORD)>;
/// `DLCALLLOGEVENT`: one call record, NUL-terminated, valid during the call.
pub type DLCALLLOGEVENT = Option<unsafe extern "system" fn(pbxh: DWORD, info: *mut TEXT)>;

/// Legacy applications wait 10 s for the first comms state (the guide's example does), so
/// an unreachable PBX must be reported as NORESPONSE well within that.
const LEGACY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a legacy call failed, and which return code says so.
/// Every failure is also logged (at warn): applications that ignore return codes are many.
#[derive(Debug)]
pub(crate) enum LegacyError {
    /// `DEVLINK_UNSPECIFIEDFAIL`.
    Fail(String),
    /// `DEVLINK_LICENCENOTFOUND`: the PBX refused the link for want of a licence.
    Licence(String),
}

impl FfiOutcome for Result<(), LegacyError> {
    type Ret = WideLong;

    fn finish(self) -> WideLong {
        let (code, message) = match self {
            Ok(()) => return DEVLINK_SUCCESS.into(),
            Err(LegacyError::Fail(message)) => (DEVLINK_UNSPECIFIEDFAIL, message),
            Err(LegacyError::Licence(message)) => (DEVLINK_LICENCENOTFOUND, message),
        };
        log::warn!("{message}");
        set_last_error(&message);
        code.into()
    }

    fn panicked() -> WideLong {
        DEVLINK_UNSPECIFIEDFAIL.into()
    }
}

fn fail(message: impl Into<String>) -> LegacyError {
    LegacyError::Fail(message.into())
}

/// One open `pbxh`.
struct LegacyLink {
    client: Client,
    settings: LinkSettings,
    /// The record type the link subscribed to, once a `DLRegister*` chose it.
    subscribed: Mutex<Option<Records>>,
    /// The registered record callback (Type2 or Type3, as `subscribed` says).
    record_cb: Arc<Mutex<DLCALLLOGEVENT>>,
    gate: Arc<Gate>,
}

/// Every open `pbxh`. Never locked while a client is closed or a callback runs, so that
/// callbacks can call `DL*` functions.
static LINKS: Lazy<Mutex<HashMap<DWORD, Arc<LegacyLink>>>> = Lazy::new(Default::default);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data behind our mutexes stays consistent whatever panicked while it was held.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Holds callbacks back until `DLOpen` has finished: legacy applications set up their
/// state after `DLOpen` returns, and a state reported before that would be overwritten.
#[derive(Default)]
struct Gate {
    /// Set once callbacks may run without looking at the clock.
    settled: AtomicBool,
    /// When `DLOpen` opened the gate.
    opened_at: Mutex<Option<Instant>>,
    opened: Condvar,
}

impl Gate {
    /// The gate opens as DLOpen's last step, a few instructions before it returns to the
    /// application; callbacks wait this long after that to give it the time to get there
    /// (enough under valgrind too, and nothing next to the 10 s legacy apps wait).
    const RETURN_TIME: Duration = Duration::from_millis(20);

    fn open(&self) {
        *lock(&self.opened_at) = Some(Instant::now());
        self.opened.notify_all();
    }

    fn wait(&self) {
        if self.settled.load(Ordering::Acquire) {
            return;
        }
        let mut opened_at = lock(&self.opened_at);
        let ready = loop {
            match *opened_at {
                Some(at) => break at + Self::RETURN_TIME,
                None => opened_at = self.opened.wait(opened_at).unwrap_or_else(|e| e.into_inner()),
            }
        };
        drop(opened_at);
        std::thread::sleep(ready.saturating_duration_since(Instant::now()));
        self.settled.store(true, Ordering::Release);
    }
}

/// The application's comms callback for one `pbxh`.
#[derive(Clone)]
struct Comms {
    pbxh: DWORD,
    cb: unsafe extern "system" fn(DWORD, DWORD, DWORD),
    gate: Arc<Gate>,
}

impl Comms {
    fn report(&self, comms_state: DWORD, parm1: DWORD) {
        self.gate.wait();
        // SAFETY: the application gave us this function for this purpose in DLOpen.
        unsafe { (self.cb)(self.pbxh, comms_state, parm1) }
    }
}

/// Turns link states into comms states: only changes, and none for Connecting or Closed,
/// so a reconnect reads NORESPONSE once, then OPERATIONAL.
struct StateReporter {
    comms: Comms,
    last: Option<DWORD>,
}

impl StateReporter {
    fn state(&mut self, state: &LinkState) {
        let comms_state = match state {
            LinkState::Operational(_) => DEVLINK_COMMS_OPERATIONAL,
            LinkState::NoResponse { .. } => DEVLINK_COMMS_NORESPONSE,
            LinkState::Rejected { .. } => DEVLINK_COMMS_REJECTED,
            LinkState::Connecting { .. } | LinkState::Closed => return,
        };
        if self.last.replace(comms_state) != Some(comms_state) {
            self.comms.report(comms_state, 0);
        }
    }
}

/// Hands record texts to the registered callback in a NUL-terminated buffer of ours: the
/// original prototype passes a non-const `TEXT *`, and old code does `strtok` on it.
#[derive(Clone)]
struct RecordForwarder {
    pbxh: DWORD,
    records: Records,
    cb: Arc<Mutex<DLCALLLOGEVENT>>,
    /// UTF-8, or the ANSI code page on Windows (`text=` in `reserved2`).
    text: Text,
    buffer: Vec<u8>,
    gate: Arc<Gate>,
}

impl RecordForwarder {
    fn event(&mut self, event: &Event) {
        let Some(text) = record_text(self.records, event) else { return };
        self.gate.wait();
        // Copy the pointer out: the application may (un)register from inside the callback.
        let Some(cb) = *lock(&self.cb) else { return };
        self.buffer.clear();
        self.text.append(&mut self.buffer, text);
        self.buffer.push(0);
        // SAFETY: a registered DLCALLLOGEVENT; the buffer is NUL-terminated and ours
        // until the call returns.
        unsafe { cb(self.pbxh, self.buffer.as_mut_ptr().cast()) }
    }
}

/// The record text of `event` if it is of the kind `records` asks for. Records our parser
/// rejected are passed on too: legacy applications got every record the PBX sent.
fn record_text(records: Records, event: &Event) -> Option<&str> {
    match (records, event) {
        (Records::Delta2, Event::Delta2 { record, .. }) => Some(record.raw()),
        (Records::Delta3, Event::Delta3 { record, .. }) => Some(record.raw()),
        (Records::Delta2, Event::Unparsed { tag: tag::CALL_DELTA2, text, .. })
        | (Records::Delta3, Event::Unparsed { tag: tag::CALL_DELTA3, text, .. }) => Some(text),
        _ => None,
    }
}

/// Installs the link's comms callback on `client`; it waits for `gate`.
fn install_comms(
    client: &Client,
    pbxh: DWORD,
    comms: unsafe extern "system" fn(DWORD, DWORD, DWORD),
    gate: &Arc<Gate>,
) -> Result<(), String> {
    let missed = Comms { pbxh, cb: comms, gate: gate.clone() };
    let mut reporter = StateReporter { comms: missed.clone(), last: None };
    client
        .set_handlers(move |h: &mut Handlers| {
            h.link_state = Some(Box::new(move |state| reporter.state(state)));
            h.missed = Some(Box::new(move |event| {
                if let Event::Missed { count, .. } = event {
                    missed.report(DEVLINK_COMMS_MISSEDPACKETS, DWORD::try_from(*count).unwrap_or(DWORD::MAX));
                }
            }));
        })
        .map_err(|e| e.to_string())
}

impl LegacyLink {
    /// Subscribes the link to `records` and routes them to the record slot, the first
    /// time; after that only checks that `records` is the kind subscribed to.
    fn subscribe(&self, pbxh: DWORD, records: Records, function: &str) -> Result<(), LegacyError> {
        let mut subscribed = lock(&self.subscribed);
        let chosen = match *subscribed {
            Some(kind) => Some(kind),
            None if self.settings.records_chosen => Some(self.settings.records),
            None => None,
        };
        if let Some(kind) = chosen.filter(|kind| *kind != records) {
            let option = match records {
                Records::Delta2 => "events=delta2",
                Records::Delta3 => "events=delta3",
            };
            return Err(fail(format!(
                "{function}: pbxh {pbxh} carries {} records (one DevLink3 link carries one kind); to receive {} \
                 records, open a link with \"{option}\" in DLOpen's reserved2",
                kind.name(),
                records.name(),
            )));
        }
        if subscribed.is_some() {
            return Ok(());
        }
        self.client
            .subscribe(Some(&self.settings.event_flags(records)))
            .map_err(|e| fail(format!("{function}: {e}")))?;
        let forwarder = RecordForwarder {
            pbxh,
            records,
            cb: self.record_cb.clone(),
            text: self.settings.text(),
            buffer: Vec::with_capacity(1500),
            gate: self.gate.clone(),
        };
        let mut unparsed = forwarder.clone();
        let mut forwarder = forwarder;
        self.client
            .set_handlers(move |h: &mut Handlers| {
                let slot = Some(Box::new(move |event: &Event| forwarder.event(event)) as Box<_>);
                match records {
                    Records::Delta2 => h.delta2 = slot,
                    Records::Delta3 => h.delta3 = slot,
                }
                h.other = Some(Box::new(move |event| unparsed.event(event)));
            })
            .map_err(|e| fail(format!("{function}: {e}")))?;
        *subscribed = Some(records);
        Ok(())
    }
}

/// Comms callbacks still to report a failed `DLOpen`, by `pbxh`: `DLClose` of that `pbxh`
/// waits for them, so that nothing is called after it returns.
static FAILURE_REPORTS: Mutex<Vec<FailureReport>> = Mutex::new(Vec::new());

struct FailureReport {
    pbxh: DWORD,
    thread: ThreadId,
    handle: JoinHandle<()>,
    /// Set when the `pbxh` is opened again: the report is stale then and never delivered.
    /// The report thread holds the lock while it calls the application.
    cancelled: Arc<Mutex<bool>>,
}

/// Tells an application that ignores `DLOpen`'s result: REJECTED, on a thread of ours,
/// once `gate` has opened (after `DLOpen` returned).
fn report_failure(pbxh: DWORD, cb: unsafe extern "system" fn(DWORD, DWORD, DWORD), gate: Arc<Gate>) {
    let cancelled = Arc::new(Mutex::new(false));
    let comms = Comms { pbxh, cb, gate: gate.clone() };
    let flag = cancelled.clone();
    let spawned = std::thread::Builder::new().name(format!("devlink3-dlopen-{pbxh}")).spawn(move || {
        gate.wait();
        let cancelled = lock(&flag);
        // A link of this pbxh opened meanwhile owns its comms states now.
        if !*cancelled && !lock(&LINKS).contains_key(&pbxh) {
            comms.report(DEVLINK_COMMS_REJECTED, 0);
        }
        drop(cancelled);
    });
    match spawned {
        Ok(handle) => {
            let mut reports = lock(&FAILURE_REPORTS);
            reports.retain(|report| !report.handle.is_finished());
            reports.push(FailureReport { pbxh, thread: handle.thread().id(), handle, cancelled });
        }
        Err(e) => log::error!("DLOpen(pbxh {pbxh}): cannot start the thread that reports REJECTED: {e}"),
    }
}

/// Cancels the failure reports of `pbxh` not delivered yet: the `pbxh` is being opened
/// again. One being delivered right now is waited for (unless this is its thread: a
/// `DLOpen` from inside the REJECTED callback), so none arrives after this returns.
fn cancel_failure_reports(pbxh: DWORD) {
    let me = std::thread::current().id();
    // Collected first: a report being delivered may call DLClose, which takes the list.
    let flags: Vec<Arc<Mutex<bool>>> = lock(&FAILURE_REPORTS)
        .iter()
        .filter(|report| report.pbxh == pbxh && report.thread != me)
        .map(|report| report.cancelled.clone())
        .collect();
    for flag in flags {
        *lock(&flag) = true;
    }
}

/// Waits until the failure reports of `pbxh` were delivered (those not running on this
/// very thread: `DLClose` from inside the REJECTED callback).
fn wait_for_failure_reports(pbxh: DWORD) {
    let me = std::thread::current().id();
    let pending: Vec<FailureReport> = {
        let mut reports = lock(&FAILURE_REPORTS);
        let (mine, others) =
            std::mem::take(&mut *reports).into_iter().partition(|report| report.pbxh == pbxh && report.thread != me);
        *reports = others;
        mine
    };
    for report in pending {
        let _ = report.handle.join();
    }
}

/// DLOpen's body: every failure it detects is returned, logged, and (when there is a
/// callback to tell, and the `pbxh` is not in use) reported as REJECTED after it returned.
///
/// # Safety
/// The strings must be NULL or NUL-terminated.
unsafe fn open(
    pbxh: DWORD,
    pbx_address: *const TEXT,
    pbx_password: *const TEXT,
    reserved1: *const TEXT,
    reserved2: *const TEXT,
    cb: DLCOMMSEVENT,
) -> Result<(), LegacyError> {
    logging::init();
    let cb = cb.ok_or_else(|| fail(format!("DLOpen(pbxh {pbxh}): cb (the DLCOMMSEVENT callback) must not be NULL")))?;
    if lock(&LINKS).contains_key(&pbxh) {
        return Err(in_use(pbxh));
    }
    cancel_failure_reports(pbxh);
    pin_library();
    let gate = Arc::new(Gate::default());
    // SAFETY: forwarded caller contract.
    let opened = unsafe { open_link(pbxh, pbx_address, pbx_password, reserved1, reserved2, cb, &gate) };
    let result = match opened {
        Ok(()) => Ok(()),
        Err(OpenError::Bad(message)) => {
            report_failure(pbxh, cb, gate.clone());
            Err(fail(format!("DLOpen(pbxh {pbxh}): {message}")))
        }
        // Opened meanwhile by another thread: that link's callback must not read REJECTED.
        Err(OpenError::InUse) => Err(in_use(pbxh)),
    };
    gate.open();
    result
}

fn in_use(pbxh: DWORD) -> LegacyError {
    fail(format!("DLOpen(pbxh {pbxh}): pbxh {pbxh} is already open (DLClose it first, or use another number)"))
}

/// A string argument of DLOpen: NULL is `None`; text in UTF-8 or (Windows) the ANSI code page.
///
/// # Safety
/// `ptr` must be NULL or NUL-terminated, and outlive `'a`.
unsafe fn legacy_arg<'a>(ptr: *const TEXT, what: &str) -> Result<Option<Cow<'a, str>>, String> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    legacy_string(bytes, what).map(Some)
}

/// Keeps this library loaded for the life of the process, from the first `DLOpen` on: its
/// runtime threads (and a pending REJECTED report) outlive `DLClose`, and an application
/// that calls `FreeLibrary` would otherwise unload the code they run.
#[cfg(windows)]
fn pin_library() {
    static PINNED: std::sync::Once = std::sync::Once::new();
    PINNED.call_once(|| {
        if crate::legacy_config::own_module(true).is_none() {
            log::warn!("cannot pin devlink.dll in memory: FreeLibrary while its threads run would crash");
        }
    });
}

/// Unloading a shared object is rare elsewhere, and `dlclose` keeps it while threads use it.
#[cfg(not(windows))]
fn pin_library() {}

/// Why [`open_link`] did not open the link.
enum OpenError {
    /// Something the application or the configuration got wrong.
    Bad(String),
    /// The `pbxh` is open already.
    InUse,
}

impl From<String> for OpenError {
    fn from(message: String) -> Self {
        OpenError::Bad(message)
    }
}

impl From<devlink3_core::ConfigError> for OpenError {
    fn from(error: devlink3_core::ConfigError) -> Self {
        OpenError::Bad(error.to_string())
    }
}

/// Configures and starts the link.
///
/// # Safety
/// As [`open`].
unsafe fn open_link(
    pbxh: DWORD,
    pbx_address: *const TEXT,
    pbx_password: *const TEXT,
    reserved1: *const TEXT,
    reserved2: *const TEXT,
    cb: unsafe extern "system" fn(DWORD, DWORD, DWORD),
    gate: &Arc<Gate>,
) -> Result<(), OpenError> {
    // SAFETY (all four): the caller passes NULL or NUL-terminated strings, per the prototype.
    let address =
        unsafe { legacy_arg(pbx_address, "pbx_address") }?.ok_or_else(|| "pbx_address must not be NULL".to_string())?;
    let password = unsafe { legacy_arg(pbx_password, "pbx_password") }?
        .ok_or_else(|| "pbx_password must not be NULL".to_string())?;
    // An empty reserved1 is "none", as NULL: VB6 and .NET declarations pass "" for it.
    let reserved1 = unsafe { legacy_arg(reserved1, "reserved1 (the service user name)") }?.filter(|u| !u.is_empty());
    let reserved2 = unsafe { legacy_arg(reserved2, "reserved2 (options)") }?;
    let (address, password) = (address.as_ref(), password.as_ref());

    let mut settings = LinkSettings::new(address, "", password, Records::Delta2);
    settings.config.connect_timeout = LEGACY_TIMEOUT;
    settings.config.response_timeout = LEGACY_TIMEOUT;
    let mut config = LegacyConfig::new(settings);
    config.load(&process_env);
    if let Some(options) = reserved2 {
        config.apply_reserved2(&options);
    }
    if let Some(user) = reserved1 {
        config.user = Some(user.to_string());
    }
    // The log goes where the configuration says before anything is logged about it.
    logging::configure(&config.log);
    if !config.errors.is_empty() {
        return Err(OpenError::Bad(format!("bad configuration: {}", config.errors.join("; "))));
    }
    let user = config.user.clone().ok_or_else(|| {
        let file = config.file.clone().or_else(|| library_dir().map(|dir| dir.join(FILE_NAME)));
        format!(
            "no service user name: pass it as reserved1, set the {} environment variable, or put \"user = NAME\" \
             in the [devlink] section of {}",
            env_name("user"),
            file.map_or_else(|| FILE_NAME.to_string(), |f| f.display().to_string()),
        )
    })?;
    let target = Target::parse_with_defaults(address, config.transport.unwrap_or(Scheme::Tcp), config.port)
        .map_err(|e| format!("pbx_address: {e}"))?;
    let mut settings = config.settings;
    settings.config.target = target.to_string();
    settings.config.user = user;
    let client_config = settings.client_config()?;

    // Held until the link is registered, so that two DLOpen of one pbxh cannot both pass.
    // Nothing here waits on the network or on a callback.
    let mut links = lock(&LINKS);
    if links.contains_key(&pbxh) {
        return Err(OpenError::InUse);
    }
    log::info!(
        "DLOpen(pbxh {pbxh}): connecting to {target} as {:?}{}",
        settings.config.user,
        config.file.map_or(String::new(), |f| format!(" (settings from {})", f.display()))
    );
    let client = Client::connect(client_config).map_err(|e| e.to_string())?;
    install_comms(&client, pbxh, cb, gate)?;
    let link =
        LegacyLink { client, settings, subscribed: Mutex::new(None), record_cb: Arc::default(), gate: gate.clone() };
    links.insert(pbxh, Arc::new(link));
    Ok(())
}

fn close(pbxh: DWORD) -> Result<(), LegacyError> {
    let Some(link) = lock(&LINKS).remove(&pbxh) else {
        wait_for_failure_reports(pbxh);
        return Err(fail(format!("DLClose: pbxh {pbxh} is not open")));
    };
    // Outside a callback this waits until no callback of the link runs or will run; from
    // inside one it returns at once and the callbacks stop when it returns.
    link.client.close();
    Ok(())
}

fn register(pbxh: DWORD, records: Records, cb: DLCALLLOGEVENT, function: &str) -> Result<(), LegacyError> {
    let link = lock(&LINKS)
        .get(&pbxh)
        .cloned()
        .ok_or_else(|| fail(format!("{function}: pbxh {pbxh} is not open (call DLOpen first)")))?;
    if cb.is_none() {
        *lock(&link.record_cb) = None;
        return Ok(());
    }
    if let LinkState::Rejected { code, reason } = link.client.state() {
        let message = format!("{function}: pbxh {pbxh}: {reason}");
        return Err(match code {
            Some(ResultCode::LicenceMissing | ResultCode::InsufficientLicence) => LegacyError::Licence(message),
            _ => fail(message),
        });
    }
    // The callback goes in first: the records the subscription brings find it there.
    *lock(&link.record_cb) = cb;
    link.subscribe(pbxh, records, function).inspect_err(|_| *lock(&link.record_cb) = None)
}

/// Starts talking to the IP Office at `pbx_address`; returns at once. See `devlink.h`.
///
/// # Safety
/// The strings must be NULL or NUL-terminated; `cb` must stay callable until `DLClose`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn DLOpen(
    pbxh: DWORD,
    pbx_address: *const TEXT,
    pbx_password: *const TEXT,
    reserved1: *const TEXT,
    reserved2: *const TEXT,
    cb: DLCOMMSEVENT,
) -> WideLong {
    // SAFETY: forwarded caller contract.
    ffi_boundary("DLOpen", || unsafe { open(pbxh, pbx_address, pbx_password, reserved1, reserved2, cb) })
}

/// Closes `pbxh`; no callback for it runs once this returns (from inside one of its
/// callbacks: once that callback returns).
#[unsafe(no_mangle)]
pub extern "system" fn DLClose(pbxh: DWORD) -> WideLong {
    ffi_boundary("DLClose", || close(pbxh))
}

/// Registers (or with NULL, unregisters) the Delta2 record callback of `pbxh`.
#[unsafe(no_mangle)]
pub extern "system" fn DLRegisterType2CallDeltas(pbxh: DWORD, cb: DLCALLLOGEVENT) -> WideLong {
    ffi_boundary("DLRegisterType2CallDeltas", || register(pbxh, Records::Delta2, cb, "DLRegisterType2CallDeltas"))
}

/// Registers (or with NULL, unregisters) the Delta3 record callback of `pbxh` (a link
/// opened with `events=delta3` in `reserved2`).
#[unsafe(no_mangle)]
pub extern "system" fn DLRegisterType3CallDeltas(pbxh: DWORD, cb: DLCALLLOGEVENT) -> WideLong {
    ffi_boundary("DLRegisterType3CallDeltas", || register(pbxh, Records::Delta3, cb, "DLRegisterType3CallDeltas"))
}

/// The 2001 call-log interface (Issue 1 of the DevLink guide; superseded by SMDR in 2003):
/// DevLink3 has no such records, so the callback is accepted for an open `pbxh` and never
/// called. Exported so that applications built against the 2001 `DEVLINK.H` load and run.
#[unsafe(no_mangle)]
pub extern "system" fn DLRegisterCallLog(pbxh: DWORD, cb: DLCALLLOGEVENT) -> WideLong {
    ffi_boundary("DLRegisterCallLog", || {
        let _ = cb;
        if lock(&LINKS).contains_key(&pbxh) {
            Ok(())
        } else {
            Err(fail(format!("DLRegisterCallLog: pbxh {pbxh} is not open (call DLOpen first)")))
        }
    })
}

//! A link's delivery thread: takes events from the core's queue in batches, flattens each
//! batch onto a tape and hands it to JS through a threadsafe function, one crossing per
//! batch rather than per event.
//!
//! Batching: one batch waits for the JS thread at most. The next is taken from the core's
//! queue only once JS has started on the previous one, so it holds whatever arrived
//! meanwhile: batches grow with the load (up to [`BATCH`]), and under light load each event
//! crosses at once. The thread then sleeps on the gate, not on the core's queue, so the
//! network side does not pay a wake-up per event.
//!
//! Calls: once JS asks for call events, each batch also feeds the core's call tracker, and
//! the call events it produced cross with the batch as one JSON array (after its records).
//!
//! Backpressure: while JS is behind, events stay in the core's queue; when it is full the
//! core drops the oldest and reports them as `missed`, as for any slow consumer. `pause`
//! holds delivery for the same effect when JS asks for it (an async iterator that is behind).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use napi::bindgen_prelude::{FnArgs, Function, Uint32Array};
use napi::threadsafe_function::{
    ThreadsafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode, ThreadsafeFunctionHandle,
};
use napi::{Env, Status, Unknown, sys};

use devlink3_core::calls::{CallTracker, Tracked, unix_now};
use devlink3_core::client::Client;

use crate::shape::tape::{EventTexts, Tape};

/// Events taken from the core's queue for one crossing at most.
const BATCH: usize = 512;

/// The JS batch callback: `(numbers: Uint32Array, texts: string[], calls: string | null) => void`;
/// `calls` is the JSON array of the call model's events the batch produced, if any.
pub(crate) type OnBatch<'env> = Function<'env, FnArgs<(Uint32Array, EventTexts, Option<String>)>, Unknown<'static>>;

type Deliver =
    ThreadsafeFunction<Batch, Unknown<'static>, FnArgs<(Uint32Array, EventTexts, Option<String>)>, Status, false>;

/// One crossing: the events, and what they meant for the calls.
pub(crate) struct Batch {
    tape: Tape,
    calls: Option<String>,
}

/// The call model, fed on the delivery thread while JS asks for call events.
pub(crate) type Calls = Arc<Mutex<Option<CallTracker>>>;

pub(crate) struct Pump {
    gate: Arc<Gate>,
    calls: Calls,
    thread: Option<JoinHandle<()>>,
}

impl Pump {
    /// Starts delivering the events of `client` to `on_batch`; the returned hold keeps the
    /// process alive until it is dropped.
    pub fn start(client: Arc<Client>, on_batch: OnBatch<'_>) -> napi::Result<(Pump, LoopHold)> {
        let gate = Arc::new(Gate::default());
        let deliver: Deliver = on_batch.build_threadsafe_function().callee_handled::<false>().build_callback({
            let gate = gate.clone();
            move |context: ThreadsafeCallContext<Batch>| {
                // JS is starting on this batch: the next one may form.
                gate.update(|state| state.queued = false);
                let (numbers, texts) = context.value.tape.into_js();
                Ok((numbers, texts, context.value.calls).into())
            }
        })?;
        let hold = LoopHold(deliver.handle.clone());
        let calls: Calls = Arc::default();
        let thread = thread::Builder::new().name("devlink3-node".into()).spawn({
            let gate = gate.clone();
            let calls = calls.clone();
            move || run(&client, &deliver, &gate, &calls)
        })?;
        Ok((Pump { gate, calls, thread: Some(thread) }, hold))
    }

    /// The calls in progress and every extension's state, as a JSON document (camelCase
    /// keys): `{"calls": [...], "extensions": {"4001": "talking"}}`. Empty before
    /// `track_calls`.
    pub fn call_snapshot(&self) -> String {
        let calls = self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut snapshot = serde_json::json!({"calls": [], "extensions": {}});
        if let Some(tracker) = calls.as_ref() {
            let mut list: Vec<_> = tracker.calls().collect();
            list.sort_by(|a, b| a.started_at.total_cmp(&b.started_at).then(a.id.cmp(&b.id)));
            snapshot["calls"] = serde_json::to_value(list).unwrap_or_default();
            let extensions: serde_json::Map<String, serde_json::Value> = tracker
                .extensions()
                .into_iter()
                .map(|(ext, state)| (ext, serde_json::to_value(state).unwrap_or_default()))
                .collect();
            snapshot["extensions"] = serde_json::Value::Object(extensions);
        }
        // Extension numbers are keys too: converting them leaves them as they are.
        camel_case_keys(&mut snapshot);
        snapshot.to_string()
    }

    /// Starts the call model (from the next batch on), once.
    pub fn track_calls(&self) {
        let mut calls = self.calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        calls.get_or_insert_with(CallTracker::default);
    }

    /// Holds or resumes delivery (from the next batch on).
    pub fn pause(&self, paused: bool) {
        self.gate.update(|state| state.paused = paused);
    }

    /// Ends the thread and waits for it. Close the client first: the thread may be
    /// waiting for its next event.
    pub fn stop(&mut self) {
        self.gate.update(|state| state.stopped = true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Pump {
    /// Without waiting: a finalizer runs on the JS thread, which a blocked delivery awaits.
    fn drop(&mut self) {
        self.gate.update(|state| state.stopped = true);
    }
}

fn run(client: &Client, deliver: &Deliver, gate: &Gate, calls: &Calls) {
    let mut events = Vec::with_capacity(BATCH);
    let mut tracked = Vec::new();
    while gate.wait_ready() {
        // Fails only once the link is closed. Relaying events is no reason to subscribe:
        // the JS side subscribes when a record listener or an iterator appears.
        if client.drain_events(&mut events, BATCH, None).is_err() {
            return;
        }
        if let Some(tracker) = calls.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_mut() {
            tracker.events(&events, unix_now(), &mut tracked);
        }
        let mut tape = Tape::with_capacity(events.len());
        for event in events.drain(..) {
            tape.push(&event);
        }
        let calls = (!tracked.is_empty()).then(|| call_documents(tracked.drain(..)));
        gate.update(|state| state.queued = true);
        if deliver.call(Batch { tape, calls }, ThreadsafeFunctionCallMode::Blocking) != Status::Ok {
            return; // the JS environment is going away
        }
    }
}

/// The call model's events as one JSON array of their documents, keys in camelCase.
fn call_documents(tracked: impl Iterator<Item = Tracked>) -> String {
    let documents: Vec<serde_json::Value> = tracked
        .map(|t| {
            let mut value = serde_json::to_value(&t).unwrap_or_default();
            camel_case_keys(&mut value);
            value
        })
        .collect();
    serde_json::Value::Array(documents).to_string()
}

/// `answered_by` -> `answeredBy`, recursively; values are left alone.
fn camel_case_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut inner) in entries {
                camel_case_keys(&mut inner);
                let mut camel = String::with_capacity(key.len());
                let mut upper = false;
                for c in key.chars() {
                    if c == '_' {
                        upper = true;
                    } else if upper {
                        camel.extend(c.to_uppercase());
                        upper = false;
                    } else {
                        camel.push(c);
                    }
                }
                map.insert(camel, inner);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(camel_case_keys),
        _ => {}
    }
}

/// Delivery's hold on the event loop: while the threadsafe function is referenced (the
/// default) the process stays alive, like an open socket. Dropping it (on close) and the
/// delivery thread's end release the function.
pub(crate) struct LoopHold(Arc<ThreadsafeFunctionHandle>);

impl LoopHold {
    /// Node's `ref()` (`held`) and `unref()`. Call on the JS thread.
    pub fn set(&self, env: &Env, held: bool) -> napi::Result<()> {
        self.0.with_read_aborted(|aborted| {
            if aborted {
                return Ok(());
            }
            let raw = self.0.get_raw();
            // SAFETY: we are on the JS thread (we have its env), and the function is alive:
            // not aborted, and not released while this handle exists.
            let status = unsafe {
                if held {
                    sys::napi_ref_threadsafe_function(env.raw(), raw)
                } else {
                    sys::napi_unref_threadsafe_function(env.raw(), raw)
                }
            };
            match status {
                sys::Status::napi_ok => Ok(()),
                status => {
                    Err(napi::Error::new(Status::from(status), "cannot change the link's hold on the event loop"))
                }
            }
        })
    }
}

#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    /// A batch waits for the JS thread.
    queued: bool,
    paused: bool,
    stopped: bool,
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, change: impl FnOnce(&mut GateState)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }

    /// Waits until the next batch may be taken; `false` once stopped.
    fn wait_ready(&self) -> bool {
        let mut state = self.lock();
        while (state.queued || state.paused) && !state.stopped {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        !state.stopped
    }
}

//! A link's delivery to JS: the core's dispatcher thread hands each batch of events to a
//! batch handler, which flattens it onto a tape and passes it to JS through a threadsafe
//! function, one crossing per batch rather than per event.
//!
//! Batching: one batch waits for the JS thread at most. The handler returns (and the
//! dispatcher takes the next batch from the core's queue) only once JS has started on the
//! one it sent, so the next holds whatever arrived meanwhile: batches grow with the load,
//! and under light load each event crosses at once.
//!
//! Calls: once JS asks for call events, each batch also feeds the core's call tracker, and
//! the call events it produced cross with the batch as one JSON array (after its records).
//!
//! Backpressure: while JS is behind, events stay in the core's queue; when it is full the
//! core drops the oldest and reports them as `missed`, as for any slow consumer. `pause`
//! holds delivery for the same effect when JS asks for it (an async iterator that is behind).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use napi::bindgen_prelude::{FnArgs, Function, Uint32Array};
use napi::threadsafe_function::{
    ThreadsafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode, ThreadsafeFunctionHandle,
};
use napi::{Env, Status, Unknown, sys};

use devlink3_core::calls::{CallTracker, Tracked, unix_now};
use devlink3_core::client::{Client, Event};

use crate::shape::camel_case;
use crate::shape::tape::{EventTexts, Tape};

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

/// The threadsafe function, until delivery stops (dropping it releases the event loop).
type DeliverSlot = Arc<Mutex<Option<Deliver>>>;

pub(crate) struct Pump {
    gate: Arc<Gate>,
    calls: Calls,
    deliver: DeliverSlot,
}

impl Pump {
    /// Starts delivering the events of `client` to `on_batch`, from the client's dispatcher
    /// thread; the returned hold keeps the process alive until it is dropped.
    pub fn start(client: &Client, on_batch: OnBatch<'_>) -> napi::Result<(Pump, LoopHold)> {
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
        let slot: DeliverSlot = Arc::new(Mutex::new(Some(deliver)));
        let handler = {
            let (gate, calls, slot) = (gate.clone(), calls.clone(), slot.clone());
            let mut tracked = Vec::new();
            move |events: &mut Vec<Event>| deliver_batch(events, &gate, &calls, &slot, &mut tracked)
        };
        client
            .set_handlers(move |handlers| handlers.batch = Some(Box::new(handler)))
            .map_err(|error| napi::Error::from_reason(error.to_string()))?;
        Ok((Pump { gate, calls, deliver: slot }, hold))
    }

    /// The calls in progress and every extension's state, as a JSON document (camelCase
    /// keys): `{"calls": [...], "extensions": {"4001": "talking"}}`. Empty before
    /// `track_calls`.
    pub fn call_snapshot(&self) -> String {
        let calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
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
        let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        calls.get_or_insert_with(CallTracker::default);
    }

    /// Holds or resumes delivery (from the next batch on).
    pub fn pause(&self, paused: bool) {
        self.gate.update(|state| state.paused = paused);
    }

    /// Stops delivery and releases the threadsafe function, without waiting: call it before
    /// closing the client, whose close waits for a batch handler that may be waiting here
    /// for JS (which may be the thread closing).
    pub fn stop(&self) {
        self.gate.update(|state| state.stopped = true);
        self.deliver.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The batch handler, on the dispatcher thread: feeds the call model, sends the batch
/// across, and returns once JS has started on it (and is not paused), so that events
/// arriving meanwhile wait in the core's queue, under its drop-oldest rule. (A pause that
/// begins between batches holds the batch the dispatcher has just taken.) Relaying events
/// is no reason to subscribe: the JS side subscribes when a record listener or an iterator
/// appears.
fn deliver_batch(events: &mut Vec<Event>, gate: &Gate, calls: &Calls, slot: &DeliverSlot, tracked: &mut Vec<Tracked>) {
    if !gate.wait_ready() {
        return;
    }
    if let Some(tracker) = calls.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
        tracker.events(events.iter(), unix_now(), tracked);
    }
    let mut tape = Tape::with_capacity(events.len());
    for event in events.drain(..) {
        tape.push(&event);
    }
    let calls = (!tracked.is_empty()).then(|| call_documents(tracked.drain(..)));
    {
        let deliver = slot.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(deliver) = deliver.as_ref() else { return };
        gate.update(|state| state.queued = true);
        // The gate keeps at most one batch in the function's queue, so it never blocks.
        // Fails only when the JS environment is going away; the link closes with it.
        let _ = deliver.call(Batch { tape, calls }, ThreadsafeFunctionCallMode::NonBlocking);
    }
    gate.wait_ready();
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
            for (key, mut inner) in std::mem::take(map) {
                camel_case_keys(&mut inner);
                map.insert(camel_case(&key), inner);
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

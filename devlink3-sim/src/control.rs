//! Reaching every live connection at once (fault knobs, blasts, stop), and knowing when
//! every task the simulator spawned has finished.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use super::blast::BlastTicket;
use super::lock;
use super::runtime;

/// An instruction from the [`Simulator`](super::Simulator) to one connection.
#[derive(Debug)]
pub(crate) enum Control {
    /// Close at once, without a goodbye.
    Drop,
    /// Write octets that are not a DevLink3 frame, then carry on.
    Garbage,
    /// Make the next event's counter jump by this much.
    SkipCounter(u32),
    /// Neither read, answer nor send for this long.
    Stall(Duration),
    Blast(BlastTicket),
}

/// Controls queued for one connection at most. Connections take them before anything else,
/// so the queue only fills if the simulator is flooded with knob calls.
const CONTROL_QUEUE: usize = 64;

/// The live connections, each reachable through its control queue.
#[derive(Debug, Default)]
pub(crate) struct ControlPlane {
    registry: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: u64,
    live: HashMap<u64, mpsc::Sender<Control>>,
    /// Set by [`ControlPlane::close`]: no more connections.
    closed: bool,
}

/// A connection's membership of the control plane: its control queue, and its entry in the
/// registry, removed on drop. When the simulator stops, [`Registration::recv`] returns `None`.
#[derive(Debug)]
pub(crate) struct Registration {
    plane: Arc<ControlPlane>,
    id: u64,
    receiver: mpsc::Receiver<Control>,
}

impl ControlPlane {
    /// Registers a new connection; `None` once the simulator is stopping.
    pub(crate) fn register(self: &Arc<Self>) -> Option<Registration> {
        let mut registry = lock(&self.registry);
        if registry.closed {
            return None;
        }
        let (sender, receiver) = mpsc::channel(CONTROL_QUEUE);
        let id = registry.next_id;
        registry.next_id += 1;
        registry.live.insert(id, sender);
        Some(Registration { plane: Arc::clone(self), id, receiver })
    }

    /// Sends a control made by `make` to every live connection.
    pub(crate) fn send_all(&self, mut make: impl FnMut() -> Control) {
        for (id, sender) in &lock(&self.registry).live {
            if let Err(mpsc::error::TrySendError::Full(control)) = sender.try_send(make()) {
                log::warn!("simulator: connection {id} is not taking controls; dropped {control:?}");
            }
        }
    }

    /// Connections registered now.
    pub(crate) fn live(&self) -> usize {
        lock(&self.registry).live.len()
    }

    /// Refuses new connections and tells every live one to close (their queues end).
    pub(crate) fn close(&self) {
        let mut registry = lock(&self.registry);
        registry.closed = true;
        registry.live.clear();
    }
}

impl Registration {
    /// The next control; `None` when the simulator is stopping. Cancel-safe.
    pub(crate) async fn recv(&mut self) -> Option<Control> {
        self.receiver.recv().await
    }

    /// Waits for a reason to close: a [`Control::Drop`] or the simulator stopping. Other
    /// controls are dropped (a blast ticket then reports that this connection took no part).
    pub(crate) async fn closed(&mut self) {
        while let Some(control) = self.receiver.recv().await {
            if let Control::Drop = control {
                return;
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.plane.registry).live.remove(&self.id);
    }
}

/// Counts the simulator's running tasks so that stopping can wait for all of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskTracker(Arc<(Mutex<usize>, Condvar)>);

impl TaskTracker {
    /// Spawns `task` on the simulator's runtime.
    pub(crate) fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        *lock(&self.0.0) += 1;
        let finished = TaskFinished(self.clone());
        runtime::handle().spawn(async move {
            task.await;
            // Everything the task owned (sockets included) is gone by now.
            drop(finished);
        });
    }

    /// Blocks until every spawned task has finished.
    pub(crate) fn wait_idle(&self) {
        let (count, idle) = &*self.0;
        let mut running = lock(count);
        while *running > 0 {
            running = idle.wait(running).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Dropped when a task ends, however it ends.
struct TaskFinished(TaskTracker);

impl Drop for TaskFinished {
    fn drop(&mut self) {
        let (count, idle) = &*self.0.0;
        let mut running = lock(count);
        *running -= 1;
        if *running == 0 {
            idle.notify_all();
        }
    }
}

//! Reconnection delays: exponential, capped, with jitter so that many clients cut off by
//! the same outage do not all come back in the same instant.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use super::Reconnect;

#[derive(Debug)]
pub(crate) struct Backoff {
    policy: Reconnect,
    next: Duration,
    rng: u64,
}

impl Backoff {
    pub(crate) fn new(policy: Reconnect) -> Self {
        // A per-process random seed from std's hasher keys; no rand crate needed for jitter.
        let seed = std::collections::hash_map::RandomState::new().build_hasher().finish() | 1;
        Backoff { next: policy.initial_delay, policy, rng: seed }
    }

    /// The delay before the next attempt: the current step, jittered into [step/2, step].
    pub(crate) fn next_delay(&mut self) -> Duration {
        let step = self.next;
        self.next = (step * 2).min(self.policy.max_delay);
        self.jitter(step)
    }

    /// The delay after RETRY LATER or LIMITS EXCEEDED.
    pub(crate) fn retry_later(&mut self) -> Duration {
        self.jitter(self.policy.retry_later_delay)
    }

    /// Back to the initial delay (after the link was operational again).
    pub(crate) fn reset(&mut self) {
        self.next = self.policy.initial_delay;
    }

    fn jitter(&mut self, step: Duration) -> Duration {
        // xorshift64
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let fraction = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        step.mul_f64(0.5 + fraction / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_jitters_and_resets() {
        let policy = Reconnect {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(800),
            retry_later_delay: Duration::from_secs(10),
            stable_after: Duration::from_secs(1),
        };
        let mut b = Backoff::new(policy);
        let steps: Vec<Duration> = (0..6).map(|_| b.next_delay()).collect();
        for (delay, step) in steps.iter().zip([100u64, 200, 400, 800, 800, 800]) {
            let step = Duration::from_millis(step);
            assert!(*delay >= step / 2 && *delay <= step, "{delay:?} outside [{:?}, {step:?}]", step / 2);
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
        assert!(b.retry_later() >= Duration::from_secs(5));
    }
}

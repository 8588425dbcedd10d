//! Who may authenticate: service users with their passwords, failed attempts and lockouts,
//! and the limit on authenticated connections.
//!
//! Like an IP Office, the lockout belongs to the user, not to the connection: reconnecting
//! does not reset it, and while it lasts even the right password fails.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::stats::UserStats;
use super::{FOREVER, lock};

/// The outcome of checking one answered challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Accepted,
    UnknownUser,
    WrongPassword,
    /// Refused without looking at the answer.
    LockedOut,
}

#[derive(Debug)]
pub(crate) struct Accounts {
    passwords: HashMap<String, String>,
    lockout_after: u32,
    lockout_for: Duration,
    book: Mutex<Book>,
}

/// Attempt history. Only configured users get an entry, so clients inventing user names
/// cannot grow it.
#[derive(Debug, Default)]
struct Book {
    users: HashMap<String, UserRecord>,
    unknown_user_attempts: u64,
}

#[derive(Debug, Default)]
struct UserRecord {
    attempts: u64,
    failures: u64,
    /// Failures since the last success or lockout.
    consecutive_failures: u32,
    locked_until: Option<Instant>,
}

impl UserRecord {
    /// Whether the user is locked out at `now`; forgets a lockout that has run out.
    fn locked(&mut self, now: Instant) -> bool {
        match self.locked_until {
            Some(until) if now < until => true,
            Some(_) => {
                self.locked_until = None;
                false
            }
            None => false,
        }
    }
}

impl Accounts {
    pub(crate) fn new(users: &[(String, String)], lockout_after: u32, lockout_for: Duration) -> Self {
        Accounts { passwords: users.iter().cloned().collect(), lockout_after, lockout_for, book: Mutex::default() }
    }

    /// Records an authentication attempt by `user` and decides it. `answer_matches` is
    /// asked whether the client's answer proves knowledge of the user's password; it is not
    /// asked for unknown or locked-out users.
    pub(crate) fn authenticate(&self, user: &str, now: Instant, answer_matches: impl FnOnce(&str) -> bool) -> Verdict {
        let mut book = lock(&self.book);
        let Some(password) = self.passwords.get(user) else {
            book.unknown_user_attempts += 1;
            return Verdict::UnknownUser;
        };
        let record = book.users.entry(user.to_owned()).or_default();
        record.attempts += 1;
        if record.locked(now) {
            record.failures += 1;
            return Verdict::LockedOut;
        }
        if answer_matches(password) {
            record.consecutive_failures = 0;
            return Verdict::Accepted;
        }
        record.failures += 1;
        record.consecutive_failures = record.consecutive_failures.saturating_add(1);
        if self.lockout_after > 0 && record.consecutive_failures >= self.lockout_after {
            record.consecutive_failures = 0;
            record.locked_until = Some(now + self.lockout_for.min(FOREVER));
            log::info!("simulator: user {user:?} locked out for {:?}", self.lockout_for);
        }
        Verdict::WrongPassword
    }

    /// Attempt and failure totals, and the per-user view.
    pub(crate) fn stats(&self, now: Instant) -> (u64, u64, BTreeMap<String, UserStats>) {
        let mut book = lock(&self.book);
        let unknown = book.unknown_user_attempts;
        let (mut attempts, mut failures) = (unknown, unknown);
        let users = self
            .passwords
            .keys()
            .map(|name| {
                let mut stats = UserStats::default();
                if let Some(record) = book.users.get_mut(name) {
                    attempts += record.attempts;
                    failures += record.failures;
                    stats = UserStats {
                        attempts: record.attempts,
                        failures: record.failures,
                        locked_out: record.locked(now),
                    };
                }
                (name.clone(), stats)
            })
            .collect();
        (attempts, failures, users)
    }
}

/// Counts authenticated connections against `max_connections`.
#[derive(Debug)]
pub(crate) struct SessionLimit {
    max: usize,
    active: AtomicUsize,
}

/// One authenticated connection's place under the limit; given back on drop.
#[derive(Debug)]
pub(crate) struct SessionSlot(Arc<SessionLimit>);

impl SessionLimit {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(SessionLimit { max, active: AtomicUsize::new(0) })
    }

    /// A slot, or `None` when `max` connections are already authenticated.
    pub(crate) fn try_claim(self: &Arc<Self>) -> Option<SessionSlot> {
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1))
            .ok()
            .map(|_| SessionSlot(Arc::clone(self)))
    }

    pub(crate) fn active(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts::new(&[("alice".into(), "secret".into())], 2, Duration::from_secs(60))
    }

    #[test]
    fn lockout_after_consecutive_failures_refuses_the_right_password_until_it_expires() {
        let accounts = accounts();
        let t0 = Instant::now();
        assert_eq!(accounts.authenticate("alice", t0, |p| p == "wrong"), Verdict::WrongPassword);
        assert_eq!(accounts.authenticate("alice", t0, |p| p == "wrong"), Verdict::WrongPassword);
        assert_eq!(accounts.authenticate("alice", t0, |p| p == "secret"), Verdict::LockedOut);
        let (attempts, failures, users) = accounts.stats(t0);
        assert_eq!((attempts, failures), (3, 3));
        assert!(users["alice"].locked_out);
        let later = t0 + Duration::from_secs(61);
        assert_eq!(accounts.authenticate("alice", later, |p| p == "secret"), Verdict::Accepted);
        assert!(!accounts.stats(later).2["alice"].locked_out);
    }

    #[test]
    fn success_resets_the_failure_run_and_unknown_users_only_count() {
        let accounts = accounts();
        let now = Instant::now();
        assert_eq!(accounts.authenticate("alice", now, |_| false), Verdict::WrongPassword);
        assert_eq!(accounts.authenticate("alice", now, |_| true), Verdict::Accepted);
        assert_eq!(accounts.authenticate("alice", now, |_| false), Verdict::WrongPassword);
        assert_eq!(accounts.authenticate("alice", now, |_| true), Verdict::Accepted);
        assert_eq!(accounts.authenticate("mallory", now, |_| true), Verdict::UnknownUser);
        let (attempts, failures, users) = accounts.stats(now);
        assert_eq!((attempts, failures, users.len()), (5, 3, 1));
    }

    #[test]
    fn session_slots_are_given_back() {
        let limit = SessionLimit::new(2);
        let a = limit.try_claim().unwrap();
        let _b = limit.try_claim().unwrap();
        assert!(limit.try_claim().is_none());
        drop(a);
        assert_eq!(limit.active(), 1);
        assert!(limit.try_claim().is_some());
    }
}

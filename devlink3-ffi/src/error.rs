//! Status codes, the thread-local last error, and [`ffi_boundary`]: the one wrapper every
//! export runs its body in, so that a panic becomes an error code and never unwinds into C.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use devlink3_core::client::Error as CoreError;

/// What a `devlink3_*` function returns: 0 on success, a positive code otherwise. The
/// text of the last failure on the calling thread is available from `devlink3_last_error`.
///
/// In C the type is `int32_t` (new codes may be added; treat unknown ones as errors).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum devlink3_status {
    /// Success; out-parameters were written.
    Ok = 0,
    /// A pointer argument that must not be NULL was NULL.
    NullArgument = 1,
    /// An argument or configuration value is invalid (not UTF-8, unknown option, bad
    /// address, unreadable certificate file...).
    InvalidArgument = 2,
    /// Nothing arrived within the timeout (`devlink3_next_event`, `devlink3_read_file`).
    Timeout = 3,
    /// The link is closed.
    Closed = 4,
    /// The link is not (or no longer) operational: connecting, down, or rejected.
    NotOperational = 5,
    /// The PBX refused the request; the last error names its result code.
    Refused = 6,
    /// The PBX could not be reached or stopped answering.
    NoResponse = 7,
    /// The PBX sent something that is not valid DevLink3.
    Protocol = 8,
    /// The link delivers to callbacks (`devlink3_set_callbacks`); pulling is not available.
    CallbackMode = 9,
    /// A bug in the library (a caught panic). Please report it with the last error text.
    Internal = 10,
}

impl devlink3_status {
    /// The status for an error of the core library.
    fn of(error: &CoreError) -> Self {
        match error {
            CoreError::Config(_) | CoreError::BlockingOnRuntime(_) => Self::InvalidArgument,
            CoreError::Refused { .. } | CoreError::PlainOnCleartext | CoreError::ReadFile { .. } => Self::Refused,
            CoreError::Timeout(_) => Self::Timeout,
            CoreError::NotOperational(_) => Self::NotOperational,
            CoreError::Closed => Self::Closed,
            CoreError::CallbackMode => Self::CallbackMode,
            _ => Self::Internal,
        }
    }

    /// A short NUL-terminated name for the code (`"DEVLINK3_STATUS_TIMEOUT"`); `None` for
    /// values that are not codes.
    pub(crate) fn name_of(raw: i32) -> Option<&'static CStr> {
        Some(match raw {
            0 => c"DEVLINK3_STATUS_OK",
            1 => c"DEVLINK3_STATUS_NULL_ARGUMENT",
            2 => c"DEVLINK3_STATUS_INVALID_ARGUMENT",
            3 => c"DEVLINK3_STATUS_TIMEOUT",
            4 => c"DEVLINK3_STATUS_CLOSED",
            5 => c"DEVLINK3_STATUS_NOT_OPERATIONAL",
            6 => c"DEVLINK3_STATUS_REFUSED",
            7 => c"DEVLINK3_STATUS_NO_RESPONSE",
            8 => c"DEVLINK3_STATUS_PROTOCOL",
            9 => c"DEVLINK3_STATUS_CALLBACK_MODE",
            10 => c"DEVLINK3_STATUS_INTERNAL",
            _ => return None,
        })
    }
}

/// A failed call of the extended API: its status and the text for `devlink3_last_error`.
#[derive(Debug)]
pub(crate) struct Error {
    pub status: devlink3_status,
    pub message: String,
}

impl Error {
    pub fn new(status: devlink3_status, message: impl Into<String>) -> Self {
        Error { status, message: message.into() }
    }

    pub fn null(argument: &str) -> Self {
        Error::new(devlink3_status::NullArgument, format!("{argument} must not be NULL"))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(devlink3_status::InvalidArgument, message)
    }
}

impl From<CoreError> for Error {
    fn from(error: CoreError) -> Self {
        Error { status: devlink3_status::of(&error), message: error.to_string() }
    }
}

thread_local! {
    /// The text of the last failure on this thread. Not cleared by successful calls, like
    /// `errno`: read it right after a call failed.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `message` as this thread's last error.
pub(crate) fn set_last_error(message: &str) {
    // `try_with`: during thread teardown the slot may be gone; losing the text is fine.
    let _ = LAST_ERROR.try_with(|last| {
        let mut last = last.borrow_mut();
        last.clear();
        last.push_str(message);
    });
}

/// Copies the last error into `buf` (at most `len` bytes, NUL included, cut on a UTF-8
/// character boundary) and returns its full length in bytes, without the NUL.
pub(crate) fn copy_last_error(buf: &mut [u8]) -> usize {
    LAST_ERROR
        .try_with(|last| {
            let last = last.borrow();
            if let Some(room) = buf.len().checked_sub(1) {
                let mut n = last.len().min(room);
                while !last.is_char_boundary(n) {
                    n -= 1;
                }
                buf[..n].copy_from_slice(&last.as_bytes()[..n]);
                buf[n] = 0;
            }
            last.len()
        })
        .unwrap_or(0)
}

/// How an export's result becomes its C return value, and what it returns after a panic.
pub(crate) trait FfiOutcome {
    type Ret;
    /// Converts the body's result, recording the last error when it failed.
    fn finish(self) -> Self::Ret;
    /// The value returned when the body panicked.
    fn panicked() -> Self::Ret;
}

impl FfiOutcome for Result<(), Error> {
    type Ret = devlink3_status;

    fn finish(self) -> devlink3_status {
        match self {
            Ok(()) => devlink3_status::Ok,
            Err(error) => {
                set_last_error(&error.message);
                error.status
            }
        }
    }

    fn panicked() -> devlink3_status {
        devlink3_status::Internal
    }
}

/// Plain values (`void`, lengths, static strings) pass through; a panic yields the
/// type's "nothing" value (nothing, 0, NULL).
macro_rules! plain_outcome {
    ($($ty:ty => $on_panic:expr),* $(,)?) => {$(
        impl FfiOutcome for $ty {
            type Ret = $ty;
            fn finish(self) -> $ty {
                self
            }
            fn panicked() -> $ty {
                $on_panic
            }
        }
    )*};
}

plain_outcome! {
    () => (),
    usize => 0,
    *const c_char => std::ptr::null(),
}

/// Runs the body of the export `function`, turning a panic into `O::panicked()` with a
/// last error that names the function. Every `extern` function of this crate goes
/// through here: unwinding into C is undefined behaviour.
pub(crate) fn ffi_boundary<O: FfiOutcome>(function: &'static str, body: impl FnOnce() -> O) -> O::Ret {
    // AssertUnwindSafe: after a panic nothing the body touched is used again except
    // through mutexes, whose users all recover from poisoning.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(outcome) => outcome.finish(),
        Err(panic) => {
            let message = format!("{function}: internal error (a bug in devlink3): {}", panic_text(&*panic));
            log::error!("{message}");
            set_last_error(&message);
            O::panicked()
        }
    }
}

fn panic_text(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic without a message")
}

/// An optional C string argument (NULL is `None`) as UTF-8.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn opt_c_str<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>, String> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, and NUL-terminated by the caller's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map(Some).map_err(|_| format!("{what} is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_error_is_truncated_on_a_char_boundary_and_reports_its_full_length() {
        set_last_error("ab\u{e9}cd"); // é is two bytes
        let mut buf = [0xffu8; 4];
        assert_eq!(copy_last_error(&mut buf), 6);
        assert_eq!(&buf, b"ab\0\xff", "é did not fit whole, so it was left out");
        let mut big = [0u8; 16];
        assert_eq!(copy_last_error(&mut big), 6);
        assert_eq!(&big[..7], "ab\u{e9}cd\0".as_bytes());
        assert_eq!(copy_last_error(&mut []), 6, "no buffer: only the length");
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = ffi_boundary("devlink3_test", || -> Result<(), Error> { panic!("boom") });
        assert_eq!(status, devlink3_status::Internal);
        let mut buf = [0u8; 128];
        let n = copy_last_error(&mut buf);
        let text = std::str::from_utf8(&buf[..n]).unwrap();
        assert!(text.contains("devlink3_test") && text.contains("boom"), "{text}");
        assert_eq!(ffi_boundary("devlink3_test", || -> usize { panic!("again") }), 0);
    }

    #[test]
    fn every_status_has_a_name() {
        for raw in 0..=10 {
            assert!(devlink3_status::name_of(raw).is_some(), "{raw}");
        }
        assert!(devlink3_status::name_of(11).is_none());
        assert!(devlink3_status::name_of(-1).is_none());
    }
}

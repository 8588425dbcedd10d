//! CMExtn events (protocol §6.5.1.4–6.5.1.5).
//!
//! The plain form is a line of monitor text, `Extn4001: CALL LOST (CMCauseForceIdle)`. The
//! extended form carries three numbers `v`, `p1`, `p2` (decoded by the wire layer) and an
//! extension name; `v = 1` is an extension state change with `p1` the new state and `p2` the
//! old one, which the monitor shows as `v=1 State, new=Dialling old=Idle,0,0,Extn865001`.

use std::borrow::Cow;
use std::fmt::{self, Display, Formatter};

use super::{Cause, strip_nul};

code_enum! {
    /// Extension state in an extended CMExtn event (`p1` new, `p2` old).
    ///
    /// Only the two values the specification's example shows are named.
    pub enum ExtnState: u32 {
        Idle = 0 => "Idle",
        Dialling = 2 => "Dialling",
    }
}

/// The CMExtn events, described once: `$m! { cmextn ... }` for each form, the fields one
/// per line as `doc, pub name: Type = kind("label")`.
///
/// This crate defines the types from it (`described_record!`: the parsers and the monitor's
/// text are written below); the Python binding their classes' getters. Everything else
/// reads the generated `Described` impls.
#[macro_export]
#[doc(hidden)]
macro_rules! cmextn_fields {
    ($m:ident) => {
        $m! { cmextn
            /// A plain CMExtn event (`_CMExtn` flag, §6.5.1.4): an extension's monitor text,
            /// `<extension>: <message>`.
            pub struct CmExtn<'a> with raw {
                /// The text before the first `:` (`Extn4001`); empty when the text has no such prefix.
                pub extension: Cow<'a, str> = text("extension"),
                /// The rest, after `": "` (`CALL LOST (CMCauseForceIdle)`), or the whole text.
                pub message: Cow<'a, str> = text("message"),
            }
        }
        $m! { cmextn
            /// An extended CMExtn event (`_CMExtn` flag, §6.5.1.5): `v`, `p1`, `p2` for an
            /// extension; `v = 1` is a state change from `p2` to `p1`.
            pub struct CmExtnState<'a> {
                /// Event kind; 1 is a state change.
                pub v: u32 = number("v"),
                /// First parameter; for `v = 1` the new state.
                pub p1: u32 = number("p1"),
                /// Second parameter; for `v = 1` the old state.
                pub p2: u32 = number("p2"),
                /// The extension's name (`Extn865001`).
                pub extension: Cow<'a, str> = text("extension name"),
            }
        }
    };
}

/// Defines the CMExtn types from [`cmextn_fields!`].
macro_rules! define_cmextn {
    (cmextn $($description:tt)*) => {
        described_record! { $($description)* }
    };
}

cmextn_fields!(define_cmextn);

/// Splits a plain CMExtn text into extension and message. Never fails.
///
/// The extension is the part before the first `:` when that part is a single word (no
/// whitespace), so a message that merely contains a colon is not mistaken for one.
pub fn parse_cmextn(text: &str) -> CmExtn<'_> {
    let raw = strip_nul(text);
    let (extension, message) = match raw.split_once(':') {
        Some((ext, msg)) if !ext.is_empty() && !ext.contains(char::is_whitespace) => (ext, msg.trim_start()),
        _ => ("", raw),
    };
    CmExtn { extension: Cow::Borrowed(extension), message: Cow::Borrowed(message), raw: Cow::Borrowed(raw) }
}

impl CmExtn<'_> {
    /// The cause named in parentheses at the end of the message, e.g.
    /// `CALL LOST (CMCauseForceIdle)` gives [`Cause::ForceIdle`].
    pub fn cause(&self) -> Option<Cause> {
        let (_, name) = self.message.trim_end().strip_suffix(')')?.rsplit_once('(')?;
        Cause::from_name(name.trim())
    }
}

impl Display for CmExtn<'_> {
    /// `extension: message`, or the message alone when there is no extension.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.extension.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.extension, self.message)
        }
    }
}

impl<'a> CmExtnState<'a> {
    /// An event from its parts (a trailing NUL on the name is dropped).
    pub fn new(v: u32, p1: u32, p2: u32, extension: &'a str) -> Self {
        Self { v, p1, p2, extension: Cow::Borrowed(strip_nul(extension)) }
    }

    /// For a state change (`v = 1`): the new and the old state.
    pub fn state_change(&self) -> Option<(ExtnState, ExtnState)> {
        (self.v == 1).then(|| (ExtnState::from_raw(self.p1), ExtnState::from_raw(self.p2)))
    }
}

impl Display for CmExtnState<'_> {
    /// The monitor's text: `v=1 State, new=Dialling old=Idle,0,0,Extn865001` for a state
    /// change (the `0,0` is printed as the specification shows it), `v=<v>,<p1>,<p2>,<name>`
    /// for any other kind.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.state_change() {
            Some((new, old)) => write!(f, "v=1 State, new={new} old={old},0,0,{}", self.extension),
            None => write!(f, "v={},{},{},{}", self.v, self.p1, self.p2, self.extension),
        }
    }
}

//! Coded fields as Python enums (`PartyState.CONNECTED`, `Cause.NORMAL`...).
//!
//! The classes are generated at import from the Rust code tables, so Python and Rust can
//! never disagree about a value. Their base classes (`devlink3._codes`: `Code`, `Flags`,
//! `Word`) keep values the specification does not name, as `Other(raw)` does in Rust.
//! Member names are the Rust variant names in UPPER_SNAKE_CASE; the PBX's own spelling
//! ("Dial Initiated", "CMCauseNormal") is the member's `label`.

use std::fmt::Debug;

use devlink3_core::client::MissedReason;
use devlink3_core::records::{
    CalledType, CallingNameType, Cause, CliPresentation, Delta2Kind, Delta2State, EquipmentClass, ExtnState,
    PartyFlags, PartyState, QueueState, SipDirection, SipEvent, SipType, Tone, Worded,
};
use devlink3_core::wire::ResultCode;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};

use crate::events::ToPy;

/// A generated enum class and its value → member map (a dict lookup is much cheaper than
/// calling the class, and this runs for every coded field read).
pub(crate) struct PyEnum {
    class: Py<PyAny>,
    members: Py<PyDict>,
}

/// A Rust type with a Python enum counterpart.
pub(crate) trait PyEnumType: Sized {
    /// The Python class name.
    const NAME: &'static str;
    /// The base class in `devlink3._codes`.
    const BASE: &'static str;
    fn slot() -> &'static PyOnceLock<PyEnum>;
    /// Every documented value, with its Python member name.
    fn named() -> Vec<(String, Self)>;
    /// The PBX's spelling, when it has one.
    fn label(&self) -> Option<&'static str>;
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

/// The enum class of `T`, created on first use.
pub(crate) fn class<T: PyEnumType>(py: Python<'_>) -> PyResult<&PyEnum> {
    T::slot().get_or_try_init(py, || {
        let members: Vec<_> = T::named()
            .into_iter()
            .map(|(name, code)| Ok((name, code.value(py)?, code.label())))
            .collect::<PyResult<_>>()?;
        let class = py.import("devlink3._codes")?.getattr("make")?.call1((T::BASE, T::NAME, members))?;
        let map = class.getattr("_value2member_map_")?.cast_into::<PyDict>()?;
        Ok(PyEnum { class: class.unbind(), members: map.unbind() })
    })
}

/// The enum member for `code`; an undocumented value becomes a pseudo-member.
fn member<'py, T: PyEnumType>(py: Python<'py>, code: &T) -> PyResult<Bound<'py, PyAny>> {
    let PyEnum { class, members } = class::<T>(py)?;
    let value = code.value(py)?;
    match members.bind(py).get_item(&value)? {
        Some(member) => Ok(member),
        None => class.bind(py).call1((value,)),
    }
}

/// Names values after their Rust variants: `DialInitiated` → `DIAL_INITIATED`.
fn by_variant_name<T: Debug>(codes: Vec<T>) -> Vec<(String, T)> {
    codes.into_iter().map(|code| (upper_snake(&format!("{code:?}")), code)).collect()
}

/// `DialInitiated` → `DIAL_INITIATED`, `E911Emergency` → `E911_EMERGENCY`.
fn upper_snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    let mut previous: Option<char> = None;
    for c in camel.chars() {
        if c.is_ascii_uppercase() && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
        previous = Some(c);
    }
    out
}

macro_rules! slot {
    () => {
        fn slot() -> &'static PyOnceLock<PyEnum> {
            static SLOT: PyOnceLock<PyEnum> = PyOnceLock::new();
            &SLOT
        }
    };
}

macro_rules! to_py_as_member {
    ($ty:ty) => {
        impl ToPy for $ty {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                member(py, self)
            }
        }

        impl $crate::events::PyType for $ty {
            fn py_type() -> String {
                <$ty as PyEnumType>::NAME.to_owned()
            }
        }

        impl $crate::events::Erase for $ty {
            type Named = $ty;
        }
    };
}

/// `code_enum!` types: `IntEnum`s valued by the raw number.
macro_rules! int_codes {
    ($($ty:ident),* $(,)?) => {$(
        impl PyEnumType for $ty {
            const NAME: &'static str = stringify!($ty);
            const BASE: &'static str = "Code";
            slot!();
            fn named() -> Vec<(String, Self)> {
                by_variant_name($ty::ALL.to_vec())
            }
            fn label(&self) -> Option<&'static str> {
                self.name()
            }
            fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.raw().to_py(py)
            }
        }
        to_py_as_member!($ty);
    )*};
}

int_codes!(
    PartyState,
    Tone,
    EquipmentClass,
    CalledType,
    CliPresentation,
    CallingNameType,
    QueueState,
    Cause,
    Delta2State,
    ExtnState,
    ResultCode
);

impl PyEnumType for PartyFlags {
    const NAME: &'static str = "PartyFlags";
    const BASE: &'static str = "Flags";
    slot!();
    fn named() -> Vec<(String, Self)> {
        PartyFlags::NAMED.iter().map(|&(flag, name)| (name.to_owned(), flag)).collect()
    }
    fn label(&self) -> Option<&'static str> {
        None
    }
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.bits().to_py(py)
    }
}
to_py_as_member!(PartyFlags);

/// The documented words of a word field, as the protocol crate describes them.
fn described_words<W: Worded + From<&'static str>>() -> Vec<W> {
    W::WORDS.iter().map(|&word| W::from(word)).collect()
}

/// Word-valued fields: `str` enums valued by the word as sent (`"START"`, `"TRUNK"`).
macro_rules! word_codes {
    ($($ty:ty => $name:literal: {$variants:expr} as |$code:ident| $value:expr;)*) => {$(
        impl PyEnumType for $ty {
            const NAME: &'static str = $name;
            const BASE: &'static str = "Word";
            slot!();
            fn named() -> Vec<(String, Self)> {
                by_variant_name($variants)
            }
            fn label(&self) -> Option<&'static str> {
                None
            }
            fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let $code = self;
                Ok(PyString::new(py, &$value).into_any())
            }
        }
        to_py_as_member!($ty);
    )*};
}

word_codes! {
    SipEvent<'static> => "SipEvent": {described_words()} as |c| c.as_str();
    SipType<'static> => "SipType": {described_words()} as |c| c.as_str();
    SipDirection<'static> => "SipDirection": {described_words()} as |c| c.as_str();
    Delta2Kind => "Delta2Kind": {Delta2Kind::ALL.to_vec()} as |c| c.as_str();
    MissedReason => "MissedReason": {MissedReason::ALL.to_vec()} as |c| c.as_str();
}

/// Adds every enum class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    fn add<T: PyEnumType>(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add(T::NAME, class::<T>(m.py())?.class.bind(m.py()))
    }
    add::<PartyState>(m)?;
    add::<Tone>(m)?;
    add::<EquipmentClass>(m)?;
    add::<CalledType>(m)?;
    add::<CliPresentation>(m)?;
    add::<CallingNameType>(m)?;
    add::<QueueState>(m)?;
    add::<Cause>(m)?;
    add::<Delta2State>(m)?;
    add::<ExtnState>(m)?;
    add::<ResultCode>(m)?;
    add::<PartyFlags>(m)?;
    add::<SipEvent<'static>>(m)?;
    add::<SipType<'static>>(m)?;
    add::<SipDirection<'static>>(m)?;
    add::<Delta2Kind>(m)?;
    add::<MissedReason>(m)?;
    Ok(())
}

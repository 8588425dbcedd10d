//! Events as immutable Python objects.
//!
//! Each object owns the Rust record it was made from and converts a field only when it is
//! read: receiving an event costs one Python allocation however many fields it has, which
//! is what lets iteration keep up with a busy PBX. The sections of a `Detail` (`call`,
//! `party_a`, `targets`...) are views sharing the `Detail`, made on access.
//!
//! `to_dict()` and `repr()` are generic over each class's field names, so they cannot
//! drift from the getters.

use std::borrow::Cow;
use std::marker::PhantomData;

use devlink3_core::client::{
    Event, LinkState as CoreLinkState, MissedReason, Origin as CoreOrigin, PbxInfo as CorePbx,
};
use devlink3_core::document;
use devlink3_core::files::UserEntry;
use devlink3_core::records::{self, Delta3Record, Delta3View, RecordError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use serde_json::Value;

/// A record field as a Python value.
pub(crate) trait ToPy {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

impl ToPy for str {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self).into_any())
    }
}

impl ToPy for Cow<'_, str> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        (**self).to_py(py)
    }
}

impl ToPy for String {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.as_str().to_py(py)
    }
}

impl<T: ToPy + ?Sized> ToPy for &T {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        (**self).to_py(py)
    }
}

macro_rules! to_py_via_into_pyobject {
    ($($ty:ty),*) => {$(
        impl ToPy for $ty {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(self.into_pyobject(py)?.into_any())
            }
        }
    )*};
}

to_py_via_into_pyobject!(u32, u64, usize, f64);

impl ToPy for bool {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyBool::new(py, *self).to_owned().into_any())
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(value) => value.to_py(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

/// A field that is not the number it should be reads as `None`: a getter that raises
/// would be worse than a gap, and `raw` keeps the text.
impl<T: ToPy> ToPy for Result<T, RecordError> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.as_ref().ok().to_py(py)
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self.iter().map(|item| item.to_py(py)).collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }
}

/// The getters, `to_dict` and `__repr__` of an event class (or any read-only value class).
///
/// `fields` are read as `data().field`, `methods` as `data().method()`; `computed` names the
/// getters written by hand after the block; `with origin` adds the `origin` getter.
macro_rules! py_record {
    (
        $class:ident $(with $origin:ident)? {
            fields: [$($field:ident),* $(,)?],
            methods: [$($method:ident),* $(,)?],
            computed: [$($computed:literal : $ctype:literal),* $(,)?],
            repr: $repr:expr $(,)?
        }
        $($extra:tt)*
    ) => {
        impl $crate::events::Stub for $class {
            const NAME: &'static str = stringify!($class);

            fn members() -> Vec<(&'static str, String)> {
                vec![
                    $( ($computed, $ctype.to_owned()), )*
                    $( (stringify!($field), $crate::events::stub_of(|c: &$class| $crate::events::erase(&c.data().$field))), )*
                    $( (stringify!($method), $crate::events::stub_of(|c: &$class| $crate::events::erase(&c.data().$method()))), )*
                    $( (stringify!($origin), "Origin".to_owned()), )?
                ]
            }
        }

        #[pymethods]
        impl $class {
            $(
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    $crate::events::ToPy::to_py(&self.data().$field, py)
                }
            )*
            $(
                #[getter]
                fn $method<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    $crate::events::ToPy::to_py(&self.data().$method(), py)
                }
            )*
            $(
                /// Where the event came from: the PBX and its per-PBX event counter.
                #[getter]
                fn $origin(&self) -> $crate::events::Origin {
                    $crate::events::Origin(self.$origin)
                }
            )?

            /// The event's document, as `devlink3 tail` prints it (the records' text as `raw`
            /// with `raw=True`): plain values, ready for `json.dumps`.
            #[pyo3(signature = (raw = false))]
            fn to_dict<'py>(slf: &Bound<'py, Self>, raw: bool) -> PyResult<Bound<'py, PyAny>> {
                match $crate::events::AsDocument::document(slf.get(), raw) {
                    Some(document) => $crate::events::json_to_py(slf.py(), &document),
                    None => $crate::events::plain_dict(
                        slf.as_any(),
                        &[$(stringify!($field),)* $(stringify!($method),)* $($computed,)* $(stringify!($origin))?],
                    )
                    .map(Bound::into_any),
                }
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                $crate::events::repr(slf.as_any(), $repr)
            }

            $($extra)*
        }
    };
}

/// A value class as `_devlink3.pyi` describes it: its name and its members' Python types
/// (getters computed by hand say theirs in `py_record!`'s `computed` list). The stub is
/// generated from these (`bindings/python/stubgen.py`); tests check it is current.
pub(crate) trait Stub {
    const NAME: &'static str;
    fn members() -> Vec<(&'static str, String)>;
}

/// The Python type of a getter, from the closure reading it, which is never called: only
/// its type is read. `erase` drops the lifetimes a borrowed field carries.
pub(crate) fn stub_of<C, N: PyType>(_: impl Fn(&C) -> PhantomData<N>) -> String {
    N::py_type()
}

pub(crate) fn erase<T: Erase + ?Sized>(_: &T) -> PhantomData<T::Named> {
    PhantomData
}

/// A Rust type's lifetime-free stand-in for [`PyType`].
pub(crate) trait Erase {
    type Named: PyType;
}

/// The Python type [`ToPy`] makes of a Rust type.
pub(crate) trait PyType {
    fn py_type() -> String;
}

macro_rules! py_type {
    ($name:literal: $($ty:ty),*) => {$(
        impl PyType for $ty {
            fn py_type() -> String {
                $name.to_owned()
            }
        }

        impl Erase for $ty {
            type Named = $ty;
        }
    )*};
}

py_type!("str": String);
py_type!("int": u32, u64, usize);
py_type!("float": f64);
py_type!("bool": bool);

impl Erase for str {
    type Named = String;
}

impl Erase for Cow<'_, str> {
    type Named = String;
}

impl<T: Erase + ?Sized> Erase for &T {
    type Named = T::Named;
}

impl<T: Erase> Erase for Option<T> {
    type Named = Option<T::Named>;
}

impl<T: Erase> Erase for Result<T, RecordError> {
    type Named = Option<T::Named>;
}

impl<T: Erase> Erase for Vec<T> {
    type Named = Vec<T::Named>;
}

impl<T: PyType> PyType for Option<T> {
    fn py_type() -> String {
        format!("Optional[{}]", T::py_type())
    }
}

impl<T: PyType> PyType for Vec<T> {
    fn py_type() -> String {
        format!("List[{}]", T::py_type())
    }
}

/// Every value class's stub, in the order of `_devlink3.pyi`.
pub(crate) fn stubs() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    fn one<T: Stub>() -> (&'static str, Vec<(&'static str, String)>) {
        (T::NAME, T::members())
    }
    vec![
        one::<Origin>(),
        one::<Detail>(),
        one::<Call>(),
        one::<Party>(),
        one::<Target>(),
        one::<CallLost>(),
        one::<LinkLost>(),
        one::<AttemptReject>(),
        one::<Delta2>(),
        one::<SipTrack>(),
        one::<CmExtn>(),
        one::<CmExtnState>(),
        one::<Unparsed>(),
        one::<LinkState>(),
        one::<PbxInfo>(),
        one::<Missed>(),
        one::<User>(),
        one::<crate::sim::BlastReport>(),
        one::<crate::sim::SimStats>(),
        one::<crate::sim::UserStats>(),
    ]
}

/// The document a class stands for (`devlink3_core::document`): events and their
/// sections. `None` for the other value classes (users, statistics), whose `to_dict` is
/// their getters.
pub(crate) trait AsDocument {
    fn document(&self, _raw: bool) -> Option<Value> {
        None
    }
}

/// The document of a core event.
fn event_document(event: &Event, raw: bool) -> Option<Value> {
    Some(document::document(event, raw))
}

/// The document of a section of an event (a Detail's `call`, a party...).
fn section_document(section: &impl serde::Serialize, raw: bool) -> Option<Value> {
    serde_json::to_value(document::Documented::new(section, raw)).ok()
}

/// A JSON value as the Python value `json.loads` would make of it.
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u.into_pyobject(py)?.into_any(),
            (None, Some(i)) => i.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            PyList::new(py, items.iter().map(|item| json_to_py(py, item)).collect::<PyResult<Vec<_>>>()?)?.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// `{name: plain(getattr(obj, name))}`.
pub(crate) fn plain_dict<'py>(obj: &Bound<'py, PyAny>, names: &[&str]) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(obj.py());
    for name in names {
        dict.set_item(*name, plain(obj.getattr(*name)?)?)?;
    }
    Ok(dict)
}

/// A value made of JSON's types: flags as their number, other enums by member name,
/// nested events through their `to_dict`.
fn plain(value: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyAny>> {
    let py = value.py();
    let enums = py.import(intern!(py, "enum"))?;
    if value.is_instance(&enums.getattr(intern!(py, "Flag"))?)? {
        Ok(value.extract::<u64>()?.into_pyobject(py)?.into_any())
    } else if value.is_instance(&enums.getattr(intern!(py, "Enum"))?)? {
        value.getattr(intern!(py, "name"))
    } else if let Ok(list) = value.cast::<PyList>() {
        let items = list.iter().map(plain).collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    } else if let Ok(dict) = value.cast::<PyDict>() {
        let out = PyDict::new(py);
        for (key, item) in dict.iter() {
            out.set_item(key, plain(item)?)?;
        }
        Ok(out.into_any())
    } else if value.hasattr(intern!(py, "to_dict"))? {
        value.call_method0(intern!(py, "to_dict"))
    } else {
        Ok(value)
    }
}

/// `Class(name=value, ...)` over the fields that are set: empty text, `None` and empty
/// lists are left out, and enum members read as `PartyState.CONNECTED`.
pub(crate) fn repr(obj: &Bound<'_, PyAny>, names: &[&str]) -> PyResult<String> {
    let py = obj.py();
    let enum_type = py.import(intern!(py, "enum"))?.getattr(intern!(py, "Enum"))?;
    let mut parts = Vec::with_capacity(names.len());
    for name in names {
        let value = obj.getattr(*name)?;
        let unset = value.is_none()
            || value.cast::<PyString>().is_ok_and(|s| s.is_empty().unwrap_or(false))
            || value.cast::<PyList>().is_ok_and(|l| l.is_empty());
        if unset {
            continue;
        }
        let shown = if value.is_instance(&enum_type)? {
            let member = value.getattr(intern!(py, "name"))?;
            let member = if member.is_none() { value.extract::<u64>()?.to_string() } else { member.str()?.to_string() };
            format!("{}.{member}", value.get_type().name()?)
        } else {
            value.repr()?.to_string()
        };
        parts.push(format!("{name}={shown}"));
    }
    Ok(format!("{}({})", obj.get_type().name()?, parts.join(", ")))
}

/// Where an event came from.
#[pyclass(frozen, module = "devlink3")]
pub struct Origin(pub(crate) CoreOrigin);

impl Origin {
    fn data(&self) -> &CoreOrigin {
        &self.0
    }
}

py_record!(Origin {
    fields: [counter],
    methods: [],
    computed: ["pbx_ip": "str"],
    repr: &["pbx_ip", "counter"],
}
    /// The address of the IP Office that generated the event.
    #[getter]
    fn pbx_ip(&self) -> String {
        self.0.pbx_ip.to_string()
    }
);

/// `data()` of a Delta3 class: the record's view. The record stays as it arrived, its text
/// and the index of its fields; each getter decodes its field from the text when called.
macro_rules! delta3_data {
    ($class:ident => $view:ident) => {
        impl $class {
            fn data(&self) -> records::$view<'_> {
                match self.record.get() {
                    Delta3View::$class(record) => record,
                    _ => unreachable!(concat!("a ", stringify!($class), " is only made from that kind of record")),
                }
            }
        }
    };
}

/// `<Detail>`: the current state of a call, with its A end and either its B end or the
/// targets it is ringing.
#[pyclass(frozen, module = "devlink3")]
pub struct Detail {
    origin: CoreOrigin,
    record: Delta3Record,
}

delta3_data!(Detail => DetailView);

py_record!(Detail with origin {
    fields: [],
    methods: [raw],
    computed: ["call": "Call", "party_a": "Party", "party_b": "Optional[Party]", "targets": "List[Target]"],
    repr: &["call", "party_a", "party_b", "targets"],
}
    /// The `<Call>` section.
    #[getter]
    fn call(slf: &Bound<'_, Self>) -> PyResult<Py<Call>> {
        Py::new(slf.py(), Call { detail: slf.clone().unbind() })
    }

    /// The `<PartyA>` section: every call has one.
    #[getter]
    fn party_a(slf: &Bound<'_, Self>) -> PyResult<Py<Party>> {
        Py::new(slf.py(), Party { detail: slf.clone().unbind(), end: End::A })
    }

    /// The `<PartyB>` section, once the call is established.
    #[getter]
    fn party_b(slf: &Bound<'_, Self>) -> PyResult<Option<Py<Party>>> {
        match slf.get().data().party_b() {
            Some(_) => Py::new(slf.py(), Party { detail: slf.clone().unbind(), end: End::B }).map(Some),
            None => Ok(None),
        }
    }

    /// The `<Target_list>` entries, while the call is being established.
    #[getter]
    fn targets(slf: &Bound<'_, Self>) -> PyResult<Vec<Py<Target>>> {
        (0..slf.get().data().targets().len())
            .map(|index| Py::new(slf.py(), Target { detail: slf.clone().unbind(), index }))
            .collect()
    }
);

/// The `<Call>` section of a `Detail`.
#[pyclass(frozen, module = "devlink3")]
pub struct Call {
    detail: Py<Detail>,
}

impl Call {
    fn data(&self) -> records::CallView<'_> {
        self.detail.get().data().call()
    }
}

impl Call {
    const REPR: &'static [&'static str] =
        &["node", "call_id", "tag", "account_code", "owner_huntgroup", "target_huntgroup", "target_user", "queueing"];
}

#[derive(Clone, Copy)]
enum End {
    A,
    B,
}

/// A `<PartyA>` or `<PartyB>` section: one end of a call.
#[pyclass(frozen, module = "devlink3")]
pub struct Party {
    detail: Py<Detail>,
    end: End,
}

impl Party {
    fn data(&self) -> records::PartyView<'_> {
        let detail = self.detail.get().data();
        match self.end {
            End::A => detail.party_a(),
            End::B => detail.party_b().expect("a Party B view is only made when the Detail has one"),
        }
    }
}

impl Party {
    const REPR: &'static [&'static str] =
        &["end_id", "state", "equipment", "identity", "cli", "calling_name", "did", "dialled", "target_number"];
}

/// One `<Target>` of a `Detail`'s target list: a call end being rung.
#[pyclass(frozen, module = "devlink3")]
pub struct Target {
    detail: Py<Detail>,
    index: usize,
}

impl Target {
    fn data(&self) -> records::TargetView<'_> {
        self.detail.get().data().targets().nth(self.index).expect("a Target view is only made for a target there is")
    }
}

impl Target {
    const REPR: &'static [&'static str] = &["end_id", "equipment", "identity", "target_number", "purpose", "cli"];
}

/// `<CallLost>`: a call end reported as PartyA or PartyB is gone.
#[pyclass(frozen, module = "devlink3")]
pub struct CallLost {
    origin: CoreOrigin,
    record: Delta3Record,
}

delta3_data!(CallLost => CallLostView);

impl CallLost {
    const REPR: &'static [&'static str] = &["node", "end_id", "cleared_inbound", "cause", "timestamp"];
}

/// `<LinkLost>`: as `CallLost`, generated at an intermediate node of the network.
#[pyclass(frozen, module = "devlink3")]
pub struct LinkLost {
    origin: CoreOrigin,
    record: Delta3Record,
}

delta3_data!(LinkLost => LinkLostView);

impl LinkLost {
    const REPR: &'static [&'static str] = &["node", "end_id", "cleared_inbound", "cause", "timestamp", "link_ref"];
}

/// `<AttemptReject>`: a targeted user tried to push the ringing call away.
#[pyclass(frozen, module = "devlink3")]
pub struct AttemptReject {
    origin: CoreOrigin,
    record: Delta3Record,
}

delta3_data!(AttemptReject => AttemptRejectView);

impl AttemptReject {
    const REPR: &'static [&'static str] = &["node", "end_id", "user", "qualifier", "timestamp"];
}

/// The getters of the Delta3 section classes, from the sections' descriptions in the
/// protocol crate (`delta3_sections!`): one per field, then `raw` for a whole record.
macro_rules! py_section {
    (section $(#[doc = $sdoc:literal])* pub struct $name:ident<'a> {
        $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
    }) => {
        py_record!($name { fields: [], methods: [$($field),*], computed: [], repr: $name::REPR });
    };
    (record $(#[doc = $sdoc:literal])* pub struct $name:ident<'a> as $tag:literal {
        $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
    }) => {
        py_record!($name with origin { fields: [], methods: [$($field,)* raw], computed: [], repr: $name::REPR });
    };
}

devlink3_core::delta3_sections!(py_section);

/// A class for a record type the core boxes whole (`data()` is the record): the struct
/// and its `data()`, the same for each.
macro_rules! boxed_record {
    ($(#[$doc:meta])* $class:ident) => {
        $(#[$doc])*
        #[pyclass(frozen, module = "devlink3")]
        pub struct $class {
            origin: CoreOrigin,
            record: Box<records::$class<'static>>,
        }

        impl $class {
            fn data(&self) -> &records::$class<'static> {
                &self.record
            }
        }
    };
}

boxed_record!(
    /// A Delta2 record (links opened with `-CD2`): `raw` is the text exactly as the PBX sent
    /// it; the named fields of `CALL: S` records are parsed from it on access.
    Delta2
);

/// `Delta2`'s getters: the record's kind, text and call ids, then the named S fields from
/// their description in the protocol crate (`delta2_status_fields!`).
macro_rules! py_delta2 {
    ($($n:literal => $name:ident: $ty:tt, $label:literal, $doc:literal;)*) => {
        py_delta2_class!(kind, raw, call_id, a_call_id, b_call_id, $($name,)*);
    };
}

macro_rules! py_delta2_class {
    ($($method:ident,)*) => {
        py_record!(Delta2 with origin {
            fields: [],
            methods: [$($method),*],
            computed: ["fields": "List[str]"],
            repr: &["kind", "call_id", "a_state", "a_name", "b_state", "b_name"],
        }
            /// Every comma-separated field after `CALL: S`, in order (field 1 is `fields[0]`).
            #[getter]
            fn fields(&self) -> Vec<&str> {
                self.record.fields().collect()
            }
        );
    };
}

devlink3_core::delta2_status_fields!(py_delta2);

boxed_record!(
    /// A SIPTrack event (`_SIPTrack`): a SIP call starting or ending on a trunk or phone.
    SipTrack
);

impl SipTrack {
    const REPR: &'static [&'static str] = &["event", "end_id", "sip_type", "direction", "sip_call_id"];
}

/// The SIPTrack class's getters, from its description in the protocol crate
/// (`siptrack_fields!`): one per field, then `raw`.
macro_rules! py_line_record {
    (line_record $(#[doc = $sdoc:literal])* pub struct $name:ident<'a> as $record:literal {
        $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
    }) => {
        py_record!($name with origin { fields: [$($field,)* raw], methods: [], computed: [], repr: $name::REPR });
    };
}

devlink3_core::siptrack_fields!(py_line_record);

boxed_record!(
    /// A plain CMExtn event (`_CMExtn`): an extension's text message.
    CmExtn
);

boxed_record!(
    /// An extended CMExtn event (`_CMExtn`): `v`, `p1`, `p2` for an extension; for `v == 1` a
    /// state change from `old_state` to `new_state`.
    CmExtnState
);

impl CmExtn {
    const REPR: &'static [&'static str] = &["extension", "message"];
}

impl CmExtnState {
    const REPR: &'static [&'static str] = &["extension", "v", "p1", "p2", "new_state", "old_state"];
}

/// The CMExtn classes' getters, from their descriptions in the protocol crate
/// (`cmextn_fields!`): one per field, then what each adds.
macro_rules! py_cmextn {
    (cmextn $(#[doc = $sdoc:literal])* pub struct CmExtn<'a> with raw {
        $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
    }) => {
        py_record!(CmExtn with origin {
            fields: [$($field,)* raw],
            methods: [cause],
            computed: [],
            repr: CmExtn::REPR,
        });
    };
    (cmextn $(#[doc = $sdoc:literal])* pub struct CmExtnState<'a> {
        $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
    }) => {
        py_record!(CmExtnState with origin {
            fields: [$($field),*],
            methods: [],
            computed: ["new_state": "Optional[ExtnState]", "old_state": "Optional[ExtnState]", "raw": "str"],
            repr: CmExtnState::REPR,
        }
            /// For a state change (`v == 1`), the new state; else `None`.
            #[getter]
            fn new_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.record.state_change().map(|(new, _)| new).to_py(py)
            }

            /// For a state change (`v == 1`), the old state; else `None`.
            #[getter]
            fn old_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.record.state_change().map(|(_, old)| old).to_py(py)
            }

            /// The event as the PBX's monitor prints it.
            #[getter]
            fn raw(&self) -> String {
                self.record.to_string()
            }
        );
    };
}

devlink3_core::cmextn_fields!(py_cmextn);

/// A record that could not be parsed, or a tuple of a kind this library does not know:
/// delivered with the reason rather than dropped.
#[pyclass(frozen, module = "devlink3")]
pub struct Unparsed {
    origin: CoreOrigin,
    tag: u32,
    text: String,
    error: String,
}

impl Unparsed {
    fn data(&self) -> &Self {
        self
    }
}

py_record!(Unparsed with origin {
    fields: [tag, text, error],
    methods: [],
    computed: [],
    repr: &["tag", "error", "text"],
});

/// The state of a link, reported on every change. `name` is one of `connecting`,
/// `operational`, `no_response`, `rejected`, `closed`; the other attributes are `None`
/// unless they apply to that state.
#[pyclass(frozen, module = "devlink3")]
pub struct LinkState(pub(crate) CoreLinkState);

py_record!(LinkState {
    fields: [],
    methods: [],
    computed: [
        "name": "Literal[\"connecting\", \"operational\", \"no_response\", \"rejected\", \"closed\"]",
        "attempt": "Optional[int]",
        "pbx": "Optional[PbxInfo]",
        "reason": "Optional[str]",
        "retry_in": "Optional[float]",
        "code": "Optional[ResultCode]",
    ],
    repr: &["name", "attempt", "pbx", "reason", "retry_in", "code"],
}
    #[getter]
    fn name(&self) -> &'static str {
        self.0.name()
    }

    /// `connecting`: the attempt number, 1 for the first.
    #[getter]
    fn attempt(&self) -> Option<u32> {
        match self.0 {
            CoreLinkState::Connecting { attempt } => Some(attempt),
            _ => None,
        }
    }

    /// `operational`: what the PBX said about itself.
    #[getter]
    fn pbx(&self) -> Option<PbxInfo> {
        match &self.0 {
            CoreLinkState::Operational(info) => Some(PbxInfo(info.clone())),
            _ => None,
        }
    }

    /// `no_response` and `rejected`: why.
    #[getter]
    fn reason(&self) -> Option<&str> {
        match &self.0 {
            CoreLinkState::NoResponse { reason, .. } | CoreLinkState::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// `no_response`: seconds until the next attempt.
    #[getter]
    fn retry_in(&self) -> Option<f64> {
        match self.0 {
            CoreLinkState::NoResponse { retry_in, .. } => Some(retry_in.as_secs_f64()),
            _ => None,
        }
    }

    /// `rejected`: the PBX's result code, when the PBX gave one.
    #[getter]
    fn code<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            CoreLinkState::Rejected { code, .. } => code.to_py(py),
            _ => Ok(py.None().into_bound(py)),
        }
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }
);

/// What the PBX said about itself and the event request when the link came up.
#[pyclass(frozen, module = "devlink3")]
pub struct PbxInfo(pub(crate) CorePbx);

impl PbxInfo {
    fn data(&self) -> &CorePbx {
        &self.0
    }
}

py_record!(PbxInfo {
    fields: [pbx_type, variant, accepted_flags, rejected_flags, encrypted],
    methods: [],
    computed: [],
    repr: &["pbx_type", "variant", "accepted_flags", "rejected_flags", "encrypted"],
});

/// Events that never reached the application: `count` of them, for `reason`
/// (`COUNTER_GAP`: the PBX did not send them; `SLOW_CONSUMER`: they arrived faster than
/// they were taken and the oldest were dropped).
#[pyclass(frozen, module = "devlink3")]
pub struct Missed {
    count: u64,
    reason: MissedReason,
}

impl Missed {
    fn data(&self) -> &Self {
        self
    }
}

py_record!(Missed { fields: [count, reason], methods: [], computed: [], repr: &["count", "reason"] });

/// One user of the PBX, from `nasystem/user_list`.
#[pyclass(frozen, module = "devlink3")]
pub struct User(UserEntry);

impl User {
    fn data(&self) -> &UserEntry {
        &self.0
    }
}

py_record!(User {
    fields: [fields],
    methods: [name, extension, full_name],
    computed: [],
    repr: &["name", "extension", "full_name"],
});

impl From<UserEntry> for User {
    fn from(entry: UserEntry) -> Self {
        User(entry)
    }
}

/// An event as its Python object.
pub(crate) fn to_py(py: Python<'_>, event: Event) -> PyResult<Py<PyAny>> {
    fn new<T: pyo3::PyClass + Into<PyClassInitializer<T>>>(py: Python<'_>, value: T) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, value)?.into_any())
    }
    match event {
        Event::Delta3 { origin, record } => match record.get() {
            Delta3View::Detail(_) => new(py, Detail { origin, record }),
            Delta3View::CallLost(_) => new(py, CallLost { origin, record }),
            Delta3View::LinkLost(_) => new(py, LinkLost { origin, record }),
            Delta3View::AttemptReject(_) => new(py, AttemptReject { origin, record }),
        },
        Event::Delta2 { origin, record } => new(py, Delta2 { origin, record }),
        Event::SipTrack { origin, record } => new(py, SipTrack { origin, record }),
        Event::CmExtn { origin, record } => new(py, CmExtn { origin, record }),
        Event::CmExtnState { origin, record } => new(py, CmExtnState { origin, record }),
        Event::Unparsed { origin, tag, text, error } => new(py, Unparsed { origin, tag, text, error }),
        Event::LinkState(state) => new(py, LinkState(state)),
        Event::Missed { count, reason } => new(py, Missed { count, reason }),
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Origin>()?;
    m.add_class::<Detail>()?;
    m.add_class::<Call>()?;
    m.add_class::<Party>()?;
    m.add_class::<Target>()?;
    m.add_class::<CallLost>()?;
    m.add_class::<LinkLost>()?;
    m.add_class::<AttemptReject>()?;
    m.add_class::<Delta2>()?;
    m.add_class::<SipTrack>()?;
    m.add_class::<CmExtn>()?;
    m.add_class::<CmExtnState>()?;
    m.add_class::<Unparsed>()?;
    m.add_class::<LinkState>()?;
    m.add_class::<PbxInfo>()?;
    m.add_class::<Missed>()?;
    m.add_class::<User>()
}

// ---------------------------------------------------------------------------------------
// Documents: each event class gives the core's document of the event it was made from,
// each section its part of it.

impl AsDocument for Origin {
    fn document(&self, raw: bool) -> Option<Value> {
        section_document(&self.0, raw)
    }
}

macro_rules! delta3_document {
    ($($class:ident),*) => {$(
        impl AsDocument for $class {
            fn document(&self, raw: bool) -> Option<Value> {
                event_document(&Event::Delta3 { origin: self.origin, record: self.record.clone() }, raw)
            }
        }
    )*};
}

delta3_document!(Detail, CallLost, LinkLost, AttemptReject);

impl AsDocument for PbxInfo {
    fn document(&self, raw: bool) -> Option<Value> {
        section_document(self.data(), raw)
    }
}

/// A Delta3 section's part of the document: its fields decoded, as the core serializes them.
macro_rules! section_document {
    ($($class:ident),*) => {$(
        impl AsDocument for $class {
            fn document(&self, raw: bool) -> Option<Value> {
                section_document(&self.data().decode(), raw)
            }
        }
    )*};
}

section_document!(Call, Party, Target);

macro_rules! boxed_document {
    ($($class:ident),*) => {$(
        impl AsDocument for $class {
            fn document(&self, raw: bool) -> Option<Value> {
                event_document(&Event::$class { origin: self.origin, record: self.record.clone() }, raw)
            }
        }
    )*};
}

boxed_document!(Delta2, SipTrack, CmExtn, CmExtnState);

impl AsDocument for Unparsed {
    fn document(&self, raw: bool) -> Option<Value> {
        let event =
            Event::Unparsed { origin: self.origin, tag: self.tag, text: self.text.clone(), error: self.error.clone() };
        event_document(&event, raw)
    }
}

impl AsDocument for LinkState {
    fn document(&self, raw: bool) -> Option<Value> {
        event_document(&Event::LinkState(self.0.clone()), raw)
    }
}

impl AsDocument for Missed {
    fn document(&self, raw: bool) -> Option<Value> {
        event_document(&Event::Missed { count: self.count, reason: self.reason }, raw)
    }
}

impl AsDocument for User {}

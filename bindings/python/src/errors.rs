//! Rust failures as the Python exception hierarchy of `devlink3._errors`.
//!
//! The classes are plain Python (readable, documented, picklable); this module only decides
//! which one fits and attaches the PBX's result code.

use devlink3_core::client::{ConfigError, Error};
use devlink3_core::wire::ResultCode;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::events::ToPy;

/// A core error as the matching Python exception.
pub(crate) fn error(err: Error) -> PyErr {
    let class = match &err {
        Error::Config(_) | Error::BlockingOnRuntime(_) => "ConfigError",
        Error::Refused { code, .. } => refusal(Some(*code)),
        Error::PlainOnCleartext => "Refused",
        Error::ReadFile { .. } => "ReadFileError",
        Error::Timeout(_) => "Timeout",
        Error::NotOperational(_) => "NotOperational",
        Error::Closed => "LinkClosed",
        _ => "DevlinkError",
    };
    exception(class, &err.to_string(), err.code())
}

/// The exception for a link the PBX refused for good (`LinkState.name == "rejected"`).
pub(crate) fn rejected(code: Option<ResultCode>, reason: &str) -> PyErr {
    exception(refusal(code), reason, code)
}

/// An invalid argument `option`, and why.
pub(crate) fn config(option: &str, reason: impl Into<String>) -> PyErr {
    error(ConfigError::option(option, reason).into())
}

/// The class for a refusal: the two that an application must handle by itself (fix the
/// credentials, buy the licence) have their own.
fn refusal(code: Option<ResultCode>) -> &'static str {
    match code {
        Some(ResultCode::AuthenticationFailed | ResultCode::StreamAuthenticationFailed) => "AuthenticationFailed",
        Some(ResultCode::LicenceMissing | ResultCode::InsufficientLicence) => "LicenceMissing",
        _ => "Refused",
    }
}

/// `devlink3._errors.<class>(message, code=code)`.
fn exception(class: &str, message: &str, code: Option<ResultCode>) -> PyErr {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let module = MODULE.get_or_try_init(py, || py.import("devlink3._errors").map(Bound::unbind))?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("code", code.to_py(py)?)?;
            let instance = module.bind(py).getattr(class)?.call((message,), Some(&kwargs))?;
            Ok(PyErr::from_value(instance))
        };
        build().unwrap_or_else(|failure| failure)
    })
}

//! Core errors as JS `Error`s with a stable `code` and, when the PBX refused something,
//! its numeric `pbxCode`. `lib/errors.js` turns them into `DevLink3Error`s.

use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, JsValue};

use devlink3_core::client::Error;
use devlink3_core::wire::ResultCode;

/// The `code` of a PBX result: the specification's name, or `fallback` for an unnamed one.
fn code_name(code: Option<ResultCode>, fallback: &'static str) -> &'static str {
    code.and_then(ResultCode::name).unwrap_or(fallback)
}

/// The `code` of a core error.
fn error_code(error: &Error) -> &'static str {
    match error {
        Error::Config(_) | Error::BlockingOnRuntime(_) => "INVALID_CONFIG",
        Error::Refused { code, .. } => code_name(Some(*code), "REFUSED"),
        Error::PlainOnCleartext => "PLAIN_ON_CLEARTEXT",
        Error::ReadFile { code, .. } => code_name(Some(*code), "READ_FILE_FAILED"),
        Error::Timeout(_) => "TIMEOUT",
        Error::NotOperational(_) => "NOT_OPERATIONAL",
        Error::Closed => "CLOSED",
        _ => "DEVLINK3_ERROR",
    }
}

/// A JS error for `error`, to throw or to reject a promise with. Call on the JS thread.
pub(crate) fn to_js(env: &Env, error: &Error) -> napi::Error {
    build(env, error).unwrap_or_else(|failed| failed)
}

fn build(env: &Env, error: &Error) -> napi::Result<napi::Error> {
    let mut object = env.create_error(napi::Error::from_reason(error.to_string()))?;
    object.set_named_property("code", error_code(error))?;
    if let Some(code) = error.code() {
        object.set_named_property("pbxCode", code.raw())?;
    }
    Ok(napi::Error::from(object.to_unknown()))
}

//! Promises settled from devlink3's own runtime.
//!
//! napi-rs can run `async fn`s on a tokio runtime of its own (feature `tokio_rt`), which
//! would double the runtime threads of the process. Instead, futures run on the core's
//! process-wide runtime and settle a deferred promise; blocking calls (close, stop) run on
//! libuv's thread pool as `AsyncTask`s. Neither holds a thread while waiting on the network.

use std::future::Future;

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, Result};

use devlink3_core::client::Error;
use devlink3_core::runtime;

use crate::errors;

/// Runs `work` on the devlink3 runtime; the promise resolves with `to_js` of its value
/// (made on the JS thread) or rejects with its error.
pub(crate) fn spawn<V, D>(
    env: &Env,
    work: impl Future<Output = std::result::Result<V, Error>> + Send + 'static,
    to_js: fn(V) -> D,
) -> Result<Object<'_>>
where
    V: Send + 'static,
    D: ToNapiValue + 'static,
{
    let (deferred, promise) = env.create_deferred()?;
    runtime::handle().spawn(async move {
        let outcome = work.await;
        deferred.resolve(move |env| outcome.map(to_js).map_err(|error| errors::to_js(&env, &error)));
    });
    Ok(promise)
}

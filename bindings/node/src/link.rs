//! `NativeLink`: one core [`Client`] with its delivery thread. `lib/link.js` wraps it in
//! the public `Link` (EventEmitter, async iterator, `DevLink3Error`s).

use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Buffer, Object};
use napi::{Env, Result, Task};
use napi_derive::napi;

use devlink3_core::client::{Client, ClientConfig, Error};
use devlink3_core::files::{USER_LIST, UserEntry, parse_user_list};

use crate::errors;
use crate::options::ConnectOptions;
use crate::promise;
use crate::pump::{LoopHold, OnBatch, Pump};

/// A line of the PBX's `nasystem/user_list`.
#[napi(object)]
pub struct User {
    pub name: String,
    pub extension: String,
    /// Often empty.
    pub full_name: String,
    /// Every comma-separated field of the line; further columns vary by release.
    pub fields: Vec<String>,
}

impl From<UserEntry> for User {
    fn from(entry: UserEntry) -> Self {
        User {
            name: entry.name().to_owned(),
            extension: entry.extension().to_owned(),
            full_name: entry.full_name().to_owned(),
            fields: entry.fields,
        }
    }
}

/// A link to an IP Office. Internal: use `connect()`.
#[napi]
pub struct NativeLink {
    client: Arc<Client>,
    /// `None` once closed.
    pump: Option<Pump>,
    /// For `ref`/`unref`; released on close.
    hold: Option<LoopHold>,
}

#[napi]
impl NativeLink {
    /// Starts the link; `onBatch` receives its events, encoded for `lib/decode.js`.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        options: ConnectOptions,
        #[napi(ts_arg_type = "(numbers: Uint32Array, texts: string[], calls: string | null) => void")]
        on_batch: OnBatch<'_>,
    ) -> Result<Self> {
        let config = ClientConfig::try_from(options).map_err(|error| errors::to_js(&env, &error))?;
        let client = Arc::new(Client::connect(config).map_err(|error| errors::to_js(&env, &error))?);
        let (pump, hold) = Pump::start(&client, on_batch)?;
        Ok(NativeLink { client, pump: Some(pump), hold: Some(hold) })
    }

    /// Closes the link. Resolves once the connection is closed and no batch will follow.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&mut self) -> AsyncTask<Close> {
        self.hold = None;
        AsyncTask::new(Close { client: self.client.clone(), pump: self.pump.take() })
    }

    /// Asks the PBX for records now (idempotent): called when the first record listener or
    /// iterator appears, so that no record arrives before something takes it.
    #[napi]
    pub fn subscribe(&self, env: Env) -> Result<()> {
        self.client.subscribe(None).map_err(|error| errors::to_js(&env, &error))
    }

    /// Starts the call model: from the next batch on, `onBatch` also receives the call
    /// events (JSON). Idempotent.
    #[napi]
    pub fn track_calls(&self) {
        if let Some(pump) = &self.pump {
            pump.track_calls();
        }
    }

    /// The call model's state now, as JSON (`{"calls": [...], "extensions": {...}}`).
    #[napi]
    pub fn call_snapshot(&self) -> String {
        self.pump.as_ref().map_or_else(|| r#"{"calls":[],"extensions":{}}"#.to_owned(), Pump::call_snapshot)
    }

    /// Holds delivery (and lets the core's queue take the backlog) or resumes it.
    #[napi]
    pub fn pause(&self, paused: bool) {
        if let Some(pump) = &self.pump {
            pump.pause(paused);
        }
    }

    /// Makes the open link keep the process alive (the default).
    #[napi(js_name = "ref")]
    pub fn hold(&self, env: Env) -> Result<()> {
        self.hold.as_ref().map_or(Ok(()), |hold| hold.set(&env, true))
    }

    /// Lets the process exit while the link is open.
    #[napi]
    pub fn unref(&self, env: Env) -> Result<()> {
        self.hold.as_ref().map_or(Ok(()), |hold| hold.set(&env, false))
    }

    /// Reads a PBX pseudo-file while events keep flowing.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn read_file<'env>(&self, env: &'env Env, name: String) -> Result<Object<'env>> {
        let read = self.read(name);
        promise::spawn(env, read, Buffer::from)
    }

    /// The PBX's users, from `nasystem/user_list`.
    #[napi(ts_return_type = "Promise<Array<User>>")]
    pub fn users<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let read = self.read(USER_LIST.to_owned());
        promise::spawn(env, read, |contents| parse_user_list(&contents).into_iter().map(User::from).collect::<Vec<_>>())
    }
}

impl NativeLink {
    /// Reads a file (the core gives up after the response timeout).
    fn read(&self, name: String) -> impl Future<Output = std::result::Result<Vec<u8>, Error>> + Send + 'static {
        let client = self.client.clone();
        async move { client.read_file_async(&name).await }
    }
}

impl Drop for NativeLink {
    /// Collected without `close()` (at environment teardown): stop delivery, then close.
    fn drop(&mut self) {
        if let Some(pump) = self.pump.take() {
            pump.stop();
            self.client.close();
        }
    }
}

/// `close()` off the JS thread: closing waits for the connection and the dispatcher.
pub struct Close {
    client: Arc<Client>,
    pump: Option<Pump>,
}

impl Task for Close {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        // Delivery first: the close waits for the dispatcher, whose batch handler may be
        // waiting for JS.
        if let Some(pump) = &self.pump {
            pump.stop();
        }
        self.client.close();
        Ok(())
    }

    fn resolve(&mut self, _: Env, _: ()) -> Result<()> {
        Ok(())
    }
}

//! Call flows written by users, played by the simulator: "an inbound call from X rings hunt
//! group 200, 4001 answers, transfers to 4002", to test a screen-pop without a PBX.
//!
//! A script is JSON: a list of calls (or `{"calls": [...]}`), each
//!
//! ```json
//! {"at": 1.0, "from": "01632960123", "to": "200", "steps": [
//!     {"after": 4, "action": "answer", "extension": "4001"},
//!     {"after": 20, "action": "transfer", "extension": "4002"},
//!     {"after": 3, "action": "answer"},
//!     {"after": 30, "action": "hangup"}]}
//! ```
//!
//! `at`: seconds after the simulator starts. `from`: an extension of the simulator (a local
//! phone) or an outside number (an inbound trunk call). `to`: an extension, a hunt group
//! (inbound calls), or an outside number (an outbound call from an extension). `after`:
//! seconds after the previous step (default 1). Actions: `answer` (by `extension`, else
//! whoever rings), `hold`, `retrieve`, `transfer` (to `extension`), `park`, `unpark` (by
//! `extension`), `conference`, `voicemail`, `busy` (first step of an internal call), `fail`
//! (first step of an outbound call), `hangup`. A call that does not hang up does so 5 s
//! after its last step. The simulator checks a script when it starts and names the call and
//! step of every mistake.

/// One call of a script.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedCall {
    /// Seconds after the simulator starts.
    #[serde(default)]
    pub at: f64,
    /// An extension of the simulator, or an outside number (an inbound trunk call).
    pub from: String,
    /// An extension, a hunt group (inbound), or an outside number (outbound).
    pub to: String,
    #[serde(default)]
    pub steps: Vec<ScriptStep>,
}

/// One step of a scripted call.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptStep {
    /// Seconds after the previous step.
    #[serde(default = "one_second")]
    pub after: f64,
    pub action: ScriptAction,
    /// Who acts: who answers, the transfer target, who unparks.
    #[serde(default)]
    pub extension: Option<String>,
}

fn one_second() -> f64 {
    1.0
}

/// What happens in a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptAction {
    Answer,
    Hold,
    Retrieve,
    Transfer,
    Park,
    Unpark,
    Conference,
    Voicemail,
    Busy,
    Fail,
    Hangup,
}

/// Parses a script: a JSON list of calls, or an object with a `calls` list.
pub fn parse_script(text: &str) -> Result<Vec<ScriptedCall>, String> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Script {
        List(Vec<ScriptedCall>),
        Object { calls: Vec<ScriptedCall> },
    }
    // Parsed twice on error: the untagged enum's own message says only that nothing matched.
    match serde_json::from_str::<Script>(text) {
        Ok(Script::List(calls) | Script::Object { calls }) => Ok(calls),
        Err(_) => {
            let detail = match serde_json::from_str::<serde_json::Value>(text) {
                Err(e) => e.to_string(),
                Ok(serde_json::Value::Array(_)) => {
                    serde_json::from_str::<Vec<ScriptedCall>>(text).err().map(|e| e.to_string()).unwrap_or_default()
                }
                Ok(serde_json::Value::Object(map)) if map.contains_key("calls") => {
                    serde_json::from_value::<Vec<ScriptedCall>>(map["calls"].clone())
                        .err()
                        .map(|e| format!("in \"calls\": {e}"))
                        .unwrap_or_default()
                }
                Ok(_) => "expected a list of calls or {\"calls\": [...]}".to_owned(),
            };
            Err(format!("the call script is not valid: {detail}"))
        }
    }
}

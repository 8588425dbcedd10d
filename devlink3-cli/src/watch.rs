//! `devlink3 watch`: a live board of calls and extensions, drawn with plain ANSI escapes so
//! that it works in any terminal and over ssh (no terminal library, no raw mode).

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use devlink3_core::calls::{Call, CallState, CallStream, CallTracker, Direction, ExtensionState, unix_now};

use crate::{WatchArgs, open, report_link};

pub(crate) fn run(args: WatchArgs) -> Result<ExitCode, String> {
    let tracker = args.tracker.config()?;
    let session = open(args.link, &args.flags)?;
    let every = Duration::from_secs_f64(args.every.max(0.05));
    let deadline = args.duration.map(|s| Instant::now() + Duration::from_secs_f64(s));
    let color = io::stdout().is_terminal();
    let mut stream = CallStream::new(&session.client, tracker);
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(code) = report_link(&session.client) {
            return Ok(code);
        }
        if stream.next(Some(every)).map_err(|e| e.to_string())?.is_some() {
            dirty = true;
        }
        if dirty && last_draw.is_none_or(|t| t.elapsed() >= every) {
            let frame = render(stream.tracker(), &session.client.state().to_string(), color);
            let mut out = io::stdout().lock();
            if out.write_all(frame.as_bytes()).and_then(|()| out.flush()).is_err() {
                return Ok(ExitCode::SUCCESS);
            }
            last_draw = Some(Instant::now());
            dirty = false;
        }
    }
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
}

fn state_color(state: CallState) -> &'static str {
    match state {
        CallState::Connected => "32",
        CallState::Ringing | CallState::Queued => "33",
        CallState::Held | CallState::Parked => "34",
        CallState::Voicemail => "35",
        CallState::Dialling | CallState::Ended => "2",
    }
}

fn extension_color(state: ExtensionState) -> &'static str {
    match state {
        ExtensionState::Talking => "32",
        ExtensionState::Ringing => "33",
        ExtensionState::Held => "34",
        ExtensionState::Dialling => "36",
        ExtensionState::Idle => "2",
    }
}

fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// One frame: the calls in progress (oldest first) and every extension seen.
fn render(tracker: &CallTracker, link: &str, color: bool) -> String {
    let now = unix_now();
    let mut calls: Vec<&Call> = tracker.calls().collect();
    calls.sort_by(|a, b| a.started_at.total_cmp(&b.started_at).then(a.id.cmp(&b.id)));
    let mut frame = String::from(if color { "\x1b[H\x1b[2J" } else { "\n" });
    let _ = writeln!(frame, "devlink3 watch  {link}  {} calls in progress", calls.len());
    let _ = writeln!(frame);
    let _ = writeln!(
        frame,
        "{:<9} {:<10} {:<16} {:<16} {:<20} {:>6}",
        "DIR", "STATE", "CALLER", "CALLED", "RINGING / ANSWERED", "SECS"
    );
    for call in &calls {
        let direction = match call.direction {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Internal => "internal",
        };
        let who =
            if call.ringing.is_empty() { call.answered_by.clone().unwrap_or_default() } else { call.ringing.join(",") };
        let state = format!("{:<10}", name(&call.state));
        let _ = writeln!(
            frame,
            "{direction:<9} {} {:<16} {:<16} {:<20} {:>6.0}{}",
            paint(&state, state_color(call.state), color),
            clip(&call.caller, 16),
            clip(&call.called, 16),
            clip(&who, 20),
            (now - call.started_at).max(0.0),
            if call.uncertain { "  ?" } else { "" },
        );
    }
    let _ = writeln!(frame);
    let _ = writeln!(frame, "EXTENSIONS");
    let mut line = String::new();
    for (i, (extension, state)) in tracker.extensions().iter().enumerate() {
        let cell = format!("{:<8} {:<9}", clip(extension, 8), name(state));
        line.push_str(&paint(&cell, extension_color(*state), color));
        line.push_str("  ");
        if i % 5 == 4 {
            let _ = writeln!(frame, "{}", line.trim_end());
            line.clear();
        }
    }
    if !line.is_empty() {
        let _ = writeln!(frame, "{}", line.trim_end());
    }
    frame
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
        clipped.push('…');
        clipped
    }
}

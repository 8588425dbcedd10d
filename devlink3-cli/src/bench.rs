//! `devlink3 bench`: the simulator blasts pre-built Detail events over loopback into a
//! client whose callback counts them. Prints events/s, MB/s, peak RSS and idle CPU.
//!
//! Everything runs in this one process, so the figures include the simulator's own work
//! (on its own thread, `devlink3-sim`, as a PBX would be another machine); they are a floor
//! for what a client alone achieves against a real IP Office.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use devlink3_core::client::{Client, ClientConfig, Event, LinkState};
use devlink3_core::wire::packet::encode_event;
use devlink3_sim::{ANSWERED_CALL_DETAIL, SimConfig, Simulator};

#[derive(Args)]
pub struct BenchArgs {
    /// Events to send
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Client queue capacity (the library's default)
    #[arg(long, default_value_t = 4096)]
    queue: usize,
}

pub fn run(args: BenchArgs) -> Result<ExitCode, String> {
    let sim = Simulator::start(SimConfig { rate: 0.0, ..SimConfig::default() }).map_err(|e| e.to_string())?;
    let (user, password) = SimConfig::default().users[0].clone();
    let mut config = ClientConfig::new(sim.target(), user, password);
    config.queue_capacity = args.queue;
    let client = Client::connect(config).map_err(|e| e.to_string())?;
    loop {
        match client.next_event(Some(Duration::from_secs(10))).map_err(|e| e.to_string())? {
            Some(Event::LinkState(LinkState::Operational(_))) => break,
            Some(Event::LinkState(state @ LinkState::Rejected { .. })) => return Err(state.to_string()),
            Some(_) => {}
            None => return Err("the client did not become operational within 10 s".into()),
        }
    }

    let received = Arc::new(AtomicU64::new(0));
    let missed = Arc::new(AtomicU64::new(0));
    let (r, m) = (received.clone(), missed.clone());
    client
        .set_handlers(move |h| {
            h.delta3 = Some(Box::new(move |_| {
                r.fetch_add(1, Ordering::Relaxed);
            }));
            h.missed = Some(Box::new(move |e| {
                if let Event::Missed { count, .. } = e {
                    m.fetch_add(*count, Ordering::Relaxed);
                }
            }));
        })
        .map_err(|e| e.to_string())?;

    let mut frame = Vec::new();
    encode_event([192, 168, 42, 3].into(), 1, &mut frame, |t| t.delta3(ANSWERED_CALL_DETAIL).map(|_| ()))
        .map_err(|e| e.to_string())?;
    let frame_len = frame.len() as u64;

    let cpu_before = cpu_seconds();
    let start = Instant::now();
    sim.blast(args.events, ANSWERED_CALL_DETAIL);
    let deadline = start + Duration::from_secs(300);
    while received.load(Ordering::Relaxed) + missed.load(Ordering::Relaxed) < args.events {
        if Instant::now() > deadline {
            return Err(format!("only {} of {} events arrived", received.load(Ordering::Relaxed), args.events));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let busy_cpu = cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    let (got, lost) = (received.load(Ordering::Relaxed), missed.load(Ordering::Relaxed));

    // Idle: the link stays up with no events flowing.
    let idle_start = cpu_seconds();
    std::thread::sleep(Duration::from_secs(2));
    let idle_cpu = cpu_seconds().zip(idle_start).map(|(after, before)| (after - before) / 2.0 * 100.0);

    println!("events:     {got} received, {lost} missed, {} sent", args.events);
    println!("elapsed:    {elapsed:.3} s");
    println!("throughput: {:.0} events/s", args.events as f64 / elapsed);
    println!("bandwidth:  {:.1} MB/s ({frame_len} octets per frame)", (frame_len * args.events) as f64 / elapsed / 1e6);
    match busy_cpu {
        Some(cpu) => println!("cpu:        {cpu:.2} s ({:.0}% of one core, simulator included)", cpu / elapsed * 100.0),
        None => println!("cpu:        n/a"),
    }
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS:   {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS:   n/a"),
    }
    match idle_cpu {
        Some(pct) => println!("idle CPU:   {pct:.2}% (2 s with the link up, no events)"),
        None => println!("idle CPU:   n/a"),
    }
    client.close();
    Ok(ExitCode::SUCCESS)
}

/// Peak resident set size (Linux: VmHWM).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of this process (Linux: /proc/self/stat, 100 ticks/s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

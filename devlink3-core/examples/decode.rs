//! Decodes DevLink3 frames given as hex and prints what they carry.
//!
//! `cargo run -p devlink3-core --example decode -- 49004910300011...`

use devlink3_core::wire::{Deframer, EventTuple, Packet};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: decode <hex of one or more DevLink3 frames>...");
        std::process::exit(2);
    }
    let mut deframer = Deframer::new();
    for arg in &args {
        match hex(arg) {
            Ok(bytes) => deframer.feed(&bytes),
            Err(e) => fail(&format!("argument {arg:?}: {e}")),
        }
    }
    loop {
        match deframer.next_frame() {
            Ok(Some(payload)) => match Packet::decode(payload) {
                Ok(packet) => print_packet(&packet),
                Err(e) => fail(&format!("bad packet: {e}")),
            },
            Ok(None) => break,
            Err(e) => fail(&format!("bad frame: {e}")),
        }
    }
    if deframer.buffered() > 0 {
        fail(&format!("{} trailing octets do not make a whole frame", deframer.buffered()));
    }
}

fn print_packet(packet: &Packet<'_>) {
    let Packet::Event(event) = packet else {
        println!("{packet:?}");
        return;
    };
    println!("Event from {} #{}", event.pbx_ip, event.counter);
    for tuple in event.tuples.events() {
        match tuple {
            Ok(EventTuple::CallDelta3(text)) => println!("  Delta3: {text}"),
            Ok(EventTuple::CallDelta2(text)) => println!("  Delta2: {text}"),
            Ok(EventTuple::SipTrack(text)) => println!("  SIPTrack: {text}"),
            Ok(EventTuple::CmExtn(text)) => println!("  CMExtn: {text}"),
            Ok(EventTuple::CmExtnState { v, p1, p2, extension }) => {
                println!("  CMExtn state: v={v} p1={p1} p2={p2} {extension}")
            }
            Ok(EventTuple::Unknown { tag, data }) => println!("  unknown tuple 0x{tag:08X} ({} octets)", data.len()),
            Err(e) => println!("  bad tuple: {e}"),
        }
    }
}

fn hex(s: &str) -> Result<Vec<u8>, String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| e.to_string())).collect()
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1);
}

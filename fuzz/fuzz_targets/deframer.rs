//! A byte stream fed to a `Deframer` in pieces chosen by the input (one octet, small, large,
//! everything; `feed` or `spare`/`commit`), checked against a one-shot `decode_frame` loop over
//! the whole stream; every frame then goes through `Packet::decode` and its tuples.
//!
//! Input layout: 8 octets of split seed, then the stream.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (seed, stream) = data.split_at(8);
    let seed = u64::from_le_bytes(seed.try_into().unwrap());
    devlink3_fuzz::check_deframer(seed, stream);
});

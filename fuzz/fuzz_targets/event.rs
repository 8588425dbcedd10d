//! One frame payload: `Packet::decode`, every tuple of an Event, `Text::to_str`, and the
//! decode → encode → decode round trip.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    devlink3_fuzz::check_packet(data);
});

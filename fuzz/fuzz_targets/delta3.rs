//! `parse_delta3` on arbitrary UTF-8 (and its canonical text parsed again).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        devlink3_fuzz::check_delta3(text);
    }
});

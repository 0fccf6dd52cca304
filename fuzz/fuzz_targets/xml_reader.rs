//! Fuzzes the libvirt XML reader and writer with the invariants of
//! `crates/syntax/tests/support/round_trip.rs` (shared with the property
//! tests): no panic, spans inside the input, and the written form stable
//! except where `nwf_syntax::lossless` says the canonical XML cannot hold it.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/syntax/tests/support/round_trip.rs"]
#[allow(dead_code)]
mod round_trip;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        round_trip::check_xml(text);
    }
});

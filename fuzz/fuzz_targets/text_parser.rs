//! Fuzzes the `.nwf` text front end and printer with the invariants of
//! `crates/syntax/tests/support/round_trip.rs` (shared with the property
//! tests): no panic, spans inside the input on character boundaries, and
//! the canonical text of whatever was understood parses without errors and
//! prints to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/syntax/tests/support/round_trip.rs"]
#[allow(dead_code)]
mod round_trip;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        round_trip::check_text(text);
    }
});

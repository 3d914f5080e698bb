//! Any bytes into the PDF extractor: it must return (Ok or Err) without
//! panicking, overflowing the stack or running away. Under `cfg(fuzzing)` the
//! extractor's own `catch_unwind` is off, so panics reach the fuzzer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s54::extract::{Limits, pdf};
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed_bytes: 64 << 20,
        max_text_bytes: 4 << 20,
        max_time: Duration::from_secs(5),
        ..Limits::default()
    };
    let _ = pdf::extract(data, &limits);
});

//! Any bytes into the HTML extractor (and the sniffer): Ok or Err, never a
//! panic, a stack overflow or a runaway.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s54::extract::{Limits, html, sniff};
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_text_bytes: 4 << 20,
        max_time: Duration::from_secs(5),
        ..Limits::default()
    };
    let _ = sniff::sniff(data, "fuzz.html");
    if let Ok(x) = html::extract(data, &limits) {
        // Every block must be normalisable into a Document.
        for b in &x.blocks {
            let _ = s54::domain::normalise_block_text(&b.text);
        }
    }
    let _ = s54::extract::text::extract(data, &limits);
});

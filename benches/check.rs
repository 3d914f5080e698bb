//! Checker throughput: text statements scored per second on one core.
//! A plain timing loop (no harness) over the fixture statements written for
//! the tests, so it builds fast: `cargo bench --bench check`.

// The allocator the `s54` binary uses (src/main.rs), so figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use s54::extract::{Limits, extract};
use s54::rules::Rulebook;
use s54::score::{CheckOptions, assess};
use std::time::Instant;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/statements");
    let mut docs = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    for p in &paths {
        let bytes = std::fs::read(p).expect("fixture");
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        docs.push(extract(&bytes, &name, &Limits::default()).expect("extract"));
    }
    let rules = Rulebook::embedded().expect("rules");
    let opts = CheckOptions::default();
    // Warm up (lazy regex DFAs), then time.
    for d in &docs {
        std::hint::black_box(assess(d, &opts, &rules));
    }
    let rounds = 200;
    let start = Instant::now();
    let mut n = 0usize;
    for _ in 0..rounds {
        for d in &docs {
            std::hint::black_box(assess(d, &opts, &rules));
            n += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    println!(
        "checker: {n} statements in {secs:.2}s = {:.0} statements/s on one core (mean {:.0} bytes of text each)",
        n as f64 / secs,
        bytes as f64 / docs.len() as f64
    );
}

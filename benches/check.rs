//! Checker throughput: text statements scored per second on one core.
//! A plain timing loop (no harness), so it builds fast. Over the fixture
//! statements written for the tests: `cargo bench --bench check`; over
//! another directory of `.txt` statements (the labelled corpus):
//! `S54_BENCH_DIR=../shared/corpus/statements cargo bench --bench check`.

// The allocator the `s54` binary uses (src/main.rs), so figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use s54::extract::{Limits, extract};
use s54::rules::Rulebook;
use s54::score::{CheckOptions, assess};
use std::time::Instant;

fn main() {
    let dir = std::env::var_os("S54_BENCH_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/statements"),
        std::path::PathBuf::from,
    );
    let mut docs = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("statement directory")
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
    // Each round's rate too: this machine's speed drifts, and the median
    // of the rounds says more than the mean.
    let mut rates = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let round = Instant::now();
        for d in &docs {
            std::hint::black_box(assess(d, &opts, &rules));
            n += 1;
        }
        rates.push(docs.len() as f64 / round.elapsed().as_secs_f64());
    }
    let secs = start.elapsed().as_secs_f64();
    rates.sort_by(f64::total_cmp);
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    println!(
        "checker: {n} statements in {secs:.2}s = {:.0} statements/s on one core (median round {:.0}/s; mean {:.0} bytes of text each)",
        n as f64 / secs,
        rates[rates.len() / 2],
        bytes as f64 / docs.len().max(1) as f64
    );
}

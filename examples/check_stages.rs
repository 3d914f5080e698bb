//! Where the checker spends its time: each detector timed over a directory
//! of text statements (`cargo run --release --example check_stages -- DIR`).

// The allocator the `s54` binary uses (src/main.rs), so figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use s54::extract::{Limits, extract};
use s54::rules::Rulebook;
use s54::score::{CheckOptions, approval, areas, assess, entity, fy, group, sentences, signature};
use std::time::Instant;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/fixtures/statements".into());
    let mut docs = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    for p in &paths {
        let bytes = std::fs::read(p).expect("file");
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        docs.push(extract(&bytes, &name, &Limits::default()).expect("extract"));
    }
    let rules = Rulebook::embedded().expect("rules");
    let opts = CheckOptions::default();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let mut t = std::collections::BTreeMap::<&str, f64>::new();
    macro_rules! time {
        ($name:expr, $e:expr) => {{
            let s = Instant::now();
            let r = $e;
            *t.entry($name).or_default() += s.elapsed().as_secs_f64();
            r
        }};
    }
    let only_assess = std::env::var_os("ONLY_ASSESS").is_some();
    for _ in 0..rounds {
        for d in &docs {
            if only_assess {
                time!("assess(total)", assess(d, &opts, &rules));
                continue;
            }
            let sents = time!("sentences", sentences::split(d));
            time!("entity", entity::infer(d, &rules));
            time!("fy", fy::detect(&d.text));
            let appr = time!("approval", approval::detect(d, &sents, &rules));
            let spans: Vec<(usize, usize)> = appr.all.iter().map(|c| c.span).collect();
            time!("signature", signature::detect(d, &sents, &rules, &spans));
            time!("group", group::analyse(d, &opts.members));
            // One scan of each sentence serves every set.
            let hits = time!("sets(scan)", areas::scan(d, &sents, &rules));
            for &id in s54::rules::REQUIRED_SETS {
                let set = rules.set(id).expect("set");
                let name: &'static str = id;
                time!(name, areas::score_scanned(d, &sents, &hits, set, &rules));
            }
            time!("assess(total)", assess(d, &opts, &rules));
        }
    }
    let n = (rounds * docs.len()) as f64;
    let total = t["assess(total)"];
    println!(
        "{} docs × {rounds}: {:.0} statements/s",
        docs.len(),
        n / total
    );
    let mut v: Vec<_> = t.into_iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (k, s) in v {
        println!(
            "{k:20} {:8.3} ms/doc {:5.1}%",
            s / n * 1e3,
            s / total * 100.0
        );
    }
}

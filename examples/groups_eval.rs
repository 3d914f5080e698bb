//! Measures group detection on a labelled corpus (the layout of
//! `shared/corpus`): is_group precision/recall/F1, recall of the labelled
//! entities among those `detect` lists, member recall when the labelled
//! entities are given as `--members`, and false matches on generated
//! look-alikes of those names.
//!
//! `cargo run --example groups_eval -- ../shared/corpus`

use s54::extract::{self, Limits};
use s54::score::Member;
use s54::score::group::{self, normalise_name};
use serde_json::Value;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/corpus".into()),
    );
    let labels = std::fs::read_to_string(dir.join("labels.jsonl"))?;
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    let (mut ent_total, mut ent_found) = (0, 0);
    let (mut listed_total, mut listed_right) = (0, 0);
    let (mut mem_total, mut mem_named) = (0, 0);
    let (mut look_total, mut look_named) = (0, 0);
    let verbose = std::env::var_os("VERBOSE").is_some();
    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let label: Value = serde_json::from_str(line)?;
        let id = label["id"].as_str().unwrap_or("?");
        let Some(txt) = label["files"]["txt"].as_str() else {
            continue;
        };
        let bytes = std::fs::read(dir.join(txt))?;
        let doc = match extract::extract(&bytes, txt, &Limits::default()) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{id}: {e}");
                continue;
            }
        };
        let want = label["is_group"].as_bool().unwrap_or(false);
        let entities: Vec<String> = label["entities"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|e| e.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let members: Vec<Member> = entities
            .iter()
            .map(|n| Member {
                name: n.clone(),
                company_number: None,
            })
            .collect();
        let got = group::detect(&doc, &members);
        match (want, got.is_group) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fneg += 1,
            _ => {}
        }
        let found: Vec<String> = got.entities.iter().map(|e| normalise_name(e)).collect();
        let wanted: Vec<String> = entities.iter().map(|e| normalise_name(e)).collect();
        for (f, surface) in found.iter().zip(&got.entities) {
            listed_total += 1;
            let right = wanted.contains(f);
            listed_right += usize::from(right);
            if verbose && !right {
                println!("{id}: listed but not labelled: {surface}");
            }
        }
        for e in &entities {
            ent_total += 1;
            let hit = found.contains(&normalise_name(e));
            ent_found += usize::from(hit);
            if verbose && !hit {
                println!("{id}: entity not listed: {e}");
            }
        }
        for c in &got.coverage {
            mem_total += 1;
            mem_named += usize::from(c.named);
            if verbose && !c.named {
                println!("{id}: member not named: {}", c.name);
            }
        }
        if verbose && (want != got.is_group) {
            println!("{id}: is_group labelled {want}, detected {}", got.is_group);
        }
        if verbose {
            println!("{id}: entities {:?}", got.entities);
        }
        // Look-alikes: names one word away from a labelled entity.
        let looks: Vec<Member> = entities
            .iter()
            .flat_map(|e| look_alikes(e))
            .filter(|l| {
                !entities
                    .iter()
                    .any(|e| normalise_name(e) == normalise_name(l))
            })
            .map(|name| Member {
                name,
                company_number: None,
            })
            .collect();
        for c in group::detect(&doc, &looks).coverage {
            look_total += 1;
            if c.named {
                look_named += 1;
                println!(
                    "{id}: look-alike matched: {} ({:?})",
                    c.name,
                    c.evidence.first().map(|e| &e.quote)
                );
            }
        }
    }
    let p = ratio(tp, tp + fp);
    let r = ratio(tp, tp + fneg);
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    println!("is_group: tp {tp} fp {fp} fn {fneg}  precision {p:.3} recall {r:.3} F1 {f1:.3}");
    println!(
        "entities: {ent_found}/{ent_total} labelled entities listed (recall {:.3})",
        ratio(ent_found, ent_total)
    );
    println!(
        "entities: {listed_right}/{listed_total} listed entities are labelled (precision {:.3})",
        ratio(listed_right, listed_total)
    );
    println!(
        "members: {mem_named}/{mem_total} labelled entities named when given as --members (recall {:.3})",
        ratio(mem_named, mem_total)
    );
    println!("look-alikes: {look_named}/{look_total} matched (should be 0)");
    Ok(())
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Names close to `name` that are other organisations: a word added, the
/// legal form changed, the first two words swapped, a word dropped.
fn look_alikes(name: &str) -> Vec<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let mut out = Vec::new();
    if words.len() >= 2 {
        let (body, last) = words.split_at(words.len() - 1);
        out.push(format!("{} Services {}", body.join(" "), last[0]));
        out.push(format!("Northern {name}"));
        let other = if last[0].to_ascii_lowercase().starts_with("plc") {
            "Ltd"
        } else {
            "plc"
        };
        out.push(format!("{} {other}", body.join(" ")));
        let mut swapped = words.clone();
        swapped.swap(0, 1);
        out.push(swapped.join(" "));
    }
    if words.len() >= 3 {
        let mut dropped = words.clone();
        dropped.remove(1);
        out.push(dropped.join(" "));
    }
    out
}

//! Word-level recall of the HTML/Markdown extractors on the development
//! corpus: for each `statements/NNN.src` whose label says it is HTML-ish or
//! Markdown, extract it and count how many words of the reader's text
//! (`NNN.txt`) come out, and how many extra words (chrome, template syntax).
//!
//! `cargo run --release --example html_recall -- /work/shared/corpus`

use s54::domain::SourceKind;
use s54::extract::{Limits, html, sniff, text};
use std::collections::HashMap;

fn words(s: &str) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *m.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    m
}

fn main() -> anyhow::Result<()> {
    let corpus = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/work/shared/corpus".into());
    let labels = std::fs::read_to_string(format!("{corpus}/labels.jsonl"))?;
    let limits = Limits::default();
    let (mut hit_all, mut want_all, mut extra_all) = (0usize, 0usize, 0usize);
    println!(
        "id   {:<40} {:<5} {:>6}  {:>6}  {:>5}",
        "format", "as", "words", "recall", "extra"
    );
    for line in labels.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let id = v["id"].as_str().unwrap_or_default();
        let fmt = v["src_format"].as_str().unwrap_or_default();
        if v["kind"] != "web_source" {
            continue;
        }
        let src = std::fs::read(format!("{corpus}/statements/{id}.src"))?;
        let txt = std::fs::read_to_string(format!("{corpus}/statements/{id}.txt"))?;
        // The extractor `s54 check` would pick: sniffed from the bytes.
        let name = v["files"]["original_filename"].as_str().unwrap_or_default();
        let kind = sniff::sniff(&src, name);
        let x = match kind {
            Some(SourceKind::Html) => html::extract(&src, &limits)?,
            _ => text::extract(&src, &limits)?,
        };
        let kind = kind.map_or("?", SourceKind::as_str);
        let got: String = x
            .blocks
            .iter()
            .map(|b| b.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let (want, have) = (words(&txt), words(&got));
        let total: usize = want.values().sum();
        let hit: usize = want
            .iter()
            .map(|(w, n)| (*n).min(*have.get(w).unwrap_or(&0)))
            .sum();
        let extra: usize = have
            .iter()
            .map(|(w, n)| n.saturating_sub(*want.get(w).unwrap_or(&0)))
            .sum();
        println!(
            "{id}  {fmt:<40} {kind:<5} {total:>6}  {:>5.1}%  {extra:>5}",
            100.0 * hit as f64 / total.max(1) as f64
        );
        if std::env::var("SHOW_MISSES").is_ok_and(|v| v == id) {
            let missed: Vec<_> = want.keys().filter(|w| !have.contains_key(*w)).collect();
            println!("     missed: {missed:?}");
            if std::env::var("DUMP").is_ok() {
                for b in &x.blocks {
                    println!("     [{:?}] {}", b.kind, b.text);
                }
            }
        }
        hit_all += hit;
        want_all += total;
        extra_all += extra;
    }
    println!(
        "all  {:<40} {:<5} {want_all:>6}  {:>5.1}%  {extra_all:>5}",
        "",
        "",
        100.0 * hit_all as f64 / want_all.max(1) as f64
    );
    Ok(())
}

//! Times HTML extraction (release build):
//! `cargo run --release --example html_bench [FILE.html ...]`.
//! Without files it builds a ~50 KB statement page from the semantic
//! fixture (long header/menu, scripts, 60 content paragraphs, footer).

use s54::extract::{Limits, extract};
use std::time::Instant;

fn synthetic() -> Vec<u8> {
    let base = include_str!("../tests/fixtures/html/semantic.html");
    let menu: String = (0..120)
        .map(|i| format!("<li><a href=\"/section/{i}\">Section {i}</a></li>"))
        .collect();
    let paras: String = (0..60)
        .map(|i| {
            format!(
                "<h3>Step {i}</h3><p>During the year Example Widgets Ltd reviewed supplier {i} \
                 against its supplier code of conduct, visited its sites and checked the right \
                 to work of agency staff. Findings were reported to the Board.</p>"
            )
        })
        .collect();
    let script = format!("<script>{}</script>", "var x = 1; ".repeat(800));
    base.replace(
        "<ul>\n        <li><a href=\"/about\">",
        &format!("<ul>{menu}<li><a href=\"/about\">"),
    )
    .replace("<h2>Approval</h2>", &format!("{paras}<h2>Approval</h2>"))
    .replace("</head>", &format!("{script}</head>"))
    .into_bytes()
}

fn main() -> anyhow::Result<()> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let inputs: Vec<(String, Vec<u8>)> = if files.is_empty() {
        vec![("synthetic statement page".into(), synthetic())]
    } else {
        files
            .into_iter()
            .map(|f| Ok((f.clone(), std::fs::read(&f)?)))
            .collect::<anyhow::Result<_>>()?
    };
    let limits = Limits::default();
    for (name, bytes) in inputs {
        let runs = 300;
        let mut chars = 0;
        let t = Instant::now();
        for _ in 0..runs {
            chars = extract(&bytes, &name, &limits)?.char_len();
        }
        let per = t.elapsed() / runs;
        println!(
            "{name}: {} KB in, {chars} chars out, {per:?} per extraction",
            bytes.len() / 1024
        );
    }
    Ok(())
}

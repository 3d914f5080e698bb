//! `s54 eval`: precision, recall and F1 on labelled corpora.

use crate::eval::{EvalOptions, Split};
use std::path::Path;
use std::process::ExitCode;

pub fn run(
    corpus: &Path,
    json: bool,
    rules_dir: Option<&Path>,
    opts: EvalOptions,
) -> anyhow::Result<ExitCode> {
    let rules = match rules_dir {
        Some(dir) => crate::rules::Rulebook::from_dir(dir)?,
        None => crate::rules::Rulebook::embedded()?,
    };
    // The error names the corpus path itself.
    let eval = crate::eval::evaluate_all(corpus, &rules, &opts)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&eval.to_json())?);
    } else {
        print!("{}", eval.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

/// `--split tune|check`.
pub fn parse_split(s: &str) -> Result<Split, String> {
    s.parse()
}

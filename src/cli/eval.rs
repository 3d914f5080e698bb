//! `s54 eval`: precision, recall and F1 on a labelled corpus.

use std::path::Path;
use std::process::ExitCode;

pub fn run(corpus: &Path, json: bool, rules_dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let rules = match rules_dir {
        Some(dir) => crate::rules::Rulebook::from_dir(dir)?,
        None => crate::rules::Rulebook::embedded()?,
    };
    // The error names the corpus path itself.
    let report = crate::eval::evaluate(corpus, &rules)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

//! `s54 eval`: precision, recall and F1 on a labelled corpus.

use std::path::Path;
use std::process::ExitCode;

pub fn run(corpus: &Path) -> anyhow::Result<ExitCode> {
    let _ = corpus;
    anyhow::bail!("`s54 eval` is being built")
}

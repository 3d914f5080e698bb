//! `s54 demo`: bundled demo sites → import → crawl → score → serve.

use std::process::ExitCode;

pub fn run(addr: &str) -> anyhow::Result<ExitCode> {
    let _ = addr;
    anyhow::bail!("`s54 demo` is being built")
}

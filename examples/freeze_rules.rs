//! Compiles the embedded rules' pattern sets and writes them frozen to
//! `src/rules/frozen.bin` (or the path given), so that `s54` reads
//! them instead of compiling them at every start. Run it after changing
//! `rules/*.toml`: `cargo run --release --example freeze_rules`.

use s54::rules::Rulebook;

fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "src/rules/frozen.bin".into());
    let bytes = Rulebook::freeze_embedded()?;
    std::fs::write(&out, &bytes)?;
    println!("{out}: {} bytes", bytes.len());
    Ok(())
}

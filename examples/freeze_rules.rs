//! Compiles the embedded rules' pattern sets and writes them frozen to
//! `src/rules/frozen.bin` (or the path given), and the scorer's built-in
//! patterns to `builtin.bin` beside it, so that `s54` reads them instead of
//! compiling them at every start. Run it after changing `rules/*.toml` or a
//! built-in pattern: `cargo run --release --example freeze_rules`.

use s54::rules::Rulebook;

fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "src/rules/frozen.bin".into());
    let bytes = Rulebook::freeze_embedded()?;
    std::fs::write(&out, &bytes)?;
    println!("{out}: {} bytes", bytes.len());
    // The scorer's own patterns, beside it: each is recorded as it is built.
    s54::score::warm_up();
    let builtin = std::path::Path::new(&out).with_file_name("builtin.bin");
    let bytes = s54::rules::builtin::freeze()?;
    std::fs::write(&builtin, &bytes)?;
    println!("{}: {} bytes", builtin.display(), bytes.len());
    Ok(())
}

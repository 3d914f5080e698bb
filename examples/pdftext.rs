//! Prints the text s54 extracts from a PDF, one block per paragraph (used to
//! compare speed and output with `pdftotext FILE -`; see BENCHMARKS.md).
//! Usage: cargo run --release --example pdftext -- FILE.pdf

use s54::extract::{Limits, pdf};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: pdftext FILE.pdf");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read '{path}': {e}");
            return ExitCode::from(1);
        }
    };
    match pdf::extract(&bytes, &Limits::default()) {
        Ok(ex) => {
            let mut out = std::io::stdout().lock();
            for b in &ex.blocks {
                if std::env::var_os("PDFTEXT_KINDS").is_some() {
                    let _ = write!(out, "[{:?}] ", b.kind);
                }
                let _ = writeln!(out, "{}\n", b.text);
            }
            for n in &ex.notes {
                eprintln!("note: {n}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::from(1)
        }
    }
}

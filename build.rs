//! Links the `s54` binary at a fixed address (not position-independent).
//! A position-independent binary is relocated at every start: 46,000
//! relocations that write ~850 KB of pages, about 430 of a one-shot
//! `s54 check`'s page faults (BENCHMARKS.md, "Whole-process `s54 check`").
//! Libraries and tests are unaffected.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let gnu = std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if linux && gnu {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

//! With the default `ocr` feature, links the system Tesseract library and
//! stops the build with a clear message when it is missing.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_OCR").is_none() {
        return;
    }
    let found = std::process::Command::new("pkg-config")
        .args(["--exists", "--atleast-version=4.1", "tesseract"])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        println!(
            "cargo::error=OCR needs the Tesseract library (4.1 or later) and pkg-config: \
             on Debian `apt-get install pkg-config libtesseract-dev tesseract-ocr-eng`; \
             or build without OCR: `cargo build --no-default-features`"
        );
        return;
    }
    println!("cargo::rustc-link-lib=tesseract");
}

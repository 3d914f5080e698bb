//! Bytes into the DOCX extractor. Random mutations of a zip rarely survive
//! its CRC checks, so half the inputs are wrapped: the first byte picks
//! "raw zip" or "these bytes are word/document.xml in a valid zip", which
//! reaches the XML reader directly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s54::extract::{Limits, docx};
use std::io::Write;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed_bytes: 64 << 20,
        max_text_bytes: 4 << 20,
        max_time: Duration::from_secs(5),
        ..Limits::default()
    };
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let _ = docx::extract(rest, &limits);
        return;
    }
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored);
    let part = if mode % 4 == 1 { "word/document.xml" } else { "word/styles.xml" };
    if w.start_file(part, opts).is_err() || w.write_all(rest).is_err() {
        return;
    }
    if part == "word/styles.xml" {
        // Give the styles something to apply to.
        let doc = br#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>"#;
        if w.start_file("word/document.xml", opts).is_err() || w.write_all(doc).is_err() {
            return;
        }
    }
    if let Ok(cursor) = w.finish() {
        let _ = docx::extract(&cursor.into_inner(), &limits);
    }
});

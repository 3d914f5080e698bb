//! Format sniffing from magic bytes and content.

use crate::domain::SourceKind;

/// Decides the format from the bytes. `name` breaks ties only between HTML
/// and text when the content is ambiguous.
pub fn sniff(bytes: &[u8], name: &str) -> Option<SourceKind> {
    let head = &bytes[..bytes.len().min(1024)];
    // PDF: "%PDF-" may be preceded by junk within the first 1024 bytes.
    if find(head, b"%PDF-").is_some() {
        return Some(SourceKind::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        // A zip: DOCX when it has word/document.xml. Other zips are unknown.
        return if find(bytes, b"word/").is_some() {
            Some(SourceKind::Docx)
        } else {
            None
        };
    }
    let lower: Vec<u8> = head
        .iter()
        .filter(|b| **b != 0)
        .take(1024)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let markers: [&[u8]; 8] = [
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<body",
        b"<meta",
        b"<div",
        b"<p>",
        b"<title",
    ];
    if markers.iter().any(|m| find(&lower, m).is_some()) {
        return Some(SourceKind::Html);
    }
    let n = name.to_ascii_lowercase();
    if (n.ends_with(".html") || n.ends_with(".htm")) && lower.contains(&b'<') {
        return Some(SourceKind::Html);
    }
    Some(SourceKind::Text)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_wins_over_name() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "a.html"), Some(SourceKind::Pdf));
        assert_eq!(
            sniff(b"<!DOCTYPE html><html></html>", "a.pdf"),
            Some(SourceKind::Html)
        );
        assert_eq!(sniff(b"Plain words.", "a.htm"), Some(SourceKind::Text));
        assert_eq!(sniff(b"PK\x03\x04other", "a.docx"), None);
    }
}

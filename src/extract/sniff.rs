//! Format sniffing from magic bytes and content; the file name only breaks
//! ties between HTML and text.

use crate::domain::SourceKind;

/// How much of the start of a file is looked at for markup.
const WINDOW: usize = 64 * 1024;

/// Decides the format from the bytes, or `None` for formats the checker does
/// not read (other zips, GIFs, legacy Office files, binary junk). PNG, JPEG
/// and TIFF images are read by OCR.
pub fn sniff(bytes: &[u8], name: &str) -> Option<SourceKind> {
    let head = &bytes[..bytes.len().min(1024)];
    // PDF: "%PDF-" may be preceded by junk within the first 1024 bytes.
    if find(head, b"%PDF-").is_some() {
        return Some(SourceKind::Pdf);
    }
    if super::ocr::image::format_of(bytes).is_some() {
        return Some(SourceKind::Image);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // A zip: DOCX when it has the Word main part. Entry names are stored
        // uncompressed in the local and central headers.
        return find(bytes, b"word/document").map(|_| SourceKind::Docx);
    }
    if is_ole(bytes) || is_binary_magic(bytes) {
        return None;
    }
    let text = head_text(&bytes[..bytes.len().min(WINDOW)]);
    if looks_binary(&text) {
        return None;
    }
    Some(markup_or_text(&text, name))
}

/// An OLE compound file: a legacy `.doc`, or an encrypted `.docx`.
pub fn is_ole(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

fn is_binary_magic(bytes: &[u8]) -> bool {
    const MAGIC: [&[u8]; 9] = [
        b"\x89PNG",
        b"\xFF\xD8\xFF",
        b"GIF87a",
        b"GIF89a",
        b"\x1F\x8B",
        b"Rar!",
        b"7z\xBC\xAF",
        b"\x7FELF",
        b"{\\rtf",
    ];
    MAGIC.iter().any(|m| bytes.starts_with(m))
}

/// The window decoded as text (BOMs and UTF-16 handled; invalid bytes mapped).
fn head_text(window: &[u8]) -> String {
    let mut s = super::text::decode(window).into_owned();
    // A cut in the middle of a multi-byte character leaves one U+FFFD: harmless.
    if s.starts_with('\u{feff}') {
        s.remove(0);
    }
    s
}

/// Mostly control characters: not a text format.
fn looks_binary(text: &str) -> bool {
    let total = text.chars().take(8192).count();
    let control = text
        .chars()
        .take(8192)
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1b'))
        .count();
    total > 0 && control * 10 > total
}

/// HTML when it starts like an HTML document, or when HTML tags outnumber
/// Markdown syntax; a text that merely mentions `<html>` stays text.
fn markup_or_text(text: &str, name: &str) -> SourceKind {
    let start = skip_prolog(text);
    let lower_start: String = start
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    const STRONG: [&str; 4] = ["<!doctype", "<html", "<head", "<body"];
    if STRONG.iter().any(|s| {
        lower_start.starts_with(s)
            && lower_start[s.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '>' || c == '/')
    }) {
        return SourceKind::Html;
    }
    let lower = text.to_ascii_lowercase();
    let tags = count_tags(&lower);
    let md = count_markdown(text);
    if tags >= 3 && tags >= md * 2 {
        return SourceKind::Html;
    }
    let n = name.to_ascii_lowercase();
    if (n.ends_with(".html") || n.ends_with(".htm") || n.ends_with(".xhtml")) && tags >= 1 {
        return SourceKind::Html;
    }
    SourceKind::Text
}

/// Skips whitespace, an XML declaration and comments at the start.
fn skip_prolog(text: &str) -> &str {
    let mut s = text.trim_start();
    loop {
        if let Some(rest) = s.strip_prefix("<?") {
            match rest.find("?>") {
                Some(p) => s = rest[p + 2..].trim_start(),
                None => return s,
            }
        } else if let Some(rest) = s.strip_prefix("<!--") {
            match rest.find("-->") {
                Some(p) => s = rest[p + 3..].trim_start(),
                None => return s,
            }
        } else {
            return s;
        }
    }
}

const TAGS: [&str; 30] = [
    "p", "div", "span", "a", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table",
    "tr", "td", "th", "strong", "em", "b", "i", "section", "article", "main", "header", "footer",
    "nav", "meta", "title",
];

/// Opening or closing tags of common HTML elements.
fn count_tags(lower: &str) -> usize {
    let bytes = lower.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while let Some(p) = lower[i..].find('<') {
        let at = i + p + 1;
        let rest = &bytes[at..];
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        let name_len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let after = rest.get(name_len).copied();
        if name_len > 0
            && matches!(after, Some(b'>' | b' ' | b'\n' | b'\t' | b'/' | b'\r'))
            && TAGS.iter().any(|t| t.as_bytes() == &rest[..name_len])
        {
            count += 1;
        }
        i = at;
    }
    count
}

/// Lines with Markdown structure: headings, bullets, links, emphasis.
fn count_markdown(text: &str) -> usize {
    text.lines()
        .map(str::trim_start)
        .filter(|l| {
            l.starts_with("# ")
                || l.starts_with("## ")
                || l.starts_with("### ")
                || l.starts_with("- ")
                || l.starts_with("* ")
                || l.starts_with("> ")
                || l.starts_with("|")
                || l.contains("](")
                || l.contains("**")
        })
        .count()
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

    #[test]
    fn html_behind_bom_comments_and_xml_prolog() {
        assert_eq!(
            sniff(
                b"\xEF\xBB\xBF\n  <!-- saved page -->\n<html><body>x</body></html>",
                "x"
            ),
            Some(SourceKind::Html)
        );
        assert_eq!(
            sniff(
                b"<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\">",
                "x"
            ),
            Some(SourceKind::Html)
        );
        let utf16: Vec<u8> = "<html><body><p>Hi</p></body></html>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(sniff(&utf16, "x"), Some(SourceKind::Html));
        // A fragment without <html>: tags dominate.
        assert_eq!(
            sniff(
                b"<h1>Statement</h1>\n<p>We train staff.</p>\n<p>Signed</p>",
                "x"
            ),
            Some(SourceKind::Html)
        );
    }

    #[test]
    fn prose_mentioning_html_stays_text() {
        assert_eq!(
            sniff(b"Our web team said the <html> tag was broken, so this is plain text.\n\nSecond para.", "s.txt"),
            Some(SourceKind::Text)
        );
        assert_eq!(
            sniff(
                b"# Statement\n\n- one\n- two\n\n<br>\n\n**Signed** [link](x)\n",
                "s.md"
            ),
            Some(SourceKind::Text)
        );
        // "<htmlfoo" is not an html tag.
        assert_eq!(sniff(b"<htmlish> notes", "x"), Some(SourceKind::Text));
    }

    #[test]
    fn zips_and_binaries() {
        assert_eq!(
            sniff(b"PK\x03\x04\x14\x00....word/document.xml....", "a.bin"),
            Some(SourceKind::Docx)
        );
        assert_eq!(
            sniff(
                b"PK\x03\x04....content.xml mimetypeapplication/vnd.oasis",
                "a.docx"
            ),
            None
        );
        assert_eq!(
            sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", "a.docx"),
            None
        );
        assert!(is_ole(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n", "a.txt"),
            Some(SourceKind::Image)
        );
        assert_eq!(sniff(b"II*\0\x08\0\0\0", "a.txt"), Some(SourceKind::Image));
        assert_eq!(sniff(b"GIF89a....", "a.txt"), None);
        assert_eq!(
            sniff(&[1u8, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x11, 0x12], "a.txt"),
            None
        );
    }
}

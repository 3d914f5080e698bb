//! Which encoding an HTML page is in, in the order a browser decides it:
//! byte-order mark, the HTTP `Content-Type` charset, a `<meta>` in the first
//! 1024 bytes, then UTF-8 when the bytes are valid UTF-8, else windows-1252
//! (the usual legacy encoding of UK sites; it maps every byte, so decoding
//! never fails).

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

/// Decodes an HTML page to text. Malformed sequences become U+FFFD.
pub fn decode<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
) -> (Cow<'a, str>, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text, enc);
    }
    let declared = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| meta_charset(&bytes[..bytes.len().min(1024)]));
    let enc = match declared {
        Some(enc) => enc,
        None if std::str::from_utf8(bytes).is_ok() => UTF_8,
        None => WINDOWS_1252,
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text, enc)
}

/// The `charset` parameter of a `Content-Type` value, e.g.
/// `text/html; charset="ISO-8859-1"` → `ISO-8859-1`.
pub fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// A simplified version of the HTML encoding pre-scan: finds `<meta ...>`
/// tags and reads `charset=` from them (this covers both `<meta charset=x>`
/// and `<meta http-equiv=Content-Type content="text/html; charset=x">`).
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at + 5;
        let end = lower[start..]
            .iter()
            .position(|b| *b == b'>')
            .map_or(lower.len(), |p| start + p);
        let tag = &lower[start..end];
        if let Some(p) = find(tag, b"charset") {
            let rest = &tag[p + 7..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let label: Vec<u8> = rest
                    .iter()
                    .copied()
                    .take_while(|b| !matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
                    .collect();
                if let Some(enc) = Encoding::for_label(&label) {
                    // A page cannot really be UTF-16 if its meta tag was
                    // readable as ASCII; browsers use UTF-8 then.
                    return Some(
                        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                            UTF_8
                        } else if enc == encoding_rs::X_USER_DEFINED {
                            WINDOWS_1252
                        } else {
                            enc
                        },
                    );
                }
            }
        }
        from = end;
    }
    None
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_of_precedence() {
        // BOM beats everything.
        let (t, e) = decode(
            b"\xEF\xBB\xBF<meta charset=windows-1252>caf\xC3\xA9",
            Some("text/html; charset=iso-8859-1"),
        );
        assert_eq!(e, UTF_8);
        assert!(t.ends_with("café"));
        // The header beats the meta tag.
        let (t, _) = decode(
            b"<meta charset=utf-8>caf\xE9",
            Some("text/html; charset=\"ISO-8859-1\""),
        );
        assert!(t.ends_with("café"));
        // http-equiv form.
        let (t, e) = decode(
            b"<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=windows-1252\">\x93hi\x94",
            None,
        );
        assert_eq!(e, WINDOWS_1252);
        assert!(t.ends_with("\u{201c}hi\u{201d}"));
        // No declaration: valid UTF-8, else windows-1252.
        assert_eq!(decode("£5".as_bytes(), None).0, "£5");
        assert_eq!(decode(b"\xA35", None).0, "£5");
        // A meta tag claiming UTF-16 on an ASCII-readable page means UTF-8.
        assert_eq!(decode(b"<meta charset=utf-16>ok", None).1, UTF_8);
        // Unknown labels are ignored.
        assert_eq!(decode(b"<meta charset=klingon>\xA3", None).1, WINDOWS_1252);
    }

    #[test]
    fn meta_after_1024_bytes_is_not_seen() {
        let mut page = vec![b' '; 1100];
        page.extend_from_slice(b"<meta charset=windows-1252>\xC3\xA9");
        assert_eq!(decode(&page, None).1, UTF_8);
    }

    #[test]
    fn charset_param_forms() {
        assert_eq!(
            charset_param("text/html;charset=UTF-8").as_deref(),
            Some("UTF-8")
        );
        assert_eq!(
            charset_param("text/html; CHARSET='latin1' ; x=y").as_deref(),
            Some("latin1")
        );
        assert_eq!(charset_param("text/html"), None);
        assert_eq!(charset_param("text/html; charset="), None);
    }
}

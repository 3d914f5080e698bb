//! Plain text and Markdown: UTF-8, UTF-16 (with a BOM, or recognisable by its
//! zero bytes), the charset an HTTP header declares, windows-1252 fallback.
//!
//! Markdown is reduced to what a reader sees: headings (`#` and underlined),
//! list items, table cells, paragraphs; emphasis, links, images, inline HTML,
//! comments and front matter are stripped. Plain text passes through the same
//! rules unharmed (they only fire on Markdown syntax), except that blank
//! signature lines of underscores are kept as they are.

use super::{ExtractError, Limits};
use crate::domain::{BlockKind, Extracted, RawBlock};
use encoding_rs::Encoding;
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Decodes bytes to text: BOM first (UTF-8, UTF-16LE/BE), then BOM-less
/// UTF-16, then strict UTF-8, then windows-1252 (which maps every byte, so
/// this never fails).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    decode_declared(bytes, None)
}

/// Like [`decode`], but a charset from an HTTP `Content-Type` header is
/// trusted after the BOM.
pub fn decode_declared<'a>(bytes: &'a [u8], declared: Option<&'static Encoding>) -> Cow<'a, str> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return text;
    }
    if let Some(enc) = declared.or_else(|| utf16_without_bom(bytes)) {
        let (text, _) = enc.decode_without_bom_handling(bytes);
        return text;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            text
        }
    }
}

/// UTF-16 without a byte-order mark, recognised by mostly-ASCII text having
/// a zero byte in every other position.
pub fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even_zero = head.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zero = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    if odd_zero * 10 >= pairs * 6 && even_zero * 20 <= pairs {
        Some(encoding_rs::UTF_16LE)
    } else if even_zero * 10 >= pairs * 6 && odd_zero * 20 <= pairs {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// Extracts text whose encoding is only known from its bytes.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    extract_with_content_type(bytes, None, limits)
}

/// Extracts text; `content_type` is the HTTP header, when there was one.
pub fn extract_with_content_type(
    bytes: &[u8],
    content_type: Option<&str>,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    let declared = content_type
        .and_then(super::html::charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()));
    let text = decode_declared(bytes, declared);
    if text.len() > limits.max_text_bytes {
        return Err(ExtractError::Limit(format!(
            "text is {} bytes, over the {}-byte limit",
            text.len(),
            limits.max_text_bytes
        )));
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let (title, body) = front_matter(&text);
    let body = strip_block_html(body);
    let mut blocks = Vec::new();
    if let Some(t) = title {
        blocks.push(RawBlock::new(BlockKind::Heading(1), t));
    }
    let mut para = String::new();
    let flush = |para: &mut String, blocks: &mut Vec<RawBlock>| {
        if !para.trim().is_empty() {
            blocks.push(RawBlock::new(BlockKind::Paragraph, inline(para.trim())));
        }
        para.clear();
    };
    let mut in_fence = false;
    for line in body.lines() {
        let t = line.trim();
        // A blockquote is still the statement's text.
        let t = t.trim_start_matches('>').trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            flush(&mut para, &mut blocks);
            continue;
        }
        if in_fence {
            if !t.is_empty() {
                blocks.push(RawBlock::new(BlockKind::Paragraph, t));
            }
            continue;
        }
        if t.is_empty() {
            flush(&mut para, &mut blocks);
            continue;
        }
        if let Some(level) = markdown_heading_level(t) {
            flush(&mut para, &mut blocks);
            let h = t
                .trim_start_matches('#')
                .trim()
                .trim_end_matches('#')
                .trim();
            blocks.push(RawBlock::new(BlockKind::Heading(level), inline(h)));
            continue;
        }
        if let Some(level) = setext_level(t) {
            // "Title\n=====": the paragraph so far was a one-line heading.
            if !para.is_empty() && !para.contains('\n') {
                let h = inline(para.trim());
                para.clear();
                blocks.push(RawBlock::new(BlockKind::Heading(level), h));
                continue;
            }
        }
        if is_rule(t) {
            flush(&mut para, &mut blocks);
            continue;
        }
        if REF_DEFINITION.is_match(t) {
            continue;
        }
        if let Some(cells) = table_row(t) {
            flush(&mut para, &mut blocks);
            for c in cells {
                blocks.push(RawBlock::new(BlockKind::TableCell, inline(c)));
            }
            continue;
        }
        if let Some(item) = list_item(t) {
            flush(&mut para, &mut blocks);
            blocks.push(RawBlock::new(BlockKind::ListItem, inline(item)));
            continue;
        }
        if !para.is_empty() {
            para.push('\n');
        }
        para.push_str(t);
    }
    flush(&mut para, &mut blocks);
    blocks.retain(|b| !b.text.trim().is_empty());
    Ok(Extracted {
        blocks,
        ..Default::default()
    })
}

/// Jekyll/Hugo front matter (`---` … `---` at the very top): dropped, but
/// its `title:` becomes the document's heading.
fn front_matter(text: &str) -> (Option<String>, &str) {
    let Some(rest) = text.strip_prefix("---\n") else {
        return (None, text);
    };
    let Some(close) = rest.find("\n---") else {
        return (None, text);
    };
    let header = &rest[..close];
    let looks_like_yaml = header
        .lines()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.contains(':') || l.starts_with(' ') || l.starts_with('-'));
    if !looks_like_yaml || close > 8192 {
        return (None, text);
    }
    let title = header.lines().find_map(|l| {
        let v = l.strip_prefix("title:")?.trim();
        let v = v.trim_matches(|c| c == '"' || c == '\'').trim();
        (!v.is_empty()).then(|| v.to_string())
    });
    let after = &rest[close + 4..];
    let after = after.split_once('\n').map_or("", |(_, a)| a);
    (title, after)
}

static COMMENT: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<!--.*?-->"));
static TEMPLATE_TAG: LazyLock<Regex> = LazyLock::new(|| re(r"\{%.*?%\}"));
static BR: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)<br\s*/?>"));
static HTML_HEADING: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?is)<h([1-6])\b[^>]*>(.*?)</h[1-6]\s*>"));
static HTML_LI: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)<li\b[^>]*>"));
static HTML_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)</?(?:p|div|ul|ol|li|table|tr|section|article|blockquote|center|figure|hr|dl|dd|dt)\b[^>]*>",
    )
});
static HTML_CELL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)</?t[dh]\b[^>]*>"));
static HTML_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)</?(?:a|abbr|b|strong|i|em|u|span|font|sup|sub|small|big|mark|del|ins|s|img|code|kbd|q|cite|time|thead|tbody|tfoot|caption|figcaption|details|summary|picture|source|iframe|video)\b[^>]*>",
    )
});
static IMAGE: LazyLock<Regex> = LazyLock::new(|| re(r"!\[[^\]]*\]\([^)]*\)"));
static LINK: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]]+)\]\([^)]*\)"));
static REF_LINK: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]]+)\]\[[^\]]*\]"));
static AUTOLINK: LazyLock<Regex> = LazyLock::new(|| re(r"<((?:https?://|mailto:)[^>\s]+)>"));
static REF_DEFINITION: LazyLock<Regex> = LazyLock::new(|| re(r"^\[[^\]]+\]:\s*\S+"));
static BOLD: LazyLock<Regex> =
    LazyLock::new(|| re(r"\*\*([^*\s](?:[^*]*?[^*\s])?)\*\*|__([^_\s](?:[^_]*?[^_\s])?)__"));
static EM: LazyLock<Regex> = LazyLock::new(|| re(r"(^|[^*\w])\*([^*\s](?:[^*]*?[^*\s])?)\*"));
static STRIKE: LazyLock<Regex> = LazyLock::new(|| re(r"~~([^~]+)~~"));
static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"`([^`]+)`"));
static ENTITY: LazyLock<Regex> =
    LazyLock::new(|| re(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});"));

fn re(pattern: &str) -> Regex {
    // The patterns are constants, checked by the tests below.
    crate::rules::matcher::fixed_regex(pattern)
}

/// HTML inside Markdown: comments and template tags vanish, headings become
/// `#` headings, list items `- ` items, other block tags paragraph breaks.
fn strip_block_html(text: &str) -> Cow<'_, str> {
    if !text.contains('<') && !text.contains("{%") {
        return Cow::Borrowed(text);
    }
    let t = COMMENT.replace_all(text, "");
    let t = TEMPLATE_TAG.replace_all(&t, "");
    let t = BR.replace_all(&t, "\n");
    let t = HTML_HEADING.replace_all(&t, |c: &regex::Captures| {
        let level: usize = c[1].parse().unwrap_or(2);
        format!("\n\n{} {}\n\n", "#".repeat(level), c[2].replace('\n', " "))
    });
    let t = HTML_LI.replace_all(&t, "\n\n- ");
    let t = HTML_CELL.replace_all(&t, " | ");
    let t = HTML_BLOCK.replace_all(&t, "\n\n");
    Cow::Owned(t.into_owned())
}

/// Inline Markdown and HTML → the words a reader sees.
fn inline(s: &str) -> String {
    if !s.contains(['*', '_', '[', '`', '<', '&', '~', '\\']) {
        return s.to_string();
    }
    let t = IMAGE.replace_all(s, "");
    let t = LINK.replace_all(&t, "$1");
    let t = REF_LINK.replace_all(&t, "$1");
    let t = AUTOLINK.replace_all(&t, "$1");
    let t = HTML_INLINE.replace_all(&t, "");
    let t = BOLD.replace_all(&t, "$1$2");
    let t = EM.replace_all(&t, "$1$2");
    let t = STRIKE.replace_all(&t, "$1");
    let t = CODE.replace_all(&t, "$1");
    let t = ENTITY.replace_all(&t, |c: &regex::Captures| {
        entity(&c[1]).map_or_else(|| c[0].to_string(), String::from)
    });
    unescape(&t)
}

/// Backslash escapes: `\*` → `*`.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && n.is_ascii_punctuation()
        {
            out.push(n);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "rsquo" => '\u{2019}',
        "lsquo" => '\u{2018}',
        "rdquo" => '\u{201d}',
        "ldquo" => '\u{201c}',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "hellip" => '\u{2026}',
        "pound" => '£',
        "euro" => '€',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "bull" => '•',
        _ => return None,
    })
}

fn markdown_heading_level(line: &str) -> Option<u8> {
    let hashes = line.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&hashes) && line.as_bytes().get(hashes) == Some(&b' ') {
        Some(hashes as u8)
    } else {
        None
    }
}

/// `===` under a line makes it a level-1 heading, `---` level 2.
fn setext_level(line: &str) -> Option<u8> {
    if line.len() >= 3 && line.bytes().all(|b| b == b'=') {
        Some(1)
    } else if line.len() >= 3 && line.bytes().all(|b| b == b'-') {
        Some(2)
    } else {
        None
    }
}

/// A thematic break (`---`, `***`, `- - -`). Lines of underscores are not
/// treated as breaks: in statements they are blank signature lines.
fn is_rule(line: &str) -> bool {
    let compact: Vec<u8> = line.bytes().filter(|b| *b != b' ').collect();
    compact.len() >= 3 && (compact.iter().all(|b| *b == b'-') || compact.iter().all(|b| *b == b'*'))
}

/// A Markdown table row `| a | b |` → its cells; the `|---|` row → no cells.
fn table_row(line: &str) -> Option<Vec<&str>> {
    if !(line.starts_with('|') && line.ends_with('|') && line.len() > 1) {
        return None;
    }
    let inner = &line[1..line.len() - 1];
    let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
    let separator = cells
        .iter()
        .all(|c| !c.is_empty() && c.bytes().all(|b| matches!(b, b'-' | b':' | b' ')));
    Some(if separator {
        Vec::new()
    } else {
        cells.into_iter().filter(|c| !c.is_empty()).collect()
    })
}

fn list_item(line: &str) -> Option<&str> {
    for bullet in ["- ", "* ", "+ ", "• ", "· "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            let rest = rest.trim();
            // Task lists: "- [ ] item" / "- [x] item".
            let rest = rest
                .strip_prefix("[ ] ")
                .or_else(|| rest.strip_prefix("[x] "))
                .unwrap_or(rest);
            return Some(rest);
        }
    }
    let digits = line.bytes().take_while(|b| b.is_ascii_digit()).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(r.trim());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Vec<(BlockKind, String)> {
        extract(s.as_bytes(), &Limits::default())
            .unwrap()
            .blocks
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect()
    }

    #[test]
    fn decodes_utf16_bom_and_cp1252() {
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "Board".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&utf16), "Board");
        assert_eq!(
            decode(b"caf\xe9 \x93quoted\x94"),
            "café \u{201c}quoted\u{201d}"
        );
    }

    #[test]
    fn decodes_utf16_without_bom() {
        let le: Vec<u8> = "The board approved this."
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "The board approved this."
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(&le), "The board approved this.");
        assert_eq!(decode(&be), "The board approved this.");
        assert_eq!(utf16_without_bom(b"plain ascii text"), None);
    }

    #[test]
    fn declared_charset_is_used() {
        let x = extract_with_content_type(
            b"caf\xe9",
            Some("text/plain; charset=iso-8859-1"),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(x.blocks[0].text, "café");
    }

    #[test]
    fn paragraphs_headings_and_lists() {
        let x = extract(
            b"# Title\n\nOne\nline two\n\n- item a\n- item b\n",
            &Limits::default(),
        )
        .unwrap();
        let kinds: Vec<_> = x.blocks.iter().map(|b| b.kind).collect();
        assert_eq!(
            kinds,
            vec![
                BlockKind::Heading(1),
                BlockKind::Paragraph,
                BlockKind::ListItem,
                BlockKind::ListItem
            ]
        );
        assert_eq!(x.blocks[1].text, "One\nline two");
    }

    #[test]
    fn markdown_inline_syntax_is_stripped() {
        let b = run(
            "Our **supplier code** and *audits* are [published](https://example.com/code) \
             ![logo](logo.png) with `care` and ~~old~~ <span class=x>html</span> &amp; more \\*.",
        );
        assert_eq!(
            b[0].1,
            "Our supplier code and audits are published  with care and old html & more *."
        );
    }

    #[test]
    fn signature_lines_and_snake_case_survive() {
        let b = run("Signed: ______________\n\nfile_name_here and 5 * 3 * 2\n\n________");
        assert_eq!(b[0].1, "Signed: ______________");
        assert_eq!(b[1].1, "file_name_here and 5 * 3 * 2");
        assert_eq!(b[2].1, "________");
    }

    #[test]
    fn front_matter_tables_setext_and_html_blocks() {
        let b = run(
            "---\ntitle: \"Modern Slavery Statement\"\nlayout: page\n---\n\
             Scope\n=====\n\n| Area | Status |\n|---|:---:|\n| Training | Done |\n\n\
             <!-- hidden\nnote -->\n<h2 class=\"x\">Policies</h2>\n<p>We have a policy.</p>\n\
             <ul><li>One</li><li>Two</li></ul>\n\n[ref]: https://example.com\n{% include x.html %}\n> Quoted line\n\n---\n\nEnd",
        );
        assert_eq!(
            b,
            vec![
                (BlockKind::Heading(1), "Modern Slavery Statement".into()),
                (BlockKind::Heading(1), "Scope".into()),
                (BlockKind::TableCell, "Area".into()),
                (BlockKind::TableCell, "Status".into()),
                (BlockKind::TableCell, "Training".into()),
                (BlockKind::TableCell, "Done".into()),
                (BlockKind::Heading(2), "Policies".into()),
                (BlockKind::Paragraph, "We have a policy.".into()),
                (BlockKind::ListItem, "One".into()),
                (BlockKind::ListItem, "Two".into()),
                (BlockKind::Paragraph, "Quoted line".into()),
                (BlockKind::Paragraph, "End".into()),
            ]
        );
    }

    #[test]
    fn regexes_compile() {
        for r in [
            &COMMENT,
            &TEMPLATE_TAG,
            &BR,
            &HTML_HEADING,
            &HTML_LI,
            &HTML_BLOCK,
            &HTML_CELL,
            &HTML_INLINE,
            &IMAGE,
            &LINK,
            &REF_LINK,
            &AUTOLINK,
            &REF_DEFINITION,
            &BOLD,
            &EM,
            &STRIKE,
            &CODE,
            &ENTITY,
        ] {
            LazyLock::force(r);
        }
    }
}

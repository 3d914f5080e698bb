//! Plain text and Markdown: UTF-8, UTF-16 with a BOM, windows-1252 fallback.

use super::{ExtractError, Limits};
use crate::domain::{BlockKind, Extracted, RawBlock};
use std::borrow::Cow;

/// Decodes bytes to text: BOM first (UTF-8, UTF-16LE/BE), then strict UTF-8,
/// then windows-1252 (which maps every byte, so this never fails).
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
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

/// Splits text into paragraphs at blank lines; Markdown headings (`#`) and
/// list items (`-`, `*`, `1.`) become their own blocks.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let text = decode(bytes);
    if text.len() > limits.max_text_bytes {
        return Err(ExtractError::Limit(format!(
            "text is {} bytes, over the {}-byte limit",
            text.len(),
            limits.max_text_bytes
        )));
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut blocks = Vec::new();
    let mut para = String::new();
    let flush = |para: &mut String, blocks: &mut Vec<RawBlock>| {
        if !para.trim().is_empty() {
            blocks.push(RawBlock::new(BlockKind::Paragraph, para.trim().to_string()));
        }
        para.clear();
    };
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut para, &mut blocks);
            continue;
        }
        if let Some(level) = markdown_heading_level(t) {
            flush(&mut para, &mut blocks);
            let h = t.trim_start_matches('#').trim();
            blocks.push(RawBlock::new(BlockKind::Heading(level), h));
            continue;
        }
        if let Some(item) = list_item(t) {
            flush(&mut para, &mut blocks);
            blocks.push(RawBlock::new(BlockKind::ListItem, item));
            continue;
        }
        if !para.is_empty() {
            para.push('\n');
        }
        para.push_str(t);
    }
    flush(&mut para, &mut blocks);
    Ok(Extracted {
        blocks,
        ..Default::default()
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

fn list_item(line: &str) -> Option<&str> {
    for bullet in ["- ", "* ", "• ", "· "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some(rest.trim());
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
}

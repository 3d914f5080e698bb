use super::{Evidence, OcrInfo};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The format a document was sniffed as (never trusted from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Pdf,
    Html,
    Docx,
    Text,
    /// A PNG, JPEG or TIFF image, read by OCR.
    Image,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Pdf => "pdf",
            SourceKind::Html => "html",
            SourceKind::Docx => "docx",
            SourceKind::Text => "text",
            SourceKind::Image => "image",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the bytes came from (`source` in `s54.check/1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub kind: SourceKind,
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What a block of text was in the source document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "level")]
pub enum BlockKind {
    /// A heading, level 1 (most important) to 6.
    Heading(u8),
    Paragraph,
    ListItem,
    TableCell,
}

/// A block as an extractor produces it, before normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBlock {
    pub kind: BlockKind,
    pub text: String,
}

impl RawBlock {
    pub fn new(kind: BlockKind, text: impl Into<String>) -> Self {
        RawBlock {
            kind,
            text: text.into(),
        }
    }
}

/// A block of the normalised text: `start..end` are **byte** offsets into
/// [`Document::text`] (always on char boundaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    pub start: usize,
    pub end: usize,
}

/// A hyperlink found in an HTML (or PDF) document; the crawler follows these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
    pub text: String,
    /// `title` or `aria-label`, when present.
    pub title: Option<String>,
    /// The landmark the link sits in: `header`, `nav`, `footer`, `main` or `body`.
    pub region: String,
}

/// Output of one format extractor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub blocks: Vec<RawBlock>,
    pub links: Vec<Link>,
    pub pages: Option<u32>,
    /// Facts about the extraction a reader should know, e.g.
    /// `"scanned: no text layer"`.
    pub notes: Vec<String>,
}

/// One extracted, normalised document: the only input of the checker.
///
/// `text` is the blocks joined by blank lines; every [`Evidence`] points into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub source: SourceInfo,
    pub text: String,
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    pub pages: Option<u32>,
    pub notes: Vec<String>,
    /// Set when some of the text was read by OCR from page images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr: Option<OcrInfo>,
}

/// Note recorded when a PDF has pages but no text layer.
pub const NOTE_SCANNED: &str = "scanned: no text layer";

impl Document {
    /// Joins extracted blocks into one text: whitespace inside a block is
    /// folded to single spaces (line breaks inside a block kept as `\n`),
    /// empty blocks dropped, blocks separated by `\n\n`.
    pub fn from_extracted(source: SourceInfo, extracted: Extracted) -> Document {
        let mut text = String::new();
        let mut blocks = Vec::with_capacity(extracted.blocks.len());
        for raw in extracted.blocks {
            let cleaned = normalise_block_text(&raw.text);
            if cleaned.is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            let start = text.len();
            text.push_str(&cleaned);
            blocks.push(Block {
                kind: raw.kind,
                start,
                end: text.len(),
            });
        }
        Document {
            source,
            text,
            blocks,
            links: extracted.links,
            pages: extracted.pages,
            notes: extracted.notes,
            ocr: None,
        }
    }

    /// The text of one block.
    pub fn block_text(&self, block: &Block) -> &str {
        &self.text[block.start..block.end]
    }

    /// Character count of the text (`text_chars` in the contract).
    pub fn char_len(&self) -> usize {
        self.text.chars().count()
    }

    /// Evidence for the byte range `start..end` of `text`, with character
    /// offsets. The range is clamped and widened to char boundaries, so any
    /// byte range is safe to pass.
    pub fn evidence(&self, start: usize, end: usize) -> Evidence {
        let len = self.text.len();
        let mut s = start.min(len);
        let mut e = end.min(len).max(s);
        while !self.text.is_char_boundary(s) {
            s -= 1;
        }
        while !self.text.is_char_boundary(e) {
            e += 1;
        }
        let char_start = self.text[..s].chars().count();
        let quote = self.text[s..e].to_string();
        let char_end = char_start + quote.chars().count();
        let ocr = self
            .ocr
            .as_ref()
            .is_some_and(|o| o.covers(char_start, char_end));
        Evidence {
            quote,
            start: char_start,
            end: char_end,
            ocr,
        }
    }

    pub fn is_scanned(&self) -> bool {
        self.notes.iter().any(|n| n == NOTE_SCANNED)
    }
}

/// Folds runs of spaces/tabs, trims each line, drops empty lines, removes
/// control characters (NUL and friends) that extractors may leave behind.
pub fn normalise_block_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let mut last_space = true;
        let mut line_out = String::with_capacity(line.len());
        for c in line.chars() {
            let c = match c {
                '\u{a0}' | '\t' | '\u{2007}' | '\u{202f}' => ' ',
                '\u{ad}' | '\u{200b}' | '\u{feff}' => continue,
                c if c.is_control() => ' ',
                c => c,
            };
            if c == ' ' {
                if !last_space {
                    line_out.push(' ');
                }
                last_space = true;
            } else {
                line_out.push(c);
                last_space = false;
            }
        }
        let trimmed = line_out.trim_end();
        if trimmed.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(trimmed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> SourceInfo {
        SourceInfo {
            kind: SourceKind::Text,
            name: "t".into(),
            bytes: 0,
            sha256: String::new(),
        }
    }

    #[test]
    fn blocks_joined_with_blank_lines_and_offsets_point_at_them() {
        let doc = Document::from_extracted(
            src(),
            Extracted {
                blocks: vec![
                    RawBlock::new(BlockKind::Heading(1), "  Our   policies "),
                    RawBlock::new(BlockKind::Paragraph, ""),
                    RawBlock::new(BlockKind::Paragraph, "We\u{a0}train\tstaff.\n\n  Daily. "),
                ],
                ..Default::default()
            },
        );
        assert_eq!(doc.text, "Our policies\n\nWe train staff.\nDaily.");
        assert_eq!(doc.blocks.len(), 2);
        assert_eq!(doc.block_text(&doc.blocks[1]), "We train staff.\nDaily.");
    }

    #[test]
    fn evidence_offsets_are_characters() {
        let doc = Document::from_extracted(
            src(),
            Extracted {
                blocks: vec![RawBlock::new(BlockKind::Paragraph, "Café board approved")],
                ..Default::default()
            },
        );
        let b = doc.text.find("board").unwrap();
        let ev = doc.evidence(b, b + 5);
        assert_eq!(ev.quote, "board");
        assert_eq!(ev.start, 5);
        assert_eq!(ev.end, 10);
        // Out-of-range and mid-char ranges are clamped, never panic.
        let ev = doc.evidence(4, 1000);
        assert!(ev.quote.starts_with('é'));
    }
}

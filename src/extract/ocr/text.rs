//! Tesseract's TSV → paragraphs that keep their lines, with the byte
//! ranges of words read with low confidence; then, once the document's
//! text is joined, where each OCR page and doubtful word landed in it.

use super::{OcrBlock, OcrPageText};
use crate::domain::{Document, LOW_WORD_CONFIDENCE, OcrInfo, OcrPage, normalise_block_text};

/// One paragraph per Tesseract (block, paragraph); lines joined by `\n`,
/// words by one space.
pub fn blocks_from_tsv(tsv: &str) -> Vec<OcrBlock> {
    let mut out: Vec<OcrBlock> = Vec::new();
    let mut cur_par: Option<(u32, u32)> = None;
    let mut cur_line: Option<u32> = None;
    for row in tsv.lines() {
        let f: Vec<&str> = row.splitn(12, '\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let num = |i: usize| f[i].trim().parse::<u32>().unwrap_or(0);
        let (par, line) = ((num(2), num(3)), num(4));
        let conf: f32 = f[10].trim().parse().unwrap_or(-1.0);
        let word = normalise_block_text(f[11]);
        if word.is_empty() || word.contains(['\n', ' ']) || conf < 0.0 {
            continue;
        }
        if cur_par != Some(par) || out.is_empty() {
            out.push(OcrBlock::default());
            cur_par = Some(par);
            cur_line = None;
        }
        let Some(block) = out.last_mut() else {
            continue;
        };
        if !block.text.is_empty() {
            block
                .text
                .push(if cur_line == Some(line) { ' ' } else { '\n' });
        }
        cur_line = Some(line);
        let start = block.text.len();
        block.text.push_str(&word);
        if conf < f32::from(LOW_WORD_CONFIDENCE) {
            block.low.push((start, block.text.len()));
        }
    }
    out
}

/// Finds the OCR pages' blocks in `doc` (in order; each block's text is
/// already normalised, so it appears unchanged) and records their pages'
/// ranges and doubtful words in character offsets.
pub fn locate(doc: &Document, pages: &[OcrPageText], engine: &str) -> OcrInfo {
    let mut info = OcrInfo {
        engine: engine.to_string(),
        ..OcrInfo::default()
    };
    let mut next = 0usize; // index into doc.blocks
    let mut chars = CharIndex::new(&doc.text);
    for page in pages {
        let mut range: Option<(usize, usize)> = None;
        for block in &page.blocks {
            let Some(found) = doc.blocks[next.min(doc.blocks.len())..]
                .iter()
                .position(|b| doc.block_text(b) == block.text)
            else {
                continue;
            };
            let b = doc.blocks[next + found];
            next += found + 1;
            range = Some(range.map_or((b.start, b.end), |(s, _)| (s, b.end)));
            for &(s, e) in &block.low {
                info.low_confidence
                    .push([chars.at(b.start + s), chars.at(b.start + e)]);
            }
        }
        let (start, end) = range.map_or_else(
            || {
                let at = doc.text.len();
                (at, at)
            },
            |r| r,
        );
        info.pages.push(OcrPage {
            page: page.page,
            mean_confidence: page.mean_confidence,
            start: chars.at(start),
            end: chars.at(end),
        });
    }
    info
}

/// Byte → character offsets for increasing byte offsets (one pass).
struct CharIndex<'a> {
    text: &'a str,
    byte: usize,
    char: usize,
}

impl<'a> CharIndex<'a> {
    fn new(text: &'a str) -> Self {
        CharIndex {
            text,
            byte: 0,
            char: 0,
        }
    }
    fn at(&mut self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        if byte < self.byte {
            self.byte = 0;
            self.char = 0;
        }
        self.char += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.char
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BlockKind, Extracted, RawBlock, SourceInfo, SourceKind};

    const TSV: &str = "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
5\t1\t1\t1\t1\t1\t0\t0\t9\t9\t96.1\tApproved\n\
5\t1\t1\t1\t1\t2\t0\t0\t9\t9\t91\tby\n\
5\t1\t1\t1\t2\t1\t0\t0\t9\t9\t30.5\tthe\n\
5\t1\t1\t1\t2\t2\t0\t0\t9\t9\t95\tBoard.\n\
5\t1\t1\t2\t1\t1\t0\t0\t9\t9\t90\tSigned\n\
5\t1\t1\t2\t1\t2\t0\t0\t9\t9\t90\t \n";

    #[test]
    fn paragraphs_keep_lines_and_mark_doubtful_words() {
        let blocks = blocks_from_tsv(TSV);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].text, "Approved by\nthe Board.");
        assert_eq!(blocks[0].low, vec![(12, 15)]);
        assert_eq!(blocks[1].text, "Signed");
        assert!(blocks_from_tsv("garbage\n5\tx").is_empty());
    }

    #[test]
    fn located_in_the_joined_text() {
        let blocks = blocks_from_tsv(TSV);
        let mut raw = vec![RawBlock::new(BlockKind::Paragraph, "Café text page.")];
        raw.extend(
            blocks
                .iter()
                .map(|b| RawBlock::new(BlockKind::Paragraph, b.text.clone())),
        );
        let doc = Document::from_extracted(
            SourceInfo {
                kind: SourceKind::Pdf,
                name: "x".into(),
                bytes: 0,
                sha256: String::new(),
            },
            Extracted {
                blocks: raw,
                ..Default::default()
            },
        );
        let pages = vec![OcrPageText {
            page: 2,
            mean_confidence: 80,
            blocks,
        }];
        let info = locate(&doc, &pages, "tesseract");
        let p = &info.pages[0];
        let text: String = doc
            .text
            .chars()
            .skip(p.start)
            .take(p.end - p.start)
            .collect();
        assert_eq!(text, "Approved by\nthe Board.\n\nSigned");
        let [s, e] = info.low_confidence[0];
        let word: String = doc.text.chars().skip(s).take(e - s).collect();
        assert_eq!(word, "the");
    }
}

//! Sentence (and line-segment) splitting with byte offsets into
//! [`Document::text`]. Statements arrive with hard line breaks from PDFs and
//! headings or signature lines without full stops, so a break is made at
//! sentence punctuation, at block ends, before list items, and after short
//! heading-like lines; a wrapped line that ends in "the"/"by"/"and" is joined.

use crate::domain::{BlockKind, Document};

/// One sentence: `start..end` byte offsets into the document text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    /// Index of the block it sits in.
    pub block: usize,
    /// True for a heading block or a short line standing alone.
    pub heading_like: bool,
}

impl Sentence {
    pub fn text<'a>(&self, doc: &'a Document) -> &'a str {
        &doc.text[self.start..self.end]
    }
}

const MAX_SENTENCE: usize = 600;

const JOINING_WORDS: &[&str] = &[
    "the", "of", "and", "by", "our", "to", "on", "in", "for", "a", "an", "with", "at", "or", "its",
    "their", "is", "are", "was", "were", "be", "has", "have", "that", "this", "from", "as", "all",
    "any", "we", "which", "who", "such", "into", "&",
];

const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "eg", "ie", "etc", "no", "mr", "mrs", "ms", "dr", "st", "co", "inc", "ltd", "vs",
    "approx", "incl", "prof", "nos", "fig", "para", "s", "ss", "u.k", "p",
];

fn is_bullet_start(line: &str) -> bool {
    let t = line.trim_start();
    let mut chars = t.chars();
    match chars.next() {
        Some(
            '•' | '·' | '▪' | '◦' | '●' | '○' | '■' | '□' | '–' | '—' | '*' | '-' | '\u{f0a7}'
            | '➢',
        )
        | Some('\u{f0b7}') => true,
        Some(c) if c.is_ascii_digit() => {
            let rest: String = t
                .chars()
                .skip_while(|c| c.is_ascii_digit())
                .take(2)
                .collect();
            rest.starts_with(". ") || rest.starts_with(") ")
        }
        _ => false,
    }
}

/// Whether `word`, lowercased, is one of `list` (all lowercase).
fn in_list_ignoring_case(list: &[&str], word: &str) -> bool {
    if word.is_ascii() {
        // No lowercased copy: ASCII case folding is the same comparison.
        // Lengths first: most words are rejected without a call.
        return list
            .iter()
            .any(|w| w.len() == word.len() && w.eq_ignore_ascii_case(word));
    }
    list.contains(&word.to_lowercase().as_str())
}

/// The last word of `s`, after a space or an opening bracket.
fn word_before(s: &str) -> &str {
    s.rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
}

/// A known abbreviation or a single letter: a full stop after it does not
/// end a sentence.
fn is_abbreviation(word: &str) -> bool {
    let single_letter = if word.is_ascii() {
        word.len() == 1 && word.as_bytes()[0].is_ascii_alphabetic()
    } else {
        let lower = word.to_lowercase();
        lower.len() == 1 && lower.chars().all(|c| c.is_alphabetic())
    };
    single_letter || in_list_ignoring_case(ABBREVIATIONS, word)
}

fn starts_upper_or_digit(line: &str) -> bool {
    line.trim_start()
        .chars()
        .find(|c| !matches!(c, '"' | '\'' | '“' | '‘' | '(' | '['))
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

fn last_word(line: &str) -> &str {
    line.trim_end()
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
}

/// The width a block is hard-wrapped at, when it is: its longest line is
/// page-like (40–130 characters) and at least half of its other lines
/// come close to it. `None` for one unit per line (sentence datasets,
/// `<br>` pages, lists without stops), where every line stands alone.
fn wrap_width(lines: &[&str]) -> Option<usize> {
    if lines.len() < 2 {
        return None;
    }
    let lens: Vec<usize> = lines.iter().map(|l| l.trim().chars().count()).collect();
    let max = lens.iter().copied().max().unwrap_or(0);
    if !(40..=130).contains(&max) {
        return None;
    }
    let body = &lens[..lens.len() - 1];
    let full = body.iter().filter(|&&n| n * 5 >= max * 4).count();
    (full * 2 >= body.len()).then_some(max)
}

/// Whether a line break after `line` (followed by `next`) ends a segment,
/// given the block's wrap width (see [`wrap_width`]).
fn line_breaks_in(line: &str, next: &str, wrap: Option<usize>) -> bool {
    if line_breaks(line, next) {
        return true;
    }
    // A line that stops well short of the wrap width (or any line of a
    // block that is not wrapped) ends its unit before a capital, stop or
    // no stop, unless it ends mid-phrase.
    let l = line.trim();
    let last = l.chars().last().unwrap_or(' ');
    let short = wrap.is_none_or(|w| l.chars().count() * 4 < w * 3);
    short
        && starts_upper_or_digit(next)
        && !matches!(last, ',' | ';' | '-' | '–' | '(' | '/')
        && !in_list_ignoring_case(JOINING_WORDS, last_word(l))
}

/// Whether a line break after `line` (followed by `next`) ends a segment.
fn line_breaks(line: &str, next: &str) -> bool {
    let l = line.trim();
    if l.is_empty() {
        return true;
    }
    if is_bullet_start(next) {
        return true;
    }
    let last = l.chars().last().unwrap_or(' ');
    if matches!(last, ':' | '.' | '!' | '?') && starts_upper_or_digit(next) {
        return true;
    }
    if matches!(last, ',' | ';' | '-' | '–' | '(' | '/') {
        return false;
    }
    if in_list_ignoring_case(JOINING_WORDS, last_word(l)) {
        return false;
    }
    // A short line followed by a capitalised one: a heading, a name, a role.
    l.chars().count() <= 60 && starts_upper_or_digit(next)
}

/// Splits one block into sentences.
fn split_block(
    text: &str,
    base: usize,
    block: usize,
    heading: bool,
    list_item: bool,
    out: &mut Vec<Sentence>,
) {
    if heading {
        push(text, base, 0, text.len(), block, true, out);
        return;
    }
    // First the line segments, then sentence punctuation inside each.
    let mut seg_start = 0usize;
    let mut pos = 0usize;
    let lines: Vec<&str> = text.split('\n').collect();
    let wrap = wrap_width(&lines);
    for (i, line) in lines.iter().enumerate() {
        let line_end = pos + line.len();
        let is_last = i + 1 == lines.len();
        let brk = is_last || line_breaks_in(line, lines[i + 1], wrap);
        if brk {
            let single_line = !text[seg_start..line_end].contains('\n');
            let short = line.trim().chars().count() <= 60
                && !line.trim_end().ends_with(['.', '!', '?', ';', ','])
                && !is_bullet_start(line)
                && !list_item
                && single_line;
            split_punct(text, base, seg_start, line_end, block, short, out);
            seg_start = line_end + 1;
        }
        pos = line_end + 1;
    }
}

/// Splits `text[from..to]` at sentence punctuation.
fn split_punct(
    text: &str,
    base: usize,
    from: usize,
    to: usize,
    block: usize,
    heading_like: bool,
    out: &mut Vec<Sentence>,
) {
    let seg = &text[from..to];
    let bytes = seg.as_bytes();
    let mut start = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?')
            && i + 1 < bytes.len()
            && bytes[i + 1].is_ascii_whitespace()
        {
            // The next non-space character must start a new sentence.
            let rest = &seg[i + 1..];
            let next_ok = starts_upper_or_digit(rest) || is_bullet_start(rest);
            // The word before a full stop is only read when the break is
            // otherwise made.
            if next_ok && !(b == b'.' && is_abbreviation(word_before(&seg[start..i]))) {
                push(text, base, from + start, from + i + 1, block, false, out);
                start = i + 1;
            }
        }
        i += 1;
    }
    push(text, base, from + start, to, block, heading_like, out);
}

fn push(
    text: &str,
    base: usize,
    from: usize,
    to: usize,
    block: usize,
    heading_like: bool,
    out: &mut Vec<Sentence>,
) {
    let s = &text[from..to];
    let trimmed_start = from + (s.len() - s.trim_start().len());
    let trimmed_end = to - (s.len() - s.trim_end().len());
    if trimmed_start >= trimmed_end {
        return;
    }
    // Very long runs (tables, run-together columns) are cut at line breaks
    // so one pattern match cannot span a page.
    if trimmed_end - trimmed_start > MAX_SENTENCE && text[trimmed_start..trimmed_end].contains('\n')
    {
        let mut s0 = trimmed_start;
        for (off, _) in text[trimmed_start..trimmed_end].match_indices('\n') {
            let abs = trimmed_start + off;
            if abs - s0 >= MAX_SENTENCE / 2 {
                out.push(Sentence {
                    start: base + s0,
                    end: base + abs,
                    block,
                    heading_like: false,
                });
                s0 = abs + 1;
            }
        }
        if s0 < trimmed_end {
            out.push(Sentence {
                start: base + s0,
                end: base + trimmed_end,
                block,
                heading_like: false,
            });
        }
        return;
    }
    out.push(Sentence {
        start: base + trimmed_start,
        end: base + trimmed_end,
        block,
        heading_like,
    });
}

/// All sentences of a document, in order.
pub fn split(doc: &Document) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (i, b) in doc.blocks.iter().enumerate() {
        let text = doc.block_text(b);
        let heading = matches!(b.kind, BlockKind::Heading(_));
        let list_item = b.kind == BlockKind::ListItem;
        split_block(text, b.start, i, heading, list_item, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Extracted, RawBlock, SourceInfo, SourceKind};

    pub(crate) fn doc(blocks: &[(&str, BlockKind)]) -> Document {
        Document::from_extracted(
            SourceInfo {
                kind: SourceKind::Text,
                name: "t".into(),
                bytes: 0,
                sha256: String::new(),
            },
            Extracted {
                blocks: blocks.iter().map(|(t, k)| RawBlock::new(*k, *t)).collect(),
                ..Default::default()
            },
        )
    }

    fn texts(d: &Document) -> Vec<String> {
        split(d).iter().map(|s| s.text(d).to_string()).collect()
    }

    #[test]
    fn punctuation_and_abbreviations() {
        let d = doc(&[(
            "We audit suppliers, e.g. farms. Staff are trained! Mr. Smith signed it.",
            BlockKind::Paragraph,
        )]);
        assert_eq!(
            texts(&d),
            vec![
                "We audit suppliers, e.g. farms.",
                "Staff are trained!",
                "Mr. Smith signed it."
            ]
        );
    }

    #[test]
    fn wrapped_lines_join_and_short_lines_stand_alone() {
        let d = doc(&[(
            "This statement was approved by\nthe Board on 3 May 2024 and signed by our\nChief Executive.\nJane Doe\nDirector\n1 June 2024",
            BlockKind::Paragraph,
        )]);
        let t = texts(&d);
        assert_eq!(
            t[0],
            "This statement was approved by\nthe Board on 3 May 2024 and signed by our\nChief Executive."
        );
        assert_eq!(&t[1..], ["Jane Doe", "Director", "1 June 2024"]);
        let ss = split(&d);
        assert!(ss[1].heading_like);
    }

    #[test]
    fn bullets_split() {
        let d = doc(&[(
            "We have:\n• supplier audits\n• a hotline",
            BlockKind::Paragraph,
        )]);
        assert_eq!(
            texts(&d),
            vec!["We have:", "• supplier audits", "• a hotline"]
        );
    }

    #[test]
    fn offsets_point_into_the_text() {
        let d = doc(&[
            ("Título", BlockKind::Heading(1)),
            ("Café staff trained. Next one.", BlockKind::Paragraph),
        ]);
        for s in split(&d) {
            assert!(d.text.is_char_boundary(s.start) && d.text.is_char_boundary(s.end));
        }
        assert_eq!(
            texts(&d),
            vec!["Título", "Café staff trained.", "Next one."]
        );
    }
}

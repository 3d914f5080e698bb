//! Glyphs → lines → blocks. Glyphs are taken in content-stream order (the
//! order producers write text in, which is reading order for the producers
//! that matter); a glyph continues the current line when it sits on the same
//! baseline just after it, and a gap wider than about half a space becomes a
//! space. Lines repeated at the top or bottom of most pages (running headers,
//! page numbers) are dropped, then lines are grouped into paragraphs by line
//! spacing, indentation, font size and alignment; hyphens at line ends are
//! joined when the joined word reads as one word.

use super::interp::PageText;
use crate::domain::{BlockKind, RawBlock};
use std::collections::{HashMap, HashSet};

/// A line gap wider than this many font sizes ends a line (column gutter,
/// table cell) even on the same baseline.
const MAX_WORD_GAP_EM: f32 = 2.5;

#[derive(Debug, Clone)]
pub(super) struct Line {
    pub text: String,
    pub x0: f32,
    pub x1: f32,
    pub y: f32,
    pub page_y: f32,
    pub size: f32,
    pub dir: u8,
    pub bold: bool,
}

/// Builds the lines of one page.
pub(super) fn lines(page: &PageText) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut cur: Option<Line> = None;
    let mut last_space = true;
    let mut bold_chars = 0usize;
    let mut chars = 0usize;
    let finish = |cur: Option<Line>, out: &mut Vec<Line>, bold: usize, chars: usize| {
        if let Some(mut l) = cur {
            let t = l.text.trim_end();
            l.text.truncate(t.len());
            if !l.text.trim().is_empty() {
                l.bold = bold * 2 > chars;
                out.push(l);
            }
        }
    };
    for g in &page.glyphs {
        let text = page
            .text
            .get(g.start as usize..g.end as usize)
            .unwrap_or("");
        let size = g.size.max(0.1);
        if let Some(c) = cur.as_mut() {
            let em = size.max(c.size);
            let gap = g.x0 - c.x1;
            let same = g.dir == c.dir
                && (g.y - c.y).abs() < 0.5 * em
                && gap > -0.6 * em
                && gap < MAX_WORD_GAP_EM * em;
            if same {
                let threshold = (0.45 * g.space_w).clamp(0.11 * size, 0.2 * size);
                if !g.space && !last_space && gap > threshold {
                    c.text.push(' ');
                }
                if !(g.space && last_space) {
                    c.text.push_str(text);
                }
                last_space = g.space;
                c.x1 = c.x1.max(g.x1);
                if !g.space {
                    c.size = c.size.max(size);
                    chars += 1;
                    bold_chars += usize::from(g.bold);
                }
                continue;
            }
        }
        finish(cur.take(), &mut out, bold_chars, chars);
        if g.space {
            last_space = true;
            continue;
        }
        bold_chars = usize::from(g.bold);
        chars = 1;
        last_space = false;
        cur = Some(Line {
            text: text.to_string(),
            x0: g.x0,
            x1: g.x1,
            y: g.y,
            page_y: g.page_y,
            size,
            dir: g.dir,
            bold: g.bold,
        });
    }
    finish(cur, &mut out, bold_chars, chars);
    merge_runs(out)
}

/// Second pass over the lines of a page: drops text drawn twice at the same
/// place (simulated bold, shadows) and joins pieces of one baseline that
/// were drawn right piece first.
fn merge_runs(lines: Vec<Line>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    for l in lines {
        if let Some(p) = out.last_mut() {
            let em = p.size.max(l.size);
            let same_baseline = p.dir == l.dir && (p.y - l.y).abs() < 0.3 * em;
            if same_baseline && p.text == l.text && (p.x0 - l.x0).abs() < 0.3 * em {
                continue;
            }
            let gap = p.x0 - l.x1;
            if same_baseline && gap > -0.2 * em && gap < MAX_WORD_GAP_EM * em {
                let mut text = l.text;
                if gap > 0.11 * em {
                    text.push(' ');
                }
                text.push_str(&p.text);
                p.text = text;
                p.x0 = l.x0;
                p.size = em;
                continue;
            }
        }
        out.push(l);
    }
    out
}

/// Lower-cased text with digits folded, for comparing furniture lines.
fn furniture_key(text: &str) -> (String, Vec<i64>) {
    let mut key = String::with_capacity(text.len());
    let mut nums = Vec::new();
    let mut cur: Option<i64> = None;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            cur = Some(
                cur.unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(i64::from(d)),
            );
            continue;
        }
        if let Some(n) = cur.take() {
            nums.push(n);
            key.push('#');
        }
        if c.is_whitespace() {
            if !key.ends_with(' ') {
                key.push(' ');
            }
        } else {
            key.extend(c.to_lowercase());
        }
    }
    if let Some(n) = cur {
        nums.push(n);
        key.push('#');
    }
    (key.trim().to_string(), nums)
}

/// Keys a furniture line may match on: its exact (case-folded) text, and
/// for each number in it, the digit-folded text with that number's offset
/// from the page index (so "Page 3", "Page 4"... on pages 3, 4... agree
/// while "Item 12", "Item 15" do not).
fn furniture_keys(text: &str, page: usize) -> Vec<String> {
    let (folded, nums) = furniture_key(text);
    let mut keys = vec![format!("={}", text.trim().to_lowercase())];
    for (i, n) in nums.iter().enumerate().take(4) {
        keys.push(format!("{folded}|{i}|{}", n - page as i64));
    }
    keys
}

/// How many lines from each end of a page may be furniture.
const FURNITURE_DEPTH: usize = 3;

/// Drops running headers/footers and page numbers: lines among the first or
/// last few of a page whose text (or page-number pattern) repeats at that
/// end on at least 3 pages and half of them.
pub(super) fn drop_furniture(pages: &mut [Vec<Line>]) {
    let n = pages.len();
    if n < 3 {
        return;
    }
    let threshold = 3.max(n.div_ceil(2));
    // (end, key) -> baseline heights of the pages it was seen on.
    let mut counts: HashMap<(bool, String), Vec<f32>> = HashMap::new();
    let order = |lines: &[Line]| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].dir == 0).collect();
        idx.sort_by(|&a, &b| lines[b].page_y.total_cmp(&lines[a].page_y));
        idx
    };
    for (p, lines) in pages.iter().enumerate() {
        let idx = order(lines);
        let mut seen = HashSet::new();
        for (top, ids) in [
            (true, idx.iter().take(FURNITURE_DEPTH).collect::<Vec<_>>()),
            (false, idx.iter().rev().take(FURNITURE_DEPTH).collect()),
        ] {
            for &i in ids {
                for k in furniture_keys(&lines[i].text, p) {
                    if seen.insert((top, k.clone())) {
                        counts.entry((top, k)).or_default().push(lines[i].page_y);
                    }
                }
            }
        }
    }
    for (p, lines) in pages.iter_mut().enumerate() {
        let idx = order(lines);
        let mut drop = HashSet::new();
        let rev: Vec<usize> = idx.iter().rev().copied().collect();
        for (top, ids) in [(true, &idx), (false, &rev)] {
            // From the edge inwards: the run of lines repeated at the same
            // height on other pages...
            let mut run = Vec::new();
            for &i in ids.iter().take(FURNITURE_DEPTH) {
                let l = &lines[i];
                let tolerance = (0.3 * l.size).max(2.0);
                let repeated = furniture_keys(&l.text, p).into_iter().any(|k| {
                    counts.get(&(top, k)).is_some_and(|ys| {
                        ys.iter()
                            .filter(|y| (**y - l.page_y).abs() <= tolerance)
                            .count()
                            >= threshold
                    })
                });
                if !repeated {
                    break;
                }
                run.push(i);
            }
            // ...cut where it is set apart from the body by a clear gap (the
            // last line of the body can repeat at the same height too).
            for k in (0..run.len()).rev() {
                let here = &lines[run[k]];
                let next = ids.get(k + 1).map(|&j| &lines[j]);
                let apart = next
                    .is_none_or(|n| (here.page_y - n.page_y).abs() > 1.3 * here.size.max(n.size));
                if apart {
                    drop.extend(run[..=k].iter().copied());
                    break;
                }
            }
        }
        if !drop.is_empty() {
            let mut i = 0;
            lines.retain(|_| {
                i += 1;
                !drop.contains(&(i - 1))
            });
        }
    }
}

fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '●'
            | '▪'
            | '■'
            | '◦'
            | '○'
            | '▫'
            | '□'
            | '‣'
            | '⁃'
            | '∙'
            | '➢'
            | '►'
            | '✓'
            | '✔'
    )
}

/// The body text size: the size covering most characters.
fn body_size(pages: &[Vec<Line>]) -> f32 {
    let mut hist: HashMap<i32, usize> = HashMap::new();
    for l in pages.iter().flatten() {
        *hist.entry((l.size * 2.0).round() as i32).or_default() += l.text.len();
    }
    hist.into_iter()
        .max_by_key(|&(s, n)| (n, -s))
        .map_or(10.0, |(s, _)| s as f32 / 2.0)
}

/// Lower-case words of the document, to decide line-end hyphens.
fn vocabulary(pages: &[Vec<Line>]) -> HashSet<String> {
    let mut v = HashSet::new();
    for l in pages.iter().flatten() {
        for w in l.text.split(|c: char| !(c.is_alphanumeric() || c == '-')) {
            let w = w.trim_matches('-');
            if w.len() > 2 {
                v.insert(w.to_lowercase());
            }
        }
    }
    v
}

struct BlockBuilder {
    text: String,
    x0: f32,
    x1: f32,
    last: Line,
    lines: usize,
    /// Baseline distance between the first two lines, once known.
    pitch: Option<f32>,
    size_sum: f32,
    bold_lines: usize,
    bullet: bool,
    ends_page: bool,
}

/// Groups lines into blocks, page by page.
pub(super) fn blocks(pages: &[Vec<Line>]) -> Vec<RawBlock> {
    let body = body_size(pages);
    let vocab = vocabulary(pages);
    let mut out: Vec<(RawBlock, BlockBuilder)> = Vec::new();
    for lines in pages {
        let mut cur: Option<BlockBuilder> = None;
        for line in lines {
            let first = line.text.trim_start().chars().next().unwrap_or(' ');
            let bullet = is_bullet(first);
            if let Some(b) = cur.as_mut()
                && !breaks(b, line, bullet)
            {
                if b.lines == 1 {
                    b.pitch = Some(b.last.y - line.y);
                }
                join_line(&mut b.text, &line.text, &vocab);
                b.x0 = b.x0.min(line.x0);
                b.x1 = b.x1.max(line.x1);
                b.lines += 1;
                b.size_sum += line.size;
                b.bold_lines += usize::from(line.bold);
                b.last = line.clone();
                continue;
            }
            if let Some(b) = cur.take() {
                out.push((finish(&b, body), b));
            }
            let text = if bullet {
                line.text
                    .trim_start()
                    .trim_start_matches(is_bullet)
                    .trim_start()
                    .to_string()
            } else {
                line.text.clone()
            };
            cur = Some(BlockBuilder {
                text,
                x0: line.x0,
                x1: line.x1,
                last: line.clone(),
                lines: 1,
                pitch: None,
                size_sum: line.size,
                bold_lines: usize::from(line.bold),
                bullet,
                ends_page: false,
            });
        }
        if let Some(mut b) = cur.take() {
            b.ends_page = true;
            out.push((finish(&b, body), b));
        }
    }
    // A paragraph that runs over a page break: the page's last block does
    // not end a sentence and the next page's first block goes on in lower case.
    let mut merged: Vec<RawBlock> = Vec::with_capacity(out.len());
    let mut prev_open = false;
    for (block, b) in out {
        let starts_lower = block.text.chars().next().is_some_and(char::is_lowercase);
        if prev_open
            && starts_lower
            && block.kind == BlockKind::Paragraph
            && let Some(last) = merged.last_mut()
            && last.kind == BlockKind::Paragraph
        {
            join_line(&mut last.text, &block.text, &vocab);
            prev_open = b.ends_page;
            continue;
        }
        prev_open = b.ends_page
            && block.kind == BlockKind::Paragraph
            && !block.text.ends_with(['.', '!', '?', ':', ';']);
        merged.push(block);
    }
    merged
}

/// Whether `line` starts a new block after block `b`.
fn breaks(b: &BlockBuilder, line: &Line, bullet: bool) -> bool {
    let p = &b.last;
    let em = p.size.max(line.size);
    if line.dir != p.dir || bullet {
        return true;
    }
    if (line.size - p.size).abs() > 0.15 * em || line.bold != p.bold {
        return true;
    }
    let dy = p.y - line.y;
    if dy < 0.3 * em {
        return true; // same line again, or going back up: another column or region
    }
    let limit = match b.pitch {
        Some(pitch) if pitch > 0.5 * em => pitch * 1.25 + 0.05 * em,
        _ => 1.6 * em,
    };
    if dy > limit {
        return true;
    }
    // Columns: the new line must overlap the block horizontally.
    if line.x0 > b.x1 + 0.5 * em || line.x1 < b.x0 - 0.5 * em {
        return true;
    }
    // A short line ending a sentence ends the paragraph (no spacing between
    // paragraphs, e.g. TeX); so does an indented first line.
    let right = b.x1.max(line.x1);
    let ends_sentence = p.text.ends_with(['.', '!', '?', ':']);
    if ends_sentence && p.x1 < right - 2.0 * em {
        return true;
    }
    if ends_sentence && line.x0 > b.x0 + 0.8 * em && line.x0 < b.x0 + 6.0 * em {
        return true;
    }
    // A bulleted item goes on in lines indented like its text; a line back
    // at the bullet's margin starts new text.
    if b.bullet && line.x0 < b.x0 - 0.3 * em {
        return true;
    }
    false
}

fn finish(b: &BlockBuilder, body: f32) -> RawBlock {
    let size = b.size_sum / b.lines as f32;
    let ratio = size / body.max(0.1);
    let short = b.text.chars().count() < 200 && b.lines <= 3;
    let kind = if b.bullet {
        BlockKind::ListItem
    } else if short && ratio >= 1.7 {
        BlockKind::Heading(1)
    } else if short && ratio >= 1.3 {
        BlockKind::Heading(2)
    } else if (short && ratio >= 1.12)
        || (b.lines == 1
            && b.bold_lines == 1
            && b.text.chars().count() < 120
            && !b.text.ends_with(['.', ',', ';', ':']))
    {
        BlockKind::Heading(3)
    } else {
        BlockKind::Paragraph
    };
    RawBlock::new(kind, b.text.clone())
}

/// Appends a line to a paragraph: a space, or nothing when a line-end
/// hyphen splits one word ("state-" + "ment"), keeping hyphens of compound
/// words ("e-" + "learning").
fn join_line(text: &mut String, next: &str, vocab: &HashSet<String>) {
    let next = next.trim_start();
    let hyphen = text.ends_with(['-', '\u{ad}', '\u{2010}']);
    let next_lower = next.chars().next().is_some_and(char::is_lowercase);
    if hyphen && next_lower {
        let soft = text.ends_with('\u{ad}');
        let hyphen_len = text.chars().next_back().map_or(1, char::len_utf8);
        let body = &text[..text.len() - hyphen_len];
        let prefix: String = body
            .chars()
            .rev()
            .take_while(|c| c.is_alphabetic())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let suffix: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
        if !prefix.is_empty() {
            let joined = format!("{prefix}{suffix}").to_lowercase();
            let compound = format!("{prefix}-{suffix}").to_lowercase();
            let join = soft
                || vocab.contains(&joined)
                || (!vocab.contains(&compound)
                    && prefix.chars().count() > 1
                    && !COMPOUND_PREFIXES.contains(&prefix.to_lowercase().as_str())
                    && !before_is_hyphen(body, &prefix));
            if join {
                text.truncate(body.len());
            }
            text.push_str(next);
            return;
        }
    }
    if !text.is_empty() && !text.ends_with(' ') {
        text.push(' ');
    }
    text.push_str(next);
}

/// Words that usually start a hyphenated compound ("on-site", "non-
/// financial", "well-being") rather than end a syllable TeX or Word split.
const COMPOUND_PREFIXES: &[&str] = &[
    "on", "off", "non", "self", "well", "cross", "long", "short", "full", "part", "high", "low",
    "first", "third", "two", "three", "one", "all", "co", "anti", "multi", "cost", "risk", "end",
    "year", "zero",
];

/// "long-term-" → the word already has a hyphen: a compound, keep it.
fn before_is_hyphen(body: &str, prefix: &str) -> bool {
    body[..body.len() - prefix.len()].ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(words: &[&str]) -> HashSet<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn hyphen_joins() {
        let v = vocab(&[]);
        let mut t = "the state-".to_string();
        join_line(&mut t, "ment was approved", &v);
        assert_eq!(t, "the statement was approved");
        let mut t = "an e-".to_string();
        join_line(&mut t, "learning course", &v);
        assert_eq!(t, "an e-learning course");
        let mut t = "our long-term-".to_string();
        join_line(&mut t, "planning", &v);
        assert_eq!(t, "our long-term-planning");
        let mut t = "well-".to_string();
        join_line(&mut t, "being", &vocab(&["well-being"]));
        assert_eq!(t, "well-being");
        let mut t = "an on-".to_string();
        join_line(&mut t, "site audit", &v);
        assert_eq!(t, "an on-site audit");
        let mut t = "Directors -".to_string();
        join_line(&mut t, "all of them", &v);
        assert_eq!(t, "Directors - all of them");
        let mut t = "see Annex".to_string();
        join_line(&mut t, "B", &v);
        assert_eq!(t, "see Annex B");
    }

    fn line(text: &str, x0: f32, x1: f32, y: f32) -> Line {
        Line {
            text: text.into(),
            x0,
            x1,
            y,
            page_y: y,
            size: 10.0,
            dir: 0,
            bold: false,
        }
    }

    #[test]
    fn overprinted_and_reversed_runs_merge() {
        let out = merge_runs(vec![
            line("Title", 10.0, 40.0, 700.0),
            line("Title", 10.5, 40.5, 700.2),
            line("world", 60.0, 90.0, 680.0),
            line("Hello", 20.0, 55.0, 680.0),
        ]);
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Title", "Hello world"]);
    }

    #[test]
    fn furniture_keys_follow_page_numbers() {
        let a = furniture_keys("Page 3 of 10", 2);
        let b = furniture_keys("Page 4 of 10", 3);
        assert!(a.iter().any(|k| b.contains(k)));
        let a = furniture_keys("Item 12: review", 2);
        let b = furniture_keys("Item 15: review", 3);
        assert!(!a.iter().any(|k| b.contains(k)));
    }
}

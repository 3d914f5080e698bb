//! PDF → blocks of text in reading order.
//!
//! `lopdf` provides the object model only (parsing, cross-reference and
//! object streams, filters, decryption with an empty user password). The rest
//! is here:
//! - [`interp`] runs each page's content stream (and the Form XObjects it
//!   draws) and records every glyph with its position;
//! - [`font`] turns character codes into Unicode (ToUnicode CMaps, simple
//!   encodings with `/Differences`, CID fonts) and knows glyph widths;
//! - [`layout`] turns glyphs into lines and paragraphs, infers spaces from
//!   glyph positions, joins hyphenated words and drops running headers;
//! - [`scan`] finds scanned pages (no text layer, covered by images) and
//!   takes their page image for OCR ([`crate::extract::ocr`]).
//!
//! Everything is bounded by [`Limits`]: decompressed bytes, text produced,
//! wall-clock time, Form XObject nesting; parsing runs under `catch_unwind`
//! as a last line of defence.

mod font;
mod glyphs;
mod interp;
mod layout;
mod lexer;
mod scan;

use super::ocr::{self, OcrPageText};
use super::{ExtractError, Limits};
use crate::domain::{Extracted, Link, NOTE_SCANNED, RawBlock};
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, Stream};
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

/// Note recorded when the text limit cut the document short.
pub const NOTE_TRUNCATED: &str = "truncated: text limit reached";

/// Deepest nesting of `[` / `<<` accepted in the raw file; lopdf's parser
/// bounds recursion itself, this rejects absurd files early with a clear error.
const MAX_RAW_NESTING: usize = 10_000;

/// The text layer only: scanned pages are noted, not read.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    guarded(bytes, limits, false).map(|(e, _)| e)
}

/// The text layer, and scanned pages read by OCR (when built in).
pub fn extract_with_ocr(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Extracted, Vec<OcrPageText>), ExtractError> {
    guarded(bytes, limits, ocr::AVAILABLE)
}

fn guarded(
    bytes: &[u8],
    limits: &Limits,
    ocr: bool,
) -> Result<(Extracted, Vec<OcrPageText>), ExtractError> {
    // The fuzzer must see panics, so the safety net is off there.
    if cfg!(fuzzing) {
        return extract_inner(bytes, limits, ocr);
    }
    match catch_unwind(AssertUnwindSafe(|| extract_inner(bytes, limits, ocr))) {
        Ok(r) => r,
        Err(_) => Err(ExtractError::Pdf(
            "internal error while reading the file".into(),
        )),
    }
}

fn extract_inner(
    bytes: &[u8],
    limits: &Limits,
    ocr: bool,
) -> Result<(Extracted, Vec<OcrPageText>), ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    check_raw_nesting(bytes)?;
    let started = Instant::now();
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_decompressed_bytes),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::InvalidPassword => ExtractError::Encrypted,
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            ExtractError::Limit(format!(
                "a stream decompresses to more than {} bytes",
                limits.max_decompressed_bytes
            ))
        }
        e => ExtractError::Pdf(format!("cannot parse: {e}")),
    })?;
    if doc.trailer.has(b"Encrypt") && doc.encryption_state.is_none() {
        return Err(ExtractError::Encrypted);
    }
    if doc.objects.len() > limits.max_objects {
        return Err(ExtractError::Limit(format!(
            "{} objects, over the limit of {}",
            doc.objects.len(),
            limits.max_objects
        )));
    }
    let pages = page_list(&doc);
    if pages.is_empty() {
        return Err(ExtractError::Pdf("no pages".into()));
    }
    let mut budget = Budget {
        started,
        limits: limits.clone(),
        decompressed_left: limits.max_decompressed_bytes,
        decompressed_over: false,
        text_left: limits.max_text_bytes,
        text_truncated: false,
        ticks: 0,
    };
    let mut cache = interp::Cache::default();
    let mut page_lines = Vec::with_capacity(pages.len());
    let mut text = interp::PageText::default();
    let mut links = Vec::new();
    let mut scans = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        text.text.clear();
        text.glyphs.clear();
        text.images.clear();
        let content = page_content(&doc, page.dict, &mut budget);
        budget.check_decompressed()?;
        let mut it = interp::Interp {
            doc: &doc,
            cache: &mut cache,
            budget: &mut budget,
            out: &mut text,
            forms: Vec::new(),
        };
        it.run(&content, page.resources, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0])?;
        page_links(&doc, page.dict, &text, &mut links);
        let lines = layout::lines(&text);
        let bx = scan::page_box(&doc, page.dict);
        if ocr && scan::needs_ocr(&lines, &text.images, bx) {
            scans.push((i, std::mem::take(&mut text.images), bx));
            page_lines.push(Vec::new());
        } else {
            page_lines.push(lines);
        }
    }
    let read = read_scans(&doc, &scans, limits)?;
    let has_text = page_lines
        .iter()
        .flatten()
        .any(|l| l.text.chars().any(char::is_alphanumeric))
        || read.iter().any(|p| !p.blocks.is_empty());
    let mut notes = Vec::new();
    if !has_text {
        notes.push(NOTE_SCANNED.to_string());
    } else if !read.is_empty() {
        notes.push(ocr::ocr_note(&read));
    }
    if budget.text_truncated {
        notes.push(NOTE_TRUNCATED.to_string());
    }
    layout::drop_furniture(&mut page_lines);
    let blocks = if has_text {
        merge_blocks(&page_lines, &read)
    } else {
        Vec::new()
    };
    let extracted = Extracted {
        blocks,
        links,
        pages: Some(u32::try_from(pages.len()).unwrap_or(u32::MAX)),
        notes,
    };
    Ok((extracted, read))
}

/// Reads the scanned pages by OCR, one page image at a time.
fn read_scans(
    doc: &Document,
    scans: &[(usize, Vec<interp::Placed>, [f32; 4])],
    limits: &Limits,
) -> Result<Vec<OcrPageText>, ExtractError> {
    if scans.is_empty() {
        return Ok(Vec::new());
    }
    if scans.len() > limits.ocr.max_pages {
        return Err(ExtractError::Limit(format!(
            "{} scanned pages, over the OCR limit of {}",
            scans.len(),
            limits.ocr.max_pages
        )));
    }
    let images = scans.iter().map(|(i, placed, bx)| {
        let (img, ppi) = scan::page_image(doc, placed, *bx, &limits.ocr)?;
        Ok((u32::try_from(i + 1).unwrap_or(u32::MAX), img, ppi))
    });
    let total = u32::try_from(scans.len()).unwrap_or(u32::MAX);
    ocr::read_pages(images, total, &limits.ocr)
}

/// Blocks in page order: runs of text pages laid out together, OCR pages'
/// paragraphs in their place.
fn merge_blocks(page_lines: &[Vec<layout::Line>], read: &[OcrPageText]) -> Vec<RawBlock> {
    if read.is_empty() {
        return layout::blocks(page_lines);
    }
    let mut out = Vec::new();
    let mut run_start = 0usize;
    for page in read {
        let at = (page.page as usize).saturating_sub(1).min(page_lines.len());
        if at > run_start {
            out.extend(layout::blocks(&page_lines[run_start..at]));
        }
        out.extend(page.raw_blocks());
        run_start = at + 1;
    }
    if run_start < page_lines.len() {
        out.extend(layout::blocks(&page_lines[run_start..]));
    }
    out
}

/// Rejects files whose arrays/dictionaries nest absurdly deep (outside
/// strings and streams this is a plain bracket count).
fn check_raw_nesting(bytes: &[u8]) -> Result<(), ExtractError> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => depth += 1,
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
            }
            b']' => depth = depth.saturating_sub(1),
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            // Stream data is binary: brackets in it mean nothing.
            b's' if bytes[i..].starts_with(b"stream") => {
                match bytes[i..].windows(9).position(|w| w == b"endstream") {
                    Some(p) => i += p + 8,
                    None => return Ok(()),
                }
                depth = 0;
            }
            b'e' if bytes[i..].starts_with(b"endobj") => depth = 0,
            _ => {}
        }
        if depth > MAX_RAW_NESTING {
            return Err(ExtractError::Pdf(format!(
                "arrays or dictionaries nested more than {MAX_RAW_NESTING} deep"
            )));
        }
        i += 1;
    }
    Ok(())
}

/// Running limits for one document.
pub(super) struct Budget {
    started: Instant,
    limits: Limits,
    decompressed_left: usize,
    decompressed_over: bool,
    text_left: usize,
    text_truncated: bool,
    ticks: u32,
}

impl Budget {
    /// Called once per content-stream operator.
    #[inline]
    fn tick(&mut self) -> Result<(), ExtractError> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(4096) {
            if self.started.elapsed() > self.limits.max_time {
                return Err(ExtractError::Limit(format!(
                    "extraction took longer than {} s",
                    self.limits.max_time.as_secs_f32()
                )));
            }
            self.check_decompressed()?;
        }
        Ok(())
    }

    fn check_decompressed(&self) -> Result<(), ExtractError> {
        if self.decompressed_over {
            return Err(ExtractError::Limit(format!(
                "streams decompress to more than {} bytes",
                self.limits.max_decompressed_bytes
            )));
        }
        Ok(())
    }

    #[inline]
    fn text_full(&self) -> bool {
        self.text_truncated
    }

    /// Reserves `n` bytes of text; false (and truncated) when over the limit.
    #[inline]
    fn take_text(&mut self, n: usize) -> bool {
        if n > self.text_left {
            self.text_truncated = true;
            return false;
        }
        self.text_left -= n;
        true
    }
}

/// A stream's decoded bytes, charged to the budget; `None` if it cannot be
/// decoded or the budget is spent (then `decompressed_over` is set).
pub(super) fn stream_bytes(stream: &Stream, budget: &mut Budget) -> Option<Vec<u8>> {
    match stream.get_plain_content_with_limit(budget.decompressed_left) {
        Ok(v) => {
            budget.decompressed_left -= v.len().min(budget.decompressed_left);
            Some(v)
        }
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            budget.decompressed_over = true;
            None
        }
        Err(e) => {
            tracing::debug!(error = %e, "skipping a PDF stream that does not decode");
            None
        }
    }
}

pub(super) fn deref<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

pub(super) fn dict_get<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    key: &[u8],
) -> Option<&'a Object> {
    deref(doc, dict.get(key).ok()?)
}

/// A finite number.
pub(super) fn num(obj: &Object) -> Option<f32> {
    let v = match obj {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

struct Page<'a> {
    dict: &'a Dictionary,
    resources: Option<&'a Dictionary>,
}

/// The pages in order, walking the page tree with a visited set (cycles and
/// repeated kids are skipped) and inheriting `/Resources`.
fn page_list(doc: &Document) -> Vec<Page<'_>> {
    let mut out = Vec::new();
    let Some(root) = doc
        .trailer
        .get(b"Root")
        .ok()
        .and_then(|o| deref(doc, o))
        .and_then(|o| o.as_dict().ok())
    else {
        return out;
    };
    let Some(pages_ref) = root.get(b"Pages").ok() else {
        return out;
    };
    let mut seen: HashSet<ObjectId> = HashSet::new();
    // Stack of (node, inherited resources); children pushed in reverse.
    let mut stack: Vec<(&Object, Option<&Dictionary>, usize)> = vec![(pages_ref, None, 0)];
    while let Some((obj, inherited, depth)) = stack.pop() {
        if let Object::Reference(id) = obj
            && !seen.insert(*id)
        {
            continue;
        }
        let Some(node) = deref(doc, obj).and_then(|o| o.as_dict().ok()) else {
            continue;
        };
        let resources = dict_get(doc, node, b"Resources")
            .and_then(|o| o.as_dict().ok())
            .or(inherited);
        let kids = dict_get(doc, node, b"Kids").and_then(|o| o.as_array().ok());
        let is_pages = node.get_type().is_ok_and(|t| t == b"Pages");
        match kids {
            Some(kids) if is_pages || !node.has(b"Contents") => {
                if depth < 256 {
                    for k in kids.iter().rev() {
                        stack.push((k, resources, depth + 1));
                    }
                }
            }
            _ => out.push(Page {
                dict: node,
                resources,
            }),
        }
    }
    out
}

/// Most links kept per document.
const MAX_LINKS: usize = 10_000;

/// URI link annotations of a page, with the text shown inside their rectangle.
fn page_links(doc: &Document, page: &Dictionary, text: &interp::PageText, out: &mut Vec<Link>) {
    let Some(annots) = dict_get(doc, page, b"Annots").and_then(|o| o.as_array().ok()) else {
        return;
    };
    for a in annots {
        if out.len() >= MAX_LINKS {
            return;
        }
        let Some(annot) = deref(doc, a).and_then(|o| o.as_dict().ok()) else {
            continue;
        };
        if dict_get(doc, annot, b"Subtype").and_then(|o| o.as_name().ok()) != Some(b"Link") {
            continue;
        }
        let Some(action) = dict_get(doc, annot, b"A").and_then(|o| o.as_dict().ok()) else {
            continue;
        };
        let Some(Object::String(uri, _)) = dict_get(doc, action, b"URI") else {
            continue;
        };
        let href = String::from_utf8_lossy(uri).trim().to_string();
        if href.is_empty() {
            continue;
        }
        let rect: Vec<f32> = dict_get(doc, annot, b"Rect")
            .and_then(|o| o.as_array().ok())
            .map(|r| {
                r.iter()
                    .filter_map(|o| deref(doc, o).and_then(num))
                    .collect()
            })
            .unwrap_or_default();
        let mut label = String::new();
        if let [x0, y0, x1, y1] = rect[..] {
            let (x0, x1, y0, y1) = (x0.min(x1), x0.max(x1), y0.min(y1), y0.max(y1));
            for g in text.glyphs.iter().filter(|g| g.dir == 0) {
                let cx = (g.x0 + g.x1) / 2.0;
                if cx >= x0 && cx <= x1 && g.page_y >= y0 - 1.0 && g.page_y <= y1 {
                    if g.space && label.ends_with(' ') {
                        continue;
                    }
                    label.push_str(
                        text.text
                            .get(g.start as usize..g.end as usize)
                            .unwrap_or(""),
                    );
                }
            }
        }
        out.push(Link {
            href,
            text: label.split_whitespace().collect::<Vec<_>>().join(" "),
            title: None,
            region: "body".to_string(),
        });
    }
}

/// The page's content streams, decoded and joined.
fn page_content(doc: &Document, page: &Dictionary, budget: &mut Budget) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(contents) = dict_get(doc, page, b"Contents") else {
        return out;
    };
    let mut add = |o: &Object, budget: &mut Budget| {
        if let Some(Object::Stream(s)) = deref(doc, o)
            && let Some(b) = stream_bytes(s, budget)
        {
            out.extend_from_slice(&b);
            out.push(b'\n');
        }
    };
    match contents {
        Object::Array(a) => {
            for o in a {
                add(o, budget);
            }
        }
        o => add(o, budget),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_nesting_is_rejected_early() {
        let mut b = b"%PDF-1.4\n1 0 obj\n".to_vec();
        b.extend(std::iter::repeat_n(b'[', 200_000));
        let e = check_raw_nesting(&b).unwrap_err();
        assert!(e.to_string().contains("nested"));
        assert!(check_raw_nesting(b"1 0 obj [[[ ]]] endobj").is_ok());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [
            &b"%PDF-1.4"[..],
            b"%PDF-",
            b"hello",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj",
        ] {
            assert!(extract(input, &Limits::default()).is_err());
        }
    }
}

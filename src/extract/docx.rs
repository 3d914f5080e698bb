//! DOCX: a zip whose main part (`word/document.xml`, or wherever
//! `_rels/.rels` points) is WordprocessingML, read with a streaming XML parser.
//!
//! Paragraphs become blocks: heading styles (`Heading1`…, `Title`, or any
//! style whose name is "heading N" — ids are localised, names are not) become
//! headings, numbered paragraphs list items, table cells one block each.
//! Headers, footers, footnotes and comments live in other parts and are not
//! read; deleted text, field codes and the duplicate "fallback" copies of text
//! boxes are skipped.
//!
//! Hostile zips are bounded: entry count, declared and actual decompressed
//! size (read through `take`), XML depth, element count and time.

use super::{ExtractError, Limits};
use crate::domain::{BlockKind, Extracted, RawBlock};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::time::Instant;

/// A Word file has a few dozen parts; thousands means something else.
const MAX_ENTRIES: usize = 10_000;
const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W_NS_STRICT: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";

pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    let started = Instant::now();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ExtractError::Docx(format!("not a readable zip archive: {e}")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(ExtractError::Docx(format!(
            "zip has {} entries, over {MAX_ENTRIES}: not a Word document",
            zip.len()
        )));
    }
    let mut parts = Parts {
        zip: &mut zip,
        budget: limits.max_decompressed_bytes,
    };
    let main = parts
        .read("_rels/.rels")?
        .and_then(|rels| main_part_from_rels(&rels))
        .unwrap_or_else(|| "word/document.xml".to_string());
    let styles = match parts.read("word/styles.xml")? {
        Some(xml) => parse_styles(&xml, limits, started)?,
        None => Styles::default(),
    };
    let document = parts
        .read(&main)?
        .ok_or_else(|| ExtractError::Docx(format!("no {main}: a zip, but not a Word document")))?;
    parse_document(&document, &styles, limits, started)
}

/// Reads zip entries within one shared decompression budget.
struct Parts<'z, 'b> {
    zip: &'z mut zip::ZipArchive<Cursor<&'b [u8]>>,
    budget: usize,
}

impl Parts<'_, '_> {
    /// The entry decoded as text, or `None` when the archive has no such entry.
    fn read(&mut self, name: &str) -> Result<Option<String>, ExtractError> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        // Look at the entry without decrypting or inflating it first.
        let encrypted = self
            .zip
            .by_index_raw(index)
            .map(|f| f.encrypted())
            .map_err(|e| ExtractError::Docx(format!("cannot open {name}: {e}")))?;
        if encrypted {
            return Err(ExtractError::Docx(
                "the file is encrypted with a password".into(),
            ));
        }
        let mut file = self
            .zip
            .by_index(index)
            .map_err(|e| ExtractError::Docx(format!("cannot open {name}: {e}")))?;
        let declared = file.size();
        if declared > self.budget as u64 {
            return Err(ExtractError::Limit(format!(
                "{name} would decompress to {declared} bytes, over the {}-byte limit",
                self.budget
            )));
        }
        // The declared size can lie: read through `take` and check again.
        let mut buf = Vec::with_capacity((declared as usize).min(1 << 20));
        (&mut file)
            .take(self.budget as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ExtractError::Docx(format!("cannot decompress {name}: {e}")))?;
        if buf.len() > self.budget {
            return Err(ExtractError::Limit(format!(
                "{name} decompresses beyond the {}-byte limit",
                self.budget
            )));
        }
        self.budget -= buf.len();
        Ok(Some(super::text::decode(&buf).into_owned()))
    }
}

/// The target of the `officeDocument` relationship in `_rels/.rels`.
fn main_part_from_rels(rels: &str) -> Option<String> {
    let mut reader = Reader::from_str(rels);
    for _ in 0..10_000 {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if local(&e) == "Relationship" => {
                let is_main = attr(&e, "Type").is_some_and(|t| t.ends_with("/officeDocument"));
                if let Some(target) = attr(&e, "Target").filter(|_| is_main) {
                    let target = target.trim_start_matches('/');
                    // Only a plain path inside the archive.
                    if !target.is_empty() && !target.contains("..") && !target.contains("://") {
                        return Some(target.to_string());
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
    None
}

/// What a paragraph style means for block kinds, resolved from styles.xml.
#[derive(Debug, Default)]
struct Styles {
    heading: HashMap<String, u8>,
    list: HashMap<String, bool>,
    /// Table-of-contents styles: their paragraphs repeat the headings.
    toc: HashMap<String, bool>,
}

#[derive(Debug, Default)]
struct StyleDef {
    name: String,
    based_on: Option<String>,
    outline: Option<u8>,
    numbered: bool,
}

fn parse_styles(xml: &str, limits: &Limits, started: Instant) -> Result<Styles, ExtractError> {
    let mut defs: HashMap<String, StyleDef> = HashMap::new();
    let mut reader = Reader::from_str(xml);
    let mut guard = Guard::new(limits, started);
    let mut current: Option<(String, StyleDef)> = None;
    // Styles only refine block kinds: a broken styles part just ends the scan.
    while let Ok(ev) = reader.read_event() {
        guard.event(&ev)?;
        let ev_kind = if matches!(ev, Event::Start(_)) {
            Kind::Start
        } else {
            Kind::Other
        };
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                match local(&e) {
                    // Only a <w:style> with children has anything to learn.
                    "style" if matches!(ev_kind, Kind::Start) => {
                        let paragraph = attr(&e, "type").is_none_or(|t| t == "paragraph");
                        current = attr(&e, "styleId")
                            .filter(|_| paragraph)
                            .map(|id| (id.to_string(), StyleDef::default()));
                    }
                    "name" => {
                        if let (Some((_, d)), Some(v)) = (current.as_mut(), attr(&e, "val")) {
                            d.name = v.to_ascii_lowercase();
                        }
                    }
                    "basedOn" => {
                        if let (Some((_, d)), Some(v)) = (current.as_mut(), attr(&e, "val")) {
                            d.based_on = Some(v.to_string());
                        }
                    }
                    "outlineLvl" => {
                        if let (Some((_, d)), Some(v)) = (current.as_mut(), attr(&e, "val")) {
                            d.outline = v.parse::<u8>().ok();
                        }
                    }
                    "numPr" => {
                        if let Some((_, d)) = current.as_mut() {
                            d.numbered = true;
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) if local_end(e.name().as_ref()) == "style" => {
                if let Some((id, d)) = current.take() {
                    defs.insert(id, d);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut styles = Styles::default();
    for id in defs.keys() {
        // Follow basedOn (bounded: chains can loop in broken files).
        let mut level = None;
        let mut list = false;
        let mut toc = false;
        let mut cur = Some(id.as_str());
        for _ in 0..16 {
            let Some(d) = cur.and_then(|c| defs.get(c)) else {
                break;
            };
            level = level
                .or_else(|| heading_from_name(&d.name))
                .or(match d.outline {
                    Some(o) if o < 6 => Some(o + 1),
                    _ => None,
                });
            list |= d.numbered
                || d.name.starts_with("list bullet")
                || d.name.starts_with("list number");
            toc |= d.name.starts_with("toc ") || d.name == "toc heading";
            cur = d.based_on.as_deref();
        }
        if let Some(l) = level {
            styles.heading.insert(id.clone(), l);
        }
        if list {
            styles.list.insert(id.clone(), true);
        }
        if toc {
            styles.toc.insert(id.clone(), true);
        }
    }
    Ok(styles)
}

enum Kind {
    Start,
    Other,
}

/// "heading 1".."heading 6", "title": the built-in names Word stores in
/// English whatever the user's language.
fn heading_from_name(name: &str) -> Option<u8> {
    if name == "title" {
        return Some(1);
    }
    let n = name.strip_prefix("heading")?.trim();
    n.parse::<u8>().ok().filter(|l| (1..=6).contains(l))
}

/// A style id without styles.xml: `Heading1`, `heading 2`, `Title`.
fn heading_from_id(id: &str) -> Option<u8> {
    heading_from_name(&id.to_ascii_lowercase())
}

/// Counts events against the limits.
struct Guard<'l> {
    limits: &'l Limits,
    started: Instant,
    depth: usize,
    elements: usize,
}

impl<'l> Guard<'l> {
    fn new(limits: &'l Limits, started: Instant) -> Self {
        Guard {
            limits,
            started,
            depth: 0,
            elements: 0,
        }
    }

    fn event(&mut self, ev: &Event) -> Result<(), ExtractError> {
        match ev {
            Event::Start(_) => {
                self.depth += 1;
                self.count()?;
                if self.depth > self.limits.max_depth {
                    return Err(ExtractError::Limit(format!(
                        "DOCX XML nested deeper than {} elements",
                        self.limits.max_depth
                    )));
                }
            }
            Event::Empty(_) => self.count()?,
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok(())
    }

    fn count(&mut self) -> Result<(), ExtractError> {
        self.elements += 1;
        if self.elements > self.limits.max_objects {
            return Err(ExtractError::Limit(format!(
                "DOCX has over {} XML elements",
                self.limits.max_objects
            )));
        }
        if self.elements.is_multiple_of(4096) && self.started.elapsed() > self.limits.max_time {
            return Err(ExtractError::Limit(format!(
                "DOCX extraction took longer than {:?}",
                self.limits.max_time
            )));
        }
        Ok(())
    }
}

/// One open paragraph.
#[derive(Default)]
struct Para {
    text: String,
    style: Option<String>,
    numbered: bool,
    outline: Option<u8>,
}

struct Body<'s> {
    styles: &'s Styles,
    blocks: Vec<RawBlock>,
    paras: Vec<Para>,
    /// Open table cells (nested tables nest them).
    cells: Vec<String>,
    bytes: usize,
    max_bytes: usize,
}

impl Body<'_> {
    fn push_text(&mut self, s: &str) -> Result<(), ExtractError> {
        self.bytes += s.len();
        if self.bytes > self.max_bytes {
            return Err(ExtractError::Limit(format!(
                "DOCX text is over the {}-byte limit",
                self.max_bytes
            )));
        }
        if let Some(p) = self.paras.last_mut() {
            p.text.push_str(s);
        }
        Ok(())
    }

    fn kind(&self, p: &Para) -> Option<BlockKind> {
        let style = p.style.as_deref();
        if style.is_some_and(|s| {
            self.styles.toc.contains_key(s) || s.to_ascii_lowercase().starts_with("toc")
        }) {
            return None;
        }
        let level = style
            .and_then(|s| {
                self.styles
                    .heading
                    .get(s)
                    .copied()
                    .or_else(|| heading_from_id(s))
            })
            .or(p.outline.filter(|o| *o < 6).map(|o| o + 1));
        Some(if let Some(l) = level {
            BlockKind::Heading(l)
        } else if p.numbered || style.is_some_and(|s| self.styles.list.contains_key(s)) {
            BlockKind::ListItem
        } else {
            BlockKind::Paragraph
        })
    }

    /// Emits a finished (or interrupted) paragraph: into the open table cell
    /// if there is one, else as its own block.
    fn emit(&mut self, p: Para) {
        if p.text.trim().is_empty() {
            return;
        }
        let Some(kind) = self.kind(&p) else { return };
        if let Some(cell) = self.cells.last_mut() {
            if !cell.is_empty() {
                cell.push('\n');
            }
            cell.push_str(&p.text);
        } else {
            self.blocks.push(RawBlock::new(kind, p.text));
        }
    }

    fn flush_cell(&mut self) {
        if let Some(cell) = self.cells.last_mut() {
            if !cell.trim().is_empty() {
                let text = std::mem::take(cell);
                self.blocks.push(RawBlock::new(BlockKind::TableCell, text));
            } else {
                cell.clear();
            }
        }
    }
}

fn parse_document(
    xml: &str,
    styles: &Styles,
    limits: &Limits,
    started: Instant,
) -> Result<Extracted, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut guard = Guard::new(limits, started);
    let mut body = Body {
        styles,
        blocks: Vec::new(),
        paras: Vec::new(),
        cells: Vec::new(),
        bytes: 0,
        max_bytes: limits.max_text_bytes,
    };
    let mut w = "w".to_string();
    let mut first = true;
    // Depth at which a skipped subtree (deleted text, fallbacks) started.
    let mut skip_from: Option<usize> = None;
    let mut in_t = false;
    let mut in_run = 0usize;
    let mut in_ppr = false;
    let mut notes = Vec::new();
    loop {
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                if body.blocks.is_empty() && body.paras.iter().all(|p| p.text.is_empty()) {
                    return Err(ExtractError::Docx(format!(
                        "malformed XML in the document at byte {}: {e}",
                        reader.error_position()
                    )));
                }
                notes.push(
                    "docx: the document XML is malformed; text after the error was lost"
                        .to_string(),
                );
                break;
            }
        };
        guard.event(&ev)?;
        let depth = guard.depth;
        if let Some(from) = skip_from {
            if matches!(ev, Event::End(_)) && depth < from {
                skip_from = None;
            }
            continue;
        }
        match ev {
            Event::Start(e) => {
                if first {
                    first = false;
                    if let Some(p) = word_prefix(&e) {
                        w = p;
                    }
                }
                let (prefix, name) = split(e.name().0);
                if prefix == "mc" && name == "Fallback" {
                    skip_from = Some(depth);
                    continue;
                }
                if prefix != w {
                    continue;
                }
                match name {
                    "p" => {
                        // A paragraph inside a paragraph (text box): emit the
                        // outer text so far, keep its style for the rest.
                        if let Some(outer) = body.paras.last_mut() {
                            let text = std::mem::take(&mut outer.text);
                            let interrupted = Para {
                                text,
                                style: outer.style.clone(),
                                numbered: outer.numbered,
                                outline: outer.outline,
                            };
                            body.emit(interrupted);
                        }
                        body.paras.push(Para::default());
                    }
                    "pPr" => in_ppr = true,
                    "r" => in_run += 1,
                    "t" if in_run > 0 => in_t = true,
                    "tc" => {
                        // Nested table: the outer cell's text so far comes first.
                        body.flush_cell();
                        body.cells.push(String::new());
                    }
                    "del" | "delText" | "instrText" | "rPr" | "sdtPr" | "footnoteReference" => {
                        skip_from = Some(depth);
                    }
                    _ => paragraph_property(&mut body, in_ppr, name, &e),
                }
            }
            Event::Empty(e) => {
                let (prefix, name) = split(e.name().0);
                if prefix != w {
                    continue;
                }
                match name {
                    "tab" | "ptab" if in_run > 0 && !in_ppr => body.push_text(" ")?,
                    "br" | "cr" if in_run > 0 => body.push_text("\n")?,
                    "noBreakHyphen" if in_run > 0 => body.push_text("-")?,
                    "p" | "tc" => {}
                    _ => paragraph_property(&mut body, in_ppr, name, &e),
                }
            }
            Event::Text(t) if in_t => body.push_text(&t.xml10_content())?,
            Event::CData(t) if in_t => body.push_text(&t.into_inner())?,
            Event::GeneralRef(r) if in_t => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        // Undeclared entities (DTD tricks) expand to nothing.
                        _ => None,
                    },
                };
                if let Some(c) = c {
                    body.push_text(c.encode_utf8(&mut [0u8; 4]))?;
                }
            }
            Event::End(e) => {
                let (prefix, name) = split(e.name().0);
                if prefix != w {
                    continue;
                }
                match name {
                    "p" => {
                        if let Some(p) = body.paras.pop() {
                            body.emit(p);
                        }
                    }
                    "pPr" => in_ppr = false,
                    "r" => in_run = in_run.saturating_sub(1),
                    "t" => in_t = false,
                    "tc" => {
                        body.flush_cell();
                        body.cells.pop();
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    while let Some(p) = body.paras.pop() {
        body.emit(p);
    }
    while !body.cells.is_empty() {
        body.flush_cell();
        body.cells.pop();
    }
    Ok(Extracted {
        blocks: body.blocks,
        links: Vec::new(),
        pages: None,
        notes,
    })
}

/// Paragraph properties that decide the block kind.
fn paragraph_property(body: &mut Body, in_ppr: bool, name: &str, e: &BytesStart) {
    if !in_ppr {
        return;
    }
    let Some(p) = body.paras.last_mut() else {
        return;
    };
    match name {
        "pStyle" => p.style = attr(e, "val").map(str::to_string),
        "numPr" => p.numbered = true,
        "outlineLvl" => p.outline = attr(e, "val").and_then(|v| v.parse().ok()),
        _ => {}
    }
}

/// The prefix the root element binds to the WordprocessingML namespace.
fn word_prefix(e: &BytesStart) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let key: &str = a.key.as_ref();
        let prefix = key.strip_prefix("xmlns:")?;
        (a.value == W_NS || a.value == W_NS_STRICT).then(|| prefix.to_string())
    })
}

fn split(qname: &str) -> (&str, &str) {
    qname.split_once(':').unwrap_or(("", qname))
}

fn local<'a>(e: &'a BytesStart) -> &'a str {
    let q: &str = e.name().0;
    split(q).1
}

fn local_end(q: &str) -> &str {
    split(q).1
}

/// An attribute by local name (`w:val` and `val` alike), raw value.
fn attr<'a>(e: &'a BytesStart, name: &str) -> Option<&'a str> {
    e.attributes().flatten().find_map(|a| {
        let key: &str = a.key.0;
        if split(key).1 != name {
            return None;
        }
        match a.value {
            std::borrow::Cow::Borrowed(v) => Some(v),
            std::borrow::Cow::Owned(_) => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>"#;

    fn run(body: &str, styles: &Styles) -> Vec<(BlockKind, String)> {
        let xml = format!("{HEAD}{body}</w:body></w:document>");
        parse_document(&xml, styles, &Limits::default(), Instant::now())
            .unwrap()
            .blocks
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect()
    }

    fn p(style: &str, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    #[test]
    fn runs_tabs_breaks_entities_and_skipped_text() {
        let b = run(
            r#"<w:p><w:r><w:t>Signed</w:t><w:tab/><w:t xml:space="preserve">Jane &amp; co &#8217;s</w:t><w:br/><w:t>Director</w:t></w:r>
               <w:del><w:r><w:delText>deleted words</w:delText></w:r></w:del>
               <w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE \* MERGEFORMAT</w:instrText></w:r>
               <w:r><w:t>&bogus;!</w:t></w:r></w:p>"#,
            &Styles::default(),
        );
        assert_eq!(
            b,
            vec![(
                BlockKind::Paragraph,
                "Signed Jane & co \u{2019}s\nDirector!".into()
            )]
        );
    }

    #[test]
    fn heading_ids_without_styles_part_and_lists() {
        let b = run(
            &format!(
                "{}{}{}{}",
                p("Heading2", "Policies"),
                p("Title", "Statement"),
                r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr></w:pPr><w:r><w:t>Item</w:t></w:r></w:p>"#,
                p("TOC1", "Policies 4"),
            ),
            &Styles::default(),
        );
        assert_eq!(
            b,
            vec![
                (BlockKind::Heading(2), "Policies".into()),
                (BlockKind::Heading(1), "Statement".into()),
                (BlockKind::ListItem, "Item".into()),
            ]
        );
    }

    #[test]
    fn localised_style_ids_resolve_through_names_and_based_on() {
        let styles_xml = r#"<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
            <w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/></w:style>
            <w:style w:type="paragraph" w:styleId="MeinTitel"><w:name w:val="Mein Titel"/><w:basedOn w:val="berschrift1"/></w:style>
            <w:style w:type="paragraph" w:styleId="Aufzaehlung"><w:name w:val="Aufzählung"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="Loop"><w:name w:val="Loop"/><w:basedOn w:val="Loop"/></w:style>
            <w:style w:type="character" w:styleId="Heading1Char"><w:name w:val="heading 1 char"/></w:style>
            <w:style w:type="paragraph" w:styleId="Leer"/>
        </w:styles>"#;
        let styles = parse_styles(styles_xml, &Limits::default(), Instant::now()).unwrap();
        let b = run(
            &format!(
                "{}{}{}{}",
                p("berschrift1", "Einleitung"),
                p("MeinTitel", "Titel"),
                p("Aufzaehlung", "Punkt"),
                p("Loop", "Text")
            ),
            &styles,
        );
        assert_eq!(
            b,
            vec![
                (BlockKind::Heading(1), "Einleitung".into()),
                (BlockKind::Heading(1), "Titel".into()),
                (BlockKind::ListItem, "Punkt".into()),
                (BlockKind::Paragraph, "Text".into()),
            ]
        );
    }

    #[test]
    fn tables_nested_tables_and_text_boxes() {
        let cell = |t: &str| format!("<w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>");
        let nested = format!(
            "<w:tc><w:p><w:r><w:t>outer</w:t></w:r></w:p><w:tbl><w:tr>{}{}</w:tr></w:tbl><w:p><w:r><w:t>after</w:t></w:r></w:p></w:tc>",
            cell("in1"),
            cell("in2")
        );
        let b = run(
            &format!(
                r#"<w:tbl><w:tr>{}{nested}</w:tr></w:tbl>
                <w:p><w:r><w:t>Before box </w:t></w:r><w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent><w:p><w:r><w:t>Boxed</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Boxed</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>after box</w:t></w:r></w:p>"#,
                cell("a")
            ),
            &Styles::default(),
        );
        assert_eq!(
            b,
            vec![
                (BlockKind::TableCell, "a".into()),
                (BlockKind::TableCell, "outer".into()),
                (BlockKind::TableCell, "in1".into()),
                (BlockKind::TableCell, "in2".into()),
                (BlockKind::TableCell, "after".into()),
                (BlockKind::Paragraph, "Before box ".into()),
                (BlockKind::Paragraph, "Boxed".into()),
                (BlockKind::Paragraph, "after box".into()),
            ]
        );
    }

    #[test]
    fn other_prefix_for_the_word_namespace() {
        let xml = r#"<x:document xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><x:body><x:p><x:r><x:t>Prefixed</x:t></x:r></x:p></x:body></x:document>"#;
        let x =
            parse_document(xml, &Styles::default(), &Limits::default(), Instant::now()).unwrap();
        assert_eq!(x.blocks[0].text, "Prefixed");
    }

    #[test]
    fn malformed_and_deep_xml() {
        let l = Limits::default();
        // Broken after some text: keep the text, say so.
        let xml = format!("{HEAD}<w:p><w:r><w:t>Kept</w:t></w:r></w:p><w:p></w:q>");
        let x = parse_document(&xml, &Styles::default(), &l, Instant::now()).unwrap();
        assert_eq!(x.blocks[0].text, "Kept");
        assert_eq!(x.notes.len(), 1);
        // Broken before any text: an error.
        assert!(
            parse_document(
                "<w:document><w:p></w:q>",
                &Styles::default(),
                &l,
                Instant::now()
            )
            .is_err()
        );
        let deep = format!("{HEAD}{}", "<w:sdt>".repeat(100_000));
        assert!(matches!(
            parse_document(&deep, &Styles::default(), &l, Instant::now()),
            Err(ExtractError::Limit(_))
        ));
    }

    #[test]
    fn rels_point_at_the_main_part() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
          <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
          <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
        assert_eq!(
            main_part_from_rels(rels).as_deref(),
            Some("word/document2.xml")
        );
        assert_eq!(
            main_part_from_rels(&rels.replace("/word/document2.xml", "../../etc/passwd")),
            None
        );
    }
}

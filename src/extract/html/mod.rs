//! HTML → the blocks of the page's main content, plus every link on the page.
//!
//! Steps: decode ([`charset`]), parse with a depth and time guard
//! ([`parse`]), flatten the DOM into a pre-order array (so no step recurses,
//! whatever the nesting), mark page chrome (nav, header, footer, aside,
//! forms, cookie banners, hidden elements, menus by class/id), pick the main
//! content (`<main>`/`role=main`, else the largest `<article>`, else the
//! cleaned `<body>`), then walk it emitting one block per block-level element
//! so words never run together across blocks ("IntroductionThis").
//!
//! Chrome removal errs towards keeping text: an element that contains the
//! `<main>`/`<article>` or holds half of the page's text is never removed
//! (whole-page `<form>` wrappers, `display:none` bodies revealed by script),
//! and collapsed accordion panels stay, because a reader can open them.

mod charset;
mod parse;

pub use charset::{charset_param, decode};

use super::{ExtractError, Limits};
use crate::domain::{BlockKind, Extracted, Link, RawBlock};
use scraper::{ElementRef, Html, Node};
use std::time::Instant;

/// Most links kept per page; the crawler needs a handful, hostile pages have millions.
const MAX_LINKS: usize = 10_000;
/// Longest link text kept, in bytes.
const MAX_LINK_TEXT: usize = 500;

/// Extracts an HTML page whose charset is only known from its bytes.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Extracted, ExtractError> {
    extract_with_content_type(bytes, None, limits)
}

/// Extracts an HTML page; `content_type` is the HTTP header, when there was
/// one (its charset outranks `<meta>`).
pub fn extract_with_content_type(
    bytes: &[u8],
    content_type: Option<&str>,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    let started = Instant::now();
    let (text, _) = decode(bytes, content_type);
    let (doc, report) = parse::parse(&text, limits.max_depth, limits.max_time);
    if report.timed_out {
        return Err(ExtractError::Limit(format!(
            "HTML parsing took longer than {:?}",
            limits.max_time
        )));
    }
    if report.start_tags > limits.max_objects {
        return Err(ExtractError::Limit(format!(
            "HTML has over {} elements",
            limits.max_objects
        )));
    }
    let page = Page::flatten(&doc, limits, started)?;
    let mut out = page.extract(limits, started)?;
    if report.flattened > 0 {
        out.notes.push(format!(
            "html: nesting deeper than {} elements was flattened",
            limits.max_depth
        ));
    }
    Ok(out)
}

/// The elements the extractor treats differently; everything else is inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Heading(u8),
    ListItem,
    Cell,
    Br,
    Pre,
    A,
    Img,
    Main,
    Article,
    Section,
    Header,
    Footer,
    Nav,
    Aside,
    Form,
    Body,
    Title,
    Base,
    /// Never content: script, style, svg, form controls...
    Drop,
    /// `<template>` (and `<noscript>`): not shown, but on a page whose only
    /// text is there (a client-rendered app shell) it is the best there is.
    Template,
    /// Other block-level elements (p, div, table, ul...).
    Block,
    Inline,
}

fn classify(name: &str) -> Tag {
    match name {
        "h1" => Tag::Heading(1),
        "h2" => Tag::Heading(2),
        "h3" => Tag::Heading(3),
        "h4" => Tag::Heading(4),
        "h5" => Tag::Heading(5),
        "h6" => Tag::Heading(6),
        "li" | "dt" | "dd" => Tag::ListItem,
        "td" | "th" => Tag::Cell,
        "br" => Tag::Br,
        "pre" | "listing" | "xmp" | "plaintext" => Tag::Pre,
        "a" => Tag::A,
        "img" => Tag::Img,
        "main" => Tag::Main,
        "article" => Tag::Article,
        "section" => Tag::Section,
        "header" => Tag::Header,
        "footer" => Tag::Footer,
        "nav" => Tag::Nav,
        "aside" => Tag::Aside,
        "form" => Tag::Form,
        "body" => Tag::Body,
        "title" => Tag::Title,
        "base" => Tag::Base,
        "template" | "noscript" | "head" => Tag::Template,
        "script" | "style" | "svg" | "math" | "iframe" | "object" | "embed" | "canvas"
        | "video" | "audio" | "map" | "select" | "option" | "optgroup" | "datalist"
        | "textarea" | "button" | "input" | "dialog" | "link" | "meta" | "noembed" | "noframes"
        | "frameset" | "source" | "track" | "param" => Tag::Drop,
        "p" | "div" | "table" | "tbody" | "thead" | "tfoot" | "tr" | "caption" | "ul" | "ol"
        | "dl" | "blockquote" | "address" | "figure" | "figcaption" | "details" | "summary"
        | "center" | "fieldset" | "legend" | "hgroup" | "hr" | "menu" | "dir" | "html" => {
            Tag::Block
        }
        _ => Tag::Inline,
    }
}

impl Tag {
    fn is_block(self) -> bool {
        !matches!(
            self,
            Tag::Inline | Tag::A | Tag::Img | Tag::Br | Tag::Title | Tag::Base | Tag::Template
        )
    }
}

/// Landmark a link sits in (`Link::region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Body,
    Main,
    Header,
    Nav,
    Footer,
}

impl Region {
    fn as_str(self) -> &'static str {
        match self {
            Region::Body => "body",
            Region::Main => "main",
            Region::Header => "header",
            Region::Nav => "nav",
            Region::Footer => "footer",
        }
    }
}

/// Why an element might be page chrome rather than content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chrome {
    None,
    /// Never content (script, style...): removed unconditionally.
    Always,
    /// Hidden from the reader.
    Hidden,
    /// Landmark or class/id pattern (nav, footer, sidebar...).
    Boilerplate,
    /// Cookie and consent banners, dialogs: never the content, even when
    /// they hold most of a short page's text.
    Banner,
}

enum Item<'a> {
    Elem(ElementRef<'a>, Tag),
    Text(&'a str),
}

const NONE: u32 = u32::MAX;

/// The document as a pre-order array: the subtree of item `i` is `i..end[i]`.
struct Page<'a> {
    items: Vec<Item<'a>>,
    parent: Vec<u32>,
    end: Vec<u32>,
}

impl<'a> Page<'a> {
    fn flatten(doc: &'a Html, limits: &Limits, started: Instant) -> Result<Self, ExtractError> {
        let mut items = Vec::new();
        let mut parent = Vec::new();
        let mut stack = vec![(doc.tree.root(), NONE)];
        while let Some((node, up)) = stack.pop() {
            let item = match node.value() {
                Node::Element(_) => match ElementRef::wrap(node) {
                    Some(el) => Item::Elem(el, classify(el.value().name())),
                    None => continue,
                },
                Node::Text(t) => Item::Text(t),
                Node::Document | Node::Fragment => {
                    for c in node.children().rev() {
                        stack.push((c, up));
                    }
                    continue;
                }
                _ => continue,
            };
            let me = items.len() as u32;
            items.push(item);
            parent.push(up);
            if items.len() > limits.max_objects {
                return Err(ExtractError::Limit(format!(
                    "HTML has over {} nodes",
                    limits.max_objects
                )));
            }
            if items.len() % 4096 == 0 && started.elapsed() > limits.max_time {
                return Err(time_limit(limits));
            }
            for c in node.children().rev() {
                stack.push((c, me));
            }
        }
        let n = items.len();
        let mut size = vec![1u32; n];
        for i in (0..n).rev() {
            if parent[i] != NONE {
                size[parent[i] as usize] += size[i];
            }
        }
        let end = (0..n).map(|i| i as u32 + size[i]).collect();
        Ok(Page { items, parent, end })
    }

    fn extract(&self, limits: &Limits, started: Instant) -> Result<Extracted, ExtractError> {
        let n = self.items.len();
        // Forward pass: inherited context, regions and each element's own chrome verdict.
        let mut in_content = vec![false; n];
        let mut region = vec![Region::Body; n];
        let mut chrome = vec![Chrome::None; n];
        let mut always_dead = vec![false; n];
        let mut script_dead = vec![false; n];
        for i in 0..n {
            let up = self.parent[i];
            let (ctx, reg, dead, sdead) = if up == NONE {
                (false, Region::Body, false, false)
            } else {
                let u = up as usize;
                let own_ctx = matches!(&self.items[u], Item::Elem(el, t)
                    if matches!(t, Tag::Main | Tag::Article | Tag::Section) || role(el) == "main");
                (
                    in_content[u] || own_ctx,
                    region[u],
                    always_dead[u],
                    script_dead[u],
                )
            };
            in_content[i] = ctx;
            if let Item::Elem(el, tag) = &self.items[i] {
                region[i] = landmark(el, *tag).unwrap_or(reg);
                chrome[i] = chrome_of(el, *tag, ctx);
                always_dead[i] = dead || chrome[i] == Chrome::Always;
                script_dead[i] = sdead || matches!(tag, Tag::Drop | Tag::Title);
            } else {
                region[i] = reg;
                always_dead[i] = dead;
                script_dead[i] = sdead;
            }
        }
        if started.elapsed() > limits.max_time {
            return Err(time_limit(limits));
        }
        // Reverse pass: text per subtree (outside scripts) and where the main content is.
        let mut raw_text = vec![0usize; n];
        let mut has_main = vec![false; n];
        for i in (0..n).rev() {
            match &self.items[i] {
                Item::Text(t) if !always_dead[i] => raw_text[i] += visible_len(t),
                Item::Elem(el, tag) => {
                    has_main[i] |= matches!(tag, Tag::Main | Tag::Article) || role(el) == "main";
                }
                _ => {}
            }
            let up = self.parent[i];
            if up != NONE {
                raw_text[up as usize] += raw_text[i];
                has_main[up as usize] |= has_main[i];
            }
        }
        let body = self.find(|t| t == Tag::Body).unwrap_or(0);
        let page_text = raw_text.get(body).copied().unwrap_or(0);
        // Removal: chrome unless it protects the content itself.
        let mut dead = vec![false; n];
        for i in 0..n {
            let up = self.parent[i];
            let inherited = up != NONE && dead[up as usize];
            let own = match chrome[i] {
                Chrome::None => false,
                Chrome::Always => true,
                Chrome::Banner => !has_main[i],
                Chrome::Hidden | Chrome::Boilerplate => {
                    !(has_main[i] || (page_text > 0 && raw_text[i] * 2 >= page_text))
                }
            };
            dead[i] = inherited || own;
        }
        let stats = Stats::compute(self, &dead);

        // The main content: <main>/role=main, else the largest <article>,
        // each only when it holds a fair share of the page's remaining text
        // (a <main> wrapping just a hero banner is not the statement).
        let kept_page = stats.text[body];
        let pick = |want: &dyn Fn(&Item) -> bool| -> Option<usize> {
            (0..n)
                .filter(|&i| !dead[i] && want(&self.items[i]))
                .max_by_key(|&i| stats.text[i])
                .filter(|&i| stats.text[i] > 0 && stats.text[i] * 5 >= kept_page * 2)
        };
        let main =
            pick(&|it| matches!(it, Item::Elem(el, t) if *t == Tag::Main || role(el) == "main"))
                .or_else(|| pick(&|it| matches!(it, Item::Elem(_, Tag::Article))));

        let mut blocks = match main {
            Some(m) => self.emit(m, &dead, limits)?,
            None => Vec::new(),
        };
        let root = if blocks.is_empty() {
            // No usable landmark: the cleaned body, minus unmarked menus.
            let mut dead_menus = dead.clone();
            self.drop_link_lists(body, &mut dead_menus, &stats, kept_page);
            blocks = self.emit(body, &dead_menus, limits)?;
            if blocks.is_empty() {
                // Everything looked like chrome (a tiny page, an app shell):
                // keep all that is not script or style rather than nothing.
                blocks = self.emit(body, &always_dead, limits)?;
                if blocks.is_empty() {
                    blocks = self.emit(0, &script_dead, limits)?;
                }
            }
            body
        } else {
            main.unwrap_or(body)
        };
        if !blocks.iter().any(|b| b.kind == BlockKind::Heading(1))
            && let Some(title) = self.title_outside(root, &always_dead)
        {
            blocks.insert(0, RawBlock::new(BlockKind::Heading(1), title));
        }
        let (links, capped) = self.links();
        let mut notes = Vec::new();
        if capped {
            notes.push(format!("html: only the first {MAX_LINKS} links were kept"));
        }
        if started.elapsed() > limits.max_time {
            return Err(time_limit(limits));
        }
        Ok(Extracted {
            blocks,
            links,
            pages: None,
            notes,
        })
    }

    fn find(&self, want: impl Fn(Tag) -> bool) -> Option<usize> {
        self.items
            .iter()
            .position(|it| matches!(it, Item::Elem(_, t) if want(*t)))
    }

    /// Marks unmarked menus dead: blocks that are mostly short links.
    fn drop_link_lists(&self, root: usize, dead: &mut [bool], stats: &Stats, page_text: usize) {
        let mut i = root + 1;
        let stop = self.end[root] as usize;
        while i < stop {
            if dead[i] {
                i = self.end[i] as usize;
                continue;
            }
            if let Item::Elem(_, tag) = &self.items[i] {
                let links = stats.links[i];
                let menu_like = tag.is_block()
                    && links >= 3
                    && stats.link_text[i] * 2 >= stats.text[i]
                    && stats.link_text[i] <= links * 20
                    && stats.text[i] * 2 < page_text;
                if menu_like {
                    let end = self.end[i] as usize;
                    dead[i..end].iter_mut().for_each(|d| *d = true);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// Walks the subtree of `root`, one block per block-level element.
    fn emit(
        &self,
        root: usize,
        dead: &[bool],
        limits: &Limits,
    ) -> Result<Vec<RawBlock>, ExtractError> {
        let mut out = Emitter {
            blocks: Vec::new(),
            buf: String::new(),
            bytes: 0,
            max_bytes: limits.max_text_bytes,
        };
        // Open block elements: (end of subtree, kind of its text, inside <pre>).
        let mut open: Vec<(u32, BlockKind, bool)> = Vec::new();
        let stop = self.end[root] as usize;
        let mut i = root;
        while i < stop {
            while open.last().is_some_and(|o| o.0 as usize <= i) {
                let (_, kind, _) = open.pop().unwrap_or((0, BlockKind::Paragraph, false));
                out.flush(kind);
            }
            if dead[i] {
                i = self.end[i] as usize;
                continue;
            }
            let (kind, pre) = open
                .last()
                .map_or((BlockKind::Paragraph, false), |o| (o.1, o.2));
            match &self.items[i] {
                Item::Text(t) => out.push_text(t, pre)?,
                Item::Elem(el, tag) => {
                    if *tag == Tag::Br {
                        out.buf.push('\n');
                    } else if tag.is_block() {
                        out.flush(kind);
                        let own = match tag {
                            Tag::Heading(n) => BlockKind::Heading(*n),
                            Tag::ListItem => BlockKind::ListItem,
                            Tag::Cell => BlockKind::TableCell,
                            _ => match aria_heading(el) {
                                Some(n) => BlockKind::Heading(n),
                                // Lists and headings colour the paragraphs
                                // inside them; table cells do not (layout
                                // tables hold whole pages).
                                None if matches!(
                                    kind,
                                    BlockKind::ListItem | BlockKind::Heading(_)
                                ) =>
                                {
                                    kind
                                }
                                None => BlockKind::Paragraph,
                            },
                        };
                        open.push((self.end[i], own, pre || *tag == Tag::Pre));
                    }
                }
            }
            i += 1;
        }
        while let Some((_, kind, _)) = open.pop() {
            out.flush(kind);
        }
        out.flush(BlockKind::Paragraph);
        Ok(out.blocks)
    }

    /// A heading for a page whose content has no `<h1>`: the first `<h1>`
    /// before the content (often in a hero banner removed as chrome), else
    /// the `<title>`.
    fn title_outside(&self, root: usize, always_dead: &[bool]) -> Option<String> {
        let h1 = (0..root)
            .filter(|&i| i < self.items.len() && !always_dead[i])
            .filter(|&i| (self.end[i] as usize) <= root)
            .find(|&i| matches!(self.items[i], Item::Elem(_, Tag::Heading(1))))
            .map(|i| self.text_of(i))
            .filter(|t| !t.is_empty());
        h1.or_else(|| {
            self.find(|t| t == Tag::Title)
                .map(|i| self.text_of(i))
                .filter(|t| !t.is_empty())
        })
    }

    /// The folded text of a subtree (for link texts and titles).
    fn text_of(&self, i: usize) -> String {
        let mut s = String::new();
        let mut j = i;
        while j < self.end[i] as usize {
            match &self.items[j] {
                Item::Text(t) => {
                    s.push_str(t);
                    s.push(' ');
                }
                Item::Elem(_, Tag::Drop | Tag::Template) => {
                    j = self.end[j] as usize;
                    continue;
                }
                _ => {}
            }
            j += 1;
            if s.len() > MAX_LINK_TEXT * 4 {
                break;
            }
        }
        fold(&s, MAX_LINK_TEXT)
    }

    /// Every `<a href>` of the page, chrome included: the crawler looks for
    /// the statement link in headers and footers.
    fn links(&self) -> (Vec<Link>, bool) {
        let base = self
            .find(|t| t == Tag::Base)
            .and_then(|i| match &self.items[i] {
                Item::Elem(el, _) => el.value().attr("href"),
                _ => None,
            })
            .and_then(|h| url::Url::parse(h.trim()).ok());
        let mut region = vec![Region::Body; self.items.len()];
        let mut links = Vec::new();
        for i in 0..self.items.len() {
            let up = self.parent[i];
            let inherited = if up == NONE {
                Region::Body
            } else {
                region[up as usize]
            };
            let Item::Elem(el, tag) = &self.items[i] else {
                region[i] = inherited;
                continue;
            };
            region[i] = landmark(el, *tag).unwrap_or(inherited);
            if *tag != Tag::A {
                continue;
            }
            let Some(href) = el.value().attr("href") else {
                continue;
            };
            if links.len() >= MAX_LINKS {
                return (links, true);
            }
            let href = href.trim();
            let href = match &base {
                Some(b) if url::Url::parse(href).is_err() => {
                    b.join(href).map_or_else(|_| href.to_string(), String::from)
                }
                _ => href.to_string(),
            };
            let mut text = self.text_of(i);
            if text.is_empty() {
                // Logo links: the image's alt text is the link text.
                text = (i..self.end[i] as usize)
                    .find_map(|j| match &self.items[j] {
                        Item::Elem(img, Tag::Img) => img.value().attr("alt"),
                        _ => None,
                    })
                    .map(|a| fold(a, MAX_LINK_TEXT))
                    .unwrap_or_default();
            }
            let title = el
                .value()
                .attr("title")
                .or_else(|| el.value().attr("aria-label"))
                .map(|t| fold(t, MAX_LINK_TEXT))
                .filter(|t| !t.is_empty());
            links.push(Link {
                href: truncate(&href, 4096).to_string(),
                text,
                title,
                region: region[i].as_str().to_string(),
            });
        }
        (links, false)
    }
}

/// Text, link text and link count of each subtree, counting live nodes only.
struct Stats {
    text: Vec<usize>,
    link_text: Vec<usize>,
    links: Vec<usize>,
}

impl Stats {
    fn compute(page: &Page, dead: &[bool]) -> Stats {
        let n = page.items.len();
        let mut text = vec![0usize; n];
        let mut link_text = vec![0usize; n];
        let mut links = vec![0usize; n];
        let mut in_link = vec![false; n];
        for i in 0..n {
            let up = page.parent[i];
            in_link[i] = (up != NONE && in_link[up as usize])
                || matches!(page.items[i], Item::Elem(_, Tag::A));
        }
        for i in (0..n).rev() {
            if dead[i] {
                continue;
            }
            match &page.items[i] {
                Item::Text(t) => {
                    let len = visible_len(t);
                    text[i] += len;
                    if in_link[i] {
                        link_text[i] += len;
                    }
                }
                Item::Elem(_, Tag::A) => links[i] += 1,
                _ => {}
            }
            let up = page.parent[i];
            if up != NONE {
                let u = up as usize;
                text[u] += text[i];
                link_text[u] += link_text[i];
                links[u] += links[i];
            }
        }
        Stats {
            text,
            link_text,
            links,
        }
    }
}

struct Emitter {
    blocks: Vec<RawBlock>,
    buf: String,
    bytes: usize,
    max_bytes: usize,
}

impl Emitter {
    fn push_text(&mut self, t: &str, pre: bool) -> Result<(), ExtractError> {
        self.bytes += t.len();
        if self.bytes > self.max_bytes {
            return Err(ExtractError::Limit(format!(
                "HTML text is over the {}-byte limit",
                self.max_bytes
            )));
        }
        if pre {
            self.buf.push_str(t);
        } else {
            // Source line breaks are just spaces in HTML; <br> makes real ones.
            self.buf.extend(
                t.chars()
                    .map(|c| if c.is_ascii_whitespace() { ' ' } else { c }),
            );
        }
        Ok(())
    }

    fn flush(&mut self, kind: BlockKind) {
        if self.buf.chars().any(|c| !c.is_whitespace()) {
            self.blocks
                .push(RawBlock::new(kind, std::mem::take(&mut self.buf)));
        } else {
            self.buf.clear();
        }
    }
}

fn time_limit(limits: &Limits) -> ExtractError {
    ExtractError::Limit(format!(
        "HTML extraction took longer than {:?}",
        limits.max_time
    ))
}

fn visible_len(t: &str) -> usize {
    t.bytes().filter(|b| !b.is_ascii_whitespace()).count()
}

/// Folds whitespace to single spaces and trims, keeping at most `max` bytes.
fn fold(s: &str, max: usize) -> String {
    let folded = s.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&folded, max).to_string()
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

fn role<'e>(el: &ElementRef<'e>) -> &'e str {
    el.value().attr("role").unwrap_or("").trim()
}

fn aria_heading(el: &ElementRef) -> Option<u8> {
    if !role(el).eq_ignore_ascii_case("heading") {
        return None;
    }
    let level = el
        .value()
        .attr("aria-level")
        .and_then(|l| l.trim().parse::<u8>().ok())
        .unwrap_or(2);
    Some(level.clamp(1, 6))
}

/// Lower-cased words of the class and id attributes, split at `-`, `_`,
/// `:` and camelCase humps: `site-headerNav` → `site`, `header`, `nav`.
fn name_words(el: &ElementRef) -> Vec<String> {
    let mut words = Vec::new();
    for attr in [el.value().attr("class"), el.value().attr("id")]
        .into_iter()
        .flatten()
    {
        // Bound the work on enormous attribute values.
        for token in truncate(attr, 512).split_whitespace() {
            let mut word = String::new();
            let mut prev_lower = false;
            for c in token.chars() {
                let boundary =
                    matches!(c, '-' | '_' | ':' | '.' | '/') || (c.is_uppercase() && prev_lower);
                if boundary && !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                if c.is_alphanumeric() {
                    word.extend(c.to_lowercase());
                }
                prev_lower = c.is_lowercase() || c.is_ascii_digit();
            }
            if !word.is_empty() {
                words.push(word);
            }
        }
    }
    words
}

/// The landmark an element opens for the links inside it.
fn landmark(el: &ElementRef, tag: Tag) -> Option<Region> {
    match tag {
        Tag::Nav => return Some(Region::Nav),
        Tag::Header => return Some(Region::Header),
        Tag::Footer => return Some(Region::Footer),
        Tag::Main => return Some(Region::Main),
        Tag::Inline
        | Tag::A
        | Tag::Img
        | Tag::Br
        | Tag::Drop
        | Tag::Template
        | Tag::Title
        | Tag::Base => {
            return None;
        }
        _ => {}
    }
    match role(el).to_ascii_lowercase().as_str() {
        "navigation" | "menu" | "menubar" => return Some(Region::Nav),
        "banner" => return Some(Region::Header),
        "contentinfo" => return Some(Region::Footer),
        "main" => return Some(Region::Main),
        _ => {}
    }
    let words = name_words(el);
    let has = |pred: &dyn Fn(&str) -> bool| words.iter().any(|w| pred(w));
    if has(&|w| w.starts_with("nav") || w.starts_with("menu")) {
        Some(Region::Nav)
    } else if has(&|w| w.starts_with("header") || w == "masthead") {
        Some(Region::Header)
    } else if has(&|w| w.starts_with("footer")) {
        Some(Region::Footer)
    } else {
        None
    }
}

/// Class/id words that mark page furniture wherever they appear.
const CHROME_WORDS: &[&str] = &[
    "nav",
    "navbar",
    "navigation",
    "menu",
    "menubar",
    "megamenu",
    "submenu",
    "breadcrumb",
    "breadcrumbs",
    "sidebar",
    "masthead",
    "topbar",
    "toolbar",
    "skiplink",
    "share",
    "sharing",
    "sharebar",
    "newsletter",
    "modal",
    "popup",
    "banner",
    "pagination",
    "pager",
    "related",
    "comments",
    "offcanvas",
    "consent",
    "gdpr",
    "cookie",
    "cookies",
];

/// Words that mark an expandable panel: hidden until clicked, still content.
const PANEL_WORDS: &[&str] = &[
    "accordion",
    "accordian",
    "collapse",
    "collapsible",
    "panel",
    "tab",
    "tabs",
    "tabpanel",
    "toggle",
    "expand",
    "expandable",
    "faq",
    "answer",
    "readmore",
    "more",
];

fn chrome_of(el: &ElementRef, tag: Tag, in_content: bool) -> Chrome {
    match tag {
        Tag::Drop | Tag::Template | Tag::Title => return Chrome::Always,
        Tag::Nav | Tag::Aside | Tag::Form => return Chrome::Boilerplate,
        // Inside an article or section, header/footer are the article's own.
        Tag::Header | Tag::Footer if !in_content => return Chrome::Boilerplate,
        _ => {}
    }
    if matches!(tag, Tag::Body) || el.value().name() == "html" {
        return Chrome::None;
    }
    let v = el.value();
    let role = role(el).to_ascii_lowercase();
    let words = name_words(el);
    let cookie = words.iter().any(|w| {
        w.contains("cookie")
            || w.contains("consent")
            || w.contains("gdpr")
            || w.contains("onetrust")
    });
    if cookie || matches!(role.as_str(), "dialog" | "alertdialog") || v.attr("aria-modal").is_some()
    {
        return Chrome::Banner;
    }
    if matches!(
        role.as_str(),
        "navigation" | "banner" | "complementary" | "search" | "menu" | "menubar"
    ) || (role == "contentinfo" && !in_content)
    {
        return Chrome::Boilerplate;
    }
    let hidden = v.attr("hidden").is_some()
        || v.attr("aria-hidden")
            .is_some_and(|a| a.trim().eq_ignore_ascii_case("true"))
        || v.attr("style").is_some_and(|s| {
            let s: String = truncate(s, 2048)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        });
    if hidden {
        let panel = words.iter().any(|w| PANEL_WORDS.contains(&w.as_str()))
            || matches!(role.as_str(), "tabpanel" | "region")
            || v.attr("aria-labelledby").is_some();
        return if panel { Chrome::None } else { Chrome::Hidden };
    }
    if words.iter().any(|w| CHROME_WORDS.contains(&w.as_str())) {
        return Chrome::Boilerplate;
    }
    if !in_content
        && words
            .iter()
            .any(|w| matches!(w.as_str(), "header" | "footer" | "masthead"))
    {
        return Chrome::Boilerplate;
    }
    Chrome::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(html: &str) -> Vec<(BlockKind, String)> {
        extract(html.as_bytes(), &Limits::default())
            .unwrap()
            .blocks
            .into_iter()
            .map(|b| (b.kind, crate::domain::normalise_block_text(&b.text)))
            .collect()
    }

    fn texts(html: &str) -> Vec<String> {
        blocks(html).into_iter().map(|b| b.1).collect()
    }

    #[test]
    fn block_boundaries_never_glue_words() {
        let t = texts("<div><h2>Introduction</h2>This is text<div>Next</div>tail</div>");
        assert_eq!(t, ["Introduction", "This is text", "Next", "tail"]);
    }

    #[test]
    fn kinds_of_blocks() {
        let b = blocks(
            "<main><h1>Statement</h1><p>Para <b>bold</b> text.</p><ul><li>one</li><li><p>two</p></li></ul>\
             <table><tr><td>cell a</td><td>cell b</td></tr></table>\
             <div role=heading aria-level=3>Aria</div><p>line<br>break</p></main>",
        );
        assert_eq!(
            b,
            vec![
                (BlockKind::Heading(1), "Statement".into()),
                (BlockKind::Paragraph, "Para bold text.".into()),
                (BlockKind::ListItem, "one".into()),
                (BlockKind::ListItem, "two".into()),
                (BlockKind::TableCell, "cell a".into()),
                (BlockKind::TableCell, "cell b".into()),
                (BlockKind::Heading(3), "Aria".into()),
                (BlockKind::Paragraph, "line\nbreak".into()),
            ]
        );
    }

    #[test]
    fn words_split_on_case_and_punctuation() {
        let doc = Html::parse_fragment("<div class='siteHeader main-nav_x' id='CookieBar'></div>");
        let el = doc
            .root_element()
            .children()
            .find_map(ElementRef::wrap)
            .unwrap();
        assert_eq!(
            name_words(&el),
            ["site", "header", "main", "nav", "x", "cookie", "bar"]
        );
    }

    #[test]
    fn layout_table_cells_keep_paragraph_kind() {
        let b = blocks("<body><table><tr><td><p>Whole page para.</p></td></tr></table></body>");
        assert_eq!(b, vec![(BlockKind::Paragraph, "Whole page para.".into())]);
    }
}

//! What the crawler reads from an HTML page: its links (with the landmark
//! each sits in), its title and headings, and the size of its text. Kept
//! here rather than in `extract` because the crawler needs links even from
//! pages that are not statements (homepages, policy hubs, listings).

use crate::domain::Link;
use scraper::{ElementRef, Html, Selector};
use url::Url;

/// Pages larger than this are parsed in two parts, their first
/// [`HEAD_BYTES`] and their last [`TAIL_BYTES`]: a homepage is far smaller,
/// and the footer, where the statement link usually is, comes last.
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;
const HEAD_BYTES: usize = 6 * 1024 * 1024;
const TAIL_BYTES: usize = 2 * 1024 * 1024;
/// At most this many links are kept from one page: the first
/// [`FIRST_LINKS`] and the last [`LAST_LINKS`] (the footer's).
const FIRST_LINKS: usize = 4_000;
const LAST_LINKS: usize = 1_000;
/// Ancestors looked at for a link's landmark (deeply nested pages).
const MAX_REGION_DEPTH: usize = 256;
/// Elements whose text is one block, and those that make an enclosing
/// block not a leaf (a `p` inside an `li` would count twice).
const BLOCK_TAGS: [&str; 12] = [
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "td",
    "th",
    "blockquote",
    "pre",
];
const INNER_BLOCK_TAGS: [&str; 7] = ["p", "li", "td", "th", "h1", "h2", "h3"];

#[derive(Debug, Clone, Default)]
pub struct PageInfo {
    pub title: String,
    /// h1–h3 texts, in document order.
    pub headings: Vec<String>,
    /// Absolute http(s) links, `href` resolved against the page URL.
    pub links: Vec<Link>,
    /// Visible text blocks (headings, paragraphs, list items, cells).
    pub blocks: Vec<String>,
}

impl PageInfo {
    pub fn text_chars(&self) -> usize {
        self.blocks.iter().map(|b| b.chars().count()).sum()
    }
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn sel(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

/// The landmark an element sits in: the nearest of header / nav / footer /
/// main (by tag, ARIA role, or an id/class naming it), else `body`.
fn region_of(el: ElementRef<'_>) -> &'static str {
    let mut node = el.parent();
    let mut depth = 0;
    while let Some(n) = node {
        depth += 1;
        if depth > MAX_REGION_DEPTH {
            break;
        }
        if let Some(e) = n.value().as_element() {
            let tag = e.name();
            let role = e.attr("role").unwrap_or("");
            let named = |w: &str| {
                e.id().is_some_and(|i| i.to_ascii_lowercase().contains(w))
                    || e.classes().any(|c| c.to_ascii_lowercase().contains(w))
            };
            if tag == "footer" || role == "contentinfo" || named("footer") {
                return "footer";
            }
            if tag == "nav" || role == "navigation" || named("nav") || named("menu") {
                return "nav";
            }
            if tag == "header" || role == "banner" || named("header") {
                return "header";
            }
            if tag == "main" || role == "main" {
                return "main";
            }
        }
        node = n.parent();
    }
    "body"
}

/// Parses an HTML page. Never fails: a page that cannot be read yields an
/// empty [`PageInfo`].
pub fn analyse(bytes: &[u8], page_url: &Url) -> PageInfo {
    if bytes.len() <= MAX_PAGE_BYTES {
        return analyse_whole(bytes, page_url);
    }
    // Cut at a tag's start so neither part begins or ends inside a tag.
    let head_end = bytes[..HEAD_BYTES]
        .iter()
        .rposition(|&b| b == b'<')
        .unwrap_or(HEAD_BYTES);
    let tail_from = bytes.len() - TAIL_BYTES;
    let tail_start = bytes[tail_from..]
        .iter()
        .position(|&b| b == b'<')
        .map_or(bytes.len(), |i| tail_from + i);
    let mut info = analyse_whole(&bytes[..head_end], page_url);
    let tail = analyse_whole(&bytes[tail_start..], page_url);
    info.links.extend(tail.links);
    info
}

fn analyse_whole(bytes: &[u8], page_url: &Url) -> PageInfo {
    let mut info = PageInfo::default();
    let html = Html::parse_document(&decode(bytes));
    let base = sel("base[href]")
        .and_then(|s| html.select(&s).next())
        .and_then(|b| b.attr("href"))
        .and_then(|h| page_url.join(h).ok())
        .unwrap_or_else(|| page_url.clone());
    if let Some(s) = sel("title")
        && let Some(t) = html.select(&s).next()
    {
        info.title = fold(&t.text().collect::<String>());
    }
    if let Some(s) = sel("h1, h2, h3") {
        info.headings = html
            .select(&s)
            .map(|h| fold(&h.text().collect::<String>()))
            .filter(|t| !t.is_empty())
            .take(200)
            .collect();
    }
    info.blocks = leaf_blocks(&html);
    if let Some(s) = sel("a[href]") {
        let mut anchors: Vec<ElementRef<'_>> = Vec::new();
        let mut last: std::collections::VecDeque<ElementRef<'_>> =
            std::collections::VecDeque::new();
        for a in html.select(&s) {
            if anchors.len() < FIRST_LINKS {
                anchors.push(a);
            } else {
                if last.len() == LAST_LINKS {
                    last.pop_front();
                }
                last.push_back(a);
            }
        }
        anchors.extend(last);
        for a in anchors {
            let Some(href) = a.attr("href") else { continue };
            let Ok(abs) = base.join(href.trim()) else {
                continue;
            };
            if !matches!(abs.scheme(), "http" | "https") {
                continue;
            }
            let mut abs = abs;
            abs.set_fragment(None);
            let mut text = fold(&a.text().collect::<String>());
            if text.is_empty()
                && let Some(s) = sel("img[alt]")
                && let Some(img) = a.select(&s).next()
            {
                text = fold(img.attr("alt").unwrap_or(""));
            }
            let title = a
                .attr("title")
                .or_else(|| a.attr("aria-label"))
                .map(fold)
                .filter(|t| !t.is_empty());
            info.links.push(Link {
                href: abs.to_string(),
                text,
                title,
                region: region_of(a).to_string(),
            });
        }
    }
    info
}

/// The text of each block element ([`BLOCK_TAGS`]) that holds no inner
/// block ([`INNER_BLOCK_TAGS`]), in document order. One walk over the tree:
/// whether an element holds an inner block is known when it closes, so
/// deeply nested blocks cost linear time, not a search below each one.
fn leaf_blocks(html: &Html) -> Vec<String> {
    use ego_tree::iter::Edge;
    let mut out = Vec::new();
    // For each open element: does it hold an inner block?
    let mut holds: Vec<bool> = Vec::new();
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(n) if n.value().is_element() => holds.push(false),
            Edge::Close(n) => {
                let Some(el) = n.value().as_element() else {
                    continue;
                };
                let held = holds.pop().unwrap_or(false);
                let name = el.name();
                if !held
                    && BLOCK_TAGS.contains(&name)
                    && let Some(e) = ElementRef::wrap(n)
                {
                    let t = fold(&e.text().collect::<String>());
                    if !t.is_empty() {
                        out.push(t);
                    }
                }
                if (held || INNER_BLOCK_TAGS.contains(&name))
                    && let Some(parent) = holds.last_mut()
                {
                    *parent = true;
                }
            }
            Edge::Open(_) => {}
        }
    }
    out
}

/// Decodes by BOM, then `<meta charset>`, then UTF-8 (lossy).
fn decode(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    if let Some(i) = head.find("charset=") {
        let rest = head[i + 8..].trim_start_matches(['"', '\'']);
        let label: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if let Some(enc) = encoding_rs::Encoding::for_label(label.as_bytes()) {
            return enc.decode_without_bom_handling(bytes).0.into_owned();
        }
    }
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_with_regions_titles_and_absolute_urls() {
        let html = br#"<html><head><title> Acme  plc </title></head><body>
          <header><a href="/about">About us</a></header>
          <nav><ul><li><a href="policies/">Policies</a></li></ul></nav>
          <main><h1>Welcome</h1><p>Hello <a href="https://other.example/x#frag">there</a></p></main>
          <div class="site-footer"><a href="/msa.pdf" aria-label="Modern slavery statement"><img alt="MSA"></a>
          <a href="mailto:x@y">mail</a><a href="javascript:void(0)">js</a></div>
        </body></html>"#;
        let u = Url::parse("https://acme.example/en/").unwrap();
        let p = analyse(html, &u);
        assert_eq!(p.title, "Acme plc");
        assert_eq!(p.headings, vec!["Welcome"]);
        let l: Vec<(&str, &str, &str)> = p
            .links
            .iter()
            .map(|l| (l.href.as_str(), l.text.as_str(), l.region.as_str()))
            .collect();
        assert_eq!(
            l,
            vec![
                ("https://acme.example/about", "About us", "header"),
                ("https://acme.example/en/policies/", "Policies", "nav"),
                ("https://other.example/x", "there", "main"),
                ("https://acme.example/msa.pdf", "MSA", "footer"),
            ]
        );
        assert_eq!(
            p.links[3].title.as_deref(),
            Some("Modern slavery statement")
        );
    }

    #[test]
    fn garbage_never_panics() {
        let u = Url::parse("https://a.example/").unwrap();
        for b in [
            &b""[..],
            b"\xff\xfe\x00<",
            b"<a href='http://[::1'>x</a>",
            b"<<<>>>",
        ] {
            let _ = analyse(b, &u);
        }
    }
}

//! HTML, DOCX and plain-text extraction through the public entry points,
//! over the hand-made fixtures in tests/fixtures/{html,docx} and generated
//! hostile inputs.

use s54::domain::{BlockKind, Document, SourceKind};
use s54::extract::{ExtractError, Limits, extract, extract_with_content_type};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn doc(rel: &str) -> Document {
    extract(&fixture(rel), rel, &Limits::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn blocks(d: &Document) -> Vec<(BlockKind, &str)> {
    d.blocks.iter().map(|b| (b.kind, d.block_text(b))).collect()
}

fn link<'a>(d: &'a Document, href: &str) -> &'a s54::domain::Link {
    d.links
        .iter()
        .find(|l| l.href == href)
        .unwrap_or_else(|| panic!("no link {href} in {:?}", d.links))
}

#[test]
fn html_semantic_page_keeps_the_article_only() {
    let d = doc("html/semantic.html");
    assert_eq!(d.source.kind, SourceKind::Html);
    let b = blocks(&d);
    assert_eq!(
        b[0],
        (BlockKind::Heading(1), "Modern Slavery Statement 2024")
    );
    assert!(b.contains(&(BlockKind::Heading(2), "Policies")));
    assert!(b.contains(&(BlockKind::ListItem, "Supplier code of conduct")));
    assert!(b.contains(&(BlockKind::TableCell, "Procurement team")));
    assert!(b.contains(&(BlockKind::TableCell, "92%")));
    assert!(b.contains(&(BlockKind::Paragraph, "Jane Doe\nDirector\n12 June 2024")));
    // Entities decoded, &nbsp; folded, inline <strong> joined into its sentence.
    assert!(
        d.text.contains(
            "Example Widgets Ltd has taken during the financial year ending 31 March 2024."
        )
    );
    assert!(
        d.text
            .contains("designs and sells industrial widgets from two sites")
    );
    for chrome in [
        "cookies",
        "Accept",
        "Skip to content",
        "About us",
        "Careers",
        "Policies\n\nAnti",
        "Home",
        "Related:",
        "Latest news",
        "export award",
        "Registered in England",
        "Privacy",
        "SCRIPT TEXT",
        "STYLE TEXT",
        "tail script",
    ] {
        if chrome == "Policies\n\nAnti" {
            // The heading "Policies" is content; only the breadcrumb link text must go.
            continue;
        }
        assert!(
            !d.text.contains(chrome),
            "chrome {chrome:?} leaked into {:?}",
            d.text
        );
    }
    assert!(!d.text.contains("› Policies"));
}

#[test]
fn html_links_cover_the_whole_page_with_regions() {
    let d = doc("html/semantic.html");
    let logo = link(&d, "/");
    assert_eq!(
        logo.text, "Example Widgets home",
        "logo link text comes from alt"
    );
    assert_eq!(logo.region, "header");
    assert_eq!(link(&d, "/careers").region, "nav");
    assert_eq!(
        link(&d, "/policies").region,
        "nav",
        "breadcrumb <nav> inside <main>"
    );
    let statement = link(&d, "/modern-slavery-statement");
    assert_eq!(statement.region, "footer");
    assert_eq!(statement.text, "Modern slavery statement");
    assert_eq!(statement.title.as_deref(), Some("Our statement"));
    assert_eq!(link(&d, "#content").region, "body");

    let soup = extract_with_content_type(
        &fixture("html/divsoup.utf8.html"),
        "d.html",
        Some("text/html; charset=utf-8"),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(link(&soup, "/news.htm").region, "nav", "id=top-menu");
    assert_eq!(
        link(&soup, "/statement.pdf").region,
        "footer",
        "id=footer-links"
    );
    assert_eq!(link(&soup, "/b.htm").region, "body");
    let landing = doc("html/landing.html");
    assert_eq!(link(&landing, "/files/msa-2024.pdf").region, "main");
}

#[test]
fn html_without_landmarks_falls_back_to_the_cleaned_body() {
    let d = doc("html/divsoup-cp1252.html");
    let b = blocks(&d);
    assert_eq!(
        b[0],
        (BlockKind::Heading(1), "Example Widgets - Statement"),
        "title stands in for a missing h1"
    );
    assert!(b.contains(&(
        BlockKind::Paragraph,
        "Slavery and Human Trafficking Statement"
    )));
    // windows-1252 quotes and pound sign decoded via <meta http-equiv>.
    assert!(
        d.text
            .contains("Example Widgets Ltd (\u{201c}the Company\u{201d}) is committed")
    );
    assert!(d.text.contains("exceeds £36 million"));
    assert!(
        d.text
            .contains("We audit our suppliers annually & ask them")
    );
    // Unclosed <p>s are still separate blocks.
    assert!(b.contains(&(
        BlockKind::Paragraph,
        "Our risk assessment covers suppliers in high-risk countries"
    )));
    assert!(b.contains(&(BlockKind::Paragraph, "Signed:\nJane Doe\nDirector")));
    assert!(
        d.text.contains("Collapsed training details"),
        "accordion panels are content"
    );
    for chrome in [
        "Hidden promo",
        "★",
        "Jobs",
        "Gadgets",
        "Call us today",
        "Terms",
    ] {
        assert!(
            !d.text.contains(chrome),
            "{chrome:?} leaked into {:?}",
            d.text
        );
    }
    // The same page served as UTF-8 (header beats the meta tag) gives the same text.
    let utf8 = extract_with_content_type(
        &fixture("html/divsoup.utf8.html"),
        "d.html",
        Some("text/html; charset=utf-8"),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(utf8.text, d.text);
}

#[test]
fn html_short_page_is_not_just_its_cookie_banner() {
    let d = doc("html/landing.html");
    assert_eq!(
        blocks(&d),
        vec![
            (BlockKind::Heading(1), "Modern slavery statement"),
            (
                BlockKind::Paragraph,
                "Example Widgets Ltd publishes an annual statement under the Modern Slavery Act 2015."
            ),
            (
                BlockKind::Paragraph,
                "Download our modern slavery statement (PDF)"
            ),
        ]
    );
}

#[test]
fn html_whole_page_form_is_kept() {
    let d = doc("html/aspnet.html");
    let b = blocks(&d);
    assert_eq!(
        b[0],
        (BlockKind::Heading(1), "Modern Slavery Act Statement")
    );
    assert!(
        d.text
            .contains("We check the right to work of every agency worker")
    );
    assert!(d.text.contains("Signed by John Smith, Managing Director"));
    assert!(!d.text.contains("Contact"), "{:?}", d.text);
    assert!(!d.text.contains("Modern slavery\n"), "footer link text");
    assert_eq!(link(&d, "/default.aspx").region, "header");
}

#[test]
fn html_wordpress_article_keeps_its_own_header_and_footer() {
    let d = doc("html/wordpress.html");
    let b = blocks(&d);
    assert_eq!(b[0], (BlockKind::Heading(1), "Modern Slavery Statement"));
    assert_eq!(b[1], (BlockKind::Heading(3), "Introduction"));
    assert_eq!(
        b[2],
        (
            BlockKind::Paragraph,
            "This statement covers the financial year to 31 December 2023."
        )
    );
    assert!(d.text.contains("supplier audits completed: 14 in 2023"));
    assert!(
        d.text
            .contains("Approved by the board of directors on 3 April 2024.")
    );
    for chrome in ["Share this", "Twitter", "Leave a reply", "comment text"] {
        assert!(!d.text.contains(chrome), "{chrome:?} leaked");
    }
}

#[test]
fn content_type_charset_decides_when_the_page_is_silent() {
    let page = b"<html><body><main><p>Caf\xe9 \x93quoted\x94 \xa35</p></main></body></html>";
    let l = Limits::default();
    let d =
        extract_with_content_type(page, "p", Some("text/html; charset=ISO-8859-1"), &l).unwrap();
    assert_eq!(d.text, "Café \u{201c}quoted\u{201d} £5");
    // Without a header: not UTF-8, so windows-1252 — the same here.
    assert_eq!(extract(page, "p", &l).unwrap().text, d.text);
    // A header naming UTF-8 wins over the fallback: bad bytes become U+FFFD.
    let d = extract_with_content_type(page, "p", Some("text/html; charset=utf-8"), &l).unwrap();
    assert!(d.text.contains('\u{fffd}'));
    // Plain text honours the header too.
    let d = extract_with_content_type(
        b"\xa35 paid",
        "t.txt",
        Some("text/plain; charset=windows-1252"),
        &l,
    )
    .unwrap();
    assert_eq!(
        (d.source.kind, d.text.as_str()),
        (SourceKind::Text, "£5 paid")
    );
}

#[test]
fn sniffing_ignores_the_name_and_content_type() {
    let l = Limits::default();
    let d = extract_with_content_type(
        b"# Statement\n\nWe train **all** staff.",
        "s.html",
        Some("text/html"),
        &l,
    )
    .unwrap();
    assert_eq!(d.source.kind, SourceKind::Text);
    assert_eq!(d.text, "Statement\n\nWe train all staff.");
    let d = extract(b"  <!-- x -->\n<!DOCTYPE html><p>Hi</p>", "s.txt", &l).unwrap();
    assert_eq!(d.source.kind, SourceKind::Html);
    match extract(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", "s.docx", &l) {
        Err(ExtractError::Docx(msg)) => assert!(msg.contains("legacy .doc")),
        other => panic!("OLE file: {other:?}"),
    }
    assert!(matches!(
        extract(b"\x89PNG\r\n\x1a\n\0\0", "s.html", &l),
        Err(ExtractError::Image(_))
    ));
}

// ---- hostile HTML -------------------------------------------------------

fn quick(html: &[u8]) -> Result<Document, ExtractError> {
    let t = Instant::now();
    // A long time budget: this checks the work is bounded by structure, not
    // cut short by the clock (tested separately).
    let limits = Limits {
        max_time: Duration::from_secs(600),
        ..Limits::default()
    };
    let r = extract(html, "hostile.html", &limits);
    // Only a catastrophic bound: debug build on a shared, loaded machine;
    // release is an order of magnitude faster (see BENCHMARKS.md).
    assert!(
        t.elapsed() < Duration::from_secs(90),
        "took {:?}",
        t.elapsed()
    );
    r
}

#[test]
fn html_nested_100k_deep_does_not_overflow() {
    for open in ["<div>", "<table><tr><td>", "<b><i>", "<ul><li>"] {
        let mut page = b"<html><body>".to_vec();
        page.extend(open.repeat(100_000).into_bytes());
        page.extend_from_slice(b"Deep statement text");
        let d = quick(&page).unwrap_or_else(|e| panic!("{open}: {e}"));
        assert!(d.text.contains("Deep statement text"), "{open}");
        if open != "<b><i>" {
            assert!(
                d.notes.iter().any(|n| n.contains("flattened")),
                "{open}: {:?}",
                d.notes
            );
        }
    }
    // Closed again, too: 100k opens then 100k closes, then more content.
    let page = format!(
        "{}inner{}<p>after</p>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let d = quick(page.as_bytes()).unwrap();
    assert!(d.text.contains("inner") && d.text.contains("after"));
}

#[test]
fn html_garbage_never_panics() {
    let cases: Vec<Vec<u8>> = vec![
        b"<html><body><p>nul\0bytes\0here</p>".to_vec(),
        b"<html><body><p>bad utf8 \xff\xfe\xc3 here".to_vec(),
        b"<html><body><div><p><table><tr><td><ul><li><a href='x'>unclosed".to_vec(),
        format!("<html><body><div class=\"{}\">big attr</div>", "x".repeat(10 << 20)).into_bytes(),
        format!("<html><body><a href=\"{}\">long href</a>", "h".repeat(1 << 20)).into_bytes(),
        b"<html><body><p>a<!-- unterminated comment".to_vec(),
        b"<html><body><script>never closed".to_vec(),
        b"<!DOCTYPE html><html><body></body></html>".to_vec(),
        b"<html><body><svg><foreignObject><p>in svg</p></foreignObject></svg><math><mi>x</mi></math>".to_vec(),
        b"<html><body><template><p>t</p></template><noscript>n</noscript>".to_vec(),
        b"<html><body><p>&#0; &#xD800; &#1114112; &bogus; &amp</p>".to_vec(),
    ];
    for (i, page) in cases.iter().enumerate() {
        match quick(page) {
            Ok(d) => assert!(!d.text.contains('\0'), "case {i}"),
            Err(e) => panic!("case {i}: {e}"),
        }
    }
    let d = quick(&cases[0]).unwrap();
    // Browsers drop U+0000 in body text; so does html5ever.
    assert_eq!(d.text, "nulbyteshere");
    let d = quick(&cases[1]).unwrap();
    assert!(d.text.starts_with("bad utf8"));
    let d = quick(&cases[3]).unwrap();
    assert_eq!(d.text, "big attr");
    assert_eq!(
        quick(&cases[4]).unwrap().links[0].href.len(),
        4096,
        "hrefs are capped"
    );
}

#[test]
fn html_ten_megabytes_of_text() {
    let para = "Example Widgets Ltd trains every buyer. ".repeat(25);
    let mut page = String::from("<html><body><main>");
    while page.len() < 10 << 20 {
        page.push_str("<p>");
        page.push_str(&para);
        page.push_str("</p>\n");
    }
    let d = quick(page.as_bytes()).unwrap();
    assert!(d.text.len() > 9 << 20);
    // The text limit is enforced, with an error rather than a truncated text.
    let small = Limits {
        max_text_bytes: 1 << 20,
        ..Limits::default()
    };
    assert!(matches!(
        extract(page.as_bytes(), "big.html", &small),
        Err(ExtractError::Limit(_))
    ));
    // So is the time budget.
    let hurried = Limits {
        max_time: Duration::ZERO,
        ..Limits::default()
    };
    assert!(matches!(
        extract(page.as_bytes(), "big.html", &hurried),
        Err(ExtractError::Limit(_))
    ));
}

#[test]
fn html_link_flood_is_capped() {
    let page = "<a href=/x>x</a>".repeat(50_000);
    let d = quick(format!("<html><body>{page}").as_bytes()).unwrap();
    assert_eq!(d.links.len(), 10_000);
    assert!(d.notes.iter().any(|n| n.contains("links")));
}

// ---- DOCX ---------------------------------------------------------------

#[test]
fn docx_statement_made_by_libreoffice() {
    let d = doc("docx/statement.docx");
    assert_eq!(d.source.kind, SourceKind::Docx);
    let b = blocks(&d);
    assert_eq!(
        b[0],
        (
            BlockKind::Heading(1),
            "Modern Slavery and Human Trafficking Statement 2024"
        )
    );
    assert!(b.contains(&(BlockKind::Heading(2), "Our policies")));
    assert!(b.contains(&(BlockKind::Heading(3), "Key performance indicators")));
    assert!(b.contains(&(BlockKind::ListItem, "Supplier code of conduct")));
    assert!(b.contains(&(
        BlockKind::ListItem,
        "High-risk suppliers are audited on site every two years."
    )));
    assert!(b.contains(&(BlockKind::TableCell, "Staff trained")));
    assert!(b.contains(&(BlockKind::TableCell, "95%")));
    assert!(d.text.contains("steel, packaging & logistics services"));
    assert!(b.contains(&(
        BlockKind::Paragraph,
        "Signed:\nJane Doe\nDirector, Example Widgets Ltd\n12 June 2024"
    )));
}

#[test]
fn docx_localised_styles_text_box_and_no_headers_or_footnotes() {
    let d = doc("docx/styled.docx");
    let b = blocks(&d);
    assert_eq!(
        b[0],
        (
            BlockKind::Heading(1),
            "Slavery and Human Trafficking Statement"
        )
    );
    assert!(b.contains(&(BlockKind::Heading(2), "Training")));
    assert!(b.contains(&(
        BlockKind::Paragraph,
        "Example Widgets Ltd Company number 01234567\nRegistered office: 1 High Street, Exampletown"
    )));
    assert_eq!(
        d.text.matches("our helpline is open 24 hours").count(),
        1,
        "text box read once"
    );
    assert!(b.contains(&(BlockKind::TableCell, "United Kingdom\nand Ireland")));
    assert!(b.contains(&(BlockKind::TableCell, "12")));
    assert!(d.text.ends_with("signed by John Smith, Chief Executive."));
    for absent in ["HEADER TEXT", "FOOTER TEXT", "FOOTNOTE TEXT"] {
        assert!(!d.text.contains(absent), "{absent}");
    }
}

/// Builds a zip in memory from (name, bytes) entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const DOC_HEAD: &str = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;

#[test]
fn docx_zip_bomb_is_stopped_by_the_decompression_limit() {
    // 8 MB of one byte compresses to a few KB; the limit is 1 MB.
    let mut xml = DOC_HEAD.as_bytes().to_vec();
    xml.extend(std::iter::repeat_n(b' ', 8 << 20));
    let bomb = zip_of(&[("word/document.xml", &xml)]);
    assert!(bomb.len() < 100_000);
    let limits = Limits {
        max_decompressed_bytes: 1 << 20,
        ..Limits::default()
    };
    match extract(&bomb, "bomb.docx", &limits) {
        Err(ExtractError::Limit(msg)) => assert!(msg.contains("word/document.xml"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // The declared size lies (patched to 100 bytes): reading is still bounded.
    let mut liar = bomb.clone();
    patch_sizes(&mut liar, 100);
    match extract(&liar, "liar.docx", &limits) {
        Err(_) => {}
        Ok(d) => assert!(d.text.len() < 1 << 20),
    }
}

/// Overwrites the uncompressed-size fields of every local and central header.
fn patch_sizes(zip: &mut [u8], size: u32) {
    for i in 0..zip.len().saturating_sub(46) {
        if zip[i..].starts_with(b"PK\x03\x04") {
            zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
        } else if zip[i..].starts_with(b"PK\x01\x02") {
            zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
        }
    }
}

#[test]
fn docx_hostile_zips_are_rejected_clearly() {
    let l = Limits::default();
    let body = format!("{DOC_HEAD}<w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>");
    let ok = zip_of(&[("word/document.xml", body.as_bytes())]);
    assert_eq!(extract(&ok, "ok.docx", &l).unwrap().text, "Hello");

    // Too many entries.
    let names: Vec<String> = (0..10_001).map(|i| format!("word/media/{i}.bin")).collect();
    let mut entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    entries.push(("word/document.xml", body.as_bytes()));
    match extract(&zip_of(&entries), "many.docx", &l) {
        Err(ExtractError::Docx(msg)) => assert!(msg.contains("entries"), "{msg}"),
        other => panic!("{other:?}"),
    }

    // Absurdly deep XML.
    let deep = format!("{DOC_HEAD}{}", "<w:sdt><w:sdtContent>".repeat(50_000));
    assert!(matches!(
        extract(
            &zip_of(&[("word/document.xml", deep.as_bytes())]),
            "deep.docx",
            &l
        ),
        Err(ExtractError::Limit(_))
    ));

    // Encrypted entry (flag bit set by hand: the writer here cannot encrypt).
    let mut enc = ok.clone();
    for i in 0..enc.len().saturating_sub(10) {
        if enc[i..].starts_with(b"PK\x03\x04") {
            enc[i + 6] |= 1;
        } else if enc[i..].starts_with(b"PK\x01\x02") {
            enc[i + 8] |= 1;
        }
    }
    match extract(&enc, "enc.docx", &l) {
        Err(ExtractError::Docx(msg)) => assert!(msg.contains("encrypted"), "{msg}"),
        other => panic!("{other:?}"),
    }

    // A zip that mentions word/document but is not a Word file.
    let other = zip_of(&[("notes/word/document-draft.txt", b"hello")]);
    match extract(&other, "x.docx", &l) {
        Err(ExtractError::Docx(msg)) => assert!(msg.contains("not a Word document"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // Any other zip (an ODT, a JAR) is not a format we read.
    let odt = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", b"<x/>"),
    ]);
    assert!(matches!(
        extract(&odt, "x.docx", &l),
        Err(ExtractError::UnknownFormat)
    ));

    // Truncated and corrupted real files: errors, never panics.
    let real = fixture("docx/statement.docx");
    for cut in [30, 200, real.len() / 2, real.len() - 10] {
        let _ = extract(&real[..cut], "cut.docx", &l);
    }
    for step in [7usize, 13, 101] {
        let mut bad = real.clone();
        for i in (40..bad.len()).step_by(step) {
            bad[i] ^= 0x5a;
        }
        let _ = extract(&bad, "bad.docx", &l);
    }
}

// ---- never panics (property tests; fuzzing goes further, see fuzz/) -----

mod never_panics {
    use proptest::prelude::*;
    use s54::extract::{Limits, docx, html, sniff, text};

    /// Tag soup: fragments of markup glued at random.
    fn soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<div>".to_string()),
            Just("</div>".to_string()),
            Just("<p>".to_string()),
            Just("<table><tr><td>".to_string()),
            Just("</td></tr></table>".to_string()),
            Just("<ul><li>".to_string()),
            Just("<b><i>".to_string()),
            Just("</b>".to_string()),
            Just("<a href='/x'>".to_string()),
            Just("<main>".to_string()),
            Just("<nav class='menu'>".to_string()),
            Just("<div hidden>".to_string()),
            Just("<script>".to_string()),
            Just("<template>".to_string()),
            Just("<svg><foreignObject>".to_string()),
            Just("<br>".to_string()),
            Just("&amp;&#0;&bogus;".to_string()),
            "[a-zA-Z \u{0}-\u{1f}\u{a0}-\u{3000}]{0,12}",
        ];
        proptest::collection::vec(piece, 0..200).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn html_soup(page in soup()) {
            let l = Limits::default();
            let _ = html::extract(page.as_bytes(), &l);
            let _ = sniff::sniff(page.as_bytes(), "x");
            let _ = text::extract(page.as_bytes(), &l);
        }

        #[test]
        fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let l = Limits::default();
            let _ = html::extract(&bytes, &l);
            let _ = docx::extract(&bytes, &l);
            let _ = text::extract(&bytes, &l);
            let _ = s54::extract::extract(&bytes, "x", &l);
        }

        #[test]
        fn mutated_docx(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
            let mut real = super::fixture("docx/statement.docx");
            for (i, b) in flips {
                let at = i.index(real.len());
                real[at] ^= b;
            }
            let _ = docx::extract(&real, &Limits::default());
        }
    }
}

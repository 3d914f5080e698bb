//! PDF extraction over real files made by real producers (Chromium,
//! LibreOffice, pdfTeX, qpdf), hand-built feature files and hostile files;
//! see tests/fixtures/pdf/make.sh for how each was made.

use s54::domain::{BlockKind, Document, NOTE_SCANNED};
use s54::extract::{ExtractError, Limits, extract, pdf};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf")
}

fn read(name: &str) -> Vec<u8> {
    let path = fixtures().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn doc(name: &str) -> Document {
    extract(&read(name), name, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Whitespace folded to single spaces, so sentences match across line breaks.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The statement's own words plus the words of the annex and the running
/// headers gen.py adds: every word extracted must be one of these, which
/// catches words run together and letter-spaced or broken words.
fn vocabulary() -> HashSet<String> {
    let source =
        std::fs::read_to_string(fixtures().join("src/statement.txt")).expect("statement.txt");
    let extra = "annex item supplier site review number covered the working hours wage slips and \
                 accommodation of workers at reviewer interviewed in private checked that each worker \
                 held their own passport no indicator forced labour was found findings were shared with \
                 supplier's management within ten days page example widgets ltd modern slavery statement gbp more information is on our website";
    words(&format!("{source} {extra}"))
        .into_iter()
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('’', "'").to_lowercase())
        .collect()
}

const SENTENCES: &[&str] = &[
    "This statement is made pursuant to section 54 of the Modern Slavery Act 2015",
    "We buy from 230 first tier suppliers in twelve countries.",
    "Suppliers with a high risk score receive an on-site audit by an independent firm within six months.",
    "All buyers and managers completed an e-learning course on forced labour indicators this year,",
    "We consider these indicators sufficient to show progress, although measuring outcomes for workers remains difficult.",
    "This statement was approved by the Board of Directors of Example Widgets Ltd on 12 June 2025 and is signed on its behalf by Jane Doe, Managing Director.",
    "two affiliated workshops in Derby and Nottingham.",
];

const PRODUCER_FIXTURES: &[&str] = &[
    "chromium.pdf",
    "chromium-2col.pdf",
    "libreoffice.pdf",
    "objstm.pdf",
    "pdftex.pdf",
    "pdftex-2col.pdf",
    "pdftex-long.pdf",
    "encrypted-empty-aes128.pdf",
    "encrypted-empty-aes256.pdf",
    "encrypted-empty-rc4.pdf",
];

#[test]
fn producer_pdfs_give_the_statement_sentences_with_correct_words() {
    let vocab = vocabulary();
    for name in PRODUCER_FIXTURES {
        let d = doc(name);
        let text = flat(&d.text);
        for s in SENTENCES {
            assert!(text.contains(s), "{name}: missing {s:?}\n{text}");
        }
        let unknown: Vec<String> = words(&d.text)
            .into_iter()
            .filter(|w| !w.chars().all(|c| c.is_ascii_digit()) && !vocab.contains(w))
            .collect();
        assert!(
            unknown.is_empty(),
            "{name}: words not in the source: {unknown:?}"
        );
        assert!(
            !d.text
                .contains(['\u{fb00}', '\u{fb01}', '\u{fb02}', '\u{fb03}', '\u{fb04}']),
            "{name}: ligature left"
        );
        assert!(d.pages.is_some_and(|p| p >= 1), "{name}: pages");
        assert!(
            d.blocks
                .iter()
                .any(|b| matches!(b.kind, BlockKind::Heading(_))
                    && d.block_text(b) == "Our supply chains"),
            "{name}: the section title is a heading block of its own"
        );
    }
}

#[test]
fn pdftex_hyphenation_is_joined_and_the_fixture_really_hyphenates() {
    // pdftotext -layout shows the raw line ends: the fixture must break words with a hyphen.
    let out = Command::new("pdftotext")
        .args([
            "-layout".as_ref(),
            fixtures().join("pdftex.pdf").as_os_str(),
            "-".as_ref(),
        ])
        .output()
        .expect("pdftotext (poppler-utils) must be installed for this test");
    let raw = String::from_utf8_lossy(&out.stdout);
    let hyphenated: Vec<&str> = raw
        .lines()
        .map(str::trim_end)
        .filter(|l| l.ends_with('-'))
        .filter(|l| l.chars().rev().nth(1).is_some_and(char::is_alphabetic))
        .collect();
    assert!(
        hyphenated.len() >= 2,
        "pdfTeX fixture has no hyphenated line ends: {raw}"
    );
    // Every word of the extracted text is a whole source word (checked in the
    // producer test); here, the words split by TeX must be present whole.
    let text = doc("pdftex.pdf").text;
    for joined in [
        "human trafficking are",
        "We design and",
        "Turkey and Vietnam.",
        "requires every supplier",
        "legal minimum wage",
        "receive an on-site audit",
        "cases where overtime was",
    ] {
        assert!(flat(&text).contains(joined), "{joined:?} not in {text}");
    }
}

#[test]
fn running_headers_and_page_numbers_are_dropped() {
    for (name, pages, furniture) in [
        (
            "libreoffice.pdf",
            3,
            &["Example Widgets Ltd · Modern Slavery Statement", "Page 2"][..],
        ),
        (
            "pdftex-long.pdf",
            30,
            &["Page 2", "Page 17", "Example Widgets Ltd Modern"][..],
        ),
    ] {
        let d = doc(name);
        assert!(
            d.pages.is_some_and(|p| p >= pages),
            "{name}: {:?} pages",
            d.pages
        );
        for f in furniture {
            assert!(!d.text.contains(f), "{name}: furniture {f:?} kept");
        }
        // The title itself is kept once.
        assert_eq!(
            d.text.matches("Modern Slavery Statement 2025").count(),
            1,
            "{name}"
        );
        // Body text at the bottom of pages is kept.
        assert_eq!(
            d.text.matches("management within ten days.").count(),
            d.text.matches("Site review number").count(),
            "{name}"
        );
    }
}

#[test]
fn handmade_encodings_forms_and_spacing() {
    let d = doc("encodings.pdf");
    for line in [
        "Words spaced by offsets",
        "Kerned text stays whole.",
        "An efficient flow of the firm’s office.",
        "tight letters",
        "SPACED heading",
        "Work first",
        "Text inside a form XObject.",
        "The board reviewed the statement in June.",
    ] {
        assert!(d.text.contains(line), "missing {line:?} in {:?}", d.text);
    }
    let d = doc("filters.pdf");
    assert_eq!(d.pages, Some(3));
    for line in [
        "Page one is compressed with Flate and ASCII85.",
        "Page two is written in ASCII hexadecimal.",
        "Page three uses the LZW filter.",
    ] {
        assert!(d.text.contains(line), "missing {line:?} in {:?}", d.text);
    }
}

#[test]
fn uri_link_annotations_become_links() {
    let d = doc("chromium.pdf");
    let link = d
        .links
        .iter()
        .find(|l| l.href == "https://www.example.com/modern-slavery")
        .unwrap_or_else(|| panic!("link missing: {:?}", d.links));
    assert_eq!(link.text, "our website");
}

#[test]
fn image_only_pdf_is_a_scanned_finding() {
    let ex = pdf::extract(&read("scanned.pdf"), &Limits::default()).expect("scanned.pdf");
    assert!(ex.blocks.is_empty());
    assert_eq!(ex.pages, Some(1));
    assert!(ex.notes.iter().any(|n| n == NOTE_SCANNED));
}

#[test]
fn password_protected_pdf_is_an_encrypted_error() {
    match pdf::extract(&read("encrypted-password.pdf"), &Limits::default()) {
        Err(ExtractError::Encrypted) => {}
        other => panic!("expected Encrypted, got {other:?}"),
    }
}

fn pdftotext(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed for this test");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Words of a text as a reader sees them: line-end hyphens joined, hyphens
/// and ligatures folded, case folded.
fn reader_words(text: &str) -> HashMap<String, usize> {
    let mut joined = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '-' {
            // "-\n" (a hyphenated line end) joins; other hyphens vanish.
            while chars.peek().is_some_and(|c| *c == '\n' || *c == ' ') {
                chars.next();
            }
            continue;
        }
        match c {
            '\u{fb00}' => joined.push_str("ff"),
            '\u{fb01}' => joined.push_str("fi"),
            '\u{fb02}' => joined.push_str("fl"),
            '\u{fb03}' => joined.push_str("ffi"),
            '\u{fb04}' => joined.push_str("ffl"),
            c => joined.extend(c.to_lowercase()),
        }
    }
    let mut m = HashMap::new();
    for w in joined
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *m.entry(w.to_string()).or_insert(0) += 1;
    }
    m
}

/// pdftotext's lines minus running headers/footers: lines that repeat (with
/// digits folded) three times or more.
fn without_furniture(text: &str) -> String {
    let fold = |l: &str| {
        l.trim()
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect::<String>()
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        *counts.entry(fold(l)).or_default() += 1;
    }
    text.lines()
        .filter(|l| counts.get(&fold(l)).is_none_or(|&c| c < 3) || fold(l).len() > 60)
        .collect::<Vec<_>>()
        .join("\n")
}

fn recall(path: &Path) -> f64 {
    let bytes = std::fs::read(path).expect("read pdf");
    let ours = pdf::extract(&bytes, &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ours: String = ours
        .blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let reference = reader_words(&without_furniture(&pdftotext(path)));
    let mine = reader_words(&ours);
    let total: usize = reference.values().sum();
    let hit: usize = reference
        .iter()
        .map(|(w, n)| (*n).min(*mine.get(w).unwrap_or(&0)))
        .sum();
    assert!(total > 100, "{}: reference too short", path.display());
    hit as f64 / total as f64
}

#[test]
fn word_recall_against_pdftotext_on_fixtures() {
    for name in PRODUCER_FIXTURES {
        let r = recall(&fixtures().join(name));
        assert!(r >= 0.99, "{name}: recall {r:.4}");
    }
}

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf");
    dir.is_dir().then_some(dir)
}

#[test]
fn word_recall_against_pdftotext_on_the_corpus() {
    let Some(dir) = corpus() else {
        eprintln!("../shared/corpus not present: corpus recall not measured");
        return;
    };
    for name in ["068.pdf", "069.pdf", "070.pdf"] {
        let r = recall(&dir.join(name));
        assert!(r >= 0.99, "{name}: recall {r:.4}");
    }
    let bytes = std::fs::read(dir.join("067.pdf")).expect("067.pdf");
    let ex = pdf::extract(&bytes, &Limits::default()).expect("067.pdf");
    assert!(
        ex.notes.iter().any(|n| n == NOTE_SCANNED),
        "067 is a scan: {:?}",
        ex.notes
    );
}

/// Runs the extractor on a thread and requires an answer within `bound`.
fn run_bounded(
    bytes: Vec<u8>,
    limits: Limits,
    bound: Duration,
) -> Result<s54::domain::Extracted, ExtractError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(pdf::extract(&bytes, &limits));
    });
    rx.recv_timeout(bound)
        .expect("extraction did not finish in time (or panicked)")
}

fn hostile_limits() -> Limits {
    Limits {
        max_decompressed_bytes: 16 << 20,
        max_text_bytes: 64 << 10,
        max_time: Duration::from_secs(20),
        ..Limits::default()
    }
}

#[test]
fn hostile_files_give_an_answer_without_panicking() {
    let mut seen = 0;
    for sub in ["hostile", "regress"] {
        let Ok(dir) = std::fs::read_dir(fixtures().join(sub)) else {
            continue;
        };
        for entry in dir.flatten() {
            let path = entry.path();
            let bytes = std::fs::read(&path).expect("read");
            let started = Instant::now();
            let r = run_bounded(bytes, hostile_limits(), Duration::from_secs(60));
            if let Err(e) = &r {
                let msg = e.to_string();
                assert!(
                    !msg.contains('\n') && !msg.is_empty(),
                    "{}: error is one line: {msg:?}",
                    path.display()
                );
            }
            assert!(started.elapsed() < Duration::from_secs(60));
            seen += 1;
        }
    }
    assert!(seen >= 15, "hostile fixtures missing ({seen})");
}

#[test]
fn hostile_files_are_handled_as_expected() {
    let h = |name: &str| {
        run_bounded(
            read(&format!("hostile/{name}")),
            hostile_limits(),
            Duration::from_secs(60),
        )
    };
    // Readable despite the damage.
    for name in [
        "page-tree-cycle.pdf",
        "absurd-count.pdf",
        "absurd-length.pdf",
        "deep-array.pdf",
        "deep-dict.pdf",
        "xref-prev-loop.pdf",
    ] {
        let ex = h(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ex.blocks.len(), 1, "{name}: {ex:?}");
        assert_eq!(ex.blocks[0].text, "Hostile but readable.", "{name}");
        assert_eq!(ex.pages, Some(1), "{name}");
    }
    let ex = h("form-cycle.pdf").expect("form-cycle");
    assert!(ex.blocks.iter().any(|b| b.text.contains("Loop")));
    let ex = h("deep-content.pdf").expect("deep-content");
    assert!(ex.blocks.iter().any(|b| b.text.contains("after")));
    // Limits.
    match h("flate-bomb.pdf") {
        Err(ExtractError::Limit(m)) => assert!(m.contains("decompress"), "{m}"),
        other => panic!("flate-bomb: {other:?}"),
    }
    let ex = h("many-ops.pdf").expect("many-ops");
    assert!(
        ex.notes.iter().any(|n| n == pdf::NOTE_TRUNCATED),
        "{:?}",
        ex.notes
    );
    assert!(ex.blocks.iter().map(|b| b.text.len()).sum::<usize>() <= 64 << 10);
    match h("deep-array-plain.pdf") {
        Err(ExtractError::Pdf(m)) => assert!(m.contains("nested"), "{m}"),
        other => panic!("deep-array-plain: {other:?}"),
    }
    for name in ["truncated-header.pdf", "empty-eof.pdf", "garbage.pdf"] {
        assert!(matches!(h(name), Err(ExtractError::Pdf(_))), "{name}");
    }
    // A time budget that is already spent stops a long document.
    let limits = Limits {
        max_time: Duration::ZERO,
        ..Limits::default()
    };
    match run_bounded(
        read("hostile/many-ops.pdf"),
        limits,
        Duration::from_secs(60),
    ) {
        Err(ExtractError::Limit(m)) => assert!(m.contains("longer than"), "{m}"),
        other => panic!("time budget: {other:?}"),
    }
}

#[test]
fn generated_deep_nesting_is_rejected_cleanly() {
    let mut b = b"%PDF-1.4\n1 0 obj\n".to_vec();
    b.extend(std::iter::repeat_n(b'[', 200_000));
    b.extend(std::iter::repeat_n(b']', 200_000));
    b.extend(b"\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    let r = run_bounded(b, Limits::default(), Duration::from_secs(60));
    assert!(
        matches!(r, Err(ExtractError::Pdf(ref m)) if m.contains("nested")),
        "{r:?}"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Damaged copies of a real file: any answer but a caught panic (which
    /// the extractor reports as an "internal error").
    #[test]
    fn mutated_pdfs_never_panic(edits in proptest::collection::vec((0usize..40_000, proptest::prelude::any::<u8>()), 1..40), cut in 0usize..40_000) {
        let mut bytes = read("chromium.pdf");
        for (pos, b) in edits {
            let i = pos % bytes.len();
            bytes[i] = b;
        }
        bytes.truncate(cut.max(64).min(bytes.len()));
        let limits = hostile_limits();
        if let Err(e) = pdf::extract(&bytes, &limits) {
            proptest::prop_assert!(!e.to_string().contains("internal error"), "{e}");
        }
    }
}

/// What a reader of the report sees, without the evidence quotes (their
/// line breaks differ between a PDF and its text): the verdict, every
/// finding's rule and status, and the facts the detectors read.
fn findings_summary(doc: &Document) -> Vec<String> {
    use s54::domain::Area;
    let rules = s54::rules::Rulebook::embedded().expect("rules");
    let opts = s54::score::CheckOptions {
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
        ..Default::default()
    };
    let a = s54::score::assess(doc, &opts, &rules);
    let mut out = vec![
        format!("verdict {:?}", a.verdict),
        format!("entity {:?}", a.entity_type),
        format!(
            "fy {:?}..{:?}",
            a.financial_year.start, a.financial_year.end
        ),
        format!(
            "approval {} {:?} {:?}",
            a.approval.present, a.approval.body, a.approval.date
        ),
        format!(
            "signature {} {:?} {:?} {:?}",
            a.signature.present, a.signature.name, a.signature.role, a.signature.date
        ),
        format!("group {} {:?}", a.group.is_group, a.group.entities),
        format!("no_steps {}", a.no_steps_declared),
    ];
    for area in Area::ALL {
        out.push(format!("area {area:?} {}", a.areas.get(area).present));
    }
    for f in &a.findings {
        out.push(format!("{} {:?}", f.rule, f.status));
    }
    out
}

fn differences(a: &[String], b: &[String]) -> Vec<String> {
    let only_a = a
        .iter()
        .filter(|x| !b.contains(x))
        .map(|x| format!("pdf only:  {x}"));
    let only_b = b
        .iter()
        .filter(|x| !a.contains(x))
        .map(|x| format!("text only: {x}"));
    only_a.chain(only_b).collect()
}

/// The "PDF path agrees with the text path": each producer's PDF of
/// the statement gives the same findings as the statement's text.
#[test]
fn producer_pdfs_give_the_same_findings_as_the_text() {
    let source = std::fs::read(fixtures().join("src/statement.txt")).expect("statement.txt");
    let text = extract(&source, "statement.txt", &Limits::default()).expect("text");
    let want = findings_summary(&text);
    assert!(
        want.iter().any(|l| l == "verdict MeetsMinimum"),
        "{want:#?}"
    );
    for name in PRODUCER_FIXTURES {
        let got = findings_summary(&doc(name));
        let diff = differences(&got, &want);
        assert!(diff.is_empty(), "{name}:\n{}", diff.join("\n"));
    }
}

/// The same on the corpus: each real PDF against its text version.
#[test]
fn corpus_pdfs_give_the_same_findings_as_their_text() {
    let Some(dir) = corpus() else {
        eprintln!("../shared/corpus not present: PDF/text agreement not measured");
        return;
    };
    for id in ["068", "069", "070"] {
        let pdf_doc = extract(
            &std::fs::read(dir.join(format!("{id}.pdf"))).expect("pdf"),
            "x.pdf",
            &Limits::default(),
        )
        .expect("pdf");
        let txt = extract(
            &std::fs::read(dir.join(format!("{id}.txt"))).expect("txt"),
            "x.txt",
            &Limits::default(),
        )
        .expect("txt");
        let diff = differences(&findings_summary(&pdf_doc), &findings_summary(&txt));
        assert!(diff.is_empty(), "{id}:\n{}", diff.join("\n"));
    }
}

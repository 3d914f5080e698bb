//! OCR of scanned statements, end to end with the real Tesseract: scanned
//! versions of our own fixture statements (made here with `pdftoppm`,
//! `img2pdf` and ImageMagick from text PDFs this file writes) must give the
//! findings of the text path; images are checked from their bytes; bombs
//! get a clear error; a doubtful OCR word never alone makes a `fail`.

use s54::domain::{Assessment, Evidence, FindingStatus, OcrInfo, OcrPage, SourceKind};
use s54::extract::{self, ExtractError, Limits};
use s54::rules::Rulebook;
use s54::score::{self, CheckOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn rules() -> &'static Rulebook {
    static R: OnceLock<Rulebook> = OnceLock::new();
    R.get_or_init(|| Rulebook::embedded().expect("embedded rules"))
}

fn statement(name: &str) -> String {
    let p = format!(
        "{}/tests/fixtures/statements/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Helvetica's WinAnsi code for a character, `?` for the rest.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{2019}' => 0x92,
        '\u{2018}' => 0x91,
        '\u{201c}' => 0x93,
        '\u{201d}' => 0x94,
        '\u{2013}' => 0x96,
        '\u{2014}' => 0x97,
        '\u{2022}' => 0x95,
        '£' => 0xA3,
        'é' => 0xE9,
        _ => b'?',
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

/// A text PDF of `text`: A4, Helvetica 11 pt, 80 characters a line.
pub fn text_pdf(text: &str) -> Vec<u8> {
    let lines = wrap(text, 80);
    let pages: Vec<&[String]> = lines.chunks(52).collect();
    let n = pages.len();
    // Objects: 1 catalog, 2 pages, 3 font, then (page, content) pairs.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    for (i, page) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        let mut content = b"BT /F1 11 Tf 14 TL 64 780 Td\n".to_vec();
        for line in page.iter() {
            content.push(b'(');
            for c in line.chars() {
                let b = win_ansi(c);
                if matches!(b, b'(' | b')' | b'\\') {
                    content.push(b'\\');
                }
                content.push(b);
            }
            content.extend_from_slice(b") Tj T*\n");
        }
        content.extend_from_slice(b"ET");
        let mut obj = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        obj.extend_from_slice(&content);
        obj.extend_from_slice(b"\nendstream");
        objects.push(obj);
    }
    assemble_pdf(&objects)
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Page images of `pdf` (`pdftoppm -gray`, PNG or JPEG), sorted.
fn page_images(pdf: &Path, dpi: u32, jpeg: bool, dir: &Path, stem: &str) -> Vec<PathBuf> {
    let prefix = dir.join(stem);
    run(Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-gray",
            if jpeg { "-jpeg" } else { "-png" },
        ])
        .arg(pdf)
        .arg(&prefix));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tempdir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{stem}-")))
        })
        .collect();
    files.sort();
    files
}

/// ImageMagick on each image (`args` between input and output).
fn magick(images: &[PathBuf], args: &[&str], tag: &str) -> Vec<PathBuf> {
    images
        .iter()
        .map(|p| {
            let out = p.with_file_name(format!(
                "{tag}-{}",
                p.file_name().and_then(|n| n.to_str()).unwrap_or("x")
            ));
            run(Command::new("convert").arg(p).args(args).arg(&out));
            out
        })
        .collect()
}

fn img2pdf(images: &[PathBuf], out: &Path) -> Vec<u8> {
    run(Command::new("img2pdf").args(images).arg("-o").arg(out));
    std::fs::read(out).expect("img2pdf output")
}

/// The scanned variants of a text PDF: (name, image-only PDF).
pub fn scanned_variants(pdf: &[u8], dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let src = dir.join("text.pdf");
    std::fs::write(&src, pdf).expect("write");
    let jpeg150 = page_images(&src, 150, true, dir, "p150");
    let png300 = page_images(&src, 300, false, dir, "p300");
    let skewed = magick(
        &png300,
        &["-background", "white", "-rotate", "1.5", "+repage"],
        "skew",
    );
    let noisy = magick(
        &png300,
        &["-seed", "54", "-attenuate", "0.3", "+noise", "Impulse"],
        "noise",
    );
    vec![
        ("150 dpi JPEG", img2pdf(&jpeg150, &dir.join("s150.pdf"))),
        ("300 dpi PNG", img2pdf(&png300, &dir.join("s300.pdf"))),
        (
            "300 dpi skewed 1.5°",
            img2pdf(&skewed, &dir.join("skew.pdf")),
        ),
        ("300 dpi noisy", img2pdf(&noisy, &dir.join("noise.pdf"))),
    ]
}

fn assess(bytes: &[u8], name: &str) -> (s54::domain::Document, Assessment) {
    let doc =
        extract::extract(bytes, name, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let a = score::assess(&doc, &CheckOptions::default(), rules());
    (doc, a)
}

/// The labelled fields of an assessment, as (field, value) pairs.
pub fn fields(a: &Assessment) -> Vec<(String, String)> {
    let mut f = vec![
        ("verdict".to_string(), a.verdict.as_str().to_string()),
        ("entity_type".into(), format!("{:?}", a.entity_type)),
        ("approval.present".into(), a.approval.present.to_string()),
        ("approval.date".into(), format!("{:?}", a.approval.date)),
        ("signature.present".into(), a.signature.present.to_string()),
        ("signature.name".into(), format!("{:?}", a.signature.name)),
        ("signature.date".into(), format!("{:?}", a.signature.date)),
        (
            "financial_year.end".into(),
            format!("{:?}", a.financial_year.end),
        ),
        ("no_steps_declared".into(), a.no_steps_declared.to_string()),
    ];
    for (key, area) in [
        ("structure", &a.areas.structure),
        ("policies", &a.areas.policies),
        ("due_diligence", &a.areas.due_diligence),
        ("risk", &a.areas.risk),
        ("effectiveness", &a.areas.effectiveness),
        ("training", &a.areas.training),
    ] {
        f.push((format!("areas.{key}"), area.present.to_string()));
    }
    f
}

/// Fixture statements scanned in the suite (the whole set for EVALUATION.md
/// with `S54_OCR_EVAL=all`).
const SUITE: [&str; 5] = [
    "good_company.txt",
    "executive_approval.txt",
    "ceo_only.txt",
    "llp.txt",
    "unsigned.txt",
];

#[test]
fn scanned_fixtures_give_the_text_path_findings() {
    let names: Vec<String> = if std::env::var("S54_OCR_EVAL").as_deref() == Ok("all") {
        let dir = format!("{}/tests/fixtures/statements", env!("CARGO_MANIFEST_DIR"));
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("statements")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".txt"))
            .collect();
        v.sort();
        v
    } else {
        SUITE.iter().map(|s| s.to_string()).collect()
    };
    let mut per_variant: Vec<(&str, usize, usize)> = Vec::new();
    let mut per_field: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut misses = Vec::new();
    for name in &names {
        let pdf = text_pdf(&statement(name));
        let (_, text_a) = assess(&pdf, name);
        let want = fields(&text_a);
        let dir = tempfile::tempdir().expect("tempdir");
        for (variant, scanned) in scanned_variants(&pdf, dir.path()) {
            let (doc, got_a) = assess(&scanned, name);
            assert!(doc.ocr.is_some(), "{name} {variant}: read by OCR");
            let got = fields(&got_a);
            let agree = want.iter().zip(&got).filter(|(w, g)| w == g).count();
            for (w, g) in want.iter().zip(&got) {
                let e = per_field.entry(w.0.clone()).or_default();
                e.1 += 1;
                if w == g {
                    e.0 += 1;
                } else {
                    misses.push(format!(
                        "{name} {variant}: {} text {} ocr {}",
                        w.0, w.1, g.1
                    ));
                }
            }
            match per_variant.iter_mut().find(|v| v.0 == variant) {
                Some(v) => {
                    v.1 += agree;
                    v.2 += want.len();
                }
                None => per_variant.push((variant, agree, want.len())),
            }
        }
    }
    println!("| scanned variant | fields agreeing with the text path |\n| --- | --- |");
    for (v, a, n) in &per_variant {
        println!("| {v} | {a}/{n} ({:.1}%) |", 100.0 * *a as f64 / *n as f64);
    }
    println!("\n| field | agreeing |\n| --- | --- |");
    for (f, (a, n)) in &per_field {
        println!("| {f} | {a}/{n} |");
    }
    for m in &misses {
        println!("differs: {m}");
    }
    // Today's level, kept from slipping (the issue's target is 98%: not yet
    // met, see EVALUATION.md): clean scans at least 90%, noisy ones 70%.
    for (variant, agree, total) in &per_variant {
        let floor = if variant.contains("noisy") {
            0.70
        } else {
            0.90
        };
        assert!(
            *agree as f64 >= floor * *total as f64,
            "{variant}: {agree}/{total} fields agree: {misses:#?}"
        );
    }
}

/// Word recall of `got` against `want`: the share of the transcription's
/// words (lower case, letters and digits) found in the OCR text, counted
/// with multiplicity.
pub fn word_recall(want: &str, got: &str) -> f64 {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let mut have: std::collections::HashMap<String, usize> = Default::default();
    for w in words(got) {
        *have.entry(w).or_default() += 1;
    }
    let want = words(want);
    let found = want
        .iter()
        .filter(|w| match have.get_mut(*w) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count();
    found as f64 / want.len().max(1) as f64
}

/// The corpus's real scanned statement (CI has `../shared` beside the
/// clone): OCR recall and the same approval, signature and areas as its
/// hand transcription.
#[test]
fn real_scanned_statement_matches_its_transcription() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf");
    let (Ok(pdf), Ok(txt)) = (
        std::fs::read(dir.join("067.pdf")),
        std::fs::read_to_string(dir.join("067.txt")),
    ) else {
        eprintln!("../shared/corpus/pdf/067.* not here: skipped");
        return;
    };
    let (doc, a) = assess(&pdf, "067.pdf");
    let info = doc.ocr.as_ref().expect("067.pdf is read by OCR");
    assert_eq!(info.pages.len(), 2);
    let recall = word_recall(&txt, &doc.text);
    println!(
        "067.pdf word recall {recall:.4}, confidence {:?}",
        info.pages
    );
    assert!(recall >= 0.97, "word recall {recall}");
    let (_, t) = assess(txt.as_bytes(), "067.txt");
    assert_eq!(a.approval.present, t.approval.present, "approval");
    assert_eq!(a.approval.date, t.approval.date, "approval date");
    assert_eq!(a.signature.present, t.signature.present, "signature");
    assert_eq!(a.signature.name, t.signature.name, "signatory");
    let areas = |a: &Assessment| {
        fields(a)
            .into_iter()
            .filter(|f| f.0.starts_with("areas."))
            .collect::<Vec<_>>()
    };
    assert_eq!(areas(&a), areas(&t), "areas");
    // Quotes from the scan say so.
    assert!(a.findings.iter().flat_map(|f| &f.evidence).all(|e| e.ocr));
    assert!(a.findings.iter().any(|f| !f.evidence.is_empty()));
}

#[test]
fn images_are_checked_from_their_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("text.pdf");
    // One page: the approval and the signature are on it.
    std::fs::write(&src, text_pdf(&statement("ceo_only.txt"))).expect("write");
    let png = page_images(&src, 300, false, dir.path(), "png")[0].clone();
    let jpg = page_images(&src, 200, true, dir.path(), "jpg")[0].clone();
    let tif = dir.path().join("page.tif");
    run(Command::new("convert")
        .arg(&png)
        .args(["-monochrome", "-compress", "Group4"])
        .arg(&tif));
    for path in [&png, &jpg, &tif] {
        let bytes = std::fs::read(path).expect("image");
        // The name says nothing: the bytes decide.
        let (doc, a) = assess(&bytes, "upload.bin");
        assert_eq!(doc.source.kind, SourceKind::Image, "{path:?}");
        let info = doc.ocr.as_ref().expect("read by OCR");
        assert!(info.pages[0].mean_confidence > 80, "{path:?} {info:?}");
        assert!(
            a.approval.present && a.signature.present,
            "{path:?}: {}",
            doc.text
        );
        assert!(doc.text.contains('\n'), "lines kept");
    }
}

#[test]
fn image_bombs_get_a_clear_error() {
    // PNG: a valid header for 100,000 × 100,000 pixels and nothing else.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // TIFF: one IFD saying 100,000 × 100,000.
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&2u16.to_le_bytes());
    for tag in [256u16, 257] {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&4u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&100_000u32.to_le_bytes());
    }
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // JPEG: a start-of-frame for 65,535 × 65,535.
    let jpeg = b"\xFF\xD8\xFF\xC0\x00\x0B\x08\xFF\xFF\xFF\xFF\x01\x01\x11\x00\xFF\xD9".to_vec();
    // PDF: one page covered by a 100,000 × 100,000 image.
    let pdf = image_pdf(
        1,
        "/Width 100000 /Height 100000 /ColorSpace /DeviceGray /BitsPerComponent 8",
        b"",
    );
    for (what, bytes) in [("png", png), ("tiff", tiff), ("jpeg", jpeg), ("pdf", pdf)] {
        let started = std::time::Instant::now();
        let e = extract::extract(&bytes, "bomb", &Limits::default()).expect_err(what);
        assert!(
            matches!(e, ExtractError::Limit(_) | ExtractError::Image(_)),
            "{what}: {e}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("pixels") || msg.contains("cannot read this image"),
            "{what}: {msg}"
        );
        assert!(
            started.elapsed().as_secs() < 5,
            "{what} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn ten_thousand_scanned_pages_are_refused_before_any_ocr() {
    let pdf = image_pdf(
        10_000,
        "/Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8",
        &[255u8; 64],
    );
    let started = std::time::Instant::now();
    let e = extract::extract(&pdf, "pages.pdf", &Limits::default()).expect_err("too many pages");
    assert!(e.to_string().contains("10000 scanned pages"), "{e}");
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn unreadable_image_encodings_say_so() {
    let pdf = image_pdf(
        1,
        "/Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /JPXDecode",
        b"junk",
    );
    let e = extract::extract(&pdf, "jpx.pdf", &Limits::default()).expect_err("jpx");
    assert!(e.to_string().contains("cannot read this image"), "{e}");
}

/// A PDF of `pages` pages, each covered by the same image XObject.
fn image_pdf(pages: usize, image_dict: &str, data: &[u8]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 5 + i)).collect();
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
    );
    let mut img = format!(
        "<< /Type /XObject /Subtype /Image {image_dict} /Length {} >>\nstream\n",
        data.len()
    )
    .into_bytes();
    img.extend_from_slice(data);
    img.extend_from_slice(b"\nendstream");
    objects.push(img);
    let content = b"q 595 0 0 842 0 0 cm /Im1 Do Q";
    let mut c = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    c.extend_from_slice(content);
    c.extend_from_slice(b"\nendstream");
    objects.push(c);
    for _ in 0..pages {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 3 0 R >> >> /Contents 4 0 R >>"
                .to_vec(),
        );
    }
    assemble_pdf(&objects)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_doubtful_ocr_word_alone_never_fails_a_rule() {
    let text = statement("executive_approval.txt");
    let mut doc = score::document_from_text(&text);
    let plain = score::assess(&doc, &CheckOptions::default(), rules());
    let failed: Vec<&str> = plain
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Fail && f.force == s54::domain::Force::Statute)
        .map(|f| f.rule.as_str())
        .collect();
    assert!(
        !failed.is_empty(),
        "the text fixture fails a statutory rule"
    );
    let chars = doc.text.chars().count();
    // Read by OCR, well: the same failures, their quotes marked as OCR.
    doc.ocr = Some(OcrInfo {
        engine: "tesseract".into(),
        pages: vec![OcrPage {
            page: 1,
            mean_confidence: 95,
            start: 0,
            end: chars,
        }],
        low_confidence: Vec::new(),
    });
    let good = score::assess(&doc, &CheckOptions::default(), rules());
    assert_eq!(good.verdict, plain.verdict);
    assert!(
        good.findings
            .iter()
            .flat_map(|f| &f.evidence)
            .all(|e: &Evidence| e.ocr)
    );
    assert!(good.ocr.is_some());
    // Every word doubtful: no statutory failure stands; a person reviews.
    let words: Vec<[usize; 2]> = {
        let mut v = Vec::new();
        let mut start = None;
        for (i, c) in doc.text.chars().chain(std::iter::once(' ')).enumerate() {
            match (c.is_whitespace(), start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    v.push([s, i]);
                    start = None;
                }
                _ => {}
            }
        }
        v
    };
    doc.ocr = Some(OcrInfo {
        engine: "tesseract".into(),
        pages: vec![OcrPage {
            page: 1,
            mean_confidence: 40,
            start: 0,
            end: chars,
        }],
        low_confidence: words,
    });
    let poor = score::assess(&doc, &CheckOptions::default(), rules());
    for rule in &failed {
        let f = poor
            .findings
            .iter()
            .find(|f| f.rule == *rule)
            .expect("rule");
        assert_eq!(f.status, FindingStatus::Review, "{rule}: {}", f.message);
        assert!(f.message.contains("OCR"), "{}", f.message);
    }
    assert_ne!(poor.verdict, s54::domain::Verdict::FallsShort);
    // The JSON says it: a field on the document and on the quotes.
    let json = serde_json::to_value(&poor).expect("json");
    assert_eq!(json["ocr"]["pages"][0]["mean_confidence"], 40);
    assert!(json.to_string().contains("\"ocr\":true"));
}

/// A PDF file of numbered objects (object 1 the catalogue), with its
/// cross-reference table and trailer.
fn assemble_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

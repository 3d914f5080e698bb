//! The dates a statement's publisher gives besides its text: the server's
//! `Last-Modified` and the PDF's `/CreationDate` (or XMP `CreateDate`), and
//! the fingerprint that tells a statement re-published unchanged (or changed
//! only in its dates) from a new one.

use chrono::{DateTime, NaiveDate};
use sha2::{Digest, Sha256};

/// Where a version's publication date came from.
pub const SOURCE_SERVER: &str = "server";
pub const SOURCE_PDF: &str = "pdf";

/// An HTTP date (`Last-Modified`, RFC 7231 IMF-fixdate, or RFC 2822) as a day.
pub fn http_date(value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    let parsed = DateTime::parse_from_rfc2822(v)
        .ok()
        .or_else(|| DateTime::parse_from_rfc2822(&v.replace("GMT", "+0000")).ok())?;
    Some(parsed.date_naive())
}

/// How far into a PDF the metadata is looked for (the Info dictionary is
/// usually at the end, XMP near the start; both are read from the raw bytes,
/// so only uncompressed metadata is seen).
const PDF_SCAN: usize = 4 << 20;

/// The creation date a PDF declares: `/CreationDate (D:YYYYMMDD…)` in its
/// Info dictionary, else `<xmp:CreateDate>YYYY-MM-DD…` in its XMP packet.
pub fn pdf_creation_date(bytes: &[u8]) -> Option<NaiveDate> {
    if !bytes.starts_with(b"%PDF") {
        return None;
    }
    let head = &bytes[..bytes.len().min(PDF_SCAN)];
    let tail = &bytes[bytes.len().saturating_sub(PDF_SCAN)..];
    info_date(tail)
        .or_else(|| info_date(head))
        .or_else(|| xmp_date(head))
        .or_else(|| xmp_date(tail))
}

fn info_date(bytes: &[u8]) -> Option<NaiveDate> {
    let at = memchr::memmem::rfind(bytes, b"/CreationDate")?;
    let rest = &bytes[at + b"/CreationDate".len()..];
    let rest = &rest[..rest.len().min(64)];
    let open = rest.iter().position(|&b| b == b'(')?;
    let s = &rest[open + 1..];
    let s = s.strip_prefix(b"D:").unwrap_or(s);
    ymd_digits(s)
}

fn xmp_date(bytes: &[u8]) -> Option<NaiveDate> {
    let at = memchr::memmem::find(bytes, b"xmp:CreateDate")?;
    let rest = &bytes[at + b"xmp:CreateDate".len()..];
    let rest = &rest[..rest.len().min(64)];
    let start = rest.iter().position(u8::is_ascii_digit)?;
    let s: Vec<u8> = rest[start..]
        .iter()
        .take(10)
        .copied()
        .filter(|b| *b != b'-')
        .collect();
    ymd_digits(&s)
}

fn ymd_digits(s: &[u8]) -> Option<NaiveDate> {
    let d = s.get(..8)?;
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| std::str::from_utf8(&d[r]).ok()?.parse::<u32>().ok();
    let year = i32::try_from(n(0..4)?).ok()?;
    // Dates before the Act or absurdly far ahead are not publication dates.
    if !(2015..=2100).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, n(4..6)?, n(6..8)?)
}

const MONTHS: [&str; 24] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// A fingerprint of a statement's words without its dates: digits, month
/// names, punctuation, case and spacing are left out, so a statement
/// re-published with only its year, dates or layout changed has the same one.
/// `None` for a text with too few words to compare.
pub fn text_fingerprint(text: &str) -> Option<String> {
    let mut h = Sha256::new();
    let mut words = 0usize;
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().any(|c| c.is_ascii_digit()))
    {
        let lower = w.to_lowercase();
        if MONTHS.contains(&lower.as_str()) {
            continue;
        }
        h.update(lower.as_bytes());
        h.update(b" ");
        words += 1;
    }
    (words >= 20).then(|| hex::encode(&h.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn server_and_pdf_dates() {
        assert_eq!(
            http_date("Wed, 16 Jan 2019 10:00:00 GMT"),
            Some(d(2019, 1, 16))
        );
        assert_eq!(http_date("yesterday"), None);
        let pdf = b"%PDF-1.4\n1 0 obj << /Producer (x) /CreationDate (D:20190116093000+00'00') >> endobj\n%%EOF";
        assert_eq!(pdf_creation_date(pdf), Some(d(2019, 1, 16)));
        let xmp = b"%PDF-1.7\n<x:xmpmeta><xmp:CreateDate>2021-07-02T10:00:00Z</xmp:CreateDate>";
        assert_eq!(pdf_creation_date(xmp), Some(d(2021, 7, 2)));
        assert_eq!(pdf_creation_date(b"%PDF-1.4 /CreationDate (D:1999)"), None);
        assert_eq!(pdf_creation_date(b"<html>/CreationDate (D:20190116)"), None);
        assert_eq!(
            pdf_creation_date(b"%PDF-1.4 /CreationDate (D:20191350)"),
            None
        );
    }

    #[test]
    fn fingerprints_ignore_dates_only() {
        let body = "This statement is made pursuant to section 54 of the Modern Slavery Act and sets out the steps \
                    Acme has taken to ensure that slavery and human trafficking are not taking place in its supply chains";
        let a =
            format!("{body} during the financial year ending 31 March 2022. Approved 1 June 2022.");
        let b = format!(
            "{body}  during the Financial Year ending 31st March 2023.\nApproved 2 July 2023."
        );
        let c = format!(
            "{body} during the financial year ending 31 March 2023, and audited two suppliers."
        );
        assert!(text_fingerprint(&a).is_some());
        assert_eq!(text_fingerprint(&a), text_fingerprint(&b));
        assert_ne!(text_fingerprint(&a), text_fingerprint(&c));
        assert_eq!(text_fingerprint("Too short to compare"), None);
    }
}

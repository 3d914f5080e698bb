//! Text read by OCR may be misread: a statutory `fail` that rests only on
//! words Tesseract was unsure of, or on something missing from a page it
//! read poorly, becomes `review` — a person checks the scan.

use crate::domain::{Document, Finding, FindingStatus, Force};

/// Added to the message of a finding downgraded to `review`.
pub const OCR_REVIEW: &str = "The text was read by OCR from a scanned image with low confidence here; a person should check the scan.";

/// Turns OCR-doubtful statutory failures into `review`.
pub fn review_doubtful(doc: &Document, findings: &mut [Finding]) {
    let Some(ocr) = &doc.ocr else {
        return;
    };
    for f in findings
        .iter_mut()
        .filter(|f| f.force == Force::Statute && f.status == FindingStatus::Fail)
    {
        let doubtful = if f.evidence.is_empty() {
            ocr.poor()
        } else {
            f.evidence
                .iter()
                .all(|e| e.ocr && ocr.low_confidence_in(e.start, e.end))
        };
        if doubtful {
            f.status = FindingStatus::Review;
            f.message = format!("{} {OCR_REVIEW}", f.message);
        }
    }
}

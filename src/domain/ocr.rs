//! How much of a document was read by OCR, and how well: the `ocr` field of
//! a [`super::Document`] and of the `s54.check/1` assessment.

use serde::{Deserialize, Serialize};

/// Word confidence (Tesseract, 0–100) below which a word is not trusted as
/// the only evidence for a failed statutory rule.
pub const LOW_WORD_CONFIDENCE: u8 = 60;
/// Page mean confidence below which the page is read poorly: what its text
/// seems to lack may only be unread.
pub const POOR_PAGE_CONFIDENCE: u8 = 70;

/// The OCR part of a document. Offsets are **character** offsets into the
/// document's text, like [`super::Evidence`]'s.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcrInfo {
    /// The engine and its version, e.g. `tesseract 5.3.0`.
    pub engine: String,
    /// Every page that was read by OCR, in page order.
    pub pages: Vec<OcrPage>,
    /// `[start, end)` of each word read with a confidence under
    /// [`LOW_WORD_CONFIDENCE`].
    #[serde(default)]
    pub low_confidence: Vec<[usize; 2]>,
}

/// One page read by OCR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcrPage {
    /// 1-based page number in the source (1 for a standalone image).
    pub page: u32,
    /// Tesseract's mean word confidence for the page, 0–100.
    pub mean_confidence: u8,
    /// The page's text: `[start, end)` in the document's text (empty when
    /// nothing was read).
    pub start: usize,
    pub end: usize,
}

impl OcrInfo {
    /// Whether the character range `start..end` lies (partly) in OCR text.
    pub fn covers(&self, start: usize, end: usize) -> bool {
        self.pages
            .iter()
            .any(|p| start < p.end && end.max(start + 1) > p.start)
    }

    /// Whether `start..end` holds a word read with low confidence.
    pub fn low_confidence_in(&self, start: usize, end: usize) -> bool {
        self.low_confidence
            .iter()
            .any(|[s, e]| *s < end && *e > start)
    }

    /// Whether any page was read poorly.
    pub fn poor(&self) -> bool {
        self.pages
            .iter()
            .any(|p| p.mean_confidence < POOR_PAGE_CONFIDENCE)
    }

    /// Mean of the pages' confidences, 0–100.
    pub fn mean_confidence(&self) -> u8 {
        if self.pages.is_empty() {
            return 0;
        }
        let sum: u32 = self
            .pages
            .iter()
            .map(|p| u32::from(p.mean_confidence))
            .sum();
        (sum / self.pages.len() as u32) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_confidence() {
        let info = OcrInfo {
            engine: "tesseract".into(),
            pages: vec![
                OcrPage {
                    page: 2,
                    mean_confidence: 90,
                    start: 10,
                    end: 20,
                },
                OcrPage {
                    page: 3,
                    mean_confidence: 50,
                    start: 22,
                    end: 30,
                },
            ],
            low_confidence: vec![[12, 15]],
        };
        assert!(info.covers(0, 11));
        assert!(!info.covers(0, 10));
        assert!(!info.covers(20, 22));
        assert!(info.low_confidence_in(14, 40));
        assert!(!info.low_confidence_in(15, 40));
        assert!(info.poor());
        assert_eq!(info.mean_confidence(), 70);
    }
}

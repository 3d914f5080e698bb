use serde::{Deserialize, Serialize};

/// A quotation from the extracted text that supports a finding.
///
/// `start` and `end` are **character** offsets (Unicode scalar values) into
/// [`crate::domain::Document::text`], as the `s54.check/1` contract says, so a
/// consumer in any language can slice the text it was given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub quote: String,
    pub start: usize,
    pub end: usize,
    /// The quote was read by OCR from a scanned page (only shown when true):
    /// a reader should check it against the image.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ocr: bool,
}

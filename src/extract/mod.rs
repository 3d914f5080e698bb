//! Bytes → [`Document`]. The format is sniffed from the bytes (never trusted
//! from a file name), handed to one extractor, and the blocks it returns are
//! normalised into one text with offsets. Every extractor is synchronous,
//! bounded by [`Limits`] and returns an error instead of panicking.

pub mod docx;
pub mod html;
pub mod ocr;
pub mod pdf;
pub mod sniff;
pub mod text;

use crate::domain::{Document, SourceInfo, SourceKind};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Resource limits for one extraction. Hostile files hit these, not the heap.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_input_bytes: usize,
    /// Largest total of decompressed streams / zip entries, in bytes.
    pub max_decompressed_bytes: usize,
    /// Most PDF objects (or XML elements) processed.
    pub max_objects: usize,
    /// Deepest nesting followed (PDF arrays/forms, HTML elements, XML).
    pub max_depth: usize,
    /// Most text produced, in bytes.
    pub max_text_bytes: usize,
    /// Wall-clock budget for one document (OCR has its own, in `ocr`).
    pub max_time: Duration,
    /// Bounds on reading scanned pages and images.
    pub ocr: ocr::OcrLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 100 * 1024 * 1024,
            max_decompressed_bytes: 256 * 1024 * 1024,
            max_objects: 2_000_000,
            max_depth: 256,
            max_text_bytes: 32 * 1024 * 1024,
            max_time: Duration::from_secs(20),
            ocr: ocr::OcrLimits::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// No bytes, or text that is only whitespace.
    #[error("empty input")]
    Empty,
    #[error("input is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("unrecognised format: not PDF, HTML, DOCX, text or an image (PNG, JPEG, TIFF)")]
    UnknownFormat,
    #[error("PDF: {0}")]
    Pdf(String),
    #[error("PDF is encrypted with a password")]
    Encrypted,
    #[error("HTML: {0}")]
    Html(String),
    #[error("DOCX: {0}")]
    Docx(String),
    #[error("text: {0}")]
    Text(String),
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// An image that cannot be decoded (the message says so).
    #[error("{0}")]
    Image(String),
    #[error("OCR: {0}")]
    Ocr(String),
}

/// Extracts one document. `name` is only recorded (and used as a last-resort
/// hint between HTML and plain text); the format comes from the bytes.
pub fn extract(bytes: &[u8], name: &str, limits: &Limits) -> Result<Document, ExtractError> {
    extract_with_content_type(bytes, name, None, limits)
}

/// Like [`extract`], with the HTTP `Content-Type` the bytes were served with.
/// Its charset decides how HTML and text are decoded (after a byte-order
/// mark); the format is still sniffed from the bytes, so a PDF served as
/// `text/html` is a PDF.
pub fn extract_with_content_type(
    bytes: &[u8],
    name: &str,
    content_type: Option<&str>,
    limits: &Limits,
) -> Result<Document, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    let kind = match sniff::sniff(bytes, name) {
        Some(kind) => kind,
        None if sniff::is_ole(bytes) => {
            return Err(ExtractError::Docx(
                "a legacy .doc or password-protected Office file; save it as .docx or PDF".into(),
            ));
        }
        None => return Err(ExtractError::UnknownFormat),
    };
    let (extracted, ocr_pages) = match kind {
        SourceKind::Pdf => pdf::extract_with_ocr(bytes, limits)?,
        SourceKind::Image => ocr::extract_image(bytes, &limits.ocr)?,
        SourceKind::Html => (
            html::extract_with_content_type(bytes, content_type, limits)?,
            Vec::new(),
        ),
        SourceKind::Docx => (docx::extract(bytes, limits)?, Vec::new()),
        SourceKind::Text => (
            text::extract_with_content_type(bytes, content_type, limits)?,
            Vec::new(),
        ),
    };
    // Text that is only whitespace is empty input, like zero bytes: not a
    // scanned image (a PDF or page without text stays the scorer's case).
    if kind == SourceKind::Text && extracted.blocks.iter().all(|b| b.text.trim().is_empty()) {
        return Err(ExtractError::Empty);
    }
    let source = SourceInfo {
        kind,
        name: name.to_string(),
        bytes: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    };
    let mut doc = Document::from_extracted(source, extracted);
    if !ocr_pages.is_empty() {
        doc.ocr = Some(ocr::text::locate(&doc, &ocr_pages, &ocr::engine()));
    }
    Ok(doc)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

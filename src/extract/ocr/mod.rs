//! OCR of scanned pages and images with Tesseract.
//!
//! - [`decode`] takes a PDF's image XObjects to grey pixels (DCT, Flate,
//!   CCITT, JBIG2) and [`image`] does the same for PNG, JPEG and TIFF files;
//! - [`raster`] holds the grey image and composes a page from the images
//!   placed on it (a scanner's background plus text masks, say);
//! - `tess` calls the Tesseract library (with the default `ocr` feature);
//! - [`text`] turns Tesseract's words into paragraphs that keep their lines
//!   and marks the words read with low confidence.
//!
//! Bounded by [`OcrLimits`]: pages, pixels per image, time per page and in
//! all. Callers run extraction on blocking threads (the server's and the
//! crawler's `spawn_blocking`), never on the async runtime.

pub mod decode;
pub mod image;
pub mod raster;
#[cfg(feature = "ocr")]
mod tess;
pub mod text;

use super::ExtractError;
use crate::domain::{BlockKind, Extracted, RawBlock};
use raster::Gray;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Called after each page read by OCR with (pages done, pages to read).
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(u32, u32) + Send + Sync>);

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress")
    }
}

/// Bounds on OCR work for one document.
#[derive(Debug, Clone)]
pub struct OcrLimits {
    /// Most pages read by OCR in one document.
    pub max_pages: usize,
    /// Largest image (or composed page) in pixels.
    pub max_pixels: u64,
    /// Longest time Tesseract spends on one page.
    pub max_page_time: Duration,
    /// Longest time spent on OCR for one document.
    pub max_total_time: Duration,
    pub progress: Option<Progress>,
}

impl Default for OcrLimits {
    fn default() -> Self {
        OcrLimits {
            max_pages: 100,
            // An A4 page at 600 dpi is 35 million pixels.
            max_pixels: 40_000_000,
            max_page_time: Duration::from_secs(60),
            max_total_time: Duration::from_secs(600),
            progress: None,
        }
    }
}

/// A paragraph read by OCR: its lines joined by `\n`, and the byte ranges
/// of its words read with low confidence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OcrBlock {
    pub text: String,
    pub low: Vec<(usize, usize)>,
}

/// One page read by OCR.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OcrPageText {
    /// 1-based page number.
    pub page: u32,
    pub mean_confidence: u8,
    pub blocks: Vec<OcrBlock>,
}

impl OcrPageText {
    pub fn raw_blocks(&self) -> impl Iterator<Item = RawBlock> + '_ {
        self.blocks
            .iter()
            .map(|b| RawBlock::new(BlockKind::Paragraph, b.text.clone()))
    }
}

/// Whether this build can read images (the `ocr` cargo feature).
pub const AVAILABLE: bool = cfg!(feature = "ocr");

/// Error for an image when OCR is not built in.
pub fn not_built_in() -> ExtractError {
    ExtractError::Ocr(
        "this s54 was built without OCR (the `ocr` cargo feature), so images cannot be read".into(),
    )
}

/// The engine's name and version, e.g. `tesseract 5.3.0`.
pub fn engine() -> String {
    #[cfg(feature = "ocr")]
    {
        format!("tesseract {}", tess::version())
    }
    #[cfg(not(feature = "ocr"))]
    {
        "none".to_string()
    }
}

/// Reads pages one after another within the time limits, reporting
/// progress. `pages` yields (page number, image, pixels per inch) lazily,
/// so only one page image is held at a time.
pub fn read_pages<I>(
    pages: I,
    total: u32,
    limits: &OcrLimits,
) -> Result<Vec<OcrPageText>, ExtractError>
where
    I: IntoIterator<Item = Result<(u32, Gray, f32), ExtractError>>,
{
    let started = Instant::now();
    let mut out = Vec::new();
    if let Some(p) = &limits.progress {
        (p.0)(0, total);
    }
    for (done, page) in pages.into_iter().enumerate() {
        let (number, img, ppi) = page?;
        let left = limits.max_total_time.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(ExtractError::Limit(format!(
                "OCR took longer than {} s in all",
                limits.max_total_time.as_secs()
            )));
        }
        let budget = limits.max_page_time.min(left);
        let page_started = Instant::now();
        let (tsv, conf) = recognise(&img, ppi, budget)?;
        drop(img);
        if page_started.elapsed() >= budget {
            return Err(ExtractError::Limit(format!(
                "OCR of page {number} took longer than {} s",
                budget.as_secs()
            )));
        }
        out.push(OcrPageText {
            page: number,
            mean_confidence: conf,
            blocks: text::blocks_from_tsv(&tsv),
        });
        if let Some(p) = &limits.progress {
            (p.0)(done as u32 + 1, total);
        }
    }
    Ok(out)
}

#[cfg(feature = "ocr")]
fn recognise(img: &Gray, ppi: f32, budget: Duration) -> Result<(String, u8), ExtractError> {
    tess::recognise(img, ppi.round() as u32, budget)
}

#[cfg(not(feature = "ocr"))]
fn recognise(_: &Gray, _: f32, _: Duration) -> Result<(String, u8), ExtractError> {
    Err(not_built_in())
}

/// Resolution assumed for an image that does not say: as wide as an A4 page.
fn guess_ppi(width: u32) -> f32 {
    (width as f32 / 8.27).clamp(70.0, 600.0)
}

/// A standalone image (PNG, JPEG, TIFF) → its text and the OCR page.
pub fn extract_image(
    bytes: &[u8],
    limits: &OcrLimits,
) -> Result<(Extracted, Vec<OcrPageText>), ExtractError> {
    if !AVAILABLE {
        return Err(not_built_in());
    }
    let decoded = image::decode(bytes, limits)?;
    let ppi = decoded
        .ppi
        .filter(|p| (70.0..=1200.0).contains(p))
        .unwrap_or_else(|| guess_ppi(decoded.gray.width));
    let pages = read_pages([Ok((1, decoded.gray, ppi))], 1, limits)?;
    let extracted = Extracted {
        blocks: pages.iter().flat_map(OcrPageText::raw_blocks).collect(),
        pages: Some(1),
        notes: vec![ocr_note(&pages)],
        ..Default::default()
    };
    Ok((extracted, pages))
}

/// The note a reader sees: which pages were read by OCR and how well.
pub fn ocr_note(pages: &[OcrPageText]) -> String {
    let list: Vec<String> = pages
        .iter()
        .map(|p| format!("page {} {}%", p.page, p.mean_confidence))
        .collect();
    format!(
        "{NOTE_OCR_PREFIX} {} page(s) read by OCR ({}), mean confidence: {}",
        pages.len(),
        engine(),
        list.join(", ")
    )
}

/// Start of the note on a document read (partly) by OCR.
pub const NOTE_OCR_PREFIX: &str = "ocr:";

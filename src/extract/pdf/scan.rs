//! Scanned pages: which pages need OCR (almost no text, mostly covered by
//! images) and their page image, taken from the image XObjects themselves
//! (not by rendering the page) and composed at the images' own resolution.

use super::interp::Placed;
use super::layout::Line;
use super::{dict_get, num};
use crate::extract::ExtractError;
use crate::extract::ocr::OcrLimits;
use crate::extract::ocr::decode::{self, PdfImage};
use crate::extract::ocr::raster::{Canvas, Gray, Paint};
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashMap;

/// A page with fewer letters and digits than this in its text layer…
const MAX_TEXT_CHARS: usize = 40;
/// …and at least this share of its area under images is read by OCR.
const MIN_IMAGE_COVER: f32 = 0.5;
/// Page images are composed at no more than this resolution.
const MAX_PPI: f32 = 400.0;

/// The page box `[x0, y0, x1, y1]`: `/MediaBox`, inherited, else US Letter.
pub(super) fn page_box(doc: &Document, page: &Dictionary) -> [f32; 4] {
    let mut node = Some(page);
    for _ in 0..32 {
        let Some(n) = node else { break };
        if let Some(a) = dict_get(doc, n, b"MediaBox").and_then(|o| o.as_array().ok())
            && let [x0, y0, x1, y1] = a
                .iter()
                .filter_map(|o| doc.dereference(o).ok().and_then(|(_, o)| num(o)))
                .collect::<Vec<_>>()[..]
            && (x1 - x0).abs() >= 1.0
            && (y1 - y0).abs() >= 1.0
        {
            return [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
        }
        node = dict_get(doc, n, b"Parent").and_then(|o| o.as_dict().ok());
    }
    [0.0, 0.0, 612.0, 792.0]
}

/// Share of the page box covered by the images' bounding boxes (overlaps
/// counted twice, capped at 1).
fn image_cover(images: &[Placed], bx: [f32; 4]) -> f32 {
    let area = (bx[2] - bx[0]) * (bx[3] - bx[1]);
    let covered: f32 = images
        .iter()
        .map(|p| {
            let [x0, y0, x1, y1] = bounds(&p.ctm);
            let w = (x1.min(bx[2]) - x0.max(bx[0])).max(0.0);
            let h = (y1.min(bx[3]) - y0.max(bx[1])).max(0.0);
            w * h
        })
        .sum();
    if area > 0.0 && covered.is_finite() {
        (covered / area).min(1.0)
    } else {
        0.0
    }
}

/// Bounding box of the unit square under `m`.
fn bounds(m: &[f32; 6]) -> [f32; 4] {
    let pts = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
        .map(|(u, v)| (u * m[0] + v * m[2] + m[4], u * m[1] + v * m[3] + m[5]));
    let xs = pts.map(|p| p.0);
    let ys = pts.map(|p| p.1);
    [
        xs.iter().copied().fold(f32::MAX, f32::min),
        ys.iter().copied().fold(f32::MAX, f32::min),
        xs.iter().copied().fold(f32::MIN, f32::max),
        ys.iter().copied().fold(f32::MIN, f32::max),
    ]
}

/// Whether a page is a scan: (almost) no text layer, mostly images.
pub(super) fn needs_ocr(lines: &[Line], images: &[Placed], bx: [f32; 4]) -> bool {
    let chars = lines
        .iter()
        .flat_map(|l| l.text.chars())
        .filter(|c| c.is_alphanumeric())
        .take(MAX_TEXT_CHARS)
        .count();
    chars < MAX_TEXT_CHARS && image_cover(images, bx) >= MIN_IMAGE_COVER
}

/// The page as one grey image, and its resolution in pixels per inch.
pub(super) fn page_image(
    doc: &Document,
    images: &[Placed],
    bx: [f32; 4],
    limits: &OcrLimits,
) -> Result<(Gray, f32), ExtractError> {
    let mut decoded: HashMap<ObjectId, PdfImage> = HashMap::new();
    let mut pixels: u64 = 0;
    let mut ppi: f32 = 0.0;
    for p in images {
        if decoded.contains_key(&p.id) {
            continue;
        }
        let Ok(Object::Stream(stream)) = doc.get_object(p.id) else {
            continue;
        };
        let (w, h) = decode::size(doc, &stream.dict, limits)?;
        pixels += u64::from(w) * u64::from(h);
        if pixels > limits.max_pixels.saturating_mul(2) {
            return Err(ExtractError::Limit(format!(
                "the images of one page hold more than {} million pixels",
                limits.max_pixels.saturating_mul(2) / 1_000_000
            )));
        }
        let img = decode::decode(doc, stream, limits)?;
        let placed_w = (p.ctm[0].hypot(p.ctm[1]) / 72.0).max(1e-3);
        ppi = ppi.max(img.gray.width as f32 / placed_w);
        decoded.insert(p.id, img);
    }
    if decoded.is_empty() {
        return Err(ExtractError::Image(
            "cannot read this image: none of the page's images could be found".into(),
        ));
    }
    let ppi = if ppi.is_finite() {
        ppi.clamp(72.0, MAX_PPI)
    } else {
        300.0
    };
    // One upright, opaque image filling the page: its own pixels.
    if let [only] = images
        && let Some(img) = decoded.remove(&only.id)
        && !img.mask
        && fills_page(&only.ctm, bx)
    {
        return Ok((img.gray, ppi));
    }
    compose(&decoded, images, bx, ppi, limits)
}

fn fills_page(m: &[f32; 6], bx: [f32; 4]) -> bool {
    let near = |a: f32, b: f32| (a - b).abs() <= 2.0;
    m[1] == 0.0
        && m[2] == 0.0
        && m[0] > 0.0
        && m[3] > 0.0
        && near(m[4], bx[0])
        && near(m[5], bx[1])
        && near(m[4] + m[0], bx[2])
        && near(m[5] + m[3], bx[3])
}

fn compose(
    decoded: &HashMap<ObjectId, PdfImage>,
    images: &[Placed],
    bx: [f32; 4],
    ppi: f32,
    limits: &OcrLimits,
) -> Result<(Gray, f32), ExtractError> {
    let (wpt, hpt) = (bx[2] - bx[0], bx[3] - bx[1]);
    let mut ppi = ppi;
    let fits =
        |ppi: f32| (wpt * ppi / 72.0) as u64 * (hpt * ppi / 72.0) as u64 <= limits.max_pixels;
    while !fits(ppi) && ppi > 50.0 {
        ppi *= 0.8;
    }
    let scale = ppi / 72.0;
    let (w, h) = ((wpt * scale).ceil() as u32, (hpt * scale).ceil() as u32);
    let mut canvas = Canvas {
        image: Gray::new(w, h, 255, limits)?,
        scale,
        x0: bx[0],
        y0: bx[1],
    };
    for p in images {
        if let Some(img) = decoded.get(&p.id) {
            let paint = if img.mask {
                Paint::Stencil(p.fill)
            } else {
                Paint::Opaque
            };
            canvas.draw(&img.gray, &p.ctm, paint);
        }
    }
    Ok((canvas.image, ppi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(ctm: [f32; 6]) -> Placed {
        Placed {
            id: (1, 0),
            ctm,
            fill: 0,
        }
    }

    #[test]
    fn cover_and_fill() {
        let bx = [0.0, 0.0, 600.0, 800.0];
        assert!(
            (image_cover(&[placed([600.0, 0.0, 0.0, 800.0, 0.0, 0.0])], bx) - 1.0).abs() < 1e-6
        );
        assert!(image_cover(&[placed([60.0, 0.0, 0.0, 80.0, 0.0, 0.0])], bx) < 0.02);
        assert!(fills_page(&[600.0, 0.0, 0.0, 800.0, 0.0, 0.0], bx));
        assert!(!fills_page(&[0.0, 800.0, -600.0, 0.0, 600.0, 0.0], bx));
        assert_eq!(
            image_cover(&[placed([f32::MAX, 0.0, 0.0, f32::MAX, 0.0, 0.0])], bx),
            1.0
        );
        assert!(needs_ocr(
            &[],
            &[placed([600.0, 0.0, 0.0, 800.0, 0.0, 0.0])],
            bx
        ));
        assert!(!needs_ocr(&[], &[], bx));
    }
}

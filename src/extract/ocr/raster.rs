//! An 8-bit grey page image, and drawing decoded images onto a page canvas
//! with their placement matrix (nearest neighbour: OCR needs sharp edges,
//! not smooth scaling).

use super::OcrLimits;
use crate::extract::ExtractError;

/// Row-major 8-bit grey pixels, 0 = black, 255 = white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Gray {
    /// A blank image, refused (before any allocation) when over the limit.
    pub fn new(
        width: u32,
        height: u32,
        fill: u8,
        limits: &OcrLimits,
    ) -> Result<Gray, ExtractError> {
        check_size(width, height, limits)?;
        Ok(Gray {
            width,
            height,
            data: vec![fill; width as usize * height as usize],
        })
    }

    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.data[y as usize * self.width as usize + x as usize]
    }
}

/// Refuses empty images and images over the pixel limit.
pub fn check_size(width: u32, height: u32, limits: &OcrLimits) -> Result<(), ExtractError> {
    if width == 0 || height == 0 {
        return Err(ExtractError::Image("the image has no pixels".into()));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(ExtractError::Limit(format!(
            "an image of {width}×{height} pixels, over the limit of {} million pixels",
            limits.max_pixels / 1_000_000
        )));
    }
    Ok(())
}

/// How an image is painted: opaque grey pixels, or a stencil mask whose
/// dark pixels are painted with a fill grey.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Paint {
    Opaque,
    Stencil(u8),
}

/// PDF matrix `[a b c d e f]`: image unit square → page points.
pub type Matrix = [f32; 6];

/// The page canvas: `scale` pixels per point, origin at the page box's
/// lower-left corner `(x0, y0)`.
pub struct Canvas {
    pub image: Gray,
    pub scale: f32,
    pub x0: f32,
    pub y0: f32,
}

impl Canvas {
    /// Draws `img` where `m` places it, visiting only the canvas pixels
    /// inside its bounding box and mapping each back into the image.
    pub fn draw(&mut self, img: &Gray, m: &Matrix, paint: Paint) {
        let det = m[0] * m[3] - m[1] * m[2];
        if !det.is_finite() || det.abs() < 1e-9 {
            return;
        }
        let (cw, ch) = (self.image.width as f32, self.image.height as f32);
        // Canvas pixel → page point → unit square.
        let corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)].map(|(u, v)| {
            let px = u * m[0] + v * m[2] + m[4];
            let py = u * m[1] + v * m[3] + m[5];
            (
                (px - self.x0) * self.scale,
                ch - (py - self.y0) * self.scale,
            )
        });
        let min_x = corners
            .iter()
            .map(|c| c.0)
            .fold(f32::MAX, f32::min)
            .max(0.0);
        let max_x = corners.iter().map(|c| c.0).fold(f32::MIN, f32::max).min(cw);
        let min_y = corners
            .iter()
            .map(|c| c.1)
            .fold(f32::MAX, f32::min)
            .max(0.0);
        let max_y = corners.iter().map(|c| c.1).fold(f32::MIN, f32::max).min(ch);
        if !(min_x < max_x && min_y < max_y) {
            return;
        }
        let (iw, ih) = (img.width as f32, img.height as f32);
        let cw_px = self.image.width as usize;
        for cy in min_y as u32..(max_y.ceil() as u32).min(self.image.height) {
            let py = (ch - (cy as f32 + 0.5)) / self.scale + self.y0 - m[5];
            for cx in min_x as u32..(max_x.ceil() as u32).min(self.image.width) {
                let px = (cx as f32 + 0.5) / self.scale + self.x0 - m[4];
                let u = (px * m[3] - py * m[2]) / det;
                let v = (py * m[0] - px * m[1]) / det;
                if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
                    continue;
                }
                // Image row 0 is the top of the unit square (v = 1).
                let sx = (u * iw) as u32;
                let sy = ((1.0 - v) * ih) as u32;
                let s = img.get(sx.min(img.width - 1), sy.min(img.height - 1));
                let out = &mut self.image.data[cy as usize * cw_px + cx as usize];
                match paint {
                    Paint::Opaque => *out = s,
                    Paint::Stencil(fill) if s < 128 => *out = fill,
                    Paint::Stencil(_) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_upright_and_stencils() {
        let limits = OcrLimits::default();
        let mut canvas = Canvas {
            image: Gray::new(20, 10, 255, &limits).unwrap(),
            scale: 1.0,
            x0: 0.0,
            y0: 0.0,
        };
        // A 2×1 image: left black, right grey, stretched over the left half.
        let img = Gray {
            width: 2,
            height: 1,
            data: vec![0, 200],
        };
        canvas.draw(&img, &[10.0, 0.0, 0.0, 10.0, 0.0, 0.0], Paint::Opaque);
        assert_eq!(canvas.image.get(0, 0), 0);
        assert_eq!(canvas.image.get(7, 9), 200);
        assert_eq!(canvas.image.get(12, 5), 255);
        // A mask paints only its dark pixels.
        canvas.draw(&img, &[10.0, 0.0, 0.0, 10.0, 10.0, 0.0], Paint::Stencil(30));
        assert_eq!(canvas.image.get(11, 3), 30);
        assert_eq!(canvas.image.get(17, 3), 255);
        // Degenerate and off-page placements draw nothing and do not panic.
        canvas.draw(&img, &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0], Paint::Opaque);
        canvas.draw(&img, &[5.0, 0.0, 0.0, 5.0, 1e9, -1e9], Paint::Opaque);
        canvas.draw(&img, &[f32::NAN, 0.0, 0.0, 5.0, 0.0, 0.0], Paint::Opaque);
    }

    #[test]
    fn bombs_are_refused_before_allocation() {
        let e = Gray::new(100_000, 100_000, 255, &OcrLimits::default()).unwrap_err();
        assert!(e.to_string().contains("100000×100000"), "{e}");
    }
}

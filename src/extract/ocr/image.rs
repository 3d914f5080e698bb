//! Standalone images (PNG, JPEG, TIFF — scans and phone photos of a signed
//! page) → grey pixels. The size is read from the header and checked
//! against the limits before anything is decoded.

use super::OcrLimits;
use super::decode::jpeg_gray;
use super::raster::{Gray, check_size};
use crate::extract::ExtractError;
use std::io::Cursor;

/// The image formats read by OCR, sniffed from their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Tiff,
}

pub fn format_of(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(Format::Tiff)
    } else {
        None
    }
}

/// A decoded image and its resolution when the file says it.
pub struct Decoded {
    pub gray: Gray,
    pub ppi: Option<f32>,
}

pub fn decode(bytes: &[u8], limits: &OcrLimits) -> Result<Decoded, ExtractError> {
    match format_of(bytes) {
        Some(Format::Png) => png_gray(bytes, limits),
        Some(Format::Jpeg) => Ok(Decoded {
            gray: jpeg_gray(bytes, limits)?,
            ppi: jfif_ppi(bytes),
        }),
        Some(Format::Tiff) => tiff_gray(bytes, limits),
        None => Err(ExtractError::Image(
            "cannot read this image: not PNG, JPEG or TIFF".into(),
        )),
    }
}

fn bad(format: &str, e: impl std::fmt::Display) -> ExtractError {
    ExtractError::Image(format!("cannot read this image: {format}: {e}"))
}

fn png_gray(bytes: &[u8], limits: &OcrLimits) -> Result<Decoded, ExtractError> {
    let mut dec = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: usize::try_from(limits.max_pixels.saturating_mul(8)).unwrap_or(usize::MAX),
        },
    );
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().map_err(|e| bad("PNG", e))?;
    let info = reader.info();
    check_size(info.width, info.height, limits)?;
    let ppi = info
        .pixel_dims
        .and_then(|d| (d.unit == png::Unit::Meter && d.xppu > 0).then(|| d.xppu as f32 * 0.0254));
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| bad("PNG", "too large"))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| bad("PNG", e))?;
    let n = frame.color_type.samples();
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut data = Vec::with_capacity(w * h);
    for row in buf.chunks(frame.line_size).take(h) {
        for px in row.chunks_exact(n).take(w) {
            data.push(match n {
                1 | 2 => px[0],
                // RGB(A): luma; a transparent pixel is paper.
                _ => {
                    let y =
                        (u32::from(px[0]) * 299 + u32::from(px[1]) * 587 + u32::from(px[2]) * 114)
                            / 1000;
                    if n == 4 && px[3] < 128 { 255 } else { y as u8 }
                }
            });
        }
    }
    if data.len() != w * h {
        return Err(bad("PNG", "truncated"));
    }
    Ok(Decoded {
        gray: Gray {
            width: w as u32,
            height: h as u32,
            data,
        },
        ppi,
    })
}

/// Pixels per inch from a JFIF APP0 segment right after SOI.
fn jfif_ppi(bytes: &[u8]) -> Option<f32> {
    let app0 = bytes.get(2..20)?;
    if app0[0] != 0xFF || app0[1] != 0xE0 || &app0[4..9] != b"JFIF\0" {
        return None;
    }
    let x = u16::from_be_bytes([app0[12], app0[13]]);
    match app0[11] {
        1 if x > 0 => Some(f32::from(x)),
        2 if x > 0 => Some(f32::from(x) * 2.54),
        _ => None,
    }
}

fn tiff_gray(bytes: &[u8], limits: &OcrLimits) -> Result<Decoded, ExtractError> {
    use tiff::ColorType;
    use tiff::decoder::{Decoder, DecodingResult, Limits};
    let budget = usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX);
    let mut tl = Limits::default();
    tl.decoding_buffer_size = budget;
    tl.intermediate_buffer_size = budget;
    tl.ifd_value_size = 1 << 20;
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(|e| bad("TIFF", e))?
        .with_limits(tl);
    let (w, h) = dec.dimensions().map_err(|e| bad("TIFF", e))?;
    check_size(w, h, limits)?;
    let color = dec.colortype().map_err(|e| bad("TIFF", e))?;
    let ppi = tiff_ppi(&mut dec);
    let result = dec.read_image().map_err(|e| bad("TIFF", e))?;
    let DecodingResult::U8(buf) = result else {
        return Err(bad("TIFF", "samples deeper than 8 bits"));
    };
    let (wu, hu) = (w as usize, h as usize);
    let data: Vec<u8> = match color {
        ColorType::Gray(8) => buf,
        ColorType::Gray(1) => {
            let row = wu.div_ceil(8);
            (0..hu)
                .flat_map(|y| (0..wu).map(move |x| (y, x)))
                .map(|(y, x)| {
                    let b = buf.get(y * row + x / 8).copied().unwrap_or(0xFF);
                    if b >> (7 - x % 8) & 1 == 1 { 255 } else { 0 }
                })
                .collect()
        }
        ColorType::GrayA(8) => buf.chunks_exact(2).map(|p| p[0]).collect(),
        ColorType::RGB(8) | ColorType::RGBA(8) => {
            let n = if matches!(color, ColorType::RGB(8)) {
                3
            } else {
                4
            };
            buf.chunks_exact(n)
                .map(|p| {
                    ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000)
                        as u8
                })
                .collect()
        }
        other => return Err(bad("TIFF", format!("colour type {other:?}"))),
    };
    if data.len() != wu * hu {
        return Err(bad("TIFF", "truncated"));
    }
    Ok(Decoded {
        gray: Gray {
            width: w,
            height: h,
            data,
        },
        ppi,
    })
}

fn tiff_ppi<R: std::io::Read + std::io::Seek>(dec: &mut tiff::decoder::Decoder<R>) -> Option<f32> {
    use tiff::tags::Tag;
    let v = dec.find_tag(Tag::XResolution).ok()??;
    let ppi = v.into_f32().ok()?;
    let unit = dec
        .find_tag(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .and_then(|u| u.into_u16().ok())
        .unwrap_or(2);
    let ppi = if unit == 3 { ppi * 2.54 } else { ppi };
    (ppi.is_finite() && ppi > 0.0).then_some(ppi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_magic() {
        assert_eq!(format_of(b"\x89PNG\r\n\x1a\nrest"), Some(Format::Png));
        assert_eq!(format_of(b"\xFF\xD8\xFF\xE0"), Some(Format::Jpeg));
        assert_eq!(format_of(b"II*\0...."), Some(Format::Tiff));
        assert_eq!(format_of(b"MM\0*...."), Some(Format::Tiff));
        assert_eq!(format_of(b"GIF89a"), None);
    }

    #[test]
    fn garbage_after_magic_is_an_error() {
        let limits = OcrLimits::default();
        for b in [
            &b"\x89PNG\r\n\x1a\n\0\0"[..],
            b"\xFF\xD8\xFF\xE0\0",
            b"II*\0\x08\0\0\0",
        ] {
            assert!(decode(b, &limits).is_err());
        }
    }
}

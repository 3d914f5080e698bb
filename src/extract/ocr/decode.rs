//! Image XObjects of a PDF → grey pixels: DCT (JPEG), Flate/LZW/raw samples,
//! CCITT fax and JBIG2. Anything else (JPEG 2000, unusual colour spaces) is
//! "cannot read this image". Sizes are checked against the limits from the
//! image dictionary before any pixel is decoded.

use super::OcrLimits;
use super::raster::{Gray, check_size};
use crate::extract::ExtractError;
use lopdf::{Dictionary, Document, Object, Stream};

/// A decoded image and whether it is a stencil mask (`/ImageMask true`).
pub struct PdfImage {
    pub gray: Gray,
    pub mask: bool,
}

/// How samples map to grey.
enum Space {
    Gray,
    Rgb,
    Cmyk,
    /// A single tint: 1 is full ink (dark).
    Tint,
    /// Palette indices into a base space's colours, already in grey.
    Indexed(Vec<u8>),
}

impl Space {
    fn components(&self) -> usize {
        match self {
            Space::Rgb => 3,
            Space::Cmyk => 4,
            _ => 1,
        }
    }
}

fn cannot(what: &str) -> ExtractError {
    ExtractError::Image(format!("cannot read this image: {what}"))
}

fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let o = dict.get(key).ok()?;
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn int(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<i64> {
    get(doc, dict, key).and_then(|o| o.as_i64().ok())
}

fn flag(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<bool> {
    get(doc, dict, key).and_then(|o| o.as_bool().ok())
}

/// The image's pixel size from its dictionary, refused when over the limit.
pub fn size(
    doc: &Document,
    dict: &Dictionary,
    limits: &OcrLimits,
) -> Result<(u32, u32), ExtractError> {
    let dim = |key: &[u8]| {
        int(doc, dict, key)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| cannot("no valid /Width or /Height"))
    };
    let (w, h) = (dim(b"Width")?, dim(b"Height")?);
    check_size(w, h, limits)?;
    Ok((w, h))
}

/// Decodes one image XObject.
pub fn decode(
    doc: &Document,
    stream: &Stream,
    limits: &OcrLimits,
) -> Result<PdfImage, ExtractError> {
    let dict = &stream.dict;
    let (w, h) = size(doc, dict, limits)?;
    let mask = flag(doc, dict, b"ImageMask").unwrap_or(false);
    let filters = filter_names(doc, dict);
    let last = filters.last().map(Vec::as_slice);
    let parms = decode_parms(doc, dict, filters.len());
    let image_codec = matches!(
        last,
        Some(b"DCTDecode" | b"DCT" | b"CCITTFaxDecode" | b"CCF" | b"JBIG2Decode")
    );
    let encoded = if image_codec && filters.len() > 1 {
        inflate_chain(&stream.content, &filters[..filters.len() - 1], limits)?
    } else {
        stream.content.clone()
    };
    let mut gray = match last {
        Some(b"DCTDecode" | b"DCT") => jpeg_gray(&encoded, limits)?,
        Some(b"CCITTFaxDecode" | b"CCF") => ccitt(&encoded, parms, doc, w, h)?,
        Some(b"JBIG2Decode") => jbig2(&encoded, parms, doc, w, h)?,
        Some(b"JPXDecode") => return Err(cannot("JPEG 2000 is not supported")),
        _ => {
            let max = (w as usize * h as usize)
                .saturating_mul(4)
                .saturating_mul(2)
                .saturating_add(1 << 16);
            let raw = stream
                .get_plain_content_with_limit(max)
                .map_err(|e| cannot(&format!("its data does not decode ({e})")))?;
            let space = if mask { Space::Gray } else { space(doc, dict)? };
            let bpc = if mask {
                1
            } else {
                int(doc, dict, b"BitsPerComponent").unwrap_or(8)
            };
            samples_to_gray(&raw, w, h, bpc, &space)?
        }
    };
    if gray.width != w || gray.height != h {
        // A decoder's own idea of the size wins; the limit still holds.
        check_size(gray.width, gray.height, limits)?;
    }
    if decode_inverted(doc, dict) {
        gray.data.iter_mut().for_each(|p| *p = 255 - *p);
    }
    Ok(PdfImage { gray, mask })
}

/// Undoes the Flate filters before an image codec (`[/FlateDecode /DCTDecode]`),
/// bounded by the pixel limit.
fn inflate_chain(
    data: &[u8],
    filters: &[Vec<u8>],
    limits: &OcrLimits,
) -> Result<Vec<u8>, ExtractError> {
    use std::io::Read;
    let max = limits.max_pixels.saturating_mul(4);
    let mut cur = data.to_vec();
    for f in filters {
        if !matches!(f.as_slice(), b"FlateDecode" | b"Fl") {
            return Err(cannot(&format!(
                "an image compressed with {} before its codec",
                String::from_utf8_lossy(f)
            )));
        }
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(cur.as_slice())
            .take(max.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| cannot(&format!("its data does not decode ({e})")))?;
        if out.len() as u64 > max {
            return Err(ExtractError::Limit(
                "an image decompresses past the pixel limit".into(),
            ));
        }
        cur = out;
    }
    Ok(cur)
}

fn filter_names(doc: &Document, dict: &Dictionary) -> Vec<Vec<u8>> {
    match get(doc, dict, b"Filter") {
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(|o| {
                doc.dereference(o)
                    .ok()?
                    .1
                    .as_name()
                    .ok()
                    .map(<[u8]>::to_vec)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The decode parameters of the last filter.
fn decode_parms<'a>(doc: &'a Document, dict: &'a Dictionary, n: usize) -> Option<&'a Dictionary> {
    match get(doc, dict, b"DecodeParms")? {
        Object::Dictionary(d) => Some(d),
        Object::Array(a) => doc
            .dereference(a.get(n.checked_sub(1)?)?)
            .ok()?
            .1
            .as_dict()
            .ok(),
        _ => None,
    }
}

/// `/Decode [1 0]` on a one-component image inverts it.
fn decode_inverted(doc: &Document, dict: &Dictionary) -> bool {
    get(doc, dict, b"Decode")
        .and_then(|o| o.as_array().ok())
        .and_then(|a| Some((a.first()?.as_float().ok()?, a.get(1)?.as_float().ok()?)))
        .is_some_and(|(lo, hi)| lo > hi)
}

fn space(doc: &Document, dict: &Dictionary) -> Result<Space, ExtractError> {
    match get(doc, dict, b"ColorSpace") {
        None => Ok(Space::Gray),
        Some(o) => space_of(doc, o, 0),
    }
}

fn space_of(doc: &Document, obj: &Object, depth: u8) -> Result<Space, ExtractError> {
    if depth > 4 {
        return Err(cannot("a colour space nested too deep"));
    }
    let obj = doc
        .dereference(obj)
        .map_err(|_| cannot("a broken colour space"))?
        .1;
    if let Ok(name) = obj.as_name() {
        return match name {
            b"DeviceGray" | b"CalGray" | b"G" => Ok(Space::Gray),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Ok(Space::Rgb),
            b"DeviceCMYK" | b"CMYK" => Ok(Space::Cmyk),
            other => Err(cannot(&format!(
                "colour space {}",
                String::from_utf8_lossy(other)
            ))),
        };
    }
    let arr = obj
        .as_array()
        .map_err(|_| cannot("a broken colour space"))?;
    let family = arr.first().and_then(|o| o.as_name().ok()).unwrap_or(b"");
    match family {
        b"ICCBased" => {
            let n = arr
                .get(1)
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_stream().ok())
                .and_then(|s| int(doc, &s.dict, b"N"))
                .unwrap_or(3);
            Ok(match n {
                1 => Space::Gray,
                4 => Space::Cmyk,
                _ => Space::Rgb,
            })
        }
        b"CalGray" => Ok(Space::Gray),
        b"CalRGB" | b"Lab" => Ok(Space::Rgb),
        b"Separation" => Ok(Space::Tint),
        b"Indexed" | b"I" => indexed(doc, arr, depth),
        other => Err(cannot(&format!(
            "colour space {}",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// `[/Indexed base hival lookup]` → a grey palette.
fn indexed(doc: &Document, arr: &[Object], depth: u8) -> Result<Space, ExtractError> {
    let base = space_of(
        doc,
        arr.get(1).ok_or_else(|| cannot("a broken palette"))?,
        depth + 1,
    )?;
    let lookup = match arr.get(3).map(|o| doc.dereference(o).map(|(_, o)| o)) {
        Some(Ok(Object::String(s, _))) => s.clone(),
        Some(Ok(Object::Stream(s))) => s
            .get_plain_content_with_limit(1 << 16)
            .map_err(|_| cannot("a broken palette"))?,
        _ => return Err(cannot("a broken palette")),
    };
    let n = base.components();
    let palette = lookup
        .chunks_exact(n)
        .take(256)
        .map(|c| pixel_gray(c, &base))
        .collect();
    Ok(Space::Indexed(palette))
}

fn pixel_gray(c: &[u8], space: &Space) -> u8 {
    match space {
        Space::Gray => c[0],
        Space::Tint => 255 - c[0],
        Space::Rgb => {
            ((u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114) / 1000) as u8
        }
        Space::Cmyk => {
            let k = u32::from(c[3]);
            let ink =
                (u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114) / 1000;
            255 - (ink + k).min(255) as u8
        }
        Space::Indexed(p) => p.get(usize::from(c[0])).copied().unwrap_or(255),
    }
}

/// Packed samples (1, 2, 4, 8 or 16 bits, rows padded to bytes) → grey.
fn samples_to_gray(
    raw: &[u8],
    w: u32,
    h: u32,
    bpc: i64,
    space: &Space,
) -> Result<Gray, ExtractError> {
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
        return Err(cannot(&format!("{bpc} bits per sample")));
    }
    let bpc = bpc as usize;
    let n = space.components();
    let row_bytes = (w as usize * n * bpc).div_ceil(8);
    let (w, h) = (w as usize, h as usize);
    let mut data = Vec::with_capacity(w * h);
    let max = (1u32 << bpc.min(8)) - 1;
    let indexed = matches!(space, Space::Indexed(_));
    let mut px = [0u8; 4];
    for y in 0..h {
        let row = raw.get(y * row_bytes..(y + 1) * row_bytes);
        for x in 0..w {
            for (c, slot) in px.iter_mut().enumerate().take(n) {
                let v = match row {
                    None => 255,
                    Some(row) => {
                        let i = x * n + c;
                        let s = match bpc {
                            16 => u32::from(row[i * 2]),
                            8 => u32::from(row[i]),
                            _ => {
                                let bit = i * bpc;
                                (u32::from(row[bit / 8]) >> (8 - bpc - bit % 8)) & max
                            }
                        };
                        if indexed || bpc >= 8 {
                            s
                        } else {
                            s * 255 / max
                        }
                    }
                };
                *slot = v.min(255) as u8;
            }
            data.push(pixel_gray(&px[..n], space));
        }
    }
    Ok(Gray {
        width: w as u32,
        height: h as u32,
        data,
    })
}

/// A JPEG (a PDF's DCT image or an uploaded file) → grey.
pub fn jpeg_gray(data: &[u8], limits: &OcrLimits) -> Result<Gray, ExtractError> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let side = limits.max_pixels.min(u64::from(u32::MAX)) as usize;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(side.min(1 << 16))
        .set_max_height(side.min(1 << 16));
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    dec.decode_headers()
        .map_err(|e| cannot(&format!("JPEG: {e:?}")))?;
    let (w, h) = dec
        .dimensions()
        .ok_or_else(|| cannot("JPEG without a size"))?;
    check_size(w as u32, h as u32, limits)?;
    let pixels = dec.decode().map_err(|e| cannot(&format!("JPEG: {e:?}")))?;
    let n = pixels.len() / (w * h).max(1);
    let data = if n <= 1 {
        pixels
    } else {
        pixels.chunks_exact(n).map(|c| c[0]).collect()
    };
    if data.len() != w * h {
        return Err(cannot("JPEG decoded to the wrong size"));
    }
    Ok(Gray {
        width: w as u32,
        height: h as u32,
        data,
    })
}

/// Bitmap rows from a bi-level decoder: black → 0, white → 255.
struct Bits {
    w: usize,
    h: usize,
    data: Vec<u8>,
    x: usize,
}

impl Bits {
    fn new(w: u32, h: u32) -> Bits {
        Bits {
            w: w as usize,
            h: h as usize,
            data: Vec::with_capacity(w as usize * h as usize),
            x: 0,
        }
    }
    fn full(&self) -> bool {
        self.data.len() >= self.w * self.h
    }
    fn finish(mut self, black_is_zero: bool) -> Gray {
        self.data.resize(self.w * self.h, 255);
        if !black_is_zero {
            self.data.iter_mut().for_each(|p| *p = 255 - *p);
        }
        Gray {
            width: self.w as u32,
            height: self.h as u32,
            data: self.data,
        }
    }
}

impl hayro_ccitt::Decoder for Bits {
    fn push_row(&mut self, changes: &[u32]) {
        if self.full() {
            return;
        }
        let mut black = false;
        let mut x = 0usize;
        for &c in changes.iter().chain(std::iter::once(&(self.w as u32))) {
            let c = (c as usize).min(self.w);
            if c > x {
                self.data
                    .extend(std::iter::repeat_n(if black { 0 } else { 255 }, c - x));
                x = c;
            }
            black = !black;
        }
    }
}

impl hayro_jbig2::Decoder for Bits {
    fn push_pixel(&mut self, black: bool) {
        if !self.full() && self.x < self.w {
            self.data.push(if black { 0 } else { 255 });
        }
        self.x += 1;
    }
    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        for _ in 0..chunk_count as usize * 8 {
            self.push_pixel(black);
        }
    }
    fn next_line(&mut self) {
        // Rows shorter than the width are padded white.
        let row_end = self.data.len().div_ceil(self.w.max(1)) * self.w;
        if self.x < self.w {
            self.data.resize(row_end.min(self.w * self.h), 255);
        }
        self.x = 0;
    }
}

fn ccitt(
    data: &[u8],
    parms: Option<&Dictionary>,
    doc: &Document,
    w: u32,
    h: u32,
) -> Result<Gray, ExtractError> {
    use hayro_ccitt::{DecodeSettings, DecoderContext, EncodingMode};
    let p = |key: &[u8]| parms.and_then(|d| int(doc, d, key));
    let f = |key: &[u8]| parms.and_then(|d| flag(doc, d, key));
    let k = p(b"K").unwrap_or(0);
    let columns = p(b"Columns")
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(1728);
    if columns != w {
        return Err(cannot("fax image whose columns differ from its width"));
    }
    let settings = DecodeSettings {
        columns,
        rows: p(b"Rows")
            .and_then(|r| u32::try_from(r).ok())
            .unwrap_or(h)
            .min(h),
        end_of_block: f(b"EndOfBlock").unwrap_or(true),
        end_of_line: f(b"EndOfLine").unwrap_or(false),
        rows_are_byte_aligned: f(b"EncodedByteAlign").unwrap_or(false),
        encoding: match k {
            k if k < 0 => EncodingMode::Group4,
            0 => EncodingMode::Group3_1D,
            _ => EncodingMode::Group3_2D,
        },
        strict: false,
    };
    let mut bits = Bits::new(w, h);
    let mut ctx = DecoderContext::new(settings);
    // A damaged stream still gives the rows decoded before the damage.
    if let Err(e) = hayro_ccitt::decode(data, &mut bits, &mut ctx)
        && bits.data.is_empty()
    {
        return Err(cannot(&format!("fax data: {e:?}")));
    }
    // Black is 0 in the samples unless /BlackIs1.
    Ok(bits.finish(!f(b"BlackIs1").unwrap_or(false)))
}

fn jbig2(
    data: &[u8],
    parms: Option<&Dictionary>,
    doc: &Document,
    w: u32,
    h: u32,
) -> Result<Gray, ExtractError> {
    use hayro_jbig2::{DecodeSettings, Globals, Page};
    let settings = DecodeSettings::default();
    let globals_bytes = parms
        .and_then(|d| get(doc, d, b"JBIG2Globals"))
        .and_then(|o| o.as_stream().ok())
        .and_then(|s| s.get_plain_content_with_limit(1 << 24).ok());
    let globals = match &globals_bytes {
        Some(b) => Some(Globals::new(b, &settings).map_err(|e| cannot(&format!("JBIG2: {e:?}")))?),
        None => None,
    };
    let page = Page::new_embedded(data, globals.as_ref(), &settings)
        .map_err(|e| cannot(&format!("JBIG2: {e:?}")))?;
    if page.width() != w || page.height() != h {
        return Err(cannot("JBIG2 page whose size differs from the image's"));
    }
    let mut bits = Bits::new(w, h);
    page.decode(&mut bits)
        .map_err(|e| cannot(&format!("JBIG2: {e:?}")))?;
    // JBIG2 marks black with 1; PDF samples have black as 0.
    Ok(bits.finish(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_samples() {
        // 1-bit grey, width 10: rows padded to 2 bytes.
        let raw = [0b1010_0000, 0b0100_0000, 0xff, 0xc0];
        let g = samples_to_gray(&raw, 10, 2, 1, &Space::Gray).unwrap();
        assert_eq!(&g.data[..4], &[255, 0, 255, 0]);
        assert_eq!(g.data[9], 255);
        assert!(g.data[10..].iter().all(|&p| p == 255));
        // RGB and CMYK.
        let g = samples_to_gray(&[255, 255, 255, 0, 0, 0], 2, 1, 8, &Space::Rgb).unwrap();
        assert_eq!(g.data, vec![255, 0]);
        let g = samples_to_gray(&[0, 0, 0, 255, 0, 0, 0, 0], 2, 1, 8, &Space::Cmyk).unwrap();
        assert_eq!(g.data, vec![0, 255]);
        // Short data is padded white, odd depths refused.
        let g = samples_to_gray(&[0], 2, 2, 8, &Space::Gray).unwrap();
        assert_eq!(g.data, vec![255, 255, 255, 255]);
        assert!(samples_to_gray(&[0], 1, 1, 3, &Space::Gray).is_err());
    }

    #[test]
    fn bi_level_rows() {
        use hayro_ccitt::Decoder;
        let mut b = Bits::new(6, 2);
        b.push_row(&[1, 3]);
        b.push_row(&[]);
        b.push_row(&[0]); // beyond the height: ignored
        let g = b.finish(true);
        assert_eq!(&g.data[..6], &[255, 0, 0, 255, 255, 255]);
        assert!(g.data[6..].iter().all(|&p| p == 255));
    }
}

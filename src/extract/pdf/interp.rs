//! The content-stream interpreter: runs the text, graphics-state and
//! XObject operators of a page and records every glyph it shows with its
//! position, size and text, and where each image XObject is placed (for
//! OCR of scanned pages). Paths and other drawing are skipped.

use super::font::Font;
use super::lexer::{Lexer, Tok};
use super::{Budget, dict_get, num, stream_bytes};
use crate::extract::ExtractError;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashMap;
use std::rc::Rc;

/// Deepest `q` nesting kept; deeper saves are counted, not stored.
const MAX_GSTATE_STACK: usize = 256;
/// Most glyphs kept for one page (about 40 bytes each): beyond this the
/// document is cut short like at the text limit.
const MAX_GLYPHS_PER_PAGE: usize = 1 << 20;
/// Form XObjects nested deeper than this are not drawn.
const MAX_FORM_DEPTH: usize = 24;

pub(super) type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a × b` (PDF row-vector convention: apply `a`, then `b`).
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

/// A fill colour (grey, RGB or CMYK components in 0..1) as 8-bit grey.
fn grey(c: &[f32]) -> u8 {
    let c: Vec<f32> = c.iter().map(|v| v.clamp(0.0, 1.0)).collect();
    let y = match c[..] {
        [g] => g,
        [r, g, b] => 0.299 * r + 0.587 * g + 0.114 * b,
        [cy, m, ye, k] => 1.0 - (0.299 * cy + 0.587 * m + 0.114 * ye + k).min(1.0),
        _ => 0.0,
    };
    (y * 255.0).round() as u8
}

/// One shown glyph, in a frame turned to its writing direction: `x0..x1`
/// along the baseline, `y` across it (up is positive).
#[derive(Debug, Clone, Copy)]
pub(super) struct Glyph {
    pub x0: f32,
    pub x1: f32,
    pub y: f32,
    /// Device-space y of the baseline (for top/bottom of page).
    pub page_y: f32,
    pub size: f32,
    /// Writing direction, quantised: 0 = left to right, 1..=3 rotated, 4 other.
    pub dir: u8,
    pub bold: bool,
    pub space: bool,
    /// Byte range of the glyph's text in [`PageText::text`].
    pub start: u32,
    pub end: u32,
    /// Width of a space in this font at this size (word-gap reference).
    pub space_w: f32,
}

#[derive(Default)]
pub(super) struct PageText {
    pub text: String,
    pub glyphs: Vec<Glyph>,
    pub images: Vec<Placed>,
}

/// Most image placements kept for one page.
const MAX_IMAGES_PER_PAGE: usize = 4096;

/// An image XObject drawn on the page: its unit square mapped by `ctm`;
/// `fill` is the grey a stencil mask paints with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placed {
    pub id: ObjectId,
    pub ctm: Matrix,
    pub fill: u8,
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f32,
    tc: f32,
    tw: f32,
    th: f32,
    tl: f32,
    rise: f32,
    /// Non-stroking colour as grey (for stencil masks).
    fill: u8,
}

/// Fonts and form contents decoded once per document, keyed by the address
/// of their dictionary inside the loaded document.
#[derive(Default)]
pub(super) struct Cache {
    fonts: HashMap<usize, Rc<Font>>,
    forms: HashMap<ObjectId, Rc<Vec<u8>>>,
    fallback: Option<Rc<Font>>,
}

pub(super) struct Interp<'a> {
    pub doc: &'a Document,
    pub cache: &'a mut Cache,
    pub budget: &'a mut Budget,
    pub out: &'a mut PageText,
    pub forms: Vec<ObjectId>,
}

impl Interp<'_> {
    pub fn run(
        &mut self,
        content: &[u8],
        resources: Option<&Dictionary>,
        ctm: Matrix,
    ) -> Result<(), ExtractError> {
        let mut gs = GState {
            ctm,
            font: None,
            size: 0.0,
            tc: 0.0,
            tw: 0.0,
            th: 1.0,
            tl: 0.0,
            rise: 0.0,
            fill: 0,
        };
        let mut stack: Vec<GState> = Vec::new();
        let mut overflow = 0usize;
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        let mut lx = Lexer::new(content);
        while let Some(op) = lx.next_op() {
            self.budget.tick()?;
            if self.budget.text_full() {
                return Ok(());
            }
            let ops = &lx.operands;
            let n = |i: usize| -> f32 {
                // i-th operand from the end, as a number.
                match ops.len().checked_sub(i + 1).map(|k| ops[k]) {
                    Some(Tok::Num(v)) => v,
                    _ => 0.0,
                }
            };
            match op {
                b"q" => {
                    if stack.len() < MAX_GSTATE_STACK {
                        stack.push(gs.clone());
                    } else {
                        overflow += 1;
                    }
                }
                b"Q" => {
                    if overflow > 0 {
                        overflow -= 1;
                    } else if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                b"cm" => {
                    let m = [n(5), n(4), n(3), n(2), n(1), n(0)];
                    gs.ctm = mul(&m, &gs.ctm);
                }
                b"BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                b"Tf" => {
                    gs.size = n(0);
                    gs.font = match ops.len().checked_sub(2).map(|k| ops[k]) {
                        Some(Tok::Name(s, e)) => self.font(resources, lx.bytes(s, e)),
                        _ => None,
                    }
                    .or_else(|| Some(self.fallback_font()));
                }
                b"Tc" => gs.tc = n(0),
                b"Tw" => gs.tw = n(0),
                b"Tz" => gs.th = n(0) / 100.0,
                b"TL" => gs.tl = n(0),
                b"Ts" => gs.rise = n(0),
                b"Td" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(1), n(0)], &tlm);
                    tm = tlm;
                }
                b"TD" => {
                    gs.tl = -n(0);
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(1), n(0)], &tlm);
                    tm = tlm;
                }
                b"Tm" => {
                    tlm = [n(5), n(4), n(3), n(2), n(1), n(0)];
                    tm = tlm;
                }
                b"T*" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.tl], &tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" => {
                    if op == b"\"" {
                        gs.tw = n(2);
                        gs.tc = n(1);
                    }
                    if op != b"Tj" {
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.tl], &tlm);
                        tm = tlm;
                    }
                    if let Some(Tok::Str(s, e) | Tok::Hex(s, e)) = ops.last().copied() {
                        self.show(&gs, &mut tm, lx.bytes(s, e));
                    }
                }
                b"TJ" => {
                    let start = ops
                        .iter()
                        .position(|t| *t == Tok::Open)
                        .map_or(0, |p| p + 1);
                    for &t in &ops[start..] {
                        match t {
                            Tok::Str(s, e) | Tok::Hex(s, e) => {
                                self.show(&gs, &mut tm, lx.bytes(s, e))
                            }
                            Tok::Num(v) => {
                                let tx = -v / 1000.0 * gs.size * gs.th;
                                tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                            }
                            Tok::Close => break,
                            _ => {}
                        }
                    }
                }
                b"g" => gs.fill = grey(&[n(0)]),
                b"rg" => gs.fill = grey(&[n(2), n(1), n(0)]),
                b"k" => gs.fill = grey(&[n(3), n(2), n(1), n(0)]),
                b"sc" | b"scn" => {
                    let vals: Vec<f32> = ops
                        .iter()
                        .filter_map(|t| match t {
                            Tok::Num(v) => Some(*v),
                            _ => None,
                        })
                        .collect();
                    if matches!(vals.len(), 1 | 3 | 4) {
                        gs.fill = grey(&vals);
                    }
                }
                b"Do" => {
                    if let Some(Tok::Name(s, e)) = ops.last().copied() {
                        let name = lx.bytes(s, e).to_vec();
                        self.draw_form(resources, &name, &gs.ctm, gs.fill)?;
                    }
                }
                _ => {}
            }
            lx.clear();
        }
        Ok(())
    }

    fn font(&mut self, resources: Option<&Dictionary>, name: &[u8]) -> Option<Rc<Font>> {
        let doc = self.doc;
        let fonts = dict_get(doc, resources?, b"Font")?.as_dict().ok()?;
        let dict = dict_get(doc, fonts, name)?.as_dict().ok()?;
        let key = dict as *const Dictionary as usize;
        if let Some(f) = self.cache.fonts.get(&key) {
            return Some(f.clone());
        }
        let f = Rc::new(Font::load(doc, dict, self.budget));
        self.cache.fonts.insert(key, f.clone());
        Some(f)
    }

    /// A missing or broken font still shows its text: standard encoding,
    /// average widths (as viewers do).
    fn fallback_font(&mut self) -> Rc<Font> {
        if let Some(f) = &self.cache.fallback {
            return f.clone();
        }
        let f = Rc::new(Font::load(self.doc, &Dictionary::new(), self.budget));
        self.cache.fallback = Some(f.clone());
        f
    }

    fn draw_form(
        &mut self,
        resources: Option<&Dictionary>,
        name: &[u8],
        ctm: &Matrix,
        fill: u8,
    ) -> Result<(), ExtractError> {
        let doc = self.doc;
        let Some(xobjects) = resources
            .and_then(|r| dict_get(doc, r, b"XObject"))
            .and_then(|o| o.as_dict().ok())
        else {
            return Ok(());
        };
        let Some(Object::Reference(id)) = xobjects.get(name).ok() else {
            return Ok(());
        };
        let id = *id;
        if self.forms.contains(&id) || self.forms.len() >= MAX_FORM_DEPTH {
            return Ok(());
        }
        let Ok(Object::Stream(stream)) = doc.get_object(id) else {
            return Ok(());
        };
        match dict_get(doc, &stream.dict, b"Subtype").and_then(|o| o.as_name().ok()) {
            Some(b"Form") => {}
            Some(b"Image") => {
                if self.out.images.len() < MAX_IMAGES_PER_PAGE {
                    self.out.images.push(Placed {
                        id,
                        ctm: *ctm,
                        fill,
                    });
                }
                return Ok(());
            }
            _ => return Ok(()),
        }
        let content = match self.cache.forms.get(&id) {
            Some(c) => c.clone(),
            None => {
                let c = Rc::new(stream_bytes(stream, self.budget).unwrap_or_default());
                self.budget.check_decompressed()?;
                self.cache.forms.insert(id, c.clone());
                c
            }
        };
        let mut m = IDENTITY;
        if let Some(a) = dict_get(doc, &stream.dict, b"Matrix").and_then(|o| o.as_array().ok())
            && a.len() == 6
        {
            for (k, o) in a.iter().enumerate() {
                m[k] = num(o).unwrap_or(m[k]);
            }
        }
        let form_res = dict_get(doc, &stream.dict, b"Resources")
            .and_then(|o| o.as_dict().ok())
            .or(resources);
        self.forms.push(id);
        let r = self.run(&content, form_res, mul(&m, ctm));
        self.forms.pop();
        r
    }

    /// Shows one string: records its glyphs and advances the text matrix.
    fn show(&mut self, gs: &GState, tm: &mut Matrix, bytes: &[u8]) {
        let Some(font) = gs.font.clone() else {
            return;
        };
        let m = mul(tm, &gs.ctm);
        let along = (m[0] * m[0] + m[1] * m[1]).sqrt();
        let across = (m[2] * m[2] + m[3] * m[3]).sqrt();
        if !(along.is_finite() && across.is_finite()) || along < 1e-6 {
            return;
        }
        let (ux, uy) = (m[0] / along, m[1] / along);
        let dir = if ux > 0.98 {
            0
        } else if uy > 0.98 {
            1
        } else if ux < -0.98 {
            2
        } else if uy < -0.98 {
            3
        } else {
            4
        };
        let size = (gs.size * across).abs();
        let space_w = font.space_width * gs.size.abs() * gs.th.abs() * along;
        let mut t = 0.0f32; // text-space advance along the baseline
        let out = &mut *self.out;
        let budget = &mut *self.budget;
        font.each_code(bytes, |code| {
            let adv = (code.width * gs.size + gs.tc + if code.is_space_code { gs.tw } else { 0.0 })
                * gs.th;
            if out.glyphs.len() >= MAX_GLYPHS_PER_PAGE {
                budget.text_truncated = true;
            } else if !code.text.is_empty() && budget.take_text(code.text.len()) {
                let (x, y) = (
                    t * m[0] + gs.rise * m[2] + m[4],
                    t * m[1] + gs.rise * m[3] + m[5],
                );
                let (xe, ye) = (x + adv * m[0], y + adv * m[1]);
                let start = out.text.len() as u32;
                out.text.push_str(code.text);
                out.glyphs.push(Glyph {
                    x0: x * ux + y * uy,
                    x1: xe * ux + ye * uy,
                    y: -x * uy + y * ux,
                    page_y: y,
                    size,
                    dir,
                    bold: font.bold,
                    space: code.text.bytes().all(|b| b == b' '),
                    start,
                    end: out.text.len() as u32,
                    space_w,
                });
            }
            t += adv;
        });
        *tm = mul(&[1.0, 0.0, 0.0, 1.0, t, 0.0], tm);
    }
}

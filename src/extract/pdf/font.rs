//! Fonts, decoded once per document: how to split a string into character
//! codes, what Unicode text each code stands for, and how wide each glyph
//! is (for spaces inferred from glyph positions).
//!
//! Unicode comes from, in order: the `/ToUnicode` CMap; for simple fonts the
//! `/Encoding` (base encoding + `/Differences` glyph names), the encoding
//! built into an embedded Type 1 program, then the standard encoding.

use super::glyphs::GLYPHS;
use super::lexer::{Lexer, Tok};
use super::{Budget, deref, dict_get, num, stream_bytes};
use lopdf::{Dictionary, Document, Object};
use std::collections::HashMap;

/// Most code → text entries a CMap may define: a hostile `bfrange` could
/// otherwise ask for billions.
const MAX_CMAP_ENTRIES: usize = 1 << 20;
/// Codes at or below this use a dense table (fast lookup per glyph).
const DENSE_LIMIT: u32 = 0xFFFF;

/// Unicode text for codes, stored in one arena string.
#[derive(Default)]
struct CodeMap {
    arena: String,
    /// Indexed by code (dense, for codes up to 0xFFFF): (start, len) into the arena; len 0 = none.
    dense: Vec<(u32, u32)>,
    /// Codes above 0xFFFF, or codes given with a byte length that clashes.
    sparse: HashMap<u64, (u32, u32)>,
    entries: usize,
}

impl CodeMap {
    fn insert(&mut self, code: u32, code_len: u8, text: &str) {
        if self.entries >= MAX_CMAP_ENTRIES || text.is_empty() {
            return;
        }
        self.entries += 1;
        let start = self.arena.len() as u32;
        push_expanded(&mut self.arena, text);
        let v = (start, self.arena.len() as u32 - start);
        if code <= DENSE_LIMIT {
            let i = code as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, (0, 0));
            }
            self.dense[i] = v;
        } else {
            self.sparse
                .insert(u64::from(code_len) << 32 | u64::from(code), v);
        }
    }

    #[inline]
    fn get(&self, code: u32, code_len: u8) -> Option<&str> {
        let (s, l) = if code <= DENSE_LIMIT {
            *self.dense.get(code as usize)?
        } else {
            *self
                .sparse
                .get(&(u64::from(code_len) << 32 | u64::from(code)))?
        };
        if l == 0 {
            return None;
        }
        self.arena.get(s as usize..(s + l) as usize)
    }

    fn is_empty(&self) -> bool {
        self.entries == 0
    }
}

/// Expands ligature code points and maps private-use bullets, so every
/// later stage sees plain letters.
fn push_expanded(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            // Symbol/Wingdings bullets mapped into the private-use area.
            '\u{f0b7}' | '\u{f0a7}' | '\u{f076}' | '\u{f0d8}' | '\u{f0fc}' => out.push('•'),
            '\0' => {}
            c => out.push(c),
        }
    }
}

/// A codespace range: codes of `len` bytes between `lo` and `hi`.
#[derive(Clone, Copy)]
struct Codespace {
    len: u8,
    lo: u32,
    hi: u32,
}

pub(super) struct Font {
    /// Simple fonts use one byte per code; Type0 fonts use `codespaces`.
    composite: bool,
    codespaces: Vec<Codespace>,
    to_unicode: CodeMap,
    /// For simple fonts: text from the encoding, by code.
    encoding: CodeMap,
    /// Codes are UCS-2/UTF-16 (predefined `Uni…-UCS2`/`UTF16` CMaps).
    ucs2: bool,
    /// Code → CID for composite fonts with an embedded CMap (else CID = code).
    cid_map: Option<HashMap<u32, u32>>,
    /// Glyph advance per code (simple) or per CID (composite), in text space
    /// units per unit of font size.
    widths: Vec<f32>,
    default_width: f32,
    /// Width of the space glyph, in text space units per unit font size.
    pub space_width: f32,
    pub bold: bool,
}

/// One decoded character code.
pub(super) struct Code<'f> {
    pub text: &'f str,
    /// Advance in text space units per unit font size.
    pub width: f32,
    /// Single-byte code 32: word spacing (`Tw`) applies.
    pub is_space_code: bool,
}

impl Font {
    /// Decodes a font dictionary. Never fails: missing parts fall back to
    /// standard behaviour.
    pub fn load(doc: &Document, dict: &Dictionary, budget: &mut Budget) -> Font {
        let subtype = dict_get(doc, dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .unwrap_or(b"");
        let base_font = dict_get(doc, dict, b"BaseFont")
            .and_then(|o| o.as_name().ok())
            .unwrap_or(b"");
        let bold = contains_ci(base_font, b"bold")
            || contains_ci(base_font, b"black")
            || contains_ci(base_font, b"heavy")
            || contains_ci(base_font, b"semibold")
            || contains_ci(base_font, b"demi")
            || contains_ci(base_font, b",bd")
            || contains_ci(base_font, b"-bd")
            // TeX: CMBX, SFBX (bold extended).
            || contains_ci(strip_subset(base_font), b"bx");
        let mut font = Font {
            composite: subtype == b"Type0",
            codespaces: Vec::new(),
            to_unicode: CodeMap::default(),
            encoding: CodeMap::default(),
            ucs2: false,
            cid_map: None,
            widths: Vec::new(),
            default_width: 0.5,
            space_width: 0.0,
            bold,
        };
        if let Some(Object::Stream(s)) = dict_get(doc, dict, b"ToUnicode")
            && let Some(bytes) = stream_bytes(s, budget)
        {
            let mut spaces = Vec::new();
            parse_cmap(&bytes, &mut font.to_unicode, &mut spaces, None);
        }
        if font.composite {
            font.load_composite(doc, dict, budget);
        } else {
            font.load_simple(doc, dict, subtype, base_font, budget);
        }
        font.space_width = if font.composite {
            // Find the code that maps to a space, if any.
            let mut w = 0.0;
            for (code, &(s, l)) in font.to_unicode.dense.iter().enumerate() {
                if l == 1 && font.to_unicode.arena.as_bytes().get(s as usize) == Some(&b' ') {
                    w = font.width_of(code as u32);
                    break;
                }
            }
            w
        } else {
            font.widths.get(32).copied().unwrap_or(0.0)
        };
        if !(0.05..=1.5).contains(&font.space_width) {
            font.space_width = 0.25;
        }
        font
    }

    fn load_composite(&mut self, doc: &Document, dict: &Dictionary, budget: &mut Budget) {
        match dict_get(doc, dict, b"Encoding") {
            Some(Object::Name(name)) => {
                self.ucs2 = contains_ci(name, b"UCS2") || contains_ci(name, b"UTF16");
                self.codespaces.push(Codespace {
                    len: 2,
                    lo: 0,
                    hi: 0xFFFF,
                });
            }
            Some(Object::Stream(s)) => {
                if let Some(bytes) = stream_bytes(s, budget) {
                    let mut cids = HashMap::new();
                    let mut unused = CodeMap::default();
                    parse_cmap(&bytes, &mut unused, &mut self.codespaces, Some(&mut cids));
                    if !cids.is_empty() {
                        self.cid_map = Some(cids);
                    }
                }
            }
            _ => {}
        }
        if self.codespaces.is_empty() {
            self.codespaces.push(Codespace {
                len: 2,
                lo: 0,
                hi: 0xFFFF,
            });
        }
        let Some(desc) = dict_get(doc, dict, b"DescendantFonts")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok())
        else {
            self.default_width = 1.0;
            return;
        };
        self.default_width = dict_get(doc, desc, b"DW")
            .and_then(num)
            .map_or(1.0, |w| w / 1000.0);
        if let Some(w) = dict_get(doc, desc, b"W").and_then(|o| o.as_array().ok()) {
            let mut i = 0;
            while i < w.len() {
                let Some(first) = deref(doc, &w[i]).and_then(num) else {
                    break;
                };
                let first = first.max(0.0) as u32;
                match w.get(i + 1).and_then(|o| deref(doc, o)) {
                    Some(Object::Array(ws)) => {
                        for (k, o) in ws.iter().enumerate() {
                            if let Some(v) = deref(doc, o).and_then(num) {
                                self.set_width(first.saturating_add(k as u32), v / 1000.0);
                            }
                        }
                        i += 2;
                    }
                    Some(o) => {
                        let last = num(o).map_or(first, |v| v.max(0.0) as u32);
                        let v = w
                            .get(i + 2)
                            .and_then(|o| deref(doc, o))
                            .and_then(num)
                            .unwrap_or(1000.0);
                        // Bounded: a hostile range cannot allocate more than the dense limit.
                        for c in first..=last.min(first.saturating_add(DENSE_LIMIT)) {
                            self.set_width(c, v / 1000.0);
                        }
                        i += 3;
                    }
                    None => break,
                }
            }
        }
    }

    fn set_width(&mut self, code: u32, w: f32) {
        if code > DENSE_LIMIT || !w.is_finite() {
            return;
        }
        let i = code as usize;
        if self.widths.len() <= i {
            self.widths.resize(i + 1, f32::NAN);
        }
        self.widths[i] = w;
    }

    fn load_simple(
        &mut self,
        doc: &Document,
        dict: &Dictionary,
        subtype: &[u8],
        base_font: &[u8],
        budget: &mut Budget,
    ) {
        // Type 3 glyph widths are in glyph space, scaled by the FontMatrix.
        let scale = if subtype == b"Type3" {
            dict_get(doc, dict, b"FontMatrix")
                .and_then(|o| o.as_array().ok())
                .and_then(|a| a.first())
                .and_then(num)
                .filter(|v| v.is_finite() && *v != 0.0)
                .unwrap_or(0.001)
                .abs()
        } else {
            0.001
        };
        let descriptor = dict_get(doc, dict, b"FontDescriptor").and_then(|o| o.as_dict().ok());
        let missing = descriptor
            .and_then(|d| dict_get(doc, d, b"MissingWidth"))
            .and_then(num)
            .map(|w| w * scale);
        let base_name = strip_subset(base_font);
        self.default_width =
            missing
                .filter(|w| *w > 0.0)
                .unwrap_or(if contains_ci(base_name, b"courier") {
                    0.6
                } else {
                    0.5
                });
        if descriptor
            .and_then(|d| dict_get(doc, d, b"FontWeight"))
            .and_then(num)
            .is_some_and(|w| w >= 600.0)
        {
            self.bold = true;
        }
        if let Some(flags) = descriptor
            .and_then(|d| dict_get(doc, d, b"Flags"))
            .and_then(num)
            && (flags as u32) & (1 << 18) != 0
        {
            self.bold = true;
        }
        let first = dict_get(doc, dict, b"FirstChar")
            .and_then(num)
            .unwrap_or(0.0);
        if let Some(ws) = dict_get(doc, dict, b"Widths").and_then(|o| o.as_array().ok())
            && (0.0..=255.0).contains(&first)
        {
            for (k, o) in ws.iter().enumerate().take(256) {
                if let Some(w) = deref(doc, o).and_then(num) {
                    self.set_width(first as u32 + k as u32, w * scale);
                }
            }
        } else if contains_ci(base_name, b"courier") {
            self.default_width = 0.6;
        } else {
            // Standard 14 fonts without /Widths: a rough average glyph width, with
            // the space narrower so positioned words still split.
            self.set_width(32, 0.25);
        }

        // Encoding: a base table, then /Differences on top.
        let symbolic = descriptor
            .and_then(|d| dict_get(doc, d, b"Flags"))
            .and_then(num)
            .is_some_and(|f| (f as u32) & 4 != 0);
        let mut table: [Option<char>; 256] = if subtype == b"TrueType" || symbolic {
            // TrueType and symbolic fonts default to their built-in order,
            // which for text fonts is close to WinAnsi.
            encoding_table(b"WinAnsiEncoding")
        } else {
            encoding_table(b"StandardEncoding")
        };
        let mut names: Vec<(u8, Vec<u8>)> = Vec::new();
        if subtype == b"Type1"
            && let Some(file) = descriptor
                .and_then(|d| dict_get(doc, d, b"FontFile"))
                .and_then(|o| o.as_stream().ok())
        {
            names.extend(type1_builtin_encoding(file, budget));
        }
        match dict_get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => table = encoding_table(n),
            Some(Object::Dictionary(d)) => {
                if let Some(Object::Name(n)) = dict_get(doc, d, b"BaseEncoding") {
                    table = encoding_table(n);
                    names.clear();
                }
                if let Some(diffs) =
                    dict_get(doc, d, b"Differences").and_then(|o| o.as_array().ok())
                {
                    let mut code: i64 = -1;
                    for o in diffs {
                        match deref(doc, o) {
                            Some(Object::Integer(i)) => code = *i,
                            Some(Object::Real(r)) => code = *r as i64,
                            Some(Object::Name(n)) => {
                                if (0..256).contains(&code) {
                                    names.push((code as u8, n.clone()));
                                }
                                code = code.saturating_add(1);
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
        let mut buf = String::new();
        for (code, c) in table.iter().enumerate() {
            if let Some(c) = c {
                buf.clear();
                buf.push(*c);
                self.encoding.insert(code as u32, 1, &buf);
            }
        }
        for (code, name) in names {
            buf.clear();
            if glyph_name_to_unicode(&name, &mut buf) {
                self.encoding.insert(u32::from(code), 1, &buf);
            }
        }
        if symbolic && subtype == b"TrueType" && self.to_unicode.is_empty() {
            // Symbolic TrueType fonts often use the (3,0) cmap at 0xF000+code.
            for code in 32u32..256 {
                if self.encoding.get(code, 1).is_none()
                    && let Some(c) = char::from_u32(code)
                {
                    buf.clear();
                    buf.push(c);
                    self.encoding.insert(code, 1, &buf);
                }
            }
        }
    }

    fn width_of(&self, cid: u32) -> f32 {
        match self.widths.get(cid as usize) {
            Some(w) if !w.is_nan() => *w,
            _ => self.default_width,
        }
    }

    /// Calls `f` for each character code in `bytes`.
    #[inline]
    pub fn each_code(&self, bytes: &[u8], mut f: impl FnMut(Code<'_>)) {
        if !self.composite {
            for &b in bytes {
                let code = u32::from(b);
                let text = self
                    .to_unicode
                    .get(code, 1)
                    .or_else(|| self.encoding.get(code, 1))
                    .unwrap_or("");
                f(Code {
                    text,
                    width: self.width_of(code),
                    is_space_code: b == 32,
                });
            }
            return;
        }
        let mut i = 0;
        let mut utf16 = [0u8; 4];
        while i < bytes.len() {
            let (code, len) = self.next_code(&bytes[i..]);
            i += len as usize;
            let cid = match &self.cid_map {
                Some(m) => m.get(&code).copied().unwrap_or(code),
                None => code,
            };
            let mut text = self.to_unicode.get(code, len).unwrap_or("");
            if text.is_empty()
                && self.ucs2
                && let Some(c) = char::from_u32(code)
            {
                text = c.encode_utf8(&mut utf16);
            }
            f(Code {
                text,
                width: self.width_of(cid),
                is_space_code: len == 1 && code == 32,
            });
        }
    }

    /// The next code: the shortest prefix that falls in a codespace range.
    fn next_code(&self, bytes: &[u8]) -> (u32, u8) {
        let mut code = 0u32;
        for n in 1..=4usize.min(bytes.len()) {
            code = code << 8 | u32::from(bytes[n - 1]);
            if self
                .codespaces
                .iter()
                .any(|c| c.len as usize == n && c.lo <= code && code <= c.hi)
            {
                return (code, n as u8);
            }
        }
        // No range matched: take the most common length (2 for CID fonts).
        let n = self
            .codespaces
            .first()
            .map_or(2, |c| c.len as usize)
            .clamp(1, bytes.len().clamp(1, 4));
        let mut code = 0u32;
        for &b in &bytes[..n.min(bytes.len())] {
            code = code << 8 | u32::from(b);
        }
        (code, n as u8)
    }
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// `ABCDEF+Name` → `Name`.
fn strip_subset(name: &[u8]) -> &[u8] {
    if name.len() > 7 && name[6] == b'+' {
        &name[7..]
    } else {
        name
    }
}

/// Parses a CMap (ToUnicode or an encoding CMap): bfchar/bfrange into `map`,
/// codespace ranges into `spaces`, cidchar/cidrange into `cids`.
fn parse_cmap(
    src: &[u8],
    map: &mut CodeMap,
    spaces: &mut Vec<Codespace>,
    mut cids: Option<&mut HashMap<u32, u32>>,
) {
    let mut lx = Lexer::new(src);
    let mut text = String::new();
    let mut total: usize = 0;
    while let Some(op) = lx.next_op() {
        let ops = &lx.operands;
        match op {
            b"endcodespacerange" => {
                for pair in ops.chunks_exact(2) {
                    if let (Tok::Hex(a, b), Tok::Hex(c, d)) = (pair[0], pair[1]) {
                        let (lo, len) = code_of(lx.bytes(a, b));
                        let (hi, _) = code_of(lx.bytes(c, d));
                        if (1..=4).contains(&len) && spaces.len() < 64 {
                            spaces.push(Codespace { len, lo, hi });
                        }
                    }
                }
            }
            b"endbfchar" => {
                for pair in ops.chunks_exact(2) {
                    let Tok::Hex(a, b) = pair[0] else { continue };
                    let (code, len) = code_of(lx.bytes(a, b));
                    text.clear();
                    match pair[1] {
                        Tok::Hex(c, d) => utf16_to_string(lx.bytes(c, d), &mut text),
                        Tok::Name(c, d) => {
                            glyph_name_to_unicode(lx.bytes(c, d), &mut text);
                        }
                        _ => continue,
                    }
                    map.insert(code, len, &text);
                }
            }
            b"endbfrange" => {
                let mut i = 0;
                while i + 2 < ops.len() {
                    let (Tok::Hex(a, b), Tok::Hex(c, d)) = (ops[i], ops[i + 1]) else {
                        i += 1;
                        continue;
                    };
                    let (lo, len) = code_of(lx.bytes(a, b));
                    let (hi, _) = code_of(lx.bytes(c, d));
                    let count = hi.saturating_sub(lo).min(DENSE_LIMIT) as usize + 1;
                    total += count;
                    if total > MAX_CMAP_ENTRIES {
                        return;
                    }
                    match ops[i + 2] {
                        Tok::Hex(e, f) => {
                            let dst = lx.bytes(e, f);
                            let mut units: Vec<u16> = dst
                                .chunks(2)
                                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                                .collect();
                            if dst.len() == 1 {
                                units = vec![u16::from(dst[0])];
                            }
                            for k in 0..count as u32 {
                                text.clear();
                                text.extend(
                                    char::decode_utf16(units.iter().copied())
                                        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)),
                                );
                                map.insert(lo.saturating_add(k), len, &text);
                                if let Some(last) = units.last_mut() {
                                    *last = last.wrapping_add(1);
                                }
                            }
                            i += 3;
                        }
                        Tok::Open => {
                            let mut j = i + 3;
                            let mut k = 0u32;
                            while j < ops.len() && ops[j] != Tok::Close {
                                if let Tok::Hex(e, f) = ops[j] {
                                    text.clear();
                                    utf16_to_string(lx.bytes(e, f), &mut text);
                                    map.insert(lo.saturating_add(k), len, &text);
                                    k += 1;
                                }
                                j += 1;
                            }
                            i = j + 1;
                        }
                        _ => i += 3,
                    }
                }
            }
            b"endcidrange" => {
                if let Some(cids) = cids.as_deref_mut() {
                    for t in ops.chunks_exact(3) {
                        if let (Tok::Hex(a, b), Tok::Hex(c, d), Tok::Num(cid)) = (t[0], t[1], t[2])
                        {
                            let (lo, _) = code_of(lx.bytes(a, b));
                            let (hi, _) = code_of(lx.bytes(c, d));
                            let count = hi.saturating_sub(lo).min(DENSE_LIMIT) + 1;
                            total += count as usize;
                            if total > MAX_CMAP_ENTRIES {
                                return;
                            }
                            for k in 0..count {
                                cids.insert(lo + k, (cid.max(0.0) as u32).saturating_add(k));
                            }
                        }
                    }
                }
            }
            b"endcidchar" => {
                if let Some(cids) = cids.as_deref_mut() {
                    for t in ops.chunks_exact(2) {
                        if let (Tok::Hex(a, b), Tok::Num(cid)) = (t[0], t[1]) {
                            cids.insert(code_of(lx.bytes(a, b)).0, cid.max(0.0) as u32);
                        }
                    }
                }
            }
            _ => {}
        }
        lx.clear();
    }
}

/// Big-endian code value and byte length (at most 4 bytes used).
fn code_of(bytes: &[u8]) -> (u32, u8) {
    let b = &bytes[bytes.len().saturating_sub(4)..];
    let mut v = 0u32;
    for &x in b {
        v = v << 8 | u32::from(x);
    }
    (v, b.len() as u8)
}

fn utf16_to_string(bytes: &[u8], out: &mut String) {
    if bytes.len() == 1 {
        out.push(char::from(bytes[0]));
        return;
    }
    let units = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    out.extend(char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)));
}

/// Glyph name → Unicode text. Returns false for names that carry no text
/// (`.notdef`, `g123`, `cid45`).
pub(super) fn glyph_name_to_unicode(name: &[u8], out: &mut String) -> bool {
    // Variants: `a.sc`, `one.oldstyle` → base name.
    let base = match name.iter().position(|&b| b == b'.') {
        Some(0) | None => name,
        Some(p) => &name[..p],
    };
    // Ligature names: `f_f_i` → components.
    if base.contains(&b'_') {
        let start = out.len();
        for part in base.split(|&b| b == b'_') {
            if !glyph_name_to_unicode(part, out) {
                out.truncate(start);
                return false;
            }
        }
        return true;
    }
    if let Ok(i) = GLYPHS.binary_search_by(|(n, _)| n.as_bytes().cmp(base)) {
        push_expanded(out, GLYPHS[i].1.encode_utf8(&mut [0; 4]));
        return true;
    }
    if base.len() == 1 && base[0].is_ascii_graphic() {
        out.push(char::from(base[0]));
        return true;
    }
    let hex =
        |s: &[u8]| -> Option<u32> { u32::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok() };
    if let Some(rest) = base.strip_prefix(b"uni")
        && rest.len() >= 4
        && rest.len() % 4 == 0
    {
        let start = out.len();
        for chunk in rest.chunks(4) {
            match hex(chunk).and_then(char::from_u32) {
                Some(c) => push_expanded(out, c.encode_utf8(&mut [0; 4])),
                None => {
                    out.truncate(start);
                    return false;
                }
            }
        }
        return true;
    }
    if let Some(rest) = base.strip_prefix(b"u")
        && (4..=6).contains(&rest.len())
        && let Some(c) = hex(rest).and_then(char::from_u32)
    {
        push_expanded(out, c.encode_utf8(&mut [0; 4]));
        return true;
    }
    false
}

/// The 256-entry table of a named base encoding.
fn encoding_table(name: &[u8]) -> [Option<char>; 256] {
    let mut t = [None; 256];
    match name {
        b"MacRomanEncoding" => {
            for (i, slot) in t.iter_mut().enumerate().skip(32) {
                let b = [i as u8];
                let (s, _, _) = encoding_rs::MACINTOSH.decode(&b);
                *slot = s.chars().next();
            }
        }
        b"StandardEncoding" => {
            for (i, slot) in t.iter_mut().enumerate().take(127).skip(32) {
                *slot = Some(char::from(i as u8));
            }
            t[0x27] = Some('\u{2019}');
            t[0x60] = Some('\u{2018}');
            for &(code, c) in STANDARD_HIGH {
                t[code as usize] = Some(c);
            }
        }
        _ => {
            // WinAnsi (also the fallback for unknown names, e.g. PDFDocEncoding).
            for (i, slot) in t.iter_mut().enumerate().skip(32) {
                let b = [i as u8];
                let (s, _, _) = encoding_rs::WINDOWS_1252.decode(&b);
                *slot = s.chars().next().filter(|c| !c.is_control());
            }
            // In PDF's WinAnsi, 0xAD is a real hyphen and 0xA0 a space.
            t[0xAD] = Some('-');
            t[0xA0] = Some(' ');
            t[0x7F] = Some('•');
        }
    }
    t
}

/// StandardEncoding above 0x7F (PDF 32000-1, Annex D).
const STANDARD_HIGH: &[(u8, char)] = &[
    (0xA1, '¡'),
    (0xA2, '¢'),
    (0xA3, '£'),
    (0xA4, '⁄'),
    (0xA5, '¥'),
    (0xA6, 'ƒ'),
    (0xA7, '§'),
    (0xA8, '¤'),
    (0xA9, '\''),
    (0xAA, '“'),
    (0xAB, '«'),
    (0xAC, '‹'),
    (0xAD, '›'),
    (0xAE, '\u{fb01}'),
    (0xAF, '\u{fb02}'),
    (0xB1, '–'),
    (0xB2, '†'),
    (0xB3, '‡'),
    (0xB4, '·'),
    (0xB6, '¶'),
    (0xB7, '•'),
    (0xB8, '‚'),
    (0xB9, '„'),
    (0xBA, '”'),
    (0xBB, '»'),
    (0xBC, '…'),
    (0xBD, '‰'),
    (0xBF, '¿'),
    (0xC1, '`'),
    (0xC2, '´'),
    (0xC3, 'ˆ'),
    (0xC4, '˜'),
    (0xC5, '¯'),
    (0xC6, '˘'),
    (0xC7, '˙'),
    (0xC8, '¨'),
    (0xCA, '˚'),
    (0xCB, '¸'),
    (0xCD, '˝'),
    (0xCE, '˛'),
    (0xCF, 'ˇ'),
    (0xD0, '—'),
    (0xE1, 'Æ'),
    (0xE3, 'ª'),
    (0xE8, 'Ł'),
    (0xE9, 'Ø'),
    (0xEA, 'Œ'),
    (0xEB, 'º'),
    (0xF1, 'æ'),
    (0xF5, 'ı'),
    (0xF8, 'ł'),
    (0xF9, 'ø'),
    (0xFA, 'œ'),
    (0xFB, 'ß'),
];

/// The `/Encoding` array in the clear-text part of an embedded Type 1 font
/// (`dup 12 /fi put`), used when the PDF gives no encoding of its own.
fn type1_builtin_encoding(file: &lopdf::Stream, budget: &mut Budget) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let Some(bytes) = stream_bytes(file, budget) else {
        return out;
    };
    let clear_len = file
        .dict
        .get(b"Length1")
        .ok()
        .and_then(num)
        .map_or(bytes.len(), |l| (l.max(0.0) as usize).min(bytes.len()));
    let clear = &bytes[..clear_len];
    let Some(start) = find(clear, b"/Encoding") else {
        return out;
    };
    let clear = &clear[start..];
    let end = find(clear, b"readonly def")
        .or_else(|| find(clear, b"eexec"))
        .unwrap_or(clear.len());
    let mut lx = Lexer::new(&clear[..end]);
    while let Some(op) = lx.next_op() {
        if op == b"put"
            && let [.., Tok::Num(code), Tok::Name(a, b)] = lx.operands[..]
            && (0.0..256.0).contains(&code)
        {
            out.push((code as u8, lx.bytes(a, b).to_vec()));
        }
        lx.clear();
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> String {
        let mut s = String::new();
        glyph_name_to_unicode(n.as_bytes(), &mut s);
        s
    }

    #[test]
    fn glyph_names() {
        assert_eq!(name("fi"), "fi");
        assert_eq!(name("f_f_i"), "ffi");
        assert_eq!(name("quoteright"), "\u{2019}");
        assert_eq!(name("uni00E9"), "é");
        assert_eq!(name("uni00660069"), "fi");
        assert_eq!(name("u1F600"), "😀");
        assert_eq!(name("a.sc"), "a");
        assert_eq!(name("eacute"), "é");
        assert_eq!(name("g123"), "");
        assert_eq!(name(".notdef"), "");
    }

    #[test]
    fn cmap_bfrange_array_and_bfchar() {
        let src = b"1 begincodespacerange <0000> <FFFF> endcodespacerange
            2 beginbfchar <0001> <0057> <0002> <FB01> endbfchar
            2 beginbfrange <0003> <0004> [<006F> <0072>] <0010> <0012> <0061> endbfrange";
        let mut map = CodeMap::default();
        let mut spaces = Vec::new();
        parse_cmap(src, &mut map, &mut spaces, None);
        assert_eq!(spaces.len(), 1);
        assert_eq!(map.get(1, 2), Some("W"));
        assert_eq!(map.get(2, 2), Some("fi"));
        assert_eq!(map.get(4, 2), Some("r"));
        assert_eq!(map.get(0x12, 2), Some("c"));
    }

    #[test]
    fn hostile_bfrange_is_bounded() {
        let src = b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange";
        let mut map = CodeMap::default();
        parse_cmap(src, &mut map, &mut Vec::new(), None);
        assert!(map.entries <= MAX_CMAP_ENTRIES);
    }

    #[test]
    fn standard_and_winansi_tables() {
        assert_eq!(encoding_table(b"StandardEncoding")[0xAE], Some('\u{fb01}'));
        assert_eq!(encoding_table(b"WinAnsiEncoding")[0x93], Some('“'));
        assert_eq!(encoding_table(b"MacRomanEncoding")[0xD2], Some('“'));
    }
}

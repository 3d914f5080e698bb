//! A flat, allocation-light tokenizer for content streams and CMaps.
//!
//! Operands are collected into a flat token list (arrays and dictionaries as
//! open/close markers, never nested values), so arbitrarily deep nesting
//! cannot overflow the stack; strings and names are decoded into one scratch
//! buffer that is reused for every operator.

/// One operand token. `Str` and `Name` are byte ranges into [`Lexer::scratch`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Tok {
    Num(f32),
    Name(u32, u32),
    Str(u32, u32),
    /// A hexadecimal string (CMaps need to know the byte length of codes).
    Hex(u32, u32),
    Open,
    Close,
    DictOpen,
    DictClose,
    /// `true`, `false`, `null`, braces: kept as placeholders.
    Other,
}

/// Operands beyond this many are dropped: no operator needs more, and a
/// hostile stream could otherwise grow the list without bound.
const MAX_OPERANDS: usize = 1 << 16;

pub(super) struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    pub operands: Vec<Tok>,
    pub scratch: Vec<u8>,
}

#[inline]
fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

#[inline]
fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

#[inline]
fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8]) -> Self {
        Lexer {
            src,
            pos: 0,
            operands: Vec::with_capacity(16),
            scratch: Vec::with_capacity(256),
        }
    }

    pub fn bytes(&self, start: u32, end: u32) -> &[u8] {
        self.scratch
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// Clears the operands of the last operator.
    pub fn clear(&mut self) {
        self.operands.clear();
        self.scratch.clear();
    }

    fn push(&mut self, t: Tok) {
        if self.operands.len() < MAX_OPERANDS {
            self.operands.push(t);
        }
    }

    /// Reads tokens until the next operator and returns it (operands are in
    /// `self.operands`); `None` at the end of the input.
    pub fn next_op(&mut self) -> Option<&'a [u8]> {
        let src = self.src;
        loop {
            let &b = src.get(self.pos)?;
            match b {
                _ if is_white(b) => self.pos += 1,
                b'%' => {
                    while let Some(&c) = src.get(self.pos) {
                        if c == b'\n' || c == b'\r' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'/' => {
                    self.pos += 1;
                    let start = self.scratch.len() as u32;
                    while let Some(&c) = src.get(self.pos) {
                        if is_white(c) || is_delim(c) {
                            break;
                        }
                        if c == b'#'
                            && let (Some(h), Some(l)) = (
                                src.get(self.pos + 1).copied().and_then(hex_val),
                                src.get(self.pos + 2).copied().and_then(hex_val),
                            )
                        {
                            self.scratch.push(h << 4 | l);
                            self.pos += 3;
                            continue;
                        }
                        self.scratch.push(c);
                        self.pos += 1;
                    }
                    let end = self.scratch.len() as u32;
                    self.push(Tok::Name(start, end));
                }
                b'(' => {
                    let (start, end) = self.literal_string();
                    self.push(Tok::Str(start, end));
                }
                b'<' if src.get(self.pos + 1) == Some(&b'<') => {
                    self.pos += 2;
                    self.push(Tok::DictOpen);
                }
                b'>' if src.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    self.push(Tok::DictClose);
                }
                b'<' => {
                    let (start, end) = self.hex_string();
                    self.push(Tok::Hex(start, end));
                }
                b'[' => {
                    self.pos += 1;
                    self.push(Tok::Open);
                }
                b']' => {
                    self.pos += 1;
                    self.push(Tok::Close);
                }
                b'{' | b'}' | b'>' | b')' => {
                    self.pos += 1;
                    self.push(Tok::Other);
                }
                b'0'..=b'9' | b'+' | b'-' | b'.' => {
                    let start = self.pos;
                    self.pos += 1;
                    while let Some(&c) = src.get(self.pos) {
                        if !matches!(c, b'0'..=b'9' | b'.' | b'-' | b'+' | b'e' | b'E') {
                            break;
                        }
                        self.pos += 1;
                    }
                    let n = parse_num(&src[start..self.pos]);
                    self.push(Tok::Num(n));
                }
                _ => {
                    let start = self.pos;
                    while let Some(&c) = src.get(self.pos) {
                        if is_white(c) || is_delim(c) || c == b'[' || c == b']' {
                            break;
                        }
                        self.pos += 1;
                    }
                    if self.pos == start {
                        // A lone delimiter the arms above did not take.
                        self.pos += 1;
                        continue;
                    }
                    let word = &src[start..self.pos];
                    match word {
                        b"true" | b"false" | b"null" => self.push(Tok::Other),
                        b"ID" => {
                            self.skip_inline_image();
                            return Some(word);
                        }
                        _ => return Some(word),
                    }
                }
            }
        }
    }

    fn literal_string(&mut self) -> (u32, u32) {
        let src = self.src;
        self.pos += 1;
        let start = self.scratch.len() as u32;
        let mut depth = 1usize;
        while let Some(&c) = src.get(self.pos) {
            self.pos += 1;
            match c {
                b'(' => {
                    depth += 1;
                    self.scratch.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    self.scratch.push(c);
                }
                b'\\' => {
                    let Some(&e) = src.get(self.pos) else { break };
                    self.pos += 1;
                    match e {
                        b'n' => self.scratch.push(b'\n'),
                        b'r' => self.scratch.push(b'\r'),
                        b't' => self.scratch.push(b'\t'),
                        b'b' => self.scratch.push(8),
                        b'f' => self.scratch.push(12),
                        b'\r' => {
                            if src.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match src.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            self.scratch.push((v & 0xff) as u8);
                        }
                        other => self.scratch.push(other),
                    }
                }
                _ => self.scratch.push(c),
            }
        }
        (start, self.scratch.len() as u32)
    }

    fn hex_string(&mut self) -> (u32, u32) {
        let src = self.src;
        self.pos += 1;
        let start = self.scratch.len() as u32;
        let mut hi: Option<u8> = None;
        while let Some(&c) = src.get(self.pos) {
            self.pos += 1;
            if c == b'>' {
                break;
            }
            if let Some(v) = hex_val(c) {
                match hi.take() {
                    Some(h) => self.scratch.push(h << 4 | v),
                    None => hi = Some(v),
                }
            }
        }
        if let Some(h) = hi {
            self.scratch.push(h << 4);
        }
        (start, self.scratch.len() as u32)
    }

    /// Skips inline image data after `ID`: binary bytes up to `EI` that
    /// stands between whitespace.
    fn skip_inline_image(&mut self) {
        let src = self.src;
        let mut i = self.pos + 1;
        while i + 1 < src.len() {
            if src[i] == b'E'
                && src[i + 1] == b'I'
                && is_white(src[i - 1])
                && src.get(i + 2).is_none_or(|&c| is_white(c))
            {
                self.pos = i + 2;
                return;
            }
            i += 1;
        }
        self.pos = src.len();
    }
}

/// Parses a PDF number leniently (`--5`, `5.`, `.5`, `1e3` all give a value;
/// garbage gives 0).
fn parse_num(s: &[u8]) -> f32 {
    let mut neg = false;
    let mut i = 0;
    while i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        neg ^= s[i] == b'-';
        i += 1;
    }
    let mut v: f64 = 0.0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v * 10.0 + f64::from(s[i] - b'0');
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let mut scale = 0.1;
        while i < s.len() && s[i].is_ascii_digit() {
            v += f64::from(s[i] - b'0') * scale;
            scale *= 0.1;
            i += 1;
        }
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let exp: i32 = std::str::from_utf8(&s[i + 1..])
            .ok()
            .and_then(|e| e.parse().ok())
            .unwrap_or(0);
        v *= 10f64.powi(exp.clamp(-300, 300));
    }
    let v = if neg { -v } else { v };
    if v.is_finite() {
        (v as f32).clamp(-1e30, 1e30)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_operators() {
        let mut l =
            Lexer::new(b"/F1 12 Tf [(a\\(b\\)) -250 <48 69>] TJ % c\n BI /W 1 ID \x00EI\x01 EI Q");
        assert_eq!(l.next_op(), Some(&b"Tf"[..]));
        assert!(matches!(l.operands[1], Tok::Num(n) if n == 12.0));
        let Tok::Name(s, e) = l.operands[0] else {
            panic!("name expected")
        };
        assert_eq!(l.bytes(s, e), b"F1");
        l.clear();
        assert_eq!(l.next_op(), Some(&b"TJ"[..]));
        assert_eq!(l.operands.len(), 5);
        let Tok::Str(s, e) = l.operands[1] else {
            panic!("string expected")
        };
        assert_eq!(l.bytes(s, e), b"a(b)");
        let Tok::Hex(s, e) = l.operands[3] else {
            panic!("hex expected")
        };
        assert_eq!(l.bytes(s, e), b"Hi");
        l.clear();
        assert_eq!(l.next_op(), Some(&b"BI"[..]));
        l.clear();
        assert_eq!(l.next_op(), Some(&b"ID"[..]));
        l.clear();
        assert_eq!(l.next_op(), Some(&b"Q"[..]));
        assert_eq!(l.next_op(), None);
    }

    #[test]
    fn numbers_are_lenient() {
        assert_eq!(parse_num(b"-.5"), -0.5);
        assert_eq!(parse_num(b"3."), 3.0);
        assert_eq!(parse_num(b"--2"), 2.0);
        assert_eq!(parse_num(b"1e999"), 1e30);
        assert_eq!(parse_num(b"1-2"), 1.0);
    }

    #[test]
    fn deep_nesting_is_flat() {
        let mut src = vec![b'['; 300_000];
        src.extend(std::iter::repeat_n(b']', 300_000));
        src.extend(b" TJ");
        let mut l = Lexer::new(&src);
        assert_eq!(l.next_op(), Some(&b"TJ"[..]));
        assert_eq!(l.operands.len(), MAX_OPERANDS);
    }
}

//! A compiled Thompson NFA written to bytes and read back. Parsing and
//! compiling the rulebook's patterns was most of a one-shot `s54 check`
//! (BENCHMARKS.md, "Checker"); the embedded rulebook's NFAs are written
//! once, ahead of time, and a run only reads them back.
//!
//! The format is private to this binary's version (it is checked against a
//! fingerprint of the sources it came from before use), little-endian:
//! a header (flags, pattern count, the two start states, state count), then
//! one tagged record per state, in the NFA's own order, so that state ids
//! are kept and no transition needs patching when it is read back.

use regex_automata::{
    nfa::thompson::{Builder, NFA, State, Transition},
    util::{look::Look, primitives::StateID},
};

#[derive(Debug, thiserror::Error)]
pub enum FrozenError {
    #[error("frozen NFA is truncated")]
    Truncated,
    #[error("frozen NFA is malformed: {0}")]
    Malformed(&'static str),
    #[error("frozen NFA cannot be rebuilt: {0}")]
    Build(#[from] regex_automata::nfa::thompson::BuildError),
}

const TAG_RANGE: u8 = 0;
const TAG_SPARSE: u8 = 1;
const TAG_LOOK: u8 = 2;
const TAG_UNION: u8 = 3;
const TAG_BINARY_UNION: u8 = 4;
const TAG_CAPTURE_START: u8 = 5;
const TAG_CAPTURE_END: u8 = 6;
const TAG_FAIL: u8 = 7;
const TAG_MATCH: u8 = 8;
/// A numbered (and maybe named) group's opening and closing states, for the
/// scorer's built-in patterns (`rules::builtin`); the implicit whole-match
/// group keeps the two records above, so rule NFAs are written as before.
const TAG_GROUP_START: u8 = 9;
const TAG_GROUP_END: u8 = 10;

const FLAG_UTF8: u32 = 1;
const FLAG_REVERSE: u32 = 2;

/// Appends `nfa` to `out`. Fails only on a state this format has no record
/// for (a dense state, which the compiler does not produce).
pub fn encode(nfa: &NFA, out: &mut Vec<u8>) -> Result<(), FrozenError> {
    let flags = u32::from(nfa.is_utf8()) * FLAG_UTF8 + u32::from(nfa.is_reverse()) * FLAG_REVERSE;
    put(out, flags);
    put(out, len32(nfa.pattern_len())?);
    put(out, nfa.start_anchored().as_u32());
    put(out, nfa.start_unanchored().as_u32());
    put(out, len32(nfa.states().len())?);
    for p in 0..nfa.pattern_len() {
        let pid =
            regex_automata::PatternID::new(p).map_err(|_| FrozenError::Malformed("pattern id"))?;
        let start = nfa
            .start_pattern(pid)
            .ok_or(FrozenError::Malformed("pattern start"))?;
        put(out, start.as_u32());
    }
    for state in nfa.states() {
        match state {
            State::ByteRange { trans } => {
                out.push(TAG_RANGE);
                put_trans(out, trans);
            }
            State::Sparse(s) => {
                out.push(TAG_SPARSE);
                put(out, len32(s.transitions.len())?);
                for t in s.transitions.iter() {
                    put_trans(out, t);
                }
            }
            State::Look { look, next } => {
                out.push(TAG_LOOK);
                put(out, look.as_repr());
                put(out, next.as_u32());
            }
            State::Union { alternates } => {
                out.push(TAG_UNION);
                put(out, len32(alternates.len())?);
                for a in alternates.iter() {
                    put(out, a.as_u32());
                }
            }
            State::BinaryUnion { alt1, alt2 } => {
                out.push(TAG_BINARY_UNION);
                put(out, alt1.as_u32());
                put(out, alt2.as_u32());
            }
            State::Capture {
                next,
                pattern_id,
                group_index,
                slot,
            } => {
                // Slots come in pairs per group: even opens, odd closes.
                let start = slot.as_usize() % 2 == 0;
                let group = group_index.as_u32();
                out.push(match (start, group) {
                    (true, 0) => TAG_CAPTURE_START,
                    (false, 0) => TAG_CAPTURE_END,
                    (true, _) => TAG_GROUP_START,
                    (false, _) => TAG_GROUP_END,
                });
                put(out, pattern_id.as_u32());
                put(out, next.as_u32());
                if group != 0 {
                    put(out, group);
                    if start {
                        let name = nfa
                            .group_info()
                            .to_name(*pattern_id, group_index.as_usize());
                        match name {
                            Some(n) => {
                                out.push(1);
                                put_bytes(out, n.as_bytes())?;
                            }
                            None => out.push(0),
                        }
                    }
                }
            }
            State::Fail => out.push(TAG_FAIL),
            State::Match { pattern_id } => {
                out.push(TAG_MATCH);
                put(out, pattern_id.as_u32());
            }
            State::Dense(_) => return Err(FrozenError::Malformed("dense state")),
        }
    }
    Ok(())
}

/// Reads one NFA written by [`encode`] from the front of `bytes`, and says
/// how many bytes it took.
pub fn decode(bytes: &[u8]) -> Result<(NFA, usize), FrozenError> {
    let mut r = Reader {
        cursor: Cursor::new(bytes),
        states: 0,
    };
    let flags = r.u32()?;
    let patterns = r.u32()?;
    let (start_anchored, start_unanchored) = (r.u32()?, r.u32()?);
    let states = r.u32()? as usize;
    r.states = states;
    let start_anchored = r.check_sid(start_anchored)?;
    let start_unanchored = r.check_sid(start_unanchored)?;
    // Counts are not trusted with an allocation: the records must be there.
    let mut starts: Vec<StateID> = Vec::with_capacity((patterns as usize).min(4096));
    for _ in 0..patterns {
        starts.push(r.sid()?);
    }
    let mut b = Builder::new();
    b.set_utf8(flags & FLAG_UTF8 != 0);
    b.set_reverse(flags & FLAG_REVERSE != 0);
    b.set_size_limit(None)?;
    // The pattern whose capture and match states are being added: the
    // builder attributes those to its current pattern.
    let mut current: Option<u32> = None;
    // How many of the current pattern's groups have opened: the builder
    // records a group's name at its first opening and indexes a closing
    // slot by its group, so groups must open in order, before they close.
    let mut opened: u32 = 0;
    for _ in 0..states {
        match r.u8()? {
            TAG_RANGE => {
                let t = r.trans()?;
                b.add_range(t)?;
            }
            TAG_SPARSE => {
                b.add_sparse(r.list(Reader::trans)?)?;
            }
            TAG_LOOK => {
                let look = Look::from_repr(r.u32()?).ok_or(FrozenError::Malformed("look"))?;
                let next = r.sid()?;
                b.add_look(next, look)?;
            }
            TAG_UNION => {
                b.add_union(r.list(Reader::sid)?)?;
            }
            TAG_BINARY_UNION => {
                let (a, c) = (r.sid()?, r.sid()?);
                b.add_union(vec![a, c])?;
            }
            tag @ (TAG_CAPTURE_START | TAG_CAPTURE_END | TAG_GROUP_START | TAG_GROUP_END
            | TAG_MATCH) => {
                let pid = r.u32()?;
                if current != Some(pid) {
                    opened = 0;
                }
                enter(&mut b, &mut current, &starts, pid)?;
                if tag == TAG_MATCH {
                    b.add_match()?;
                    continue;
                }
                let next = r.sid()?;
                let group = match tag {
                    TAG_GROUP_START | TAG_GROUP_END => match r.u32()? {
                        0 => return Err(FrozenError::Malformed("group 0 written as a group")),
                        g => g,
                    },
                    _ => 0,
                };
                if tag == TAG_CAPTURE_START || tag == TAG_GROUP_START {
                    let named = tag == TAG_GROUP_START
                        && match r.u8()? {
                            0 => false,
                            1 => true,
                            _ => return Err(FrozenError::Malformed("group name flag")),
                        };
                    let name = if named {
                        let name = std::str::from_utf8(r.cursor.take()?)
                            .map_err(|_| FrozenError::Malformed("group name"))?;
                        Some(std::sync::Arc::from(name))
                    } else {
                        None
                    };
                    if group > opened {
                        return Err(FrozenError::Malformed("groups out of order"));
                    }
                    b.add_capture_start(next, group, name)?;
                    opened = opened.max(group + 1);
                } else if group >= opened {
                    return Err(FrozenError::Malformed("capture end before start"));
                } else {
                    b.add_capture_end(next, group)?;
                }
            }
            TAG_FAIL => {
                b.add_fail()?;
            }
            _ => return Err(FrozenError::Malformed("state tag")),
        }
    }
    if let Some(p) = current {
        let start = *starts
            .get(p as usize)
            .ok_or(FrozenError::Malformed("pattern without start"))?;
        b.finish_pattern(start)?;
    }
    if b.pattern_len() != patterns as usize {
        return Err(FrozenError::Malformed("pattern count"));
    }
    let nfa = b.build(start_anchored, start_unanchored)?;
    Ok((nfa, r.cursor.position()))
}

/// Moves the builder on to pattern `pid`; patterns come in order, each a
/// contiguous run of states.
fn enter(
    b: &mut Builder,
    current: &mut Option<u32>,
    starts: &[StateID],
    pid: u32,
) -> Result<(), FrozenError> {
    if *current == Some(pid) {
        return Ok(());
    }
    let expected = current.map_or(0, |p| p + 1);
    if pid != expected {
        return Err(FrozenError::Malformed("patterns out of order"));
    }
    if let Some(p) = *current {
        let start = *starts
            .get(p as usize)
            .ok_or(FrozenError::Malformed("pattern without start"))?;
        b.finish_pattern(start)?;
    }
    b.start_pattern()?;
    *current = Some(pid);
    Ok(())
}

pub(crate) fn len32(n: usize) -> Result<u32, FrozenError> {
    u32::try_from(n).map_err(|_| FrozenError::Malformed("too large"))
}

/// Appends a little-endian word.
pub(crate) fn put(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends `bytes` after their length, for [`Cursor::take`].
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), FrozenError> {
    put(out, len32(bytes.len())?);
    out.extend_from_slice(bytes);
    Ok(())
}

fn put_trans(out: &mut Vec<u8>, t: &Transition) {
    out.push(t.start);
    out.push(t.end);
    put(out, t.next.as_u32());
}

/// A part of the frozen rules read back on first use, not at start: a
/// one-shot check walks about half of the rulebook's automata, and reading
/// an NFA back costs more than a statement's walk of it (BENCHMARKS.md,
/// "Whole-process", stop 16).
pub(crate) struct Deferred<T> {
    value: std::sync::OnceLock<Option<T>>,
    frozen: &'static [u8],
}

impl<T> Deferred<T> {
    /// A part compiled now, not frozen.
    pub fn ready(value: T) -> Deferred<T> {
        Deferred {
            value: std::sync::OnceLock::from(Some(value)),
            frozen: &[],
        }
    }

    /// A part to be read from `bytes` when first asked for.
    pub fn frozen(bytes: &'static [u8]) -> Deferred<T> {
        Deferred {
            value: std::sync::OnceLock::new(),
            frozen: bytes,
        }
    }

    /// The part, read by `read` from its bytes the first time (on one
    /// thread; others wait); `None` if that failed.
    pub fn get(&self, read: impl FnOnce(&'static [u8]) -> Option<T>) -> Option<&T> {
        self.value.get_or_init(|| read(self.frozen)).as_ref()
    }

    /// True until it is read (or found unreadable).
    pub fn pending(&self) -> bool {
        self.value.get().is_none()
    }

    /// The part if it is compiled or already read.
    pub fn built(&self) -> Option<&T> {
        self.value.get().and_then(Option::as_ref)
    }
}

/// Reads what [`put`] and [`put_bytes`] wrote, never past the end.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Cursor<'a> {
        Cursor { bytes, at: 0 }
    }

    pub fn u8(&mut self) -> Result<u8, FrozenError> {
        let b = *self.bytes.get(self.at).ok_or(FrozenError::Truncated)?;
        self.at += 1;
        Ok(b)
    }

    pub fn u32(&mut self) -> Result<u32, FrozenError> {
        let end = self.at.checked_add(4).ok_or(FrozenError::Truncated)?;
        let b = self.bytes.get(self.at..end).ok_or(FrozenError::Truncated)?;
        self.at = end;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A part written by [`put_bytes`].
    pub fn take(&mut self) -> Result<&'a [u8], FrozenError> {
        let n = self.u32()? as usize;
        let end = self.at.checked_add(n).ok_or(FrozenError::Truncated)?;
        let part = self.bytes.get(self.at..end).ok_or(FrozenError::Truncated)?;
        self.at = end;
        Ok(part)
    }

    /// How many bytes have been read.
    pub fn position(&self) -> usize {
        self.at
    }

    pub fn at_end(&self) -> bool {
        self.at == self.bytes.len()
    }
}

/// A [`Cursor`] over one NFA's records, checking every state id it reads.
struct Reader<'a> {
    cursor: Cursor<'a>,
    /// Every state id read must be below this.
    states: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, FrozenError> {
        self.cursor.u8()
    }

    fn u32(&mut self) -> Result<u32, FrozenError> {
        self.cursor.u32()
    }

    fn sid(&mut self) -> Result<StateID, FrozenError> {
        let v = self.u32()?;
        self.check_sid(v)
    }

    /// A count, then that many items.
    fn list<T>(
        &mut self,
        item: impl Fn(&mut Self) -> Result<T, FrozenError>,
    ) -> Result<Vec<T>, FrozenError> {
        let n = self.u32()? as usize;
        let mut items = Vec::with_capacity(n.min(256));
        for _ in 0..n {
            items.push(item(self)?);
        }
        Ok(items)
    }

    fn check_sid(&self, v: u32) -> Result<StateID, FrozenError> {
        let v = v as usize;
        if v >= self.states {
            return Err(FrozenError::Malformed("state id"));
        }
        StateID::new(v).map_err(|_| FrozenError::Malformed("state id"))
    }

    fn trans(&mut self) -> Result<Transition, FrozenError> {
        let start = self.u8()?;
        let end = self.u8()?;
        if start > end {
            return Err(FrozenError::Malformed("byte range"));
        }
        let next = self.sid()?;
        Ok(Transition { start, end, next })
    }
}

/// Marks a sealed file of frozen NFAs (and this format's version).
const MAGIC: &[u8; 8] = b"s54nfa02";

/// A 64-bit fingerprint of `parts`, stable across platforms and Rust
/// versions (a multiply-rotate hash over 8-byte words): it says which rule
/// sources a frozen file was made from, and whether its bytes are intact.
pub fn fingerprint<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = 0;
    let mut mix = |w: u64| h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    for part in parts {
        mix(part.len() as u64);
        let mut words = part.chunks_exact(8);
        for w in &mut words {
            mix(u64::from_le_bytes([
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7],
            ]));
        }
        let mut tail = [0u8; 8];
        tail[..words.remainder().len()].copy_from_slice(words.remainder());
        mix(u64::from_le_bytes(tail));
    }
    h
}

/// `payload` sealed for the sources with fingerprint `sources`.
pub fn seal(sources: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 24);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&sources.to_le_bytes());
    out.extend_from_slice(&fingerprint([payload]).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of a file sealed by [`seal`], if it was made for the sources
/// with fingerprint `sources` and is intact.
pub fn open(sealed: &[u8], sources: u64) -> Option<&[u8]> {
    let (head, payload) = sealed.split_at_checked(24)?;
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&head[i..i + 8]);
        u64::from_le_bytes(w)
    };
    (&head[..8] == MAGIC && word(8) == sources && word(16) == fingerprint([payload]))
        .then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::nfa::thompson;

    fn compile(pats: &[&str], reverse: bool) -> NFA {
        thompson::Compiler::new()
            .syntax(
                regex_automata::util::syntax::Config::new()
                    .case_insensitive(true)
                    .unicode(false)
                    .utf8(false),
            )
            .configure(crate::rules::sentence_set::thompson_config(reverse))
            .build_many(pats)
            .unwrap()
    }

    #[test]
    fn an_nfa_reads_back_state_for_state() {
        for reverse in [false, true] {
            let nfa = compile(
                &[
                    r"(?-u:\b)risks?(?-u:\b)[\s\S]{0,40}(?:cotton|cocoa)",
                    r"^board\s+(?:approved|signed)",
                    r"x|y|z|[0-9]{2,}",
                    r"(?:a|b|c)$",
                ],
                reverse,
            );
            let mut bytes = Vec::new();
            encode(&nfa, &mut bytes).unwrap();
            let (back, used) = decode(&bytes).unwrap();
            assert_eq!(used, bytes.len());
            assert_eq!(back.states(), nfa.states());
            assert_eq!(back.start_anchored(), nfa.start_anchored());
            assert_eq!(back.start_unanchored(), nfa.start_unanchored());
            assert_eq!(back.pattern_len(), nfa.pattern_len());
            assert_eq!(back.is_reverse(), nfa.is_reverse());
            for p in 0..nfa.pattern_len() {
                let pid = regex_automata::PatternID::new(p).unwrap();
                assert_eq!(back.start_pattern(pid), nfa.start_pattern(pid));
            }
            assert_eq!(back.look_set_any(), nfa.look_set_any());
        }
    }

    #[test]
    fn numbered_and_named_groups_read_back() {
        let nfa = thompson::Compiler::new()
            .syntax(regex_automata::util::syntax::Config::new().utf8(false))
            .configure(thompson::Config::new().which_captures(thompson::WhichCaptures::All))
            .build(r"(?P<d>\d+)(?:st|th)? (x)?(?P<m>[A-Z][a-z]+)((?P<y>\d{4})|now)")
            .unwrap();
        let mut bytes = Vec::new();
        encode(&nfa, &mut bytes).unwrap();
        let (back, used) = decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(back.states(), nfa.states());
        let (a, b) = (back.group_info(), nfa.group_info());
        assert_eq!(a.all_group_len(), 6);
        assert!(a.all_names().eq(b.all_names()));
        let vm = thompson::pikevm::PikeVM::new_from_nfa(back).unwrap();
        let mut caps = vm.create_captures();
        vm.captures(&mut vm.create_cache(), "on 12th June2024", &mut caps);
        assert_eq!(caps.get_group_by_name("m").map(|s| s.range()), Some(8..12));
        assert_eq!(caps.get_group_by_name("y").map(|s| s.range()), Some(12..16));
        assert!(caps.get_group(2).is_none());
        // Damage is an error or another NFA, never a panic.
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            for v in [0u8, 1, 2, 5, 6, 9, 10, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = decode(&b);
            }
        }
    }

    #[test]
    fn a_sealed_file_opens_only_for_its_sources_and_intact() {
        let sealed = seal(fingerprint([b"rules".as_slice()]), b"payload bytes");
        let fp = fingerprint([b"rules".as_slice()]);
        assert_eq!(open(&sealed, fp), Some(b"payload bytes".as_slice()));
        assert_eq!(open(&sealed, fingerprint([b"rulez".as_slice()])), None);
        // Where the split between parts falls changes the fingerprint.
        assert_ne!(
            fingerprint([b"ab".as_slice(), b"c"]),
            fingerprint([b"a".as_slice(), b"bc"])
        );
        for i in 0..sealed.len() {
            let mut b = sealed.clone();
            b[i] ^= 0x20;
            assert_eq!(open(&b, fp), None, "byte {i} changed");
        }
        assert_eq!(open(&sealed[..20], fp), None);
        assert_eq!(open(b"", fp), None);
    }

    #[test]
    fn damaged_bytes_are_an_error_never_a_panic() {
        let nfa = compile(&[r"(?-u:\b)train(?:ed|ing)", r"audit"], false);
        let mut bytes = Vec::new();
        encode(&nfa, &mut bytes).unwrap();
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // Every single-byte change either reads back or is an error.
        for i in 0..bytes.len() {
            for v in [0u8, 1, 7, 9, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = decode(&b);
            }
        }
    }
}

//! A pattern with word-spanning gaps matched in gapless pieces, with the
//! gaps checked outside any automaton. `\brisks?\b[\s\S]{0,140}\bcotton\b`
//! is the piece `\brisks?\b` (its match ends found by a forward DFA), the
//! piece `\bcotton\b` (its match starts found by a reverse DFA), and a gap
//! of 0 to 140 bytes between an end and a start. In one DFA the gap's
//! counter multiplies the states of what follows it: that DFA's tables grew
//! to megabytes, and walking them was cache misses, not work (BENCHMARKS.md,
//! "Checker", stops 14 and 15). The pieces' DFAs stay small.
//!
//! The split is exact: a branch `P0 G1 P1 … Gk Pk` matches when some match
//! of `P0` ends where a run fitting `G1` starts, that run ends where a match
//! of `P1` starts, and so on. Pieces are searched in the whole haystack, so
//! their look-arounds (`\b`, `^`, `$`) see the bytes beside them.

use super::frozen::{self, Cursor, Deferred, FrozenError};
use super::scan::{GAP_REPEATS, matches_byte};
use super::sentence_set::{NFA_SIZE_LIMIT, lazy_dfa, thompson_config};
use regex_automata::{
    Anchored, Input, MatchError,
    hybrid::dfa::{Cache, DFA, OverlappingState},
    nfa::thompson::{self, NFA},
    util::pool::Pool,
};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::panic::{RefUnwindSafe, UnwindSafe};

/// Lazy DFA cache per thread for a piece: pieces are small.
const PIECE_CACHE_BYTES: usize = 1 << 22;

/// 256 bits: which bytes a gap may hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ByteSet([u64; 4]);

impl ByteSet {
    fn has(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn of(class: &Class) -> Option<ByteSet> {
        let mut bits = [0u64; 4];
        let mut set = |lo: u32, hi: u32| {
            for b in lo..=hi {
                bits[(b >> 6) as usize] |= 1 << (b & 63);
            }
        };
        match class {
            Class::Bytes(c) => c
                .ranges()
                .iter()
                .for_each(|r| set(r.start().into(), r.end().into())),
            Class::Unicode(c) => {
                // Only an ASCII class is a class of bytes.
                if c.ranges().iter().any(|r| !r.end().is_ascii()) {
                    return None;
                }
                c.ranges()
                    .iter()
                    .for_each(|r| set(r.start().into(), r.end().into()));
            }
        }
        Some(ByteSet(bits))
    }

    fn disjoint(&self, other: &ByteSet) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & b == 0)
    }
}

/// What may stand between two pieces.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Gap {
    /// `C{min,max}`: `min` to `max` bytes, each in `class`.
    Run {
        class: ByteSet,
        min: u32,
        max: Option<u32>,
    },
    /// `(?:W+S+){min,max}`: `min` to `max` words of `word` bytes, each
    /// followed by `space` bytes (the two sets disjoint).
    Words {
        word: ByteSet,
        space: ByteSet,
        min: u32,
        max: Option<u32>,
    },
}

impl Gap {
    /// The gap `hir` is, if it is a repeat spanning words of a shape
    /// checked outside the automaton.
    fn of(hir: &Hir) -> Option<Gap> {
        let HirKind::Repetition(r) = bare(hir).kind() else {
            return None;
        };
        let spans = r.max.is_none_or(|m| m > GAP_REPEATS)
            && matches_byte(&r.sub, b' ')
            && matches_byte(&r.sub, b'a');
        if !spans {
            return None;
        }
        let (min, max) = (r.min, r.max);
        match bare(&r.sub).kind() {
            HirKind::Class(c) => Some(Gap::Run {
                class: ByteSet::of(c)?,
                min,
                max,
            }),
            HirKind::Concat(parts) if parts.len() == 2 => {
                let word = plus_class(&parts[0])?;
                let space = plus_class(&parts[1])?;
                word.disjoint(&space).then_some(Gap::Words {
                    word,
                    space,
                    min,
                    max,
                })
            }
            _ => None,
        }
    }

    /// True when some end in `ends` (ascending) and the start `s` have a
    /// run fitting this gap between them. Each byte looked at is paid from
    /// `budget`; `None` when it runs out.
    fn bridges(&self, hay: &[u8], ends: &[usize], s: usize, budget: &mut Budget) -> Option<bool> {
        match self {
            Gap::Run { class, min, max } => {
                let Some(hi) = s.checked_sub(*min as usize) else {
                    return Some(false);
                };
                let lo = max.map_or(0, |m| s.saturating_sub(m as usize));
                // The nearest end is enough: a longer run holds its run.
                let at = ends.partition_point(|&e| e <= hi);
                match at.checked_sub(1).map(|i| ends[i]) {
                    Some(e) if e >= lo => {
                        budget.spend(s - e)?;
                        Some(hay[e..s].iter().all(|&b| class.has(b)))
                    }
                    _ => Some(false),
                }
            }
            Gap::Words {
                word,
                space,
                min,
                max,
            } => {
                let at = ends.partition_point(|&e| e <= s);
                for &e in ends[..at].iter().rev() {
                    budget.spend(2 * (s - e))?;
                    // A byte of neither kind fails this end and every
                    // earlier one.
                    if hay[e..s].iter().any(|&b| !word.has(b) && !space.has(b)) {
                        return Some(false);
                    }
                    match count_words(&hay[e..s], word, space) {
                        Some(n) if max.is_some_and(|m| n > m as usize) => return Some(false),
                        Some(n) if n >= *min as usize => return Some(true),
                        _ => {}
                    }
                }
                Some(false)
            }
        }
    }
}

/// Bytes a branch may look at beyond its pieces' one pass each: a fixed
/// allowance plus a multiple of the haystack. Sentences take a fraction of
/// it; hostile text (an endless run of a piece's words with no full stop
/// for `[^.]*` to stop at) would take time quadratic in its length, and is
/// matched by the whole pattern's DFA instead, which is linear.
struct Budget(usize);

impl Budget {
    fn for_haystack(len: usize) -> Budget {
        Budget(len.saturating_mul(16).saturating_add(4096))
    }

    fn spend(&mut self, n: usize) -> Option<()> {
        self.0 = self.0.checked_sub(n)?;
        Some(())
    }
}

/// Why a split pattern could not say: the whole pattern must.
#[derive(Debug)]
pub(crate) enum Undecided {
    /// A piece's DFA gave up.
    Search,
    /// The [`Budget`] ran out.
    Budget,
}

impl From<MatchError> for Undecided {
    fn from(_: MatchError) -> Undecided {
        Undecided::Search
    }
}

/// How many words-then-spaces `span` is exactly, if it is such a run.
fn count_words(span: &[u8], word: &ByteSet, space: &ByteSet) -> Option<usize> {
    let (mut i, mut n) = (0, 0);
    while i < span.len() {
        let w = i + span[i..].iter().take_while(|&&b| word.has(b)).count();
        let sp = w + span[w..].iter().take_while(|&&b| space.has(b)).count();
        if w == i || sp == w {
            return None;
        }
        n += 1;
        i = sp;
    }
    Some(n)
}

/// `C+` (at least once, unbounded) as its class.
fn plus_class(hir: &Hir) -> Option<ByteSet> {
    match bare(hir).kind() {
        HirKind::Repetition(r) if r.min == 1 && r.max.is_none() => match bare(&r.sub).kind() {
            HirKind::Class(c) => ByteSet::of(c),
            _ => None,
        },
        _ => None,
    }
}

/// `hir` without the capture groups around it.
fn bare(hir: &Hir) -> &Hir {
    match hir.kind() {
        HirKind::Capture(c) => bare(&c.sub),
        _ => hir,
    }
}

/// True when `hir` is an alternation with a branch that has a gap at its
/// top level.
fn has_gapped_branch(hir: &Hir) -> bool {
    let HirKind::Alternation(bs) = bare(hir).kind() else {
        return false;
    };
    bs.iter().any(|b| match bare(b).kind() {
        HirKind::Concat(parts) => parts.iter().any(|p| Gap::of(p).is_some()),
        _ => false,
    })
}

/// A pattern taken apart, before its pieces are compiled.
pub(crate) struct Split {
    /// Per branch: pieces and the gaps between them (one fewer).
    branches: Vec<(Vec<Hir>, Vec<Gap>)>,
}

/// Takes `hir` apart at its word-spanning gaps: each branch of a top-level
/// alternation apart, the branches without such gaps kept together as one
/// piece. `None` if no gap can be taken out.
pub(crate) fn split(hir: &Hir) -> Option<Split> {
    let top = bare(hir);
    let branches: Vec<Hir> = match top.kind() {
        HirKind::Alternation(bs) => bs.clone(),
        // The parser lifts a common prefix out of the branches
        // (`\bx…|\by…` is `\b(?:x…|y…)`): put it back in each.
        HirKind::Concat(parts) => {
            let lifted = parts.iter().position(has_gapped_branch).and_then(|at| {
                match bare(&parts[at]).kind() {
                    HirKind::Alternation(bs) if parts.iter().all(|p| Gap::of(p).is_none()) => {
                        Some((at, bs))
                    }
                    _ => None,
                }
            });
            match lifted {
                Some((at, bs)) => bs
                    .iter()
                    .map(|b| {
                        let mut v = parts[..at].to_vec();
                        v.push(b.clone());
                        v.extend_from_slice(&parts[at + 1..]);
                        Hir::concat(v)
                    })
                    .collect(),
                None => vec![top.clone()],
            }
        }
        _ => vec![top.clone()],
    };
    let mut whole: Vec<Hir> = Vec::new();
    let mut out: Vec<(Vec<Hir>, Vec<Gap>)> = Vec::new();
    for b in &branches {
        let parts: Vec<Hir> = match bare(b).kind() {
            HirKind::Concat(parts) => parts.clone(),
            _ => vec![b.clone()],
        };
        let mut pieces = Vec::new();
        let mut gaps = Vec::new();
        let mut current: Vec<Hir> = Vec::new();
        for part in parts {
            match Gap::of(&part) {
                Some(g) => {
                    pieces.push(Hir::concat(std::mem::take(&mut current)));
                    gaps.push(g);
                }
                None => current.push(part),
            }
        }
        if gaps.is_empty() {
            whole.push(b.clone());
        } else {
            pieces.push(Hir::concat(current));
            out.push((pieces, gaps));
        }
    }
    if out.is_empty() {
        return None;
    }
    if !whole.is_empty() {
        out.insert(0, (vec![Hir::alternation(whole)], Vec::new()));
    }
    Some(Split { branches: out })
}

type CacheFn = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// A lazy DFA of one piece, forward or reverse, with its caches.
struct PieceDfa {
    dfa: DFA,
    caches: Pool<Cache, CacheFn>,
}

impl PieceDfa {
    fn new(nfa: NFA) -> Result<PieceDfa, String> {
        let dfa = lazy_dfa(nfa, PIECE_CACHE_BYTES).map_err(|e| e.to_string())?;
        let for_caches = dfa.clone();
        let make: CacheFn = Box::new(move || for_caches.create_cache());
        Ok(PieceDfa {
            dfa,
            caches: Pool::new(make),
        })
    }

    fn is_match(&self, hay: &[u8]) -> Result<bool, MatchError> {
        let mut cache = self.caches.get();
        let input = Input::new(hay).earliest(true);
        Ok(self.dfa.try_search_fwd(&mut cache, &input)?.is_some())
    }

    /// Where matches end (forward DFA), ascending: anywhere, or only
    /// matches starting at `from`.
    fn ends(&self, hay: &[u8], from: Option<usize>) -> Result<Vec<usize>, MatchError> {
        let input = match from {
            Some(s) => Input::new(hay).range(s..).anchored(Anchored::Yes),
            None => Input::new(hay),
        };
        self.overlapping(&input, false)
    }

    /// Where matches start (reverse DFA), ascending, from `from` on (the
    /// bytes before it still count for look-behind).
    fn starts(&self, hay: &[u8], from: usize) -> Result<Vec<usize>, MatchError> {
        let mut v = self.overlapping(&Input::new(hay).range(from..), true)?;
        v.reverse();
        Ok(v)
    }

    fn overlapping(&self, input: &Input<'_>, rev: bool) -> Result<Vec<usize>, MatchError> {
        let mut cache = self.caches.get();
        let mut state = OverlappingState::start();
        let mut out: Vec<usize> = Vec::new();
        loop {
            if rev {
                self.dfa
                    .try_search_overlapping_rev(&mut cache, input, &mut state)?;
            } else {
                self.dfa
                    .try_search_overlapping_fwd(&mut cache, input, &mut state)?;
            }
            match state.get_match() {
                None => return Ok(out),
                Some(m) => {
                    if out.last() != Some(&m.offset()) {
                        out.push(m.offset());
                    }
                }
            }
        }
    }
}

/// A compiled piece: the forward DFA (for match ends) unless it is a
/// branch's last, the reverse one (for match starts) unless it is its
/// first. Thawed, each is read back when first used.
struct Piece {
    fwd: Option<Deferred<PieceDfa>>,
    rev: Option<Deferred<PieceDfa>>,
}

/// A piece's DFA in one direction, read back if it was frozen: `Ok(None)`
/// when the piece has none that way, an error when it does not read back
/// (the whole pattern's DFA then decides).
fn piece_dfa(
    dfa: &Option<Deferred<PieceDfa>>,
    reverse: bool,
) -> Result<Option<&PieceDfa>, Undecided> {
    let Some(d) = dfa else {
        return Ok(None);
    };
    d.get(|bytes| {
        let (nfa, used) = frozen::decode(bytes).ok()?;
        if used != bytes.len() || nfa.is_reverse() != reverse {
            return None;
        }
        PieceDfa::new(nfa).ok()
    })
    .map(Some)
    .ok_or(Undecided::Search)
}

struct Branch {
    pieces: Vec<Piece>,
    gaps: Vec<Gap>,
}

/// A pattern compiled in pieces.
pub(crate) struct Chains {
    branches: Vec<Branch>,
}

impl std::fmt::Debug for Chains {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Chains({} branches)", self.branches.len())
    }
}

fn compile(hir: &Hir, reverse: bool) -> Result<NFA, String> {
    thompson::Compiler::new()
        .configure(thompson_config(reverse).nfa_size_limit(Some(NFA_SIZE_LIMIT)))
        .build_from_hir(hir)
        .map_err(|e| e.to_string())
}

impl Chains {
    /// Compiles a split pattern's pieces.
    pub fn build(split: &Split) -> Result<Chains, String> {
        let mut branches = Vec::with_capacity(split.branches.len());
        for (hirs, gaps) in &split.branches {
            let last = hirs.len() - 1;
            let mut pieces = Vec::with_capacity(hirs.len());
            for (i, h) in hirs.iter().enumerate() {
                let fwd = (i < last || last == 0)
                    .then(|| compile(h, false).and_then(PieceDfa::new))
                    .transpose()?
                    .map(Deferred::ready);
                let rev = (i > 0)
                    .then(|| compile(h, true).and_then(PieceDfa::new))
                    .transpose()?
                    .map(Deferred::ready);
                pieces.push(Piece { fwd, rev });
            }
            branches.push(Branch {
                pieces,
                gaps: gaps.clone(),
            });
        }
        Ok(Chains { branches })
    }

    /// True while some piece is still frozen.
    pub fn pending(&self) -> bool {
        self.branches.iter().flat_map(|b| &b.pieces).any(|p| {
            [&p.fwd, &p.rev]
                .into_iter()
                .flatten()
                .any(Deferred::pending)
        })
    }

    /// Reads back every piece still frozen.
    pub fn read_all(&self) {
        for p in self.branches.iter().flat_map(|b| &b.pieces) {
            // One that does not read back is left to the whole pattern.
            let _ = piece_dfa(&p.fwd, false);
            let _ = piece_dfa(&p.rev, true);
        }
    }

    /// True when some branch matches somewhere in `hay`.
    pub fn is_match(&self, hay: &[u8]) -> Result<bool, Undecided> {
        let mut budget = Budget::for_haystack(hay.len());
        for b in &self.branches {
            if b.is_match(hay, &mut budget)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub fn freeze(&self, out: &mut Vec<u8>) -> Result<(), FrozenError> {
        frozen::put(out, frozen::len32(self.branches.len())?);
        for b in &self.branches {
            frozen::put(out, frozen::len32(b.pieces.len())?);
            for p in &b.pieces {
                for dfa in [&p.fwd, &p.rev] {
                    let mut nfa = Vec::new();
                    if let Some(d) = dfa {
                        let d = d
                            .built()
                            .ok_or(FrozenError::Malformed("thawed pieces frozen again"))?;
                        frozen::encode(d.dfa.get_nfa(), &mut nfa)?;
                    }
                    frozen::put_bytes(out, &nfa)?;
                }
            }
            for g in &b.gaps {
                let (kind, sets, min, max) = match g {
                    Gap::Run { class, min, max } => (0u8, vec![class], min, max),
                    Gap::Words {
                        word,
                        space,
                        min,
                        max,
                    } => (1u8, vec![word, space], min, max),
                };
                out.push(kind);
                for s in sets {
                    for w in s.0 {
                        out.extend_from_slice(&w.to_le_bytes());
                    }
                }
                frozen::put(out, *min);
                frozen::put(out, max.unwrap_or(u32::MAX));
            }
        }
        Ok(())
    }

    /// Reads what [`Chains::freeze`] wrote; each piece's NFA is read back
    /// only when first used.
    pub fn thaw(cur: &mut Cursor<'static>) -> Result<Chains, FrozenError> {
        let bad = FrozenError::Malformed;
        let n = cur.u32()? as usize;
        let mut branches = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let k = cur.u32()? as usize;
            if k == 0 {
                return Err(bad("empty branch"));
            }
            let mut pieces = Vec::with_capacity(k.min(64));
            for i in 0..k {
                let mut dfas = [None, None];
                for (j, slot) in dfas.iter_mut().enumerate() {
                    let bytes = cur.take()?;
                    let wanted = if j == 0 { i < k - 1 || k == 1 } else { i > 0 };
                    if bytes.is_empty() == wanted {
                        return Err(bad("piece automata"));
                    }
                    if wanted {
                        *slot = Some(Deferred::frozen(bytes));
                    }
                }
                let [fwd, rev] = dfas;
                pieces.push(Piece { fwd, rev });
            }
            let mut gaps = Vec::with_capacity(k - 1);
            for _ in 1..k {
                let kind = cur.u8()?;
                let mut set = || -> Result<ByteSet, FrozenError> {
                    let mut w = [0u64; 4];
                    for x in &mut w {
                        let lo = u64::from(cur.u32()?);
                        let hi = u64::from(cur.u32()?);
                        *x = lo | (hi << 32);
                    }
                    Ok(ByteSet(w))
                };
                let gap = match kind {
                    0 => {
                        let class = set()?;
                        let (min, max) = bounds(cur)?;
                        Gap::Run { class, min, max }
                    }
                    1 => {
                        let word = set()?;
                        let space = set()?;
                        let (min, max) = bounds(cur)?;
                        Gap::Words {
                            word,
                            space,
                            min,
                            max,
                        }
                    }
                    _ => return Err(bad("gap kind")),
                };
                gaps.push(gap);
            }
            branches.push(Branch { pieces, gaps });
        }
        Ok(Chains { branches })
    }
}

fn bounds(cur: &mut Cursor<'_>) -> Result<(u32, Option<u32>), FrozenError> {
    let min = cur.u32()?;
    let max = cur.u32()?;
    Ok((min, (max != u32::MAX).then_some(max)))
}

impl Branch {
    fn is_match(&self, hay: &[u8], budget: &mut Budget) -> Result<bool, Undecided> {
        let Some(first) = piece_dfa(&self.pieces[0].fwd, false)? else {
            return Ok(false);
        };
        if self.gaps.is_empty() {
            return Ok(first.is_match(hay)?);
        }
        let mut ends = first.ends(hay, None)?;
        let k = self.gaps.len();
        for i in 1..=k {
            if ends.is_empty() {
                return Ok(false);
            }
            let piece = &self.pieces[i];
            let Some(rev) = piece_dfa(&piece.rev, true)? else {
                return Ok(false);
            };
            // A start before the first end can bridge nothing.
            let starts = rev.starts(hay, ends[0])?;
            let gap = &self.gaps[i - 1];
            let mut bridged = Vec::new();
            for s in starts {
                if gap
                    .bridges(hay, &ends, s, budget)
                    .ok_or(Undecided::Budget)?
                {
                    if i == k {
                        return Ok(true);
                    }
                    bridged.push(s);
                }
            }
            if i == k {
                return Ok(false);
            }
            let Some(fwd) = piece_dfa(&piece.fwd, false)? else {
                return Ok(false);
            };
            let mut next = Vec::new();
            for s in bridged {
                // An anchored search may walk to the end of the haystack.
                budget.spend(hay.len() - s).ok_or(Undecided::Budget)?;
                next.extend(fwd.ends(hay, Some(s))?);
            }
            next.sort_unstable();
            next.dedup();
            ends = next;
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::pattern::ascii_escapes;
    use crate::rules::sentence_set::{SentenceSet, parse};

    /// The pattern split and whole agree on `texts`; returns how many
    /// matched.
    fn agree(pat: &str, texts: &[&str]) -> usize {
        let hir = parse(&[ascii_escapes(pat)]).unwrap().remove(0);
        let chains = Chains::build(&split(&hir).expect("splits")).unwrap();
        let mut frozen = Vec::new();
        chains.freeze(&mut frozen).unwrap();
        let frozen: &'static [u8] = Box::leak(frozen.into_boxed_slice());
        let thawed = Chains::thaw(&mut Cursor::new(frozen)).unwrap();
        let whole = SentenceSet::from_hirs(&[hir], NFA_SIZE_LIMIT).unwrap();
        let mut n = 0;
        for t in texts {
            let want = whole.is_match(t.as_bytes());
            assert_eq!(
                chains.is_match(t.as_bytes()).unwrap(),
                want,
                "{pat} on {t:?}"
            );
            assert_eq!(
                thawed.is_match(t.as_bytes()).unwrap(),
                want,
                "thawed {pat} on {t:?}"
            );
            n += usize::from(want);
        }
        n
    }

    #[test]
    fn byte_gaps_count_bytes_and_classes() {
        let pat = r"\brisks?\b[\s\S]{0,20}\b(?:cotton|cocoa)\b";
        let texts = [
            "risk of cotton",
            "risks: cocoa",
            "risk",
            "cotton risk",
            "risk 123456789012345678 cotton",
            "risk 1234567890123456789 cotton",
            "brisk cotton",
            "risk cottons",
            "risk risk risk cocoa",
            "risk.\ncotton",
        ];
        assert_eq!(agree(pat, &texts), 5);
        let pat =
            r"\b(?:low|high)[\s-]+risk\b[^.]{0,30}\bbecause\b|\bbecause\b[^.]{0,30}\blow\s+risk";
        let texts = [
            "low risk because",
            "low risk. because",
            "because it is low risk",
            "because. low risk",
            "high-risk sites, mostly because",
            "slow risk because",
            "low risk and then a lot more words here because",
        ];
        assert_eq!(agree(pat, &texts), 3);
    }

    #[test]
    fn word_gaps_count_words() {
        let pat = r"\b(?:identified|considered)\s+(?:\w+\s+){0,4}(?:as\s+)?(?:high)?[\s-]*risk";
        let texts = [
            "identified as high risk",
            "identified these two sites as high risk",
            "identified these three particular sites as high risk",
            "considered risk",
            "considered, risk",
            "considered  high-risk",
            "identified a b c d risk",
            "identified a b c d e risk",
            "identified a b c d e high risk",
            "identified a b c d as risk",
        ];
        assert_eq!(agree(pat, &texts), 7);
    }

    #[test]
    fn pieces_in_the_middle_and_anchors() {
        let pat = r"^\W*[^.]*\b(?:posters?|leaflets?)\b[^.]*$";
        let texts = [
            "We put up posters in every site",
            "Posters.",
            "We use leaflets. And more",
            "- leaflet",
            "no such thing",
        ];
        assert_eq!(agree(pat, &texts), 2);
        let pat = r"\bsourc\w*\s+(?:\w+\s+){0,4}from\s+(?:\w+\s+){0,4}(?:countries|suppliers)|\bbased\s+in\b";
        let texts = [
            "sourced from suppliers",
            "sourcing our raw goods from many other countries",
            "sourcing our raw goods and parts from many other countries",
            "sourcing from a few new distant countries",
            "sourcing from a b c d e countries",
            "we are based in Leeds",
            "source: from suppliers",
        ];
        assert_eq!(agree(pat, &texts), 4);
    }

    #[test]
    fn an_endless_run_without_a_full_stop_falls_back_to_the_whole_pattern() {
        let pat = r"^\W*[^.]*\b(?:posters?|leaflets?)\b[^.]*$";
        let hir = parse(&[ascii_escapes(pat)]).unwrap().remove(0);
        let chains = Chains::build(&split(&hir).unwrap()).unwrap();
        let long = "posters ".repeat(50_000);
        let started = std::time::Instant::now();
        assert!(matches!(
            chains.is_match(long.as_bytes()),
            Err(Undecided::Budget)
        ));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // A sentence is well within the allowance.
        assert!(chains.is_match(b"We put up posters.").is_ok());
        assert_eq!(agree(pat, &["We put up posters", "x. posters"]), 1);
    }

    #[test]
    fn a_gap_of_another_shape_is_not_split() {
        for pat in [r"risk(?:\s+\w+)?cotton", r"a(?:b\s+c)*d"] {
            let hir = parse(&[ascii_escapes(pat)]).unwrap().remove(0);
            assert!(split(&hir).is_none(), "{pat}");
        }
    }
}

//! Every pattern set's members tested against a sentence in as few passes
//! as their shapes allow. Sets whose patterns have no gap spanning words
//! are joined into one lazy DFA and scanned once; a set with such gaps
//! (`[\s\S]{0,140}`, `(?:\w+\s+){0,6}`, `[^.]*`) keeps its own DFA, because
//! joined gaps multiply the DFA's states: measured on real statements, all
//! sets in one DFA cost five times the determinisation of separate ones
//! (BENCHMARKS.md, "Checker").

use super::frozen::{self, FrozenError};
use super::sentence_set::{NFA_SIZE_LIMIT, SentenceSet, SetError};
use regex_syntax::hir::{Class, Hir, HirKind};

/// A repeat of more than this many items spanning a space is a gap.
const GAP_REPEATS: u32 = 3;

/// Where a set's members sit: in which DFA, from which pattern of it, and
/// from which id of the rulebook's [`Scan`] result.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    pub engine: SentenceSet,
    pub offset: usize,
    pub first: usize,
}

#[derive(Clone, Debug)]
struct Engine {
    set: SentenceSet,
    /// Id of its first pattern in a [`Scan`] result.
    base: usize,
}

/// The DFAs that together hold every set's members.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scan {
    engines: Vec<Engine>,
    /// Each set's place, in input order: (engine, offset, first, members).
    layout: Vec<[u32; 4]>,
}

/// One set's members (signals then look-alikes) ready for [`Scan::build`].
pub(crate) enum Members {
    /// Parsed, to be joined with the other sets without word-spanning gaps.
    Joinable(Vec<Hir>),
    /// A set with such gaps, built alone (with how many members it has).
    Alone(SentenceSet, usize),
    /// Not parsed: the scan is to be read from a frozen one. The patterns
    /// (rewritten by `pattern::ascii_escapes`) are kept in case it cannot be.
    Unparsed(Vec<String>),
}

impl Members {
    /// Sorts a set's parsed members: a set with word-spanning gaps is built
    /// now, on the caller's thread (the rulebook builds sets on all cores).
    pub fn new(hirs: Vec<Hir>) -> Result<Members, SetError> {
        Members::sort(hirs)
    }

    /// Parses and sorts members left unparsed.
    pub fn parsed(self) -> Result<Members, SetError> {
        match self {
            Members::Unparsed(patterns) => Members::sort(super::sentence_set::parse(&patterns)?),
            m => Ok(m),
        }
    }

    /// How many members the set has.
    pub fn len(&self) -> usize {
        match self {
            Members::Joinable(h) => h.len(),
            Members::Alone(_, n) => *n,
            Members::Unparsed(p) => p.len(),
        }
    }

    fn sort(hirs: Vec<Hir>) -> Result<Members, SetError> {
        if hirs.iter().any(spans_words) {
            let n = hirs.len();
            Ok(Members::Alone(
                SentenceSet::from_hirs(&hirs, NFA_SIZE_LIMIT)?,
                n,
            ))
        } else {
            Ok(Members::Joinable(hirs))
        }
    }
}

/// The joined build failed: the set (an index into the input) that cannot
/// be built alone, if one cannot.
#[derive(Debug)]
pub(crate) struct BuildError {
    pub set: Option<usize>,
    pub error: SetError,
}

impl Scan {
    /// Joins the joinable sets into one DFA and says where each set's
    /// members are, in input order.
    pub fn build(sets: Vec<Members>) -> Result<(Scan, Vec<Part>), BuildError> {
        let mut joined: Vec<Hir> = Vec::new();
        // (input index, members) of the joined sets, in order.
        let mut joined_sets: Vec<(usize, usize)> = Vec::new();
        let mut alone: Vec<(usize, SentenceSet, usize)> = Vec::new();
        for (i, m) in sets.into_iter().enumerate() {
            match m.parsed().map_err(|error| BuildError {
                set: Some(i),
                error,
            })? {
                Members::Joinable(hirs) => {
                    joined_sets.push((i, hirs.len()));
                    joined.extend(hirs);
                }
                Members::Alone(set, n) => alone.push((i, set, n)),
                Members::Unparsed(_) => unreachable!("parsed above"),
            }
        }
        let mut layout = vec![[0u32; 4]; joined_sets.len() + alone.len()];
        let mut engines = Vec::with_capacity(alone.len() + 1);
        // Ids: the joined sets first, then the others in order.
        let mut base = 0;
        if !joined_sets.is_empty() {
            let limit = NFA_SIZE_LIMIT.saturating_mul(joined_sets.len());
            let set = SentenceSet::from_hirs(&joined, limit)
                .map_err(|error| name_failure(&joined, &joined_sets, error))?;
            for &(i, n) in &joined_sets {
                layout[i] = [0, base as u32, base as u32, n as u32];
                base += n;
            }
            engines.push(Engine { set, base: 0 });
        }
        for (i, set, n) in alone {
            layout[i] = [engines.len() as u32, 0, base as u32, n as u32];
            engines.push(Engine { set, base });
            base += n;
        }
        let scan = Scan { engines, layout };
        let parts = scan.parts();
        Ok((scan, parts))
    }

    /// Each set's place, in input order.
    fn parts(&self) -> Vec<Part> {
        self.layout
            .iter()
            .map(|&[engine, offset, first, _]| Part {
                engine: self.engines[engine as usize].set.clone(),
                offset: offset as usize,
                first: first as usize,
            })
            .collect()
    }

    /// The scan as bytes for [`Scan::thaw`]: its NFAs and where each set is.
    pub fn freeze(&self) -> Result<Vec<u8>, FrozenError> {
        let mut out = Vec::new();
        frozen::put(&mut out, frozen::len32(self.engines.len())?);
        for e in &self.engines {
            frozen::put(&mut out, frozen::len32(e.base)?);
            let mut nfa = Vec::new();
            frozen::encode(e.set.nfa(), &mut nfa)?;
            frozen::put_bytes(&mut out, &nfa)?;
        }
        frozen::put(&mut out, frozen::len32(self.layout.len())?);
        for place in &self.layout {
            for v in place {
                frozen::put(&mut out, *v);
            }
        }
        Ok(out)
    }

    /// Reads a scan written by [`Scan::freeze`] for sets with `counts`
    /// members each, in order; an error if it was made for other sets.
    pub fn thaw(bytes: &[u8], counts: &[usize]) -> Result<(Scan, Vec<Part>), FrozenError> {
        let mut cur = frozen::Cursor::new(bytes);
        let n = cur.u32()? as usize;
        let mut frozen_engines = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let base = cur.u32()? as usize;
            frozen_engines.push((base, cur.take()?));
        }
        // The engines are read back on all cores, as they were compiled.
        let built = super::build_in_parallel(frozen_engines, |(base, bytes)| {
            let (nfa, used) = frozen::decode(bytes)?;
            if used != bytes.len() {
                return Err(FrozenError::Malformed("engine length"));
            }
            let set = SentenceSet::from_nfa(nfa)
                .map_err(|_| FrozenError::Malformed("engine does not build"))?;
            Ok::<_, FrozenError>(Engine { set, base })
        });
        let mut engines = Vec::with_capacity(built.len());
        let mut total = 0usize;
        for e in built {
            let e = e.ok_or(FrozenError::Malformed("engine read panicked"))??;
            if e.base != total {
                return Err(FrozenError::Malformed("engine base"));
            }
            total += e.set.len();
            engines.push(e);
        }
        if cur.u32()? as usize != counts.len() {
            return Err(FrozenError::Malformed("set count"));
        }
        let mut layout = Vec::with_capacity(counts.len());
        let mut seen = 0usize;
        for &count in counts {
            let place = [cur.u32()?, cur.u32()?, cur.u32()?, cur.u32()?];
            let [engine, offset, first, members] = place.map(|v| v as usize);
            let e = engines
                .get(engine)
                .ok_or(FrozenError::Malformed("engine index"))?;
            if members != count || offset + members > e.set.len() || first != e.base + offset {
                return Err(FrozenError::Malformed("set layout"));
            }
            seen += members;
            layout.push(place);
        }
        if !cur.at_end() || seen != total {
            return Err(FrozenError::Malformed("trailing bytes or unplaced members"));
        }
        let scan = Scan { engines, layout };
        let parts = scan.parts();
        Ok((scan, parts))
    }

    /// How many DFAs the sets are in.
    #[cfg(test)]
    pub fn dfas(&self) -> usize {
        self.engines.len()
    }

    /// Ids of the members matching somewhere in `haystack`, ascending.
    pub fn matches(&self, haystack: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        for e in &self.engines {
            // Most sentences match nothing in a DFA: the early-exit test is
            // much cheaper than the overlapping search that says which.
            if !e.set.is_match(haystack) {
                continue;
            }
            out.extend(e.set.matches(haystack).into_iter().map(|i| e.base + i));
        }
        out
    }
}

/// Which joined set cannot be built alone, if one cannot.
fn name_failure(joined: &[Hir], sets: &[(usize, usize)], error: SetError) -> BuildError {
    let mut at = 0;
    for &(i, n) in sets {
        if let Err(error) = SentenceSet::from_hirs(&joined[at..at + n], NFA_SIZE_LIMIT) {
            return BuildError {
                set: Some(i),
                error,
            };
        }
        at += n;
    }
    BuildError { set: None, error }
}

/// True when `hir` repeats, more than [`GAP_REPEATS`] times, something that
/// matches both a space and a letter: a gap that spans words.
fn spans_words(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Repetition(r) => {
            (r.max.is_none_or(|m| m > GAP_REPEATS)
                && matches_byte(&r.sub, b' ')
                && matches_byte(&r.sub, b'a'))
                || spans_words(&r.sub)
        }
        HirKind::Capture(c) => spans_words(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(spans_words),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => false,
    }
}

/// True when some part of `hir` can match the byte `b`.
fn matches_byte(hir: &Hir, b: u8) -> bool {
    match hir.kind() {
        HirKind::Literal(l) => l.0.contains(&b),
        HirKind::Class(Class::Bytes(c)) => {
            c.ranges().iter().any(|r| r.start() <= b && b <= r.end())
        }
        HirKind::Class(Class::Unicode(c)) => {
            let ch = char::from(b);
            c.ranges().iter().any(|r| r.start() <= ch && ch <= r.end())
        }
        HirKind::Repetition(r) => matches_byte(&r.sub, b),
        HirKind::Capture(c) => matches_byte(&c.sub, b),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(|h| matches_byte(h, b)),
        HirKind::Empty | HirKind::Look(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{pattern::ascii_escapes, sentence_set::parse};

    fn hirs(pats: &[&str]) -> Vec<Hir> {
        let pats: Vec<String> = pats.iter().map(|p| ascii_escapes(p)).collect();
        parse(&pats).unwrap()
    }

    #[test]
    fn gaps_that_span_words_are_found() {
        for gap in [
            r"risk[\s\S]{0,140}cotton",
            r"a.{0,80}b",
            r"zero\s+tolerance[^.]*$",
            r"the\s+(?:\w+\s+){0,6}policy",
            r"x(?:y|[^.]+)",
        ] {
            assert!(hirs(&[gap]).iter().any(spans_words), "{gap}");
        }
        for word in [
            r"\btrain\w*\s+staff\b",
            r"the\s+(?:\w+\s+){0,3}policy",
            r"\bpolic(?:y|ies)\b",
            r"[a-z]+-[a-z]+",
        ] {
            assert!(!hirs(&[word]).iter().any(spans_words), "{word}");
        }
    }

    #[test]
    fn joined_and_lone_sets_report_ascending_ids() {
        let members = |p: &[&str]| Members::new(hirs(p)).unwrap();
        let sets = vec![
            members(&[r"\bcat\b", r"\bdog\b"]),
            members(&[r"risk[\s\S]{0,20}cotton"]),
            members(&[r"\bbird\b"]),
        ];
        let (scan, parts) = Scan::build(sets).unwrap();
        // The first and last are joined (ids 0..3), the gap set alone (3).
        assert_eq!(scan.dfas(), 2);
        assert_eq!(
            parts
                .iter()
                .map(|p| (p.offset, p.first))
                .collect::<Vec<_>>(),
            vec![(0, 0), (0, 3), (2, 2)]
        );
        assert_eq!(
            scan.matches(b"a dog, a bird, risk of cotton"),
            vec![1, 2, 3]
        );
        assert_eq!(scan.matches(b"cat"), vec![0]);
        assert!(scan.matches(b"nothing").is_empty());
    }
}

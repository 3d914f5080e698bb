//! Every pattern set's members tested against a sentence in as few passes
//! as their shapes allow. Sets whose patterns have no gap spanning words
//! are joined into one lazy DFA and scanned once. A set with such gaps
//! (`[\s\S]{0,140}`, `(?:\w+\s+){0,6}`, `[^.]*`) gives each member a lazy
//! DFA of its own, walked only when the sentence holds the words the member
//! cannot match without (`gate`): joined, gaps multiply DFA states, and a
//! set's DFA of several gapped members grew tables of megabytes whose cache
//! misses were most of the scan's wall time (BENCHMARKS.md, "Checker").

use super::chain::{self, Chains};
use super::frozen::{self, Deferred, FrozenError};
use super::gate::{self, Factor};
use super::sentence_set::{NFA_SIZE_LIMIT, SentenceSet, SetError};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::collections::HashMap;
use std::sync::Arc;

/// How much of a text [`Scan::prepare`] looks at to guess which automata
/// to read ahead.
const PREPARE_BYTES: usize = 256 << 10;

/// A repeat of more than this many items spanning a space is a gap.
pub(crate) const GAP_REPEATS: u32 = 3;

/// Where a set's members are in the rulebook's [`Scan`]: ids `first ..
/// first + len` of its result.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    scan: Scan,
    pub first: usize,
    len: usize,
}

impl Part {
    /// Ids (as in a whole scan) of this set's members matching somewhere
    /// in `haystack`, ascending; only the DFAs holding them are walked.
    pub fn matches(&self, haystack: &[u8]) -> Vec<usize> {
        self.scan
            .matches_in(haystack, self.first..self.first + self.len)
    }
}

struct Engine {
    /// Compiled, or frozen and read back when first walked.
    set: Deferred<SentenceSet>,
    /// Id of its first pattern in a [`Scan`] result.
    base: usize,
    /// How many patterns it holds.
    len: usize,
    /// Necessary words of its one pattern (none for the joined DFA).
    factors: Vec<Factor>,
    /// Its one pattern in gapless pieces, when it splits: then the DFA
    /// above is used only if a piece's DFA gives up.
    chains: Option<Chains>,
}

/// The DFAs that together hold every set's members (cheap to clone).
#[derive(Clone, Default)]
pub(crate) struct Scan(Arc<Engines>);

#[derive(Default)]
struct Engines {
    list: Vec<Engine>,
    /// Each set's (first id, members), in input order.
    sets: Vec<[u32; 2]>,
    /// Built on first use: a one-shot check builds it on the thread that
    /// reads the automata back ([`Scan::prepare`]), off the main one.
    words: std::sync::OnceLock<Option<Words>>,
    /// Each set's patterns, when the scan was thawed: what an engine is
    /// compiled from should its frozen NFA not read back.
    sources: Vec<Vec<String>>,
    /// Set by the first [`Scan::prepare`].
    prepared: std::sync::atomic::AtomicBool,
    /// Calls of [`Scan::prepare`]: statements checked, as it is called
    /// once for each.
    statements: std::sync::atomic::AtomicU32,
}

/// Statements a process checks before its word pass is rebuilt as a DFA.
const WORDS_DFA_AFTER: u32 = 8;

/// One pass finding every engine's necessary words. An Aho–Corasick
/// contiguous NFA at first: its DFA form cost 17.5 M instructions to build,
/// a sixth of a one-shot `s54 check` (BENCHMARKS.md, "Checker", stop 15).
/// A process that goes on to check more statements (the registry, a crawl)
/// builds the DFA once, at the [`WORDS_DFA_AFTER`]th, and scans with it at
/// half the cost (stop 18).
struct Words {
    ac: AhoCorasick,
    /// The same words as a DFA, once built.
    dfa: std::sync::OnceLock<AhoCorasick>,
    words: Vec<Vec<u8>>,
    /// For each word: the engines needing it and which factor of each.
    uses: Vec<Vec<(u32, u8)>>,
    /// For each engine: the factor bits it needs (0: walked always).
    need: Vec<u8>,
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scan({} DFAs)", self.0.list.len())
    }
}

/// One set's members (signals then look-alikes) ready for [`Scan::build`].
pub(crate) enum Members {
    /// Parsed, to be joined with the other sets without word-spanning gaps.
    Joinable(Vec<Hir>),
    /// A set with such gaps: each member built alone, with its necessary
    /// words and its gapless pieces.
    Alone(Vec<Lone>),
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

    /// The patterns of a set left unparsed.
    pub fn unparsed(&self) -> Option<&[String]> {
        match self {
            Members::Unparsed(p) => Some(p),
            _ => None,
        }
    }

    fn sort(hirs: Vec<Hir>) -> Result<Members, SetError> {
        if hirs.iter().any(spans_words) {
            let built = hirs
                .iter()
                .map(|h| {
                    let set = SentenceSet::from_hirs(std::slice::from_ref(h), NFA_SIZE_LIMIT)?;
                    // A pattern whose pieces do not build is matched whole.
                    let chains = chain::split(h).and_then(|s| Chains::build(&s).ok());
                    Ok(Lone {
                        set,
                        factors: gate::factors(h),
                        chains,
                    })
                })
                .collect::<Result<Vec<_>, SetError>>()?;
            Ok(Members::Alone(built))
        } else {
            Ok(Members::Joinable(hirs))
        }
    }
}

/// A member of a set with word-spanning gaps, built alone.
pub(crate) struct Lone {
    set: SentenceSet,
    factors: Vec<Factor>,
    chains: Option<Chains>,
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
        let mut alone: Vec<(usize, Vec<Lone>)> = Vec::new();
        for (i, m) in sets.into_iter().enumerate() {
            match m.parsed().map_err(|error| BuildError {
                set: Some(i),
                error,
            })? {
                Members::Joinable(hirs) => {
                    joined_sets.push((i, hirs.len()));
                    joined.extend(hirs);
                }
                Members::Alone(members) => alone.push((i, members)),
                Members::Unparsed(_) => unreachable!("parsed above"),
            }
        }
        let mut sets = vec![[0u32; 2]; joined_sets.len() + alone.len()];
        let mut list = Vec::new();
        // Ids: the joined sets first, then the others in order.
        let mut base = 0;
        if !joined_sets.is_empty() {
            let limit = NFA_SIZE_LIMIT.saturating_mul(joined_sets.len());
            let set = SentenceSet::from_hirs(&joined, limit)
                .map_err(|error| name_failure(&joined, &joined_sets, error))?;
            for &(i, n) in &joined_sets {
                sets[i] = [base as u32, n as u32];
                base += n;
            }
            list.push(Engine {
                len: set.len(),
                set: Deferred::ready(set),
                base: 0,
                factors: Vec::new(),
                chains: None,
            });
        }
        for (i, members) in alone {
            sets[i] = [base as u32, members.len() as u32];
            for m in members {
                list.push(Engine {
                    len: m.set.len(),
                    set: Deferred::ready(m.set),
                    base,
                    factors: m.factors,
                    chains: m.chains,
                });
                base += 1;
            }
        }
        Ok(Scan::assemble(list, sets, Vec::new()))
    }

    fn assemble(
        list: Vec<Engine>,
        sets: Vec<[u32; 2]>,
        sources: Vec<Vec<String>>,
    ) -> (Scan, Vec<Part>) {
        let scan = Scan(Arc::new(Engines {
            list,
            sets,
            words: std::sync::OnceLock::new(),
            sources,
            prepared: std::sync::atomic::AtomicBool::new(false),
            statements: std::sync::atomic::AtomicU32::new(0),
        }));
        let parts = scan
            .0
            .sets
            .iter()
            .map(|&[first, len]| Part {
                scan: scan.clone(),
                first: first as usize,
                len: len as usize,
            })
            .collect();
        (scan, parts)
    }

    /// The scan as bytes for [`Scan::thaw`]: its NFAs, their words and
    /// where each set is.
    pub fn freeze(&self) -> Result<Vec<u8>, FrozenError> {
        let mut out = Vec::new();
        frozen::put(&mut out, frozen::len32(self.0.list.len())?);
        for e in &self.0.list {
            frozen::put(&mut out, frozen::len32(e.base)?);
            let set = e
                .set
                .built()
                .ok_or(FrozenError::Malformed("a thawed scan is frozen again"))?;
            let mut nfa = Vec::new();
            frozen::encode(set.nfa(), &mut nfa)?;
            frozen::put_bytes(&mut out, &nfa)?;
            frozen::put(&mut out, frozen::len32(e.factors.len())?);
            for f in &e.factors {
                frozen::put(&mut out, frozen::len32(f.len())?);
                for word in f {
                    frozen::put_bytes(&mut out, word)?;
                }
            }
            match &e.chains {
                None => out.push(0),
                Some(c) => {
                    out.push(1);
                    c.freeze(&mut out)?;
                }
            }
        }
        frozen::put(&mut out, frozen::len32(self.0.sets.len())?);
        for place in &self.0.sets {
            for v in place {
                frozen::put(&mut out, *v);
            }
        }
        Ok(out)
    }

    /// Reads a scan written by [`Scan::freeze`] for `sources` (each set's
    /// patterns, as compiled, in order); an error if it was made for other
    /// sets. Only its layout is read now: each engine's NFA is read back
    /// when a sentence first needs it, and compiled from `sources` should
    /// that fail.
    pub fn thaw(
        bytes: &'static [u8],
        sources: Vec<Vec<String>>,
    ) -> Result<(Scan, Vec<Part>), FrozenError> {
        let mut cur = frozen::Cursor::new(bytes);
        let n = cur.u32()? as usize;
        let mut list: Vec<Engine> = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let base = cur.u32()? as usize;
            let nfa = cur.take()?;
            let k = cur.u32()? as usize;
            if k > gate::MAX_FACTORS {
                return Err(FrozenError::Malformed("factor count"));
            }
            let mut factors = Vec::with_capacity(k);
            for _ in 0..k {
                let words = cur.u32()? as usize;
                let mut f = Vec::with_capacity(words.min(64));
                for _ in 0..words {
                    let w = cur.take()?;
                    if w.is_empty() {
                        return Err(FrozenError::Malformed("empty word"));
                    }
                    f.push(w.to_vec());
                }
                if f.is_empty() {
                    return Err(FrozenError::Malformed("empty factor"));
                }
                factors.push(f);
            }
            let chains = match cur.u8()? {
                0 => None,
                1 => Some(Chains::thaw(&mut cur)?),
                _ => return Err(FrozenError::Malformed("chains flag")),
            };
            // Its pattern count is where the next engine starts.
            match list.last_mut() {
                Some(prev) if base > prev.base => prev.len = base - prev.base,
                None if base == 0 => {}
                _ => return Err(FrozenError::Malformed("engine base")),
            }
            list.push(Engine {
                set: Deferred::frozen(nfa),
                base,
                len: 0,
                factors,
                chains,
            });
        }
        if cur.u32()? as usize != sources.len() {
            return Err(FrozenError::Malformed("set count"));
        }
        let total: usize = sources.iter().map(Vec::len).sum();
        if let Some(last) = list.last_mut() {
            last.len = total
                .checked_sub(last.base)
                .filter(|&n| n > 0)
                .ok_or(FrozenError::Malformed("engine base"))?;
        }
        for e in &list {
            if (!e.factors.is_empty() || e.chains.is_some()) && e.len != 1 {
                return Err(FrozenError::Malformed("words for a joined engine"));
            }
        }
        let mut sets = Vec::with_capacity(sources.len());
        let mut seen = 0usize;
        for patterns in &sources {
            let place = [cur.u32()?, cur.u32()?];
            let [first, members] = place.map(|v| v as usize);
            if members != patterns.len() || first.saturating_add(members) > total {
                return Err(FrozenError::Malformed("set layout"));
            }
            seen += members;
            sets.push(place);
        }
        if !cur.at_end() || seen != total {
            return Err(FrozenError::Malformed("trailing bytes or unplaced members"));
        }
        Ok(Scan::assemble(list, sets, sources))
    }

    /// Engine `i`'s DFA: read back from its frozen NFA the first time, or
    /// compiled from its patterns if that fails. `None` only if neither
    /// works, which the sealed file and the tests rule out.
    fn engine_set(&self, i: usize) -> Option<&SentenceSet> {
        let e = &self.0.list[i];
        e.set.get(|bytes| {
            let read = frozen::decode(bytes).and_then(|(nfa, used)| {
                if used != bytes.len() {
                    return Err(FrozenError::Malformed("engine length"));
                }
                SentenceSet::from_nfa(nfa)
                    .map_err(|_| FrozenError::Malformed("engine does not build"))
            });
            match read {
                Ok(set) if set.len() == e.len => Some(set),
                Ok(_) => self.compile_engine(i, "pattern count"),
                Err(err) => self.compile_engine(i, &err.to_string()),
            }
        })
    }

    /// Compiles engine `i` from its sets' patterns, each set parsed in its
    /// own mode, as [`Scan::build`] does.
    fn compile_engine(&self, i: usize, why: &str) -> Option<SentenceSet> {
        tracing::warn!("frozen pattern set engine {i} unusable ({why}); compiling it");
        let e = &self.0.list[i];
        let ids = e.base..e.base + e.len;
        let mut hirs: Vec<(usize, Hir)> = Vec::with_capacity(e.len);
        for (&[first, n], patterns) in self.0.sets.iter().zip(&self.0.sources) {
            let first = first as usize;
            if first + (n as usize) <= ids.start || first >= ids.end {
                continue;
            }
            let parsed = super::sentence_set::parse(patterns).ok()?;
            hirs.extend(
                parsed
                    .into_iter()
                    .enumerate()
                    .map(|(k, h)| (first + k, h))
                    .filter(|(id, _)| ids.contains(id)),
            );
        }
        hirs.sort_by_key(|(id, _)| *id);
        let hirs: Vec<Hir> = hirs.into_iter().map(|(_, h)| h).collect();
        if hirs.len() != e.len {
            tracing::error!("pattern set engine {i} has no patterns to compile");
            return None;
        }
        let limit = NFA_SIZE_LIMIT.saturating_mul(e.len);
        SentenceSet::from_hirs(&hirs, limit)
            .inspect_err(|err| tracing::error!("pattern set engine {i} does not compile: {err}"))
            .ok()
    }

    /// The pass finding every engine's necessary words (`None` when no
    /// engine has any).
    fn words(&self) -> Option<&Words> {
        self.0
            .words
            .get_or_init(|| Words::new(&self.0.list))
            .as_ref()
    }

    /// Engines a sentence of `text` may walk whose automata are still
    /// frozen: those whose necessary words are all somewhere in it.
    fn pending_for(&self, text: &[u8]) -> Vec<usize> {
        let words = self.words();
        let seen = words.map(|w| w.seen(text));
        self.0
            .list
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                let needed = match (words, &seen) {
                    (Some(words), Some(seen)) => seen[*i] == words.need[*i],
                    _ => true,
                };
                needed
                    && match &e.chains {
                        Some(c) => c.pending(),
                        None => e.set.pending(),
                    }
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The first time it is called, and if automata are still frozen
    /// (the first statement a process checks), starts reading back on
    /// another thread, with the word pass they are gated by, those that
    /// sentences of `text` may walk, and says so: reading them then overlaps
    /// the detectors that run before the scan, which waits only for one it
    /// reaches first. Later calls do nothing and say false: an automaton
    /// left frozen is read when a sentence first needs it.
    pub fn prepare(&self, text: &[u8]) -> bool {
        use std::sync::atomic::Ordering;
        let checked = self.0.statements.fetch_add(1, Ordering::Relaxed);
        if checked.saturating_add(1) == WORDS_DFA_AFTER
            && let Some(words) = self.words()
        {
            words.build_dfa();
        }
        if self.0.prepared.swap(true, Ordering::Relaxed) {
            return false;
        }
        let frozen = |e: &Engine| match &e.chains {
            Some(c) => c.pending(),
            None => e.set.pending(),
        };
        if !self.0.list.iter().any(frozen) {
            return false;
        }
        let scan = self.clone();
        // A guess at what the scan will need, so its start is enough: a
        // huge text needs nearly every automaton anyway, and is not copied.
        let text = text[..text.len().min(PREPARE_BYTES)].to_vec();
        let spawned = std::thread::Builder::new()
            .name("s54-thaw".into())
            .spawn(move || {
                let pending = scan.pending_for(&text);
                for i in pending {
                    match &scan.0.list[i].chains {
                        Some(c) => c.read_all(),
                        None => {
                            scan.engine_set(i);
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            // The scan reads them itself when it reaches them.
            tracing::debug!("no thread to read the pattern sets ahead: {e}");
        }
        true
    }

    /// How many DFAs the sets are in.
    #[cfg(test)]
    pub fn dfas(&self) -> usize {
        self.0.list.len()
    }

    /// How many members are matched in gapless pieces.
    #[cfg(test)]
    pub fn split_members(&self) -> usize {
        self.0.list.iter().filter(|e| e.chains.is_some()).count()
    }

    /// Ids of the members matching somewhere in `haystack`, ascending.
    pub fn matches(&self, haystack: &[u8]) -> Vec<usize> {
        self.matches_in(haystack, 0..usize::MAX)
    }

    /// Ids in `wanted` of the members matching somewhere in `haystack`,
    /// ascending.
    fn matches_in(&self, haystack: &[u8], wanted: std::ops::Range<usize>) -> Vec<usize> {
        let mut out = Vec::new();
        let words = self.words();
        let seen = words.map(|w| w.seen(haystack));
        for (i, e) in self.0.list.iter().enumerate() {
            let end = e.base + e.len;
            if end <= wanted.start || e.base >= wanted.end {
                continue;
            }
            if let (Some(words), Some(seen)) = (words, &seen)
                && seen[i] != words.need[i]
            {
                continue;
            }
            if let Some(chains) = &e.chains {
                let hit = match chains.is_match(haystack) {
                    Ok(hit) => hit,
                    Err(_) => self.engine_set(i).is_some_and(|s| s.is_match(haystack)),
                };
                if hit {
                    out.push(e.base);
                }
                continue;
            }
            let Some(set) = self.engine_set(i) else {
                continue;
            };
            // Most sentences match nothing in a DFA: the early-exit test is
            // much cheaper than the overlapping search that says which.
            if !set.is_match(haystack) {
                continue;
            }
            if e.len == 1 {
                out.push(e.base);
            } else {
                out.extend(
                    set.matches(haystack)
                        .into_iter()
                        .map(|m| e.base + m)
                        .filter(|m| wanted.contains(m)),
                );
            }
        }
        out
    }
}

impl Words {
    fn new(list: &[Engine]) -> Option<Words> {
        // Lowercased here and in the haystack: an automaton of both cases
        // cost four times as much to build (BENCHMARKS.md, stop 16).
        let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut words: Vec<Vec<u8>> = Vec::new();
        let mut uses: Vec<Vec<(u32, u8)>> = Vec::new();
        let mut need = vec![0u8; list.len()];
        for (i, e) in list.iter().enumerate() {
            for (k, f) in e.factors.iter().enumerate() {
                let bit = 1u8 << k;
                need[i] |= bit;
                for w in f {
                    let w = w.to_ascii_lowercase();
                    let id = *ids.entry(w.clone()).or_insert_with(|| {
                        words.push(w);
                        uses.push(Vec::new());
                        words.len() - 1
                    });
                    uses[id].push((i as u32, bit));
                }
            }
        }
        if words.is_empty() {
            return None;
        }
        let ac = Words::automaton(&words, AhoCorasickKind::ContiguousNFA)?;
        Some(Words {
            ac,
            dfa: std::sync::OnceLock::new(),
            words,
            uses,
            need,
        })
    }

    fn automaton(words: &[Vec<u8>], kind: AhoCorasickKind) -> Option<AhoCorasick> {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(words)
            .inspect_err(|e| tracing::warn!("the word pass does not build as {kind:?}: {e}"))
            .ok()
    }

    /// Builds the DFA form; the NFA scans on if it does not build.
    fn build_dfa(&self) {
        if let Some(dfa) = Words::automaton(&self.words, AhoCorasickKind::DFA) {
            let _ = self.dfa.set(dfa);
        }
    }

    /// For each engine, the bits of its factors `haystack` satisfies.
    fn seen(&self, haystack: &[u8]) -> Vec<u8> {
        let mut seen = vec![0u8; self.need.len()];
        let lower = haystack.to_ascii_lowercase();
        let ac = self.dfa.get().unwrap_or(&self.ac);
        for m in ac.find_overlapping_iter(&lower) {
            for &(engine, bit) in &self.uses[m.pattern().as_usize()] {
                seen[engine as usize] |= bit;
            }
        }
        seen
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
pub(crate) fn spans_words(hir: &Hir) -> bool {
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
pub(crate) fn matches_byte(hir: &Hir, b: u8) -> bool {
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
            parts.iter().map(|p| p.first).collect::<Vec<_>>(),
            vec![0, 3, 2]
        );
        assert_eq!(
            scan.matches(b"a dog, a bird, risk of cotton"),
            vec![1, 2, 3]
        );
        assert_eq!(parts[0].matches(b"a dog, a bird, risk of cotton"), vec![1]);
        assert_eq!(parts[1].matches(b"a dog, a bird, risk of cotton"), vec![3]);
        // The gap set's words are missing: its DFA is not walked.
        assert!(parts[1].matches(b"a risk of wool").is_empty());
        assert_eq!(scan.matches(b"cat"), vec![0]);
        assert!(scan.matches(b"nothing").is_empty());
    }

    /// Three sets (joined, gapped and split, gapped alone), their scan
    /// compiled, and the patterns as [`Scan::thaw`] takes them.
    fn three_sets() -> (Scan, Vec<Vec<String>>) {
        let sources: Vec<Vec<String>> = [
            vec![r"\bcat\b", r"\bdog\b"],
            vec![r"\brisks?\b[\s\S]{0,20}\bcotton\b"],
            vec![r"\bsupply\s+(?:\w+\s+){0,4}chains?\b"],
        ]
        .iter()
        .map(|set| set.iter().map(|p| ascii_escapes(p)).collect())
        .collect();
        let members = sources
            .iter()
            .map(|p| Members::new(parse(p).unwrap()).unwrap())
            .collect();
        (Scan::build(members).unwrap().0, sources)
    }

    const TEXTS: [&str; 5] = [
        "a dog and a cat",
        "the risk of forced labour in cotton",
        "our supply of many goods chain",
        "a risk, a dog, our supply chains",
        "nothing at all",
    ];

    #[test]
    fn a_thawed_scan_reads_each_automaton_when_first_needed() {
        let (compiled, sources) = three_sets();
        let frozen: &'static [u8] = compiled.freeze().unwrap().leak();
        let (thawed, _) = Scan::thaw(frozen, sources).unwrap();
        let still_frozen = |s: &Scan| {
            s.0.list
                .iter()
                .map(|e| match &e.chains {
                    Some(c) => c.pending(),
                    None => e.set.pending(),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(still_frozen(&thawed), vec![true; 3]);
        // No sentence so far holds the gapped sets' words.
        assert_eq!(thawed.matches(b"a dog and a cat"), vec![0, 1]);
        assert_eq!(still_frozen(&thawed), vec![false, true, true]);
        for t in TEXTS {
            assert_eq!(
                thawed.matches(t.as_bytes()),
                compiled.matches(t.as_bytes()),
                "{t}"
            );
        }
        assert_eq!(still_frozen(&thawed), vec![false; 3]);
    }

    #[test]
    fn the_word_pass_becomes_a_dfa_after_some_statements_and_finds_the_same() {
        let (scan, _) = three_sets();
        let before: Vec<Vec<usize>> = TEXTS.iter().map(|t| scan.matches(t.as_bytes())).collect();
        let words = scan.words().unwrap();
        for n in 1..WORDS_DFA_AFTER {
            scan.prepare(b"a statement");
            assert!(words.dfa.get().is_none(), "built after {n}");
        }
        scan.prepare(b"a statement");
        assert!(words.dfa.get().is_some());
        let after: Vec<Vec<usize>> = TEXTS.iter().map(|t| scan.matches(t.as_bytes())).collect();
        assert_eq!(before, after);
        // "a risk" without "cotton": the gapped member is not walked.
        assert_eq!(after[3], vec![1, 3]);
        assert!(after[4].is_empty());
    }

    #[test]
    fn an_engine_that_does_not_read_back_is_compiled_from_its_patterns() {
        let (compiled, sources) = three_sets();
        let mut bytes = compiled.freeze().unwrap();
        // The joined engine's NFA starts after the engine count, its base
        // and its length; its state count (the fifth word) now promises
        // records that are not there.
        bytes[12 + 16..12 + 20].copy_from_slice(&u32::MAX.to_le_bytes());
        let frozen: &'static [u8] = bytes.leak();
        let (thawed, _) = Scan::thaw(frozen, sources).unwrap();
        for t in TEXTS {
            assert_eq!(
                thawed.matches(t.as_bytes()),
                compiled.matches(t.as_bytes()),
                "{t}"
            );
        }
    }

    #[test]
    fn only_the_first_preparation_of_a_frozen_scan_reads_ahead() {
        let (compiled, sources) = three_sets();
        // A compiled scan has nothing to read.
        assert!(!compiled.prepare(TEXTS[3].as_bytes()));
        let frozen: &'static [u8] = compiled.freeze().unwrap().leak();
        let (thawed, _) = Scan::thaw(frozen, sources).unwrap();
        assert!(thawed.prepare(TEXTS[3].as_bytes()));
        assert!(!thawed.prepare(TEXTS[3].as_bytes()));
        // Whether or not the reading thread got there first, the answers
        // are the compiled scan's.
        for t in TEXTS {
            assert_eq!(
                thawed.matches(t.as_bytes()),
                compiled.matches(t.as_bytes()),
                "{t}"
            );
        }
    }
}

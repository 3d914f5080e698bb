//! How rule patterns become regexes. Patterns are written as a reader
//! expects (`\b`, `\w`, `\s`, `\d`); they are compiled with the ASCII
//! meaning of those escapes (`(?-u:\b)` …) for two reasons, both measured
//! (BENCHMARKS.md, "Checker"): a Unicode `\b` makes the regex crate's lazy
//! DFA give up at the first non-ASCII byte (a curly quote, a £ sign) and
//! fall back to an engine ~10× slower; and Unicode `\w`/`\s` classes inside
//! bounded repeats (`(?:\w+\s+){0,5}`) make the rulebook take about a second
//! to compile, longer than checking a PDF. Statements are English and
//! extraction folds Unicode spaces to ASCII ones, so the meanings agree on
//! them; an ASCII boundary or class can never split a UTF-8 character.

use super::frozen::Deferred;
use regex::{Regex, RegexBuilder};
use regex_automata::{
    Anchored, Input, Match, MatchError, MatchKind, hybrid, meta,
    nfa::thompson::{
        self, NFA, WhichCaptures,
        backtrack::{self, BoundedBacktracker},
        pikevm::{self, PikeVM},
    },
    util::{captures::Captures, iter, pool::Pool, prefilter::Prefilter, syntax},
};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

/// Rewrites `\b`, `\w`, `\s` and `\d` to their ASCII forms (inside a
/// character class, `\w`, `\s` and `\d` become their ASCII ranges);
/// everything else is kept byte for byte. `\B`, `\W`, `\S` and `\D` stay
/// Unicode: their ASCII forms could match inside a UTF-8 character.
pub fn ascii_escapes(pat: &str) -> String {
    // A byte scan that copies the runs between `\`, `[` and `]`: loading
    // the built-in rules rewrites ~2,000 patterns (BENCHMARKS.md,
    // "Whole-process", stop 17). All three are ASCII, so a run never splits
    // a character.
    let bytes = pat.as_bytes();
    let mut out = String::with_capacity(pat.len() + 16);
    let mut class_depth = 0usize;
    let (mut copied, mut at) = (0, 0);
    while let Some(found) = memchr::memchr3(b'\\', b'[', b']', &bytes[at..]) {
        let i = at + found;
        at = i + 1;
        match bytes[i] {
            b'\\' => {
                let next = pat[i + 1..].chars().next();
                let ascii: Option<&str> = match (next, class_depth) {
                    (Some('b'), 0) => Some("(?-u:\\b)"),
                    (Some('w'), 0) => Some("(?-u:\\w)"),
                    (Some('s'), 0) => Some("(?-u:\\s)"),
                    (Some('d'), 0) => Some("(?-u:\\d)"),
                    (Some('w'), _) => Some("a-zA-Z0-9_"),
                    (Some('s'), _) => Some(r"\x20\t\n\r\x0B\x0C"),
                    (Some('d'), _) => Some("0-9"),
                    _ => None,
                };
                // The escaped character is taken with its backslash.
                at += next.map_or(0, char::len_utf8);
                if let Some(ascii) = ascii {
                    out.push_str(&pat[copied..i]);
                    out.push_str(ascii);
                    copied = at;
                }
            }
            b'[' => class_depth += 1,
            _ => class_depth = class_depth.saturating_sub(1),
        }
    }
    out.push_str(&pat[copied..]);
    out
}

/// Checks a rule pattern's syntax (parsing only: much cheaper than
/// building it; what parsing cannot see, the build of its set reports).
pub fn check(pat: &str) -> Result<(), regex_syntax::ast::Error> {
    regex_syntax::ast::parse::Parser::new()
        .parse(&ascii_escapes(pat))
        .map(drop)
}

/// Regex program size limits: generous, so a lawyer's long alternation
/// builds, but bounded, so a runaway repeat is a clear error.
const SIZE_LIMIT: usize = 1 << 24;

/// Builds `pat` (already rewritten by [`ascii_escapes`]) as a `regex`
/// crate `Regex`, with Unicode mode off when the pattern allows it, else on.
/// Only for the Markdown clean-up, which needs `replace_all`; the scorer's
/// own patterns are [`Fixed`].
fn build_str(pat: &str) -> Result<Regex, regex::Error> {
    let build = |unicode: bool| {
        RegexBuilder::new(pat)
            .unicode(unicode)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(SIZE_LIMIT)
            .build()
    };
    build(false).or_else(|_| build(true))
}

/// A case-insensitive rule pattern (`(?-i)` inside turns that off), for
/// the lexicon's word lists and the sets' topics: the detectors ask whether
/// and where it matches, never for groups.
pub fn compile(pat: &str) -> Result<RulePattern, PatternError> {
    compile_escaped(&ascii_escapes(pat))
}

/// [`compile`] for a pattern already rewritten by [`ascii_escapes`].
pub(crate) fn compile_escaped(pat: &str) -> Result<RulePattern, PatternError> {
    RulePattern::new(pat)
}

/// A rule pattern that does not build.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

type CacheFn = Box<dyn Fn() -> Caches + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// One search's scratch space: the lazy DFAs' and, made on first need,
/// the group readers'.
struct Caches {
    forward: hybrid::dfa::Cache,
    /// Made at the first search that needs a match's start.
    reverse: Option<hybrid::dfa::Cache>,
    pikevm: Option<pikevm::Cache>,
    backtrack: Option<backtrack::Cache>,
}

impl Caches {
    fn pikevm(&mut self, vm: &PikeVM) -> &mut pikevm::Cache {
        self.pikevm.get_or_insert_with(|| vm.create_cache())
    }

    fn backtrack(&mut self, bt: &BoundedBacktracker) -> &mut backtrack::Cache {
        self.backtrack.get_or_insert_with(|| bt.create_cache())
    }
}

/// A pattern compiled: its forward NFA (with its groups), its reverse NFA,
/// whether it needed Unicode mode, and its [`Shape`].
pub(crate) struct Nfas {
    pub forward: NFA,
    pub reverse: NFA,
    pub unicode: bool,
    pub shape: Shape,
}

/// What a pattern's syntax says of every match, to skip a search that
/// cannot match, as the `meta` engine does (a title word tested against
/// `^(?:Mr|Mrs|…)$` is refused by its length). The default says nothing.
/// (`meta` also searches a pattern anchored only at its end backwards from
/// the end; on the scorer's short leads that was measured slower.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    /// Every match starts at the haystack's start (`^`).
    pub anchored_start: bool,
    /// Every match ends at the haystack's end (`$`).
    pub anchored_end: bool,
}

impl Shape {
    fn of(hir: &regex_syntax::hir::Hir) -> Shape {
        use regex_syntax::hir::Look;
        let props = hir.properties();
        let len = |n: Option<usize>| n.and_then(|n| u32::try_from(n).ok());
        Shape {
            min_len: len(props.minimum_len()),
            max_len: len(props.maximum_len()),
            anchored_start: props.look_set_prefix().contains(Look::Start),
            anchored_end: props.look_set_suffix().contains(Look::End),
        }
    }

    /// True when no match can be found in `input` (`meta`'s test).
    fn impossible(&self, input: &Input<'_>) -> bool {
        let span = input.get_span().len();
        let len = |n: u32| n as usize;
        (input.start() > 0 && self.anchored_start)
            || (input.end() < input.haystack().len() && self.anchored_end)
            || self.min_len.is_some_and(|n| span < len(n))
            || ((self.anchored_start || input.get_anchored().is_anchored())
                && self.anchored_end
                && self.max_len.is_some_and(|n| span > len(n)))
    }
}

/// How a pattern's NFAs are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// A rule pattern: case-insensitive; only where it matches is asked.
    Rule,
    /// A built-in pattern ([`Fixed`]): case-insensitive only if it says
    /// so, with every group, and free to match bytes that are not UTF-8.
    Fixed { case_insensitive: bool },
}

/// A compiled rule pattern: a forward and a reverse lazy DFA (the end of a
/// match, then its start), built from two NFAs that can be frozen ahead of
/// time (`rules::frozen`). No literal prefilter: word lists are
/// alternations of short, case-folded words, whose prefilter (many
/// two-byte fingerprints) flagged nearly every position of a statement and
/// cost more than the lazy DFA scan it was meant to skip, and building it
/// was a third of the rulebook's compile time (BENCHMARKS.md, "Checker").
#[derive(Clone)]
pub struct RulePattern(Arc<Compiled>);

struct Compiled {
    /// The pattern as compiled (after [`ascii_escapes`]).
    source: Box<str>,
    flavour: Flavour,
    shape: Shape,
    /// A literal prefilter's needles (none if empty).
    prefixes: Vec<Vec<u8>>,
    /// Built now, or thawed: read back from its frozen NFAs when first
    /// searched (compiled from `source` should that fail).
    searcher: Deferred<Searcher>,
}

struct Searcher {
    forward: hybrid::dfa::DFA,
    /// The reverse lazy DFA, finding where a match starts: built when a
    /// search first needs one. A pattern only asked whether it matches, or
    /// how often, never reads its reverse NFA back (stop 18).
    reverse: std::sync::OnceLock<Option<hybrid::dfa::DFA>>,
    reverse_from: ReverseFrom,
    caches: Pool<Caches, CacheFn>,
    /// Reads a match's groups, and searches if the lazy DFAs give up (a
    /// Unicode `\B` on non-ASCII text): a wrong "no match" would be a wrong
    /// finding.
    pikevm: PikeVM,
    /// Reads a short match's groups faster than the PikeVM (as `meta` does).
    backtrack: BoundedBacktracker,
}

/// Where a searcher's reverse NFA comes from.
enum ReverseFrom {
    Built(NFA),
    /// Its frozen bytes, read back when first needed (and the pattern
    /// compiled again should they not read back).
    Frozen(&'static [u8]),
}

impl std::fmt::Debug for RulePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RulePattern({:?})", self.0.source)
    }
}

impl RulePattern {
    /// Builds `pat` (already rewritten by [`ascii_escapes`]) in byte mode
    /// when it allows, else with Unicode on.
    fn new(pat: &str) -> Result<RulePattern, PatternError> {
        let nfas = RulePattern::nfas(pat, Flavour::Rule)?;
        RulePattern::from_nfas(pat, nfas.forward, nfas.reverse)
    }

    /// The forward and reverse NFAs of `pat`, in byte mode when it allows
    /// (else Unicode mode).
    pub(crate) fn nfas(pat: &str, flavour: Flavour) -> Result<Nfas, PatternError> {
        let (case_insensitive, groups) = match flavour {
            Flavour::Rule => (true, WhichCaptures::Implicit),
            Flavour::Fixed { case_insensitive } => (case_insensitive, WhichCaptures::All),
        };
        let err = |e: &dyn std::fmt::Display| PatternError(e.to_string());
        let build = |unicode: bool| {
            let syntax = syntax::Config::new()
                .case_insensitive(case_insensitive)
                .unicode(unicode);
            let syntax = match flavour {
                Flavour::Rule => syntax,
                Flavour::Fixed { .. } => syntax.utf8(unicode),
            };
            let hir = syntax::parse_with(pat, &syntax).map_err(|e| err(&e))?;
            let compile = |reverse: bool| {
                thompson::Compiler::new()
                    .configure(
                        thompson::Config::new()
                            .reverse(reverse)
                            .which_captures(if reverse { WhichCaptures::None } else { groups })
                            .nfa_size_limit(Some(SIZE_LIMIT)),
                    )
                    .build_from_hir(&hir)
                    .map_err(|e| err(&e))
            };
            Ok(Nfas {
                forward: compile(false)?,
                reverse: compile(true)?,
                unicode,
                shape: Shape::of(&hir),
            })
        };
        build(false).or_else(|_| build(true))
    }

    /// Builds the searcher of `source` from its two NFAs (compiled by
    /// [`RulePattern::nfas`] or thawed).
    pub(crate) fn from_nfas(
        source: &str,
        forward: NFA,
        reverse: NFA,
    ) -> Result<RulePattern, PatternError> {
        RulePattern::from_nfas_as(source, Flavour::Rule, forward, reverse, Shape::default())
    }

    fn from_nfas_as(
        source: &str,
        flavour: Flavour,
        forward: NFA,
        reverse: NFA,
        shape: Shape,
    ) -> Result<RulePattern, PatternError> {
        Ok(RulePattern(Arc::new(Compiled {
            source: source.into(),
            flavour,
            shape,
            prefixes: Vec::new(),
            searcher: Deferred::ready(Searcher::new(forward, ReverseFrom::Built(reverse), &[])?),
        })))
    }

    /// A pattern whose two NFAs, frozen in `pair` by `thaw::freeze`, are
    /// read back when it is first searched.
    pub(crate) fn deferred(source: &str, pair: &'static [u8]) -> RulePattern {
        RulePattern::deferred_as(source, Flavour::Rule, Shape::default(), pair)
    }

    fn deferred_as(
        source: &str,
        flavour: Flavour,
        shape: Shape,
        pair: &'static [u8],
    ) -> RulePattern {
        RulePattern::deferred_with_prefilter(source, flavour, shape, Vec::new(), pair)
    }

    /// [`RulePattern::deferred_as`] with a literal prefilter: `prefixes`
    /// (one of which every match starts with) let the forward search skip
    /// to where a match can start.
    fn deferred_with_prefilter(
        source: &str,
        flavour: Flavour,
        shape: Shape,
        prefixes: Vec<Vec<u8>>,
        pair: &'static [u8],
    ) -> RulePattern {
        RulePattern(Arc::new(Compiled {
            source: source.into(),
            flavour,
            shape,
            prefixes,
            searcher: Deferred::frozen(pair),
        }))
    }

    /// Its searcher: compiled, read back, or (if reading fails) compiled
    /// now. `None` only if its source no longer compiles, which the sealed
    /// file rules out.
    fn searcher(&self) -> Option<&Searcher> {
        let (source, flavour, prefixes) = (&self.0.source, self.0.flavour, &self.0.prefixes);
        self.0.searcher.get(|pair| {
            // Only the forward NFA now: the reverse one follows it.
            let built = match super::frozen::decode(pair) {
                Ok((fwd, used)) => Searcher::new(fwd, ReverseFrom::Frozen(&pair[used..]), prefixes),
                Err(e) => {
                    tracing::warn!("frozen pattern unusable ({e}); compiling it");
                    RulePattern::nfas(source, flavour).and_then(|nfas| {
                        Searcher::new(nfas.forward, ReverseFrom::Built(nfas.reverse), prefixes)
                    })
                }
            };
            built
                .inspect_err(|e| tracing::error!("rule pattern {source:?} does not build: {e}"))
                .ok()
        })
    }
}

impl RulePattern {
    /// The searcher's reverse lazy DFA, built on first need: from its frozen
    /// NFA, or (should that not read back) from the pattern compiled again.
    /// `None` only if neither builds; the PikeVM then finds matches.
    fn reverse<'s>(&self, s: &'s Searcher) -> Option<&'s hybrid::dfa::DFA> {
        s.reverse
            .get_or_init(|| {
                let nfa = match &s.reverse_from {
                    ReverseFrom::Built(nfa) => Ok(nfa.clone()),
                    ReverseFrom::Frozen(bytes) => {
                        super::frozen::decode(bytes).and_then(|(nfa, used)| {
                            if used == bytes.len() && nfa.is_reverse() {
                                Ok(nfa)
                            } else {
                                Err(super::frozen::FrozenError::Malformed("pattern length"))
                            }
                        })
                    }
                };
                let nfa = nfa.or_else(|e| {
                    tracing::warn!("frozen reverse pattern unusable ({e}); compiling it");
                    RulePattern::nfas(&self.0.source, self.0.flavour).map(|n| n.reverse)
                });
                nfa.and_then(Searcher::reverse_dfa)
                    .inspect_err(|e| {
                        tracing::error!("reverse of {:?} does not build: {e}", self.0.source)
                    })
                    .ok()
            })
            .as_ref()
    }

    /// The leftmost-first match in `input`, as `hybrid::regex::Regex`
    /// finds it: its end by the forward DFA, then its start by the reverse
    /// one (unless the search is anchored or the match empty at its start).
    /// An error where the lazy DFAs give up.
    fn try_find(
        &self,
        s: &Searcher,
        cache: &mut Caches,
        input: &Input<'_>,
    ) -> Result<Option<Match>, MatchError> {
        let Some(end) = s.forward.try_search_fwd(&mut cache.forward, input)? else {
            return Ok(None);
        };
        let anchored = match input.get_anchored() {
            Anchored::No => s.forward.get_nfa().is_always_start_anchored(),
            Anchored::Yes | Anchored::Pattern(_) => true,
        };
        if input.start() == end.offset() || anchored {
            return Ok(Some(Match::new(end.pattern(), input.start()..end.offset())));
        }
        let Some(rev) = self.reverse(s) else {
            return Err(MatchError::gave_up(end.offset()));
        };
        let rcache = cache.reverse.get_or_insert_with(|| rev.create_cache());
        let back = input
            .clone()
            .span(input.start()..end.offset())
            .anchored(Anchored::Yes)
            .earliest(false);
        match rev.try_search_rev(rcache, &back)? {
            Some(start) => Ok(Some(Match::new(
                end.pattern(),
                start.offset()..end.offset(),
            ))),
            // Cannot happen (the reverse DFA matches what the forward one
            // did); the PikeVM decides if it does.
            None => Err(MatchError::gave_up(end.offset())),
        }
    }
}

/// The forward and reverse NFAs written one after the other in `pair`.
pub(crate) fn read_pair(pair: &[u8]) -> Result<(NFA, NFA), super::frozen::FrozenError> {
    let (fwd, used) = super::frozen::decode(pair)?;
    let (rev, more) = super::frozen::decode(&pair[used..])?;
    if used + more != pair.len() {
        return Err(super::frozen::FrozenError::Malformed("pattern length"));
    }
    Ok((fwd, rev))
}

impl Searcher {
    fn config() -> hybrid::dfa::Config {
        hybrid::dfa::Config::new()
            .cache_capacity(SIZE_LIMIT)
            .skip_cache_capacity_check(true)
            .unicode_word_boundary(true)
    }

    fn new(
        forward: NFA,
        reverse_from: ReverseFrom,
        prefixes: &[Vec<u8>],
    ) -> Result<Searcher, PatternError> {
        let prefilter = if prefixes.is_empty() {
            None
        } else {
            Prefilter::new(MatchKind::LeftmostFirst, prefixes)
        };
        let fwd = hybrid::dfa::Builder::new()
            .configure(
                Searcher::config()
                    .specialize_start_states(prefilter.is_some())
                    .prefilter(prefilter),
            )
            .build_from_nfa(forward.clone())
            .map_err(|e| PatternError(e.to_string()))?;
        let backtrack = BoundedBacktracker::new_from_nfa(forward.clone())
            .map_err(|e| PatternError(e.to_string()))?;
        let pikevm = PikeVM::new_from_nfa(forward).map_err(|e| PatternError(e.to_string()))?;
        let f = fwd.clone();
        let make: CacheFn = Box::new(move || Caches {
            forward: f.create_cache(),
            reverse: None,
            pikevm: None,
            backtrack: None,
        });
        Ok(Searcher {
            forward: fwd,
            reverse: std::sync::OnceLock::new(),
            reverse_from,
            caches: Pool::new(make),
            pikevm,
            backtrack,
        })
    }

    /// The reverse lazy DFA of `nfa`: every match kind, so an anchored
    /// search from a match's end runs back to its leftmost start.
    fn reverse_dfa(nfa: NFA) -> Result<hybrid::dfa::DFA, PatternError> {
        hybrid::dfa::Builder::new()
            .configure(
                Searcher::config()
                    .prefilter(None)
                    .specialize_start_states(false)
                    .match_kind(MatchKind::All),
            )
            .build_from_nfa(nfa)
            .map_err(|e| PatternError(e.to_string()))
    }
}

impl RulePattern {
    /// The pattern as compiled.
    pub(crate) fn source(&self) -> &str {
        &self.0.source
    }

    /// The two NFAs it was built from (forward, reverse), if it was
    /// compiled or read back.
    pub(crate) fn nfa_pair(&self) -> Option<(&NFA, &NFA)> {
        let s = self.0.searcher.built()?;
        let reverse = match (&s.reverse_from, s.reverse.get()) {
            (ReverseFrom::Built(nfa), _) => nfa,
            (_, Some(Some(rev))) => rev.get_nfa(),
            _ => return None,
        };
        Some((s.forward.get_nfa(), reverse))
    }

    fn search(&self, input: &Input<'_>) -> Option<Match> {
        if self.0.shape.impossible(input) {
            return None;
        }
        let s = self.searcher()?;
        let mut cache = s.caches.get();
        match self.try_find(s, &mut cache, input) {
            Ok(m) => m,
            Err(_) => s.pikevm.find(cache.pikevm(&s.pikevm), input.clone()),
        }
    }

    /// Room for one match's groups; `None` if the pattern does not build.
    fn new_captures(&self) -> Option<Captures> {
        Some(self.searcher()?.pikevm.create_captures())
    }

    /// The groups of the leftmost-first match in `input`, into `caps`
    /// (which [`RulePattern::new_captures`] made): the lazy DFAs find the
    /// match, and the backtracker (the PikeVM on a long one) reads its
    /// groups on its span only.
    fn search_captures(&self, input: &Input<'_>, caps: &mut Captures) {
        caps.set_pattern(None);
        if self.0.shape.impossible(input) {
            return;
        }
        let Some(s) = self.searcher() else {
            return;
        };
        let mut cache = s.caches.get();
        let span = match self.try_find(s, &mut cache, input) {
            Ok(None) => return,
            Ok(Some(m)) => input
                .clone()
                .span(m.range())
                .anchored(Anchored::Pattern(m.pattern())),
            Err(_) => input.clone(),
        };
        let short = span.get_span().len() <= s.backtrack.max_haystack_len();
        if !short
            || s.backtrack
                .try_search(cache.backtrack(&s.backtrack), &span, caps)
                .is_err()
        {
            s.pikevm.search(cache.pikevm(&s.pikevm), &span, caps);
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        let input = Input::new(text).earliest(true);
        if self.0.shape.impossible(&input) {
            return false;
        }
        let Some(s) = self.searcher() else {
            return false;
        };
        let mut cache = s.caches.get();
        match s.forward.try_search_fwd(&mut cache.forward, &input) {
            Ok(m) => m.is_some(),
            Err(_) => s.pikevm.is_match(cache.pikevm(&s.pikevm), input),
        }
    }

    /// The leftmost-first match.
    pub fn find(&self, text: &str) -> Option<Match> {
        self.search(&Input::new(text))
    }

    /// A match that starts at the first byte of `text`, if any.
    pub fn find_at_start(&self, text: &str) -> Option<Match> {
        self.search(&Input::new(text).anchored(Anchored::Yes))
    }

    /// How many matches [`RulePattern::find_iter`] gives, counted no
    /// further than `enough`. A pattern that cannot match the empty string
    /// is counted by the forward DFA alone: where a match ends is where the
    /// next search starts, and where it starts (the reverse search, half
    /// the work) is never needed.
    pub fn count(&self, text: &str, enough: usize) -> usize {
        let Some(s) = self.searcher() else {
            return 0;
        };
        if s.forward.get_nfa().has_empty() {
            return self.find_iter(text).take(enough).count();
        }
        let mut cache = s.caches.get();
        let (mut n, mut at) = (0, 0);
        while n < enough {
            let input = Input::new(text).range(at..);
            if self.0.shape.impossible(&input) {
                break;
            }
            let end = match s.forward.try_search_fwd(&mut cache.forward, &input) {
                Ok(found) => found.map(|m| m.offset()),
                Err(_) => s
                    .pikevm
                    .find(cache.pikevm(&s.pikevm), input)
                    .map(|m| m.end()),
            };
            match end {
                // Never empty here, so each match moves `at` on.
                Some(end) if end > at => (n, at) = (n + 1, end),
                _ => break,
            }
        }
        n
    }

    /// Successive non-overlapping matches.
    pub fn find_iter<'r, 'h>(&'r self, text: &'h str) -> impl Iterator<Item = Match> + 'r
    where
        'h: 'r,
    {
        let mut at = 0;
        std::iter::from_fn(move || {
            if at > text.len() {
                return None;
            }
            let m = self.search(&Input::new(text).range(at..))?;
            at = if m.is_empty() {
                // Step past an empty match by one whole character.
                m.end() + text[m.end()..].chars().next().map_or(1, char::len_utf8)
            } else {
                m.end()
            };
            Some(m)
        })
    }
}

/// A pattern written in code (the scorer's dates, financial years,
/// signatures and group cues), case-sensitive unless it says `(?i)`.
/// Panics on an invalid pattern: only for patterns fixed at compile time,
/// which the tests build.
pub fn fixed(pat: &str) -> Fixed {
    match try_fixed(pat) {
        Ok(re) => re,
        Err(e) => panic!("built-in pattern {pat:?} does not compile: {e}"),
    }
}

/// A pattern written in code, case-sensitive unless it says `(?i)`.
pub fn try_fixed(pat: &str) -> Result<Fixed, PatternError> {
    Fixed::new(&ascii_escapes(pat), false, false)
}

/// A case-insensitive pattern written in code.
pub fn fixed_ci(pat: &str) -> Result<Fixed, PatternError> {
    Fixed::new(&ascii_escapes(pat), true, false)
}

/// A case-insensitive pattern written in code that is searched across a
/// whole statement: built with a literal prefilter, which lets the search
/// skip to the pattern's rare words instead of stepping through every byte
/// (its build costs a one-shot check ~0.5 M instructions a pattern).
pub fn fixed_ci_whole_text(pat: &str) -> Result<Fixed, PatternError> {
    Fixed::new(&ascii_escapes(pat), true, true)
}

/// A Markdown clean-up pattern, as a `regex` crate `Regex` (it needs
/// `replace_all`). Panics on an invalid pattern, like [`fixed`].
pub fn fixed_regex(pat: &str) -> Regex {
    match build_str(&ascii_escapes(pat)) {
        Ok(re) => re,
        Err(e) => panic!("built-in pattern {pat:?} does not compile: {e}"),
    }
}

/// How many built-in patterns needed Unicode mode (see [`Fixed::new`]).
static UNICODE_FALLBACKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A pattern written in code. Built as cheaply as a one-shot `s54 check`
/// allows, because these ~30 patterns were two fifths of its start-up
/// (BENCHMARKS.md, "Whole-process `s54 check`"):
/// - compiled ahead of time: their NFAs and the words they need are read
///   from `src/rules/builtin.bin` (`rules::builtin`) when first searched,
///   and compiled here only if a pattern is not in it;
/// - byte mode (Unicode off, invalid UTF-8 allowed): a gap such as
///   `[^.]{0,60}` is one byte class per step, not a UTF-8 automaton, and
///   case folding is ASCII. Gaps may step through a multi-byte character a
///   byte at a time; the patterns begin and end on ASCII or on whole
///   characters, and a match that would not is dropped, never sliced;
/// - lazy DFAs for where a match is, a PikeVM for its groups on its span
///   only; no literal prefilter and no full DFA, whose builds cost more
///   than the lazy DFA's scan of a statement saves, except for a pattern
///   searched across whole statements ([`fixed_ci_whole_text`]).
///
/// A pattern byte mode refuses (a class holding a non-ASCII character) is
/// built with Unicode on; the tests keep the built-in ones free of that.
#[derive(Debug, Clone)]
pub struct Fixed {
    re: FixedRegex,
    /// The pattern as built, for [`Fixed::may_match_lowercase`].
    source: Arc<str>,
    case_insensitive: bool,
    /// Words a match needs (`rules::gate`): frozen, or worked out at first
    /// use.
    words: Arc<std::sync::OnceLock<Vec<super::gate::Factor>>>,
    /// Those words' searchers, built once: building one for every search
    /// was a fifth of the search's cost.
    finders: Arc<std::sync::OnceLock<Vec<Vec<memchr::memmem::Finder<'static>>>>>,
}

#[derive(Debug, Clone)]
enum FixedRegex {
    /// Lazy DFAs over NFAs compiled now or read back from the frozen table.
    Lazy(RulePattern),
    /// With a literal prefilter, which only the `meta` engine builds.
    Meta(meta::Regex),
}

/// A match of a [`Fixed`] pattern in `haystack`, always on character
/// boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'h> {
    haystack: &'h str,
    start: usize,
    end: usize,
}

impl<'h> Found<'h> {
    fn new(haystack: &'h str, start: usize, end: usize) -> Option<Found<'h>> {
        (haystack.is_char_boundary(start) && haystack.is_char_boundary(end)).then_some(Found {
            haystack,
            start,
            end,
        })
    }

    pub fn start(&self) -> usize {
        self.start
    }

    pub fn end(&self) -> usize {
        self.end
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    pub fn as_str(&self) -> &'h str {
        // `new` checked both ends.
        self.haystack.get(self.start..self.end).unwrap_or_default()
    }
}

/// The groups of one match of a [`Fixed`] pattern.
#[derive(Debug, Clone)]
pub struct Groups<'h> {
    haystack: &'h str,
    caps: regex_automata::util::captures::Captures,
}

impl<'h> Groups<'h> {
    /// Group `i` (0 is the whole match), if it took part.
    pub fn get(&self, i: usize) -> Option<Found<'h>> {
        let span = self.caps.get_group(i)?;
        Found::new(self.haystack, span.start, span.end)
    }

    /// The named group, if it took part.
    pub fn name(&self, name: &str) -> Option<Found<'h>> {
        let span = self.caps.get_group_by_name(name)?;
        Found::new(self.haystack, span.start, span.end)
    }
}

impl Fixed {
    fn new(pat: &str, case_insensitive: bool, prefilter: bool) -> Result<Fixed, PatternError> {
        let fixed = |re: FixedRegex, words| Fixed {
            re,
            source: pat.into(),
            case_insensitive,
            words: Arc::new(words),
            finders: Arc::default(),
        };
        super::builtin::record(case_insensitive, prefilter, pat);
        let flavour = Flavour::Fixed { case_insensitive };
        if let Some(frozen) = super::builtin::lookup(case_insensitive, prefilter, pat) {
            let re = RulePattern::deferred_with_prefilter(
                pat,
                flavour,
                frozen.shape,
                frozen.prefixes,
                frozen.pair,
            );
            return Ok(fixed(
                FixedRegex::Lazy(re),
                std::sync::OnceLock::from(frozen.words),
            ));
        }
        if prefilter {
            return Fixed::new_meta(pat, case_insensitive)
                .map(|re| fixed(FixedRegex::Meta(re), std::sync::OnceLock::new()));
        }
        let nfas = RulePattern::nfas(pat, flavour)?;
        if nfas.unicode {
            #[cfg(test)]
            eprintln!("built in Unicode mode: {pat}");
            UNICODE_FALLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let re = RulePattern::from_nfas_as(pat, flavour, nfas.forward, nfas.reverse, nfas.shape)?;
        Ok(fixed(FixedRegex::Lazy(re), std::sync::OnceLock::new()))
    }

    /// The `meta` regex of `pat`, with its literal prefilter.
    fn new_meta(pat: &str, case_insensitive: bool) -> Result<meta::Regex, PatternError> {
        let build = |unicode: bool| {
            meta::Regex::builder()
                .configure(
                    meta::Config::new()
                        .auto_prefilter(true)
                        .dfa(false)
                        .onepass(false)
                        .nfa_size_limit(Some(SIZE_LIMIT))
                        .hybrid_cache_capacity(SIZE_LIMIT),
                )
                .syntax(
                    syntax::Config::new()
                        .case_insensitive(case_insensitive)
                        .unicode(unicode)
                        .utf8(unicode),
                )
                .build(pat)
        };
        build(false)
            .or_else(|_| {
                #[cfg(test)]
                eprintln!("built in Unicode mode: {pat}");
                UNICODE_FALLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                build(true)
            })
            .map_err(|e| PatternError(e.to_string()))
    }

    /// Reads its automata back now rather than at its first search (for
    /// `score::warm_up`, on a spare thread).
    pub fn prepare(&self) {
        if let FixedRegex::Lazy(re) = &self.re {
            re.searcher();
        }
    }

    /// False when `lowercase` (a text with its ASCII letters lowercased)
    /// lacks words every match needs, so the pattern cannot match the
    /// text; true otherwise. For a pattern searched across a whole
    /// statement, most of which has none of its words: a few `memmem`
    /// passes are much cheaper than the lazy DFA's walk of every byte.
    pub fn may_match_lowercase(&self, lowercase: &[u8]) -> bool {
        let finders = self.finders.get_or_init(|| {
            let words = self
                .words
                .get_or_init(|| fixed_words(&self.source, self.case_insensitive));
            words
                .iter()
                .map(|factor| {
                    factor
                        .iter()
                        .map(|w| memchr::memmem::Finder::new(w).into_owned())
                        .collect()
                })
                .collect()
        });
        finders
            .iter()
            .all(|factor| factor.iter().any(|f| f.find(lowercase).is_some()))
    }

    /// A pattern that matches nothing: the stand-in for a built-in pattern
    /// that failed to build, so that a programming error costs a detector
    /// its cue rather than a check its run.
    pub fn never() -> Fixed {
        Fixed {
            re: FixedRegex::Meta(
                meta::Regex::new_many::<&str>(&[]).unwrap_or_else(|_| unreachable!()),
            ),
            source: "".into(),
            case_insensitive: false,
            words: Arc::default(),
            finders: Arc::default(),
        }
    }

    /// How many built-in patterns so far needed Unicode mode.
    pub fn unicode_fallbacks() -> usize {
        UNICODE_FALLBACKS.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the pattern matches: stops at the first match state, without
    /// the search for where the match starts that [`Fixed::find`] needs.
    pub fn is_match(&self, text: &str) -> bool {
        match &self.re {
            FixedRegex::Lazy(re) => re.is_match(text),
            FixedRegex::Meta(re) => re.is_match(text),
        }
    }

    /// The leftmost-first match.
    pub fn find<'h>(&self, text: &'h str) -> Option<Found<'h>> {
        self.find_iter(text).next()
    }

    /// Successive non-overlapping matches.
    pub fn find_iter<'r, 'h>(&'r self, text: &'h str) -> impl Iterator<Item = Found<'h>> + 'r
    where
        'h: 'r,
    {
        let mut lazy = None;
        let mut meta = None;
        match &self.re {
            // Empty matches are stepped over as `meta` does.
            FixedRegex::Lazy(re) => {
                lazy = Some(
                    iter::Searcher::new(Input::new(text))
                        .into_matches_iter(|input| Ok(re.search(input)))
                        .infallible(),
                )
            }
            FixedRegex::Meta(re) => meta = Some(re.find_iter(text)),
        }
        lazy.into_iter()
            .flatten()
            .chain(meta.into_iter().flatten())
            .filter_map(move |m| Found::new(text, m.start(), m.end()))
    }

    /// The groups of the leftmost-first match.
    pub fn captures<'h>(&self, text: &'h str) -> Option<Groups<'h>> {
        self.captures_iter(text).next()
    }

    /// The groups of successive non-overlapping matches.
    pub fn captures_iter<'r, 'h>(&'r self, text: &'h str) -> impl Iterator<Item = Groups<'h>> + 'r
    where
        'h: 'r,
    {
        let mut lazy = None;
        let mut meta = None;
        match &self.re {
            FixedRegex::Lazy(re) => lazy = Some(lazy_captures(re, text)),
            FixedRegex::Meta(re) => meta = Some(re.captures_iter(text)),
        }
        lazy.into_iter()
            .flatten()
            .chain(meta.into_iter().flatten())
            .filter(move |caps| {
                caps.get_match()
                    .is_some_and(|m| Found::new(text, m.start(), m.end()).is_some())
            })
            .map(move |caps| Groups {
                haystack: text,
                caps,
            })
    }

    /// The pieces of `text` between matches.
    pub fn split<'r, 'h>(&'r self, text: &'h str) -> impl Iterator<Item = &'h str> + 'r
    where
        'h: 'r,
    {
        let mut last = 0;
        let mut matches = self.find_iter(text);
        let mut done = false;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            match matches.next() {
                Some(m) => {
                    let piece = text.get(last..m.start()).unwrap_or_default();
                    last = m.end();
                    Some(piece)
                }
                None => {
                    done = true;
                    Some(text.get(last..).unwrap_or_default())
                }
            }
        })
    }
}

/// The groups of successive non-overlapping matches of `re` in `text`,
/// empty matches stepped over as `meta` does.
fn lazy_captures<'r, 'h>(re: &'r RulePattern, text: &'h str) -> impl Iterator<Item = Captures> + 'r
where
    'h: 'r,
{
    let mut searcher = iter::Searcher::new(Input::new(text));
    let caps = re.new_captures();
    std::iter::from_fn(move || {
        let mut caps = caps.clone()?;
        searcher
            .advance(|input| {
                re.search_captures(input, &mut caps);
                Ok(caps.get_match())
            })
            .map(|_| caps)
    })
}

/// The literals every match of a built-in pattern starts with, for a
/// prefilter; empty when there are none worth one (an empty or unbounded
/// set).
pub(crate) fn fixed_prefixes(source: &str, case_insensitive: bool) -> Vec<Vec<u8>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let Some(hir) = fixed_hir(source, case_insensitive) else {
        return Vec::new();
    };
    let mut seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    seq.optimize_for_prefix_by_preference();
    match seq.literals() {
        Some(lits) if !lits.is_empty() && lits.iter().all(|l| !l.is_empty()) => {
            lits.iter().map(|l| l.as_bytes().to_vec()).collect()
        }
        _ => Vec::new(),
    }
}

/// The words every match of a built-in pattern needs (`rules::gate`).
pub(crate) fn fixed_words(source: &str, case_insensitive: bool) -> Vec<super::gate::Factor> {
    fixed_hir(source, case_insensitive)
        .map(|hir| super::gate::factors(&hir))
        .unwrap_or_default()
}

/// A built-in pattern parsed as [`Flavour::Fixed`] compiles it.
fn fixed_hir(source: &str, case_insensitive: bool) -> Option<regex_syntax::hir::Hir> {
    let parse = |unicode: bool| {
        let config = syntax::Config::new()
            .case_insensitive(case_insensitive)
            .unicode(unicode)
            .utf8(unicode);
        syntax::parse_with(source, &config)
    };
    parse(false).or_else(|_| parse(true)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_in_pattern_says_when_a_text_lacks_its_words() {
        let re = fixed_ci(r"\b(?:on behalf of|covers)\b[^.]{0,40}\bsubsidiar(?:y|ies)\b").unwrap();
        for (text, may) in [
            ("This statement covers our subsidiaries.", true),
            ("ON BEHALF OF the group and its SUBSIDIARY", true),
            ("This statement covers the company.", false),
            ("Our subsidiaries are listed below.", false),
        ] {
            let lower = text.to_ascii_lowercase();
            assert_eq!(re.may_match_lowercase(lower.as_bytes()), may, "{text}");
            // Never false where the pattern matches.
            assert!(!re.is_match(text) || may, "{text}");
        }
        assert!(Fixed::never().may_match_lowercase(b"anything"));
    }

    /// The first, character-by-character rewrite: the reference.
    fn ascii_escapes_by_chars(pat: &str) -> String {
        let mut out = String::with_capacity(pat.len() + 16);
        let mut chars = pat.chars();
        let mut class_depth = 0usize;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match (chars.next(), class_depth) {
                    (Some(e @ ('b' | 'w' | 's' | 'd')), 0) => {
                        out.push_str("(?-u:\\");
                        out.push(e);
                        out.push(')');
                    }
                    (Some('w'), _) => out.push_str("a-zA-Z0-9_"),
                    (Some('s'), _) => out.push_str(r"\x20\t\n\r\x0B\x0C"),
                    (Some('d'), _) => out.push_str("0-9"),
                    (Some(n), _) => {
                        out.push('\\');
                        out.push(n);
                    }
                    (None, _) => out.push('\\'),
                },
                '[' => {
                    class_depth += 1;
                    out.push(c);
                }
                ']' if class_depth > 0 => {
                    class_depth -= 1;
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        out
    }

    #[test]
    fn the_byte_scan_rewrites_as_the_character_walk_did() {
        let mut pats: Vec<String> = crate::rules::embedded_sources()
            .into_iter()
            .flat_map(|(_, src)| src.lines().map(str::to_string).collect::<Vec<_>>())
            .collect();
        for a in [
            "\\", "[", "]", "b", "w", "s", "d", "é", "x", "\\é", "[^", "\\[",
        ] {
            for b in ["\\", "[", "]", "b", "w", "s", "d", "é", "\\b", "\\s", ""] {
                for c in ["\\", "]", "w", "d", "ü", ""] {
                    pats.push(format!("{a}{b}{c}"));
                    pats.push(format!("x{b}{a}{c}{b}"));
                }
            }
        }
        assert!(pats.len() > 2000);
        for p in &pats {
            assert_eq!(ascii_escapes(p), ascii_escapes_by_chars(p), "{p:?}");
        }
    }

    #[test]
    fn rewrites_escapes_to_ascii_inside_and_outside_classes() {
        assert_eq!(ascii_escapes(r"\bfoo\B"), r"(?-u:\b)foo\B");
        assert_eq!(ascii_escapes(r"\\b[\b]"), r"\\b[\b]");
        assert_eq!(ascii_escapes(r"[a\]b]\b"), r"[a\]b](?-u:\b)");
        assert_eq!(ascii_escapes(r"\d\s\w\W"), r"(?-u:\d)(?-u:\s)(?-u:\w)\W");
        assert_eq!(ascii_escapes(r"[\w'-]"), r"[a-zA-Z0-9_'-]");
        assert_eq!(ascii_escapes(r"[^\s\d]"), r"[^\x20\t\n\r\x0B\x0C0-9]");
    }

    #[test]
    fn built_in_patterns_build_in_byte_mode() {
        // Unicode mode costs a one-shot check start-up time; a built-in
        // pattern that needs it (a class holding a non-ASCII character)
        // should spell the character outside the class instead. They are
        // compiled afresh: the frozen ones are never compiled in a run.
        crate::score::warm_up();
        let built = super::super::builtin::built();
        assert!(built.len() >= 25, "{} built-in patterns", built.len());
        for (case_insensitive, _, source) in built {
            let nfas = RulePattern::nfas(&source, Flavour::Fixed { case_insensitive }).unwrap();
            assert!(!nfas.unicode, "built in Unicode mode: {source}");
        }
        assert_eq!(Fixed::unicode_fallbacks(), 0);
    }

    /// Every match and every group of `a` and `b` in `text`.
    fn all_matches(a: &Fixed, text: &str) -> Vec<Vec<Option<std::ops::Range<usize>>>> {
        let found: Vec<_> = a.find_iter(text).map(|m| vec![Some(m.range())]).collect();
        let groups: Vec<_> = a
            .captures_iter(text)
            .map(|c| {
                (0..c.caps.group_len())
                    .map(|i| c.get(i).map(|m| m.range()))
                    .collect()
            })
            .collect();
        found.into_iter().chain(groups).collect()
    }

    #[test]
    fn built_in_patterns_match_as_the_meta_engine_does() {
        // The frozen path (lazy DFAs, then a PikeVM on the match's span)
        // must find what `meta` finds, groups included, empty matches too.
        crate::score::warm_up();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/statements");
        let mut texts: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        texts.extend(
            [
                "",
                "12 June 2024; 2024-06-12 and 12/06/24, June 2024 and Sept. 3rd, 2023",
                "year ending 31 March 2024 (the “Company”) and its subsidiaries",
                "Café – ; t/a Société (trading as Grün) ;",
                "Mr Jane Doe OBE, Director. Signed on: ____ [insert name]",
            ]
            .map(String::from),
        );
        let mut patterns = 0;
        for (case_insensitive, whole_text, source) in super::super::builtin::built() {
            let lazy = Fixed::new(&source, case_insensitive, whole_text).unwrap();
            assert!(matches!(lazy.re, FixedRegex::Lazy(_)));
            let meta = Fixed {
                re: FixedRegex::Meta(Fixed::new_meta(&source, case_insensitive).unwrap()),
                ..lazy.clone()
            };
            for text in &texts {
                let ends: Vec<&str> = [text.as_str()]
                    .into_iter()
                    .chain(text.split_inclusive('.'))
                    .collect();
                for t in ends {
                    assert_eq!(all_matches(&lazy, t), all_matches(&meta, t), "{source}");
                    assert_eq!(lazy.is_match(t), meta.is_match(t), "{source}");
                }
            }
            patterns += 1;
        }
        assert!(patterns >= 25);
        // An empty match is stepped over as `meta` steps over it.
        let empty = fixed(r"x*");
        let meta = Fixed {
            re: FixedRegex::Meta(Fixed::new_meta(r"x*", false).unwrap()),
            ..empty.clone()
        };
        for t in ["", "axxb", "é x"] {
            assert_eq!(all_matches(&empty, t), all_matches(&meta, t), "{t}");
        }
    }

    #[test]
    fn a_built_in_pattern_whose_frozen_bytes_are_damaged_is_compiled() {
        let source = ascii_escapes(r"(?P<d>\d{1,2}) (?P<m>June|July)");
        let flavour = Flavour::Fixed {
            case_insensitive: true,
        };
        let damaged = Fixed {
            re: FixedRegex::Lazy(RulePattern::deferred_as(
                &source,
                flavour,
                Shape::default(),
                b"not an NFA",
            )),
            source: source.as_str().into(),
            case_insensitive: true,
            words: Arc::default(),
            finders: Arc::default(),
        };
        let caps = damaged.captures("on 12 june 2024").unwrap();
        assert_eq!(caps.name("m").map(|m| m.as_str()), Some("june"));
        assert_eq!(caps.name("d").map(|m| m.range()), Some(3..5));
        assert!(damaged.may_match_lowercase(b"12 june"));
        assert!(!damaged.may_match_lowercase(b"12 may"));
    }

    #[test]
    fn byte_mode_gaps_never_split_a_character() {
        let re = fixed_ci(r"\bon behalf of\b[^.]{0,40}\bgroup\b").unwrap();
        let text = "Made on behalf of Café Société – the Group’s firms.";
        let m = re.find(text).unwrap();
        assert_eq!(m.as_str(), "on behalf of Café Société – the Group");
        // A match that would end inside a character is dropped, not sliced.
        let odd = fixed(r"(?-u:\xC3)|a");
        assert_eq!(odd.find("éa").map(|m| m.range()), Some(2..3));
        let split: Vec<&str> = fixed(r"\s*;\s*").split("a; b;c").collect();
        assert_eq!(split, ["a", "b", "c"]);
        let caps = fixed(r"(?P<d>\d+) (?P<m>[A-Z][a-z]+)")
            .captures("on 12 June 2024")
            .unwrap();
        assert_eq!(caps.name("d").map(|m| m.as_str()), Some("12"));
        assert_eq!(caps.get(2).map(|m| m.range()), Some(6..10));
        assert!(Fixed::never().find("anything").is_none());
    }

    #[test]
    fn class_spaces_survive_verbose_mode() {
        // In `(?x)` a literal space inside a class is ignored: the expansion
        // must spell it `\x20`.
        let re = fixed(r"(?x) 12 [\s\-]+ June");
        assert!(re.is_match("12 June"));
        assert!(re.is_match("12-June"));
    }

    #[test]
    fn a_frozen_pattern_is_read_when_first_searched_or_compiled() {
        let source = ascii_escapes(r"\bboard\s+of\s+directors\b");
        let compiled = compile_escaped(&source).unwrap();
        let (fwd, rev) = compiled.nfa_pair().unwrap();
        let mut pair = Vec::new();
        crate::rules::frozen::encode(fwd, &mut pair).unwrap();
        crate::rules::frozen::encode(rev, &mut pair).unwrap();
        let text = "Approved by the Board of Directors on 1 May.";
        let deferred = RulePattern::deferred(&source, pair.leak());
        assert!(deferred.nfa_pair().is_none(), "read before it was searched");
        assert_eq!(deferred.find(text), compiled.find(text));
        assert!(deferred.nfa_pair().is_some());
        // Bytes that do not read back: the pattern is compiled instead.
        let broken = RulePattern::deferred(&source, b"not an NFA");
        assert_eq!(broken.find(text), compiled.find(text));
        assert!(broken.is_match(text));
    }

    #[test]
    fn a_frozen_pattern_reads_its_reverse_nfa_only_when_a_start_is_needed() {
        let source = ascii_escapes(r"\b(?:board|directors)\b");
        let compiled = compile_escaped(&source).unwrap();
        let (fwd, rev) = compiled.nfa_pair().unwrap();
        let (mut fwd_bytes, mut pair) = (Vec::new(), Vec::new());
        crate::rules::frozen::encode(fwd, &mut fwd_bytes).unwrap();
        crate::rules::frozen::encode(rev, &mut pair).unwrap();
        let reverse_at = fwd_bytes.len();
        pair.splice(0..0, fwd_bytes);
        let text = "Approved by the Board of Directors.";
        let reverse_built = |re: &RulePattern| re.searcher().unwrap().reverse.get().is_some();

        let deferred = RulePattern::deferred(&source, pair.clone().leak());
        assert!(deferred.is_match(text));
        assert_eq!(deferred.count(text, usize::MAX), 2);
        assert!(!reverse_built(&deferred), "no start was asked for");
        assert!(deferred.nfa_pair().is_none());
        assert_eq!(deferred.find(text), compiled.find(text));
        assert!(reverse_built(&deferred));
        assert!(deferred.nfa_pair().is_some());
        // An anchored search knows its start: still no reverse NFA.
        let anchored = RulePattern::deferred(&source, pair.clone().leak());
        assert_eq!(
            anchored.find_at_start("Board"),
            compiled.find_at_start("Board")
        );
        assert!(!reverse_built(&anchored));

        // Reverse bytes that do not read back: the pattern is compiled for
        // its reverse NFA, and finds what the compiled one finds.
        let mut damaged = pair.clone();
        damaged.truncate(reverse_at + 3);
        let damaged = RulePattern::deferred(&source, damaged.leak());
        assert!(damaged.is_match(text));
        let found: Vec<Match> = damaged.find_iter(text).collect();
        assert_eq!(found, compiled.find_iter(text).collect::<Vec<_>>());
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn a_pattern_the_lazy_dfa_gives_up_on_still_matches() {
        // `\p{L}` needs Unicode mode, where `\B` is Unicode-aware: the lazy
        // DFAs stop at the first non-ASCII byte and the PikeVM answers.
        let re = compile(r"\p{L}\B\p{L}*ée").unwrap();
        let text = "— Café ébène née";
        let searcher = re.searcher().unwrap();
        let mut cache = searcher.caches.get();
        assert!(
            searcher
                .forward
                .try_search_fwd(&mut cache.forward, &Input::new(text))
                .is_err()
        );
        drop(cache);
        assert!(re.is_match(text));
        let m = re.find(text).unwrap();
        assert_eq!(&text[m.start()..m.end()], "née");
        assert_eq!(re.find_iter(text).count(), 1);
        assert_eq!(re.count(text, usize::MAX), 1);
        assert!(re.find_at_start(text).is_none());
        assert!(!re.is_match("— Café ébène"));
    }

    #[test]
    fn counting_agrees_with_iterating_and_stops_when_told() {
        let rules = crate::rules::Rulebook::embedded().unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/statements");
        let mut texts: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
            .collect();
        texts.extend(["".into(), "LLP LLP llp".into(), "ab aab b".into()]);
        let mut patterns: Vec<RulePattern> = [
            "english_words",
            "entity_llp",
            "entity_lp",
            "entity_public",
            "entity_company",
        ]
        .iter()
        .map(|k| rules.lexicon(k).unwrap().clone())
        .collect();
        // Empty matches, counted as the iterator steps over them.
        patterns.extend(["a*", r"", "(?:ab)?b"].map(|p| compile(p).unwrap()));
        let mut matched = 0;
        for re in &patterns {
            for text in &texts {
                let all = re.find_iter(text).count();
                matched += all;
                assert_eq!(re.count(text, usize::MAX), all, "{re:?} on {text:.40?}");
                for enough in [0, 1, 2, 5] {
                    assert_eq!(re.count(text, enough), all.min(enough), "{re:?} {enough}");
                }
            }
        }
        assert!(matched > 100, "the fixtures hardly match: {matched}");
    }

    #[test]
    fn ascii_escapes_match_like_unicode_ones_on_english() {
        let re = compile(r"\bboard\b").unwrap();
        assert!(re.is_match("approved by the Board on 1 June"));
        assert!(re.is_match("the “board” approved"));
        assert!(!re.is_match("onboarding"));
        // Offsets stay on character boundaries next to non-ASCII text.
        let m = compile(r"\bapproved\b")
            .unwrap()
            .find("£5 – approved’")
            .unwrap();
        assert_eq!(&"£5 – approved’"[m.start()..m.end()], "approved");
    }
}

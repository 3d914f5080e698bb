//! A set of rule patterns tested together against one sentence: does any
//! match, and which. Sets never say where a pattern matched, so they need
//! only a forward lazy DFA over the sentence's bytes — not the capture,
//! reverse and prefilter machinery a general regex builds. That machinery was
//! most of a one-shot `s54 check`'s time (BENCHMARKS.md, "Checker").
//!
//! Patterns are built with Unicode mode off when they allow it: `.`, `[^.]`
//! and `[\s\S]` then step over one byte, not one character (a `{0,140}` gap
//! counts bytes), and case folding is ASCII. Rule patterns are English and
//! their `\b \w \s \d` are ASCII already (see `pattern::ascii_escapes`). A
//! set that needs Unicode (`\p{L}`, a non-ASCII class member) is built with
//! it on.

use regex_automata::{
    Input, MatchKind, PatternSet,
    hybrid::dfa::{Cache, DFA},
    nfa::thompson::{self, NFA, WhichCaptures, pikevm::PikeVM},
    util::{pool::Pool, syntax},
};
use regex_syntax::hir::Hir;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

/// Generous enough for a lawyer's long alternations, bounded so that a
/// runaway repeat is a clear error rather than gigabytes.
pub(crate) const NFA_SIZE_LIMIT: usize = 1 << 26;
/// Lazy DFA cache per thread. Sentences are short, so it rarely fills; when
/// it does it is cleared and the search goes on.
const DFA_CACHE_BYTES: usize = 1 << 26;

type CacheFn = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SetError(String);

/// Compiled patterns tested in one pass (cheap to clone).
#[derive(Clone)]
pub struct SentenceSet(Arc<Engines>);

struct Engines {
    dfa: DFA,
    caches: Pool<Cache, CacheFn>,
    /// Used only if the lazy DFA gives up on a haystack: never expected on
    /// these patterns, but a wrong "no match" would be a wrong verdict.
    pikevm: PikeVM,
    len: usize,
}

impl std::fmt::Debug for SentenceSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SentenceSet({} patterns)", self.0.len)
    }
}

impl SentenceSet {
    /// Builds the set; patterns are case-insensitive (`(?-i)` turns that off)
    /// and already rewritten by `pattern::ascii_escapes`.
    pub fn new(patterns: &[String]) -> Result<SentenceSet, SetError> {
        SentenceSet::from_hirs(&parse(patterns)?, NFA_SIZE_LIMIT)
    }

    /// Builds the set from patterns already parsed by [`parse`] (several
    /// sets' patterns may be joined into one set this way, each keeping the
    /// mode it was parsed in). `size_limit` bounds the NFA, in bytes.
    pub fn from_hirs(hirs: &[Hir], size_limit: usize) -> Result<SentenceSet, SetError> {
        let nfa = build_nfa(hirs, size_limit)?;
        SentenceSet::from_nfa(nfa)
    }

    /// The NFA the set was built from.
    pub(crate) fn nfa(&self) -> &NFA {
        self.0.dfa.get_nfa()
    }

    /// Builds the set's engines from its compiled NFA.
    pub(crate) fn from_nfa(nfa: NFA) -> Result<SentenceSet, SetError> {
        let len = nfa.pattern_len();
        let dfa = lazy_dfa(nfa.clone(), DFA_CACHE_BYTES)?;
        let pikevm = PikeVM::builder()
            .configure(PikeVM::config().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .map_err(|e| SetError(e.to_string()))?;
        let for_caches = dfa.clone();
        let make: CacheFn = Box::new(move || for_caches.create_cache());
        Ok(SentenceSet(Arc::new(Engines {
            dfa,
            caches: Pool::new(make),
            pikevm,
            len,
        })))
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.0.len
    }

    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// True when any pattern matches anywhere in `haystack`.
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        let e = &*self.0;
        let input = Input::new(haystack).earliest(true);
        let mut cache = e.caches.get();
        match e.dfa.try_search_fwd(&mut cache, &input) {
            Ok(found) => found.is_some(),
            Err(_) => e.pikevm.is_match(&mut e.pikevm.create_cache(), input),
        }
    }

    /// Indexes of every pattern that matches somewhere in `haystack`, in
    /// order.
    pub fn matches(&self, haystack: &[u8]) -> Vec<usize> {
        let e = &*self.0;
        let input = Input::new(haystack);
        let mut found = PatternSet::new(e.len);
        let mut cache = e.caches.get();
        if e.dfa
            .try_which_overlapping_matches(&mut cache, &input, &mut found)
            .is_err()
        {
            found.clear();
            e.pikevm
                .which_overlapping_matches(&mut e.pikevm.create_cache(), &input, &mut found);
        }
        found.iter().map(|p| p.as_usize()).collect()
    }
}

/// Parses a set's patterns (case-insensitive unless they say `(?-i)`,
/// already rewritten by `pattern::ascii_escapes`) with Unicode mode off, or
/// all of them with it on when one needs it (`\p{L}`, a non-ASCII class
/// member).
pub fn parse(patterns: &[String]) -> Result<Vec<Hir>, SetError> {
    parse_mode(patterns, false).or_else(|_| parse_mode(patterns, true))
}

fn parse_mode(patterns: &[String], unicode: bool) -> Result<Vec<Hir>, SetError> {
    let config = syntax::Config::new()
        .case_insensitive(true)
        .unicode(unicode)
        .utf8(false);
    patterns
        .iter()
        .map(|p| syntax::parse_with(p, &config).map_err(|e| SetError(e.to_string())))
        .collect()
}

fn build_nfa(hirs: &[Hir], size_limit: usize) -> Result<NFA, SetError> {
    thompson::Compiler::new()
        .configure(thompson_config(false).nfa_size_limit(Some(size_limit)))
        .build_many_from_hir(hirs)
        .map_err(|e| SetError(e.to_string()))
}

/// Thompson NFA settings for a set's or a piece's automaton, forward or
/// reverse: over bytes (a gap may step through a character a byte at a
/// time), with only the whole-match group, and none for a reverse one.
pub(crate) fn thompson_config(reverse: bool) -> thompson::Config {
    thompson::Config::new()
        .utf8(false)
        .reverse(reverse)
        .which_captures(if reverse {
            WhichCaptures::None
        } else {
            WhichCaptures::Implicit
        })
}

/// A lazy DFA reporting every pattern that matches, with a per-thread
/// cache of `cache_bytes` (never given up on: it is cleared when full).
pub(crate) fn lazy_dfa(nfa: NFA, cache_bytes: usize) -> Result<DFA, SetError> {
    DFA::builder()
        .configure(
            DFA::config()
                .match_kind(MatchKind::All)
                .cache_capacity(cache_bytes)
                .skip_cache_capacity_check(true),
        )
        .build_from_nfa(nfa)
        .map_err(|e| SetError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pats: &[&str]) -> SentenceSet {
        let pats: Vec<String> = pats
            .iter()
            .map(|p| crate::rules::pattern::ascii_escapes(p))
            .collect();
        SentenceSet::new(&pats).unwrap()
    }

    #[test]
    fn says_which_patterns_match_case_insensitively() {
        let s = set(&[r"\btrain(?:ed|ing)\b", r"\baudit", r"(?-i:Board)"]);
        let hay = "All buyers were TRAINED; suppliers are audited by the board.";
        assert!(s.is_match(hay.as_bytes()));
        assert_eq!(s.matches(hay.as_bytes()), vec![0, 1]);
        assert!(!s.is_match(b"nothing here"));
        assert!(s.matches(b"nothing here").is_empty());
    }

    #[test]
    fn gaps_and_non_ascii_text_match_without_unicode_mode() {
        // `[\s\S]` and `[^.]` are single bytes here: a curly quote or a £
        // inside the gap is three or two bytes, never a failed match.
        let s = set(&[
            r"\brisks?\b[\s\S]{0,40}\bcotton\b",
            r"\blow\s+risk\b[^.]{0,30}\bbecause\b",
        ]);
        assert_eq!(
            s.matches("Risk — the “cotton” we buy; low risk (£5m) because".as_bytes()),
            vec![0, 1]
        );
        assert!(
            !s.is_match(
                "risk is low. cotton"
                    .replace("is low", &"x".repeat(60))
                    .as_bytes()
            )
        );
    }

    #[test]
    fn non_ascii_literals_match() {
        let s = set(&[r"last\s+year’s\s+statement", r"£\s?\d"]);
        assert_eq!(
            s.matches("Last year’s statement cost £5".as_bytes()),
            vec![0, 1]
        );
    }

    #[test]
    fn a_pattern_that_needs_unicode_still_builds() {
        let s = set(&[r"\p{Lu}{3}\s+ltd"]);
        assert!(s.is_match("ÉÀÜ Ltd".as_bytes()));
    }

    #[test]
    fn joined_sets_keep_each_sets_mode() {
        // One set needs Unicode mode, the other is parsed without it (its
        // `.` is one byte): joined, each matches as it does alone.
        let uni = parse(&[r"\p{Lu}{3}\s+ltd".to_string()]).unwrap();
        let ascii = parse(&[r"a.b".to_string(), r"x(?-u:\b)".to_string()]).unwrap();
        let joined: Vec<Hir> = uni.iter().chain(&ascii).cloned().collect();
        let s = SentenceSet::from_hirs(&joined, NFA_SIZE_LIMIT).unwrap();
        assert_eq!(s.matches("ÉÀÜ Ltd a-b x".as_bytes()), vec![0, 1, 2]);
        assert_eq!(s.matches("ÉÀÜ Ltd".as_bytes()), vec![0]);
        // `.` steps over one byte only: `£` is two.
        assert_eq!(s.matches("a£b".as_bytes()), Vec::<usize>::new());
        assert_eq!(s.matches("aéb ÉÀÜ ltd".as_bytes()), vec![0]);
    }

    #[test]
    fn an_invalid_pattern_is_an_error() {
        assert!(SentenceSet::new(&["(unclosed".to_string()]).is_err());
    }
}

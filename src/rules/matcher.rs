//! The one matcher: every pattern s54 searches with — the rule files' word
//! lists and topics, and the scorer's own date, signature and group
//! patterns — is a [`Pattern`], a thin layer over
//! `regex_automata::meta::Regex` that adds only what the domain needs:
//!
//! - patterns are written as a reader expects (`\b`, `\w`, `\s`, `\d`) and
//!   compiled with the ASCII meaning of those escapes ([`ascii_escapes`]).
//!   Statements are English and extraction folds Unicode spaces to ASCII,
//!   so the meanings agree on them, and an ASCII class keeps the lazy DFA
//!   on the fast path (a Unicode `\b` makes it give up at the first
//!   non-ASCII byte);
//! - byte mode where the pattern allows (a gap such as `[^.]{0,60}` is one
//!   byte class per step), Unicode mode otherwise;
//! - every match is reported on character boundaries ([`Found`]), so a
//!   quote can always be sliced from the text.
//!
//! The engine composition (lazy DFA, PikeVM, backtracker, prefilters) is
//! regex-automata's own.

use regex_automata::{
    Anchored, Input, MatchKind,
    meta::{self, Regex},
    util::{captures::Captures, syntax},
};
use regex_syntax::hir::Hir;

/// Regex program size limits: generous, so a lawyer's long alternation
/// builds, but bounded, so a runaway repeat is a clear error.
const SIZE_LIMIT: usize = 1 << 26;

/// A pattern that does not build.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

/// Rewrites `\b`, `\w`, `\s` and `\d` to their ASCII forms (inside a
/// character class, `\w`, `\s` and `\d` become their ASCII ranges);
/// everything else is kept as written. `\B`, `\W`, `\S` and `\D` stay
/// Unicode: their ASCII forms could match inside a UTF-8 character.
pub fn ascii_escapes(pat: &str) -> String {
    let mut out = String::with_capacity(pat.len() + 16);
    let mut class_depth = 0usize;
    let mut chars = pat.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let ascii = match (next, class_depth) {
                    ('b', 0) => Some("(?-u:\\b)"),
                    ('w', 0) => Some("(?-u:\\w)"),
                    ('s', 0) => Some("(?-u:\\s)"),
                    ('d', 0) => Some("(?-u:\\d)"),
                    ('w', _) => Some("a-zA-Z0-9_"),
                    ('s', _) => Some(r"\x20\t\n\r\x0B\x0C"),
                    ('d', _) => Some("0-9"),
                    _ => None,
                };
                match ascii {
                    Some(a) => out.push_str(a),
                    None => {
                        out.push('\\');
                        out.push(next);
                    }
                }
            }
            '[' => {
                class_depth += 1;
                out.push(c);
            }
            ']' => {
                class_depth = class_depth.saturating_sub(1);
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// How a pattern is parsed: case folding, and whether a match may hold
/// bytes that are not UTF-8 (byte mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mode {
    pub case_insensitive: bool,
    /// Rule patterns keep the UTF-8 guarantee; the scorer's own patterns
    /// trade it for byte-class gaps (matches are still cut on characters).
    pub bytes: bool,
}

impl Mode {
    pub(crate) const RULE: Mode = Mode {
        case_insensitive: true,
        bytes: false,
    };
}

/// `pat` (already rewritten by [`ascii_escapes`]) parsed in byte mode when
/// it allows, in Unicode mode otherwise.
pub(crate) fn parse(pat: &str, mode: Mode) -> Result<Hir, PatternError> {
    let parse = |unicode: bool| {
        let config = syntax::Config::new()
            .case_insensitive(mode.case_insensitive)
            .unicode(unicode)
            .utf8(unicode || !mode.bytes)
            .nest_limit(100);
        syntax::parse_with(pat, &config)
    };
    parse(false)
        .or_else(|_| parse(true))
        .map_err(|e| PatternError(e.to_string()))
}

/// The `meta` engine for parsed patterns.
pub(crate) fn build(hirs: &[Hir], kind: MatchKind) -> Result<Regex, PatternError> {
    Regex::builder()
        .configure(
            meta::Config::new()
                .match_kind(kind)
                .nfa_size_limit(Some(SIZE_LIMIT))
                .hybrid_cache_capacity(SIZE_LIMIT)
                // A full DFA costs more to build than the statements it
                // would scan save.
                .dfa(false),
        )
        .build_many_from_hir(hirs)
        .map_err(|e| PatternError(e.to_string()))
}

/// A compiled pattern. Cloning is cheap (the engine is shared).
#[derive(Clone)]
pub struct Pattern {
    re: Regex,
    /// Whether some match can be empty (counting then steps like
    /// `find_iter`).
    empty: bool,
    source: std::sync::Arc<str>,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl Pattern {
    /// Builds `pat` as written (escapes rewritten here).
    pub(crate) fn new(pat: &str, mode: Mode) -> Result<Pattern, PatternError> {
        let escaped = ascii_escapes(pat);
        let hir = parse(&escaped, mode)?;
        let empty = hir.properties().minimum_len() == Some(0);
        let re = build(std::slice::from_ref(&hir), MatchKind::LeftmostFirst)?;
        Ok(Pattern {
            re,
            empty,
            source: pat.into(),
        })
    }

    /// A pattern that matches nothing: the stand-in for a built-in pattern
    /// that failed to build, so that a programming error costs a detector
    /// its cue rather than a check its run.
    pub fn never() -> Pattern {
        // An empty set of patterns builds by definition.
        let re = Regex::new_many::<&str>(&[]).unwrap_or_else(|_| unreachable!());
        Pattern {
            re,
            empty: false,
            source: "".into(),
        }
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches anywhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.re.is_match(text)
    }

    /// The leftmost-first match.
    pub fn find<'h>(&self, text: &'h str) -> Option<Found<'h>> {
        self.find_iter(text).next()
    }

    /// A match that starts at the first byte of `text`, if any.
    pub fn find_at_start<'h>(&self, text: &'h str) -> Option<Found<'h>> {
        let m = self.re.find(Input::new(text).anchored(Anchored::Yes))?;
        Found::new(text, m.start(), m.end())
    }

    /// Successive non-overlapping matches.
    pub fn find_iter<'r, 'h>(&'r self, text: &'h str) -> impl Iterator<Item = Found<'h>> + 'r
    where
        'h: 'r,
    {
        self.re
            .find_iter(text)
            .filter_map(move |m| Found::new(text, m.start(), m.end()))
    }

    /// How many matches [`Pattern::find_iter`] gives, counted no further
    /// than `enough`. Where a match ends is where the next search starts,
    /// so only the forward search runs.
    pub fn count(&self, text: &str, enough: usize) -> usize {
        if self.empty {
            return self.find_iter(text).take(enough).count();
        }
        let (mut n, mut at) = (0, 0);
        while n < enough && at < text.len() {
            match self.re.search_half(&Input::new(text).range(at..)) {
                Some(end) if end.offset() > at => (n, at) = (n + 1, end.offset()),
                _ => break,
            }
        }
        n
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
        self.re
            .captures_iter(text)
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

/// A rule file's pattern: case-insensitive, UTF-8.
pub fn compile(pat: &str) -> Result<Pattern, PatternError> {
    Pattern::new(pat, Mode::RULE)
}

/// Checks a rule pattern's syntax, for an error that names the pattern.
pub fn check(pat: &str) -> Result<(), PatternError> {
    parse(&ascii_escapes(pat), Mode::RULE).map(drop)
}

/// A pattern written in code (the scorer's dates, financial years,
/// signatures and group cues), case-sensitive unless it says `(?i)`.
/// Panics on an invalid pattern: only for patterns fixed at compile time,
/// every one of which the tests build.
pub fn fixed(pat: &str) -> Pattern {
    match try_fixed(pat) {
        Ok(re) => re,
        Err(e) => panic!("built-in pattern {pat:?} does not compile: {e}"),
    }
}

/// A pattern written in code, case-sensitive unless it says `(?i)`.
pub fn try_fixed(pat: &str) -> Result<Pattern, PatternError> {
    Pattern::new(
        pat,
        Mode {
            case_insensitive: false,
            bytes: true,
        },
    )
}

/// A case-insensitive pattern written in code.
pub fn fixed_ci(pat: &str) -> Result<Pattern, PatternError> {
    Pattern::new(
        pat,
        Mode {
            case_insensitive: true,
            bytes: true,
        },
    )
}

/// A Markdown clean-up pattern, as a `regex` crate `Regex` (it needs
/// `replace_all`). Panics on an invalid pattern, like [`fixed`].
pub fn fixed_regex(pat: &str) -> regex::Regex {
    let escaped = ascii_escapes(pat);
    let build = |unicode: bool| {
        regex::RegexBuilder::new(&escaped)
            .unicode(unicode)
            .size_limit(SIZE_LIMIT)
            .build()
    };
    match build(false).or_else(|_| build(true)) {
        Ok(re) => re,
        Err(e) => panic!("built-in pattern {pat:?} does not compile: {e}"),
    }
}

/// A match in `haystack`, always on character boundaries.
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

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn as_str(&self) -> &'h str {
        // `new` checked both ends.
        self.haystack.get(self.start..self.end).unwrap_or_default()
    }
}

/// The groups of one match.
#[derive(Debug, Clone)]
pub struct Groups<'h> {
    haystack: &'h str,
    caps: Captures,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_escapes_to_ascii_inside_and_outside_classes() {
        assert_eq!(ascii_escapes(r"\bfoo\b"), r"(?-u:\b)foo(?-u:\b)");
        assert_eq!(
            ascii_escapes(r"[\w\s-]"),
            r"[a-zA-Z0-9_\x20\t\n\r\x0B\x0C-]"
        );
        assert_eq!(ascii_escapes(r"\B\W\.\\b"), r"\B\W\.\\b");
        assert_eq!(ascii_escapes(r"[\]\d]\d"), r"[\]0-9](?-u:\d)");
        assert_eq!(ascii_escapes("é\\"), "é\\");
    }

    #[test]
    fn ascii_escapes_match_like_unicode_ones_on_english() {
        let re = compile(r"\bboard\s+of\s+\w+\b").unwrap();
        for text in [
            "approved by the Board of Directors",
            "the “board of trustees”",
            "BOARD  OF  GOVERNORS.",
        ] {
            let unicode = regex::RegexBuilder::new(r"\bboard\s+of\s+\w+\b")
                .case_insensitive(true)
                .build()
                .unwrap();
            assert_eq!(
                re.find(text).map(|m| m.range()),
                unicode.find(text).map(|m| m.range()),
                "{text}"
            );
        }
    }

    #[test]
    fn byte_mode_gaps_never_split_a_character() {
        let re = try_fixed(r"on[^.]{0,3}").unwrap();
        // The gap would stop inside "é" (two bytes): that match is dropped.
        for m in re.find_iter("on é. on ab.") {
            assert!(m.as_str().is_char_boundary(m.as_str().len()));
        }
        assert_eq!(re.find("on ab.").map(|m| m.as_str()), Some("on ab"));
    }

    #[test]
    fn non_ascii_classes_build_in_unicode_mode() {
        let re = fixed_ci(r"[’']s\b").unwrap();
        assert!(re.is_match("the company’s policy"));
        assert!(re.is_match("THE COMPANY'S POLICY"));
    }

    #[test]
    fn case_follows_the_flavour() {
        assert!(compile("Board").unwrap().is_match("the board"));
        assert!(!fixed("Board").is_match("the board"));
        assert!(fixed("(?i)Board").is_match("the board"));
        assert!(fixed_ci("Board").unwrap().is_match("the board"));
    }

    #[test]
    fn groups_by_number_and_name() {
        let re = fixed(r"(?P<day>\d{1,2}) (\w+) (?P<year>\d{4})");
        let g = re.captures("on 14 July 2024.").unwrap();
        assert_eq!(g.name("day").unwrap().as_str(), "14");
        assert_eq!(g.get(2).unwrap().as_str(), "July");
        assert_eq!(g.name("year").unwrap().range(), 11..15);
        assert!(g.name("month").is_none());
    }

    #[test]
    fn anchored_at_start_only() {
        let re = fixed(r"Signed");
        assert!(re.find_at_start("Signed: J Doe").is_some());
        assert!(re.find_at_start("Not Signed").is_none());
    }

    #[test]
    fn counting_agrees_with_iterating_and_stops_when_told() {
        for (pat, text) in [
            (r"\bthe\b", "the cat and the dog and THE bird"),
            (r"a*", "baaab a"),
            (r"\d+", "1 22 333 4444"),
            (r"x", ""),
        ] {
            let re = compile(pat).unwrap();
            let all = re.find_iter(text).count();
            assert_eq!(re.count(text, usize::MAX), all, "{pat}");
            assert_eq!(re.count(text, 2), all.min(2), "{pat}");
        }
    }

    #[test]
    fn split_gives_the_pieces_between_matches() {
        let re = fixed(r"\s*;\s*");
        let pieces: Vec<&str> = re.split("A Ltd; B Ltd ;C").collect();
        assert_eq!(pieces, ["A Ltd", "B Ltd", "C"]);
    }

    #[test]
    fn a_bad_pattern_is_an_error_not_a_panic() {
        assert!(compile("(unclosed").is_err());
        assert!(check("[z-a]").is_err());
        assert!(try_fixed(r"\p{NoSuchClass}").is_err());
    }
}

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

use regex::{Regex, RegexBuilder};
use regex_automata::{Anchored, Input, Match, meta, nfa::thompson::WhichCaptures, util::syntax};

/// Rewrites `\b`, `\w`, `\s` and `\d` to their ASCII forms (inside a
/// character class, `\w`, `\s` and `\d` become their ASCII ranges);
/// everything else is kept byte for byte. `\B`, `\W`, `\S` and `\D` stay
/// Unicode: their ASCII forms could match inside a UTF-8 character.
pub fn ascii_escapes(pat: &str) -> String {
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

/// Builds `pat` (already rewritten by [`ascii_escapes`]) with Unicode mode
/// off when the pattern allows it, else with it on. Unicode mode costs most
/// of a rulebook's build time (case folding and UTF-8 automata for every
/// class) and buys nothing on patterns that are ASCII apart from literal
/// `£` or `’`: off, case folding is ASCII and the other escapes are already
/// ASCII. A `str` regex refuses Unicode-off patterns that could match
/// invalid UTF-8 (`.`, `[^x]`, `\W`); those are built with Unicode on.
fn build_str(pat: &str, case_insensitive: bool) -> Result<Regex, regex::Error> {
    let build = |unicode: bool| {
        RegexBuilder::new(pat)
            .case_insensitive(case_insensitive)
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
pub fn compile(pat: &str) -> Result<RulePattern, regex_automata::meta::BuildError> {
    RulePattern::new(&ascii_escapes(pat))
}

/// A compiled rule pattern. Built without a literal prefilter: word lists
/// are alternations of short, case-folded words, whose prefilter (many
/// two-byte fingerprints) flagged nearly every position of a statement and
/// cost more than the lazy DFA scan it was meant to skip, and building it
/// was a third of the rulebook's compile time (BENCHMARKS.md, "Checker").
#[derive(Debug, Clone)]
pub struct RulePattern(meta::Regex);

impl RulePattern {
    fn new(pat: &str) -> Result<RulePattern, meta::BuildError> {
        let build = |unicode: bool| {
            meta::Regex::builder()
                .configure(
                    meta::Config::new()
                        .auto_prefilter(false)
                        .onepass(false)
                        .backtrack(false)
                        .which_captures(WhichCaptures::Implicit)
                        .nfa_size_limit(Some(SIZE_LIMIT))
                        .hybrid_cache_capacity(SIZE_LIMIT),
                )
                .syntax(
                    syntax::Config::new()
                        .case_insensitive(true)
                        .unicode(unicode),
                )
                .build(pat)
        };
        build(false).or_else(|_| build(true)).map(RulePattern)
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }

    /// The leftmost-first match.
    pub fn find(&self, text: &str) -> Option<Match> {
        self.0.find(text)
    }

    /// A match that starts at the first byte of `text`, if any.
    pub fn find_at_start(&self, text: &str) -> Option<Match> {
        self.0.find(Input::new(text).anchored(Anchored::Yes))
    }

    /// Successive non-overlapping matches.
    pub fn find_iter<'r, 'h>(&'r self, text: &'h str) -> impl Iterator<Item = Match> + 'r
    where
        'h: 'r,
    {
        self.0.find_iter(text)
    }
}

/// A case-insensitive pattern written in code, as a full `Regex`.
pub fn fixed_ci(pat: &str) -> Result<Regex, regex::Error> {
    build_str(&ascii_escapes(pat), true)
}

/// A pattern written in code, case-sensitive unless it says `(?i)`.
/// Panics on an invalid pattern: only for patterns fixed at compile time,
/// which the tests build.
pub fn fixed(pat: &str) -> Regex {
    match try_fixed(pat) {
        Ok(re) => re,
        Err(e) => panic!("built-in pattern {pat:?} does not compile: {e}"),
    }
}

/// A pattern written in code, case-sensitive unless it says `(?i)`.
pub fn try_fixed(pat: &str) -> Result<Regex, regex::Error> {
    build_str(&ascii_escapes(pat), false)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn class_spaces_survive_verbose_mode() {
        // In `(?x)` a literal space inside a class is ignored: the expansion
        // must spell it `\x20`.
        let re = fixed(r"(?x) 12 [\s\-]+ June");
        assert!(re.is_match("12 June"));
        assert!(re.is_match("12-June"));
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

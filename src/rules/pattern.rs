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

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

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

/// A case-insensitive rule pattern (`(?-i)` inside turns that off).
pub fn compile(pat: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&ascii_escapes(pat))
        .case_insensitive(true)
        .size_limit(1 << 24)
        .dfa_size_limit(1 << 24)
        .build()
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
    RegexBuilder::new(&ascii_escapes(pat))
        .size_limit(1 << 24)
        .dfa_size_limit(1 << 24)
        .build()
}

/// A case-insensitive set of rule patterns, tested in one pass.
pub fn compile_set(pats: &[String]) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(pats.iter().map(|p| ascii_escapes(p)))
        .case_insensitive(true)
        .size_limit(1 << 26)
        .dfa_size_limit(1 << 26)
        .build()
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

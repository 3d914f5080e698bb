//! How rule patterns become regexes. Patterns are written with `\b` and
//! `\B` as a reader expects; they are compiled as ASCII word boundaries
//! (`(?-u:\b)`) because a Unicode `\b` makes the regex crate's lazy DFA give
//! up at the first non-ASCII byte (a curly quote, a £ sign) and fall back to
//! an engine ~10× slower. For the English text of statements the two agree:
//! they differ only next to non-ASCII letters, and an ASCII boundary can
//! never split a UTF-8 character.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Rewrites every `\b` / `\B` escape outside a character class to its ASCII
/// form; everything else is kept byte for byte.
pub fn ascii_boundaries(pat: &str) -> String {
    let mut out = String::with_capacity(pat.len() + 16);
    let mut chars = pat.chars();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('b') if class_depth == 0 => out.push_str(r"(?-u:\b)"),
                Some('B') if class_depth == 0 => out.push_str(r"(?-u:\B)"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
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

/// A case-insensitive rule pattern (`(?-i)` inside turns that off).
pub fn compile(pat: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&ascii_boundaries(pat))
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
    RegexBuilder::new(&ascii_boundaries(pat))
        .size_limit(1 << 24)
        .dfa_size_limit(1 << 24)
        .build()
}

/// A case-insensitive set of rule patterns, tested in one pass.
pub fn compile_set(pats: &[String]) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(pats.iter().map(|p| ascii_boundaries(p)))
        .case_insensitive(true)
        .size_limit(1 << 26)
        .dfa_size_limit(1 << 26)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_boundaries_outside_classes_only() {
        assert_eq!(ascii_boundaries(r"\bfoo\B"), r"(?-u:\b)foo(?-u:\B)");
        assert_eq!(ascii_boundaries(r"\\b[\b]"), r"\\b[\b]");
        assert_eq!(ascii_boundaries(r"[a\]b]\b"), r"[a\]b](?-u:\b)");
        assert_eq!(ascii_boundaries(r"\d\s\w"), r"\d\s\w");
    }

    #[test]
    fn ascii_boundaries_match_like_unicode_ones_on_english() {
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

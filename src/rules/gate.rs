//! Words a pattern cannot match without. A pattern with a word-spanning gap
//! (`risks?\b[\s\S]{0,140}\b(?:cotton|cocoa)`) gets a lazy DFA of its own,
//! and that DFA is walked over a sentence only when the sentence holds the
//! pattern's necessary words: here one of "risk", and one of "cotton" or
//! "cocoa". The test is necessary, never sufficient, so a match can never
//! be lost; it only spares walks that could not match. Why the DFAs are
//! split and gated: BENCHMARKS.md, "Checker", stop 15.

use regex_syntax::hir::{Class, Hir, HirKind};

/// A necessary condition: the sentence holds at least one of these
/// strings (ASCII-lowercased; matched ASCII-case-insensitively).
pub(crate) type Factor = Vec<Vec<u8>>;

/// Most strings an exact language is enumerated to.
const MAX_STRINGS: usize = 64;
/// Most distinct bytes (or characters) a class may have to count as exact.
const MAX_CLASS: usize = 4;
/// Most strings in a factor worth testing.
const MAX_FACTOR: usize = 96;
/// Factors kept per pattern: each one more is a stronger test.
pub(crate) const MAX_FACTORS: usize = 2;
/// Shortest word worth testing: shorter ones ("to", "up") are in nearly
/// every sentence. Symbols (`%`, `£`) are tested whatever their length.
const MIN_WORD: usize = 3;

/// Common words that tell little about a sentence: they score as if they
/// were one byte long.
const COMMON: &[&str] = &[
    "about", "also", "been", "could", "each", "from", "have", "into", "made", "make", "more",
    "most", "only", "other", "over", "should", "some", "such", "than", "that", "their", "them",
    "there", "these", "they", "this", "those", "what", "when", "where", "which", "will", "with",
    "within", "would", "year",
];

/// Up to [`MAX_FACTORS`] of the best necessary factors of `hir`, best
/// first; empty when none is worth testing (the DFA is then always walked).
pub(crate) fn factors(hir: &Hir) -> Vec<Factor> {
    let info = info(hir);
    let mut best = ranked(info.factors.into_iter().chain(info.exact));
    best.truncate(MAX_FACTORS);
    best
}

/// What is known of a sub-pattern: its whole language when small, and
/// factors every match of it contains.
#[derive(Default)]
struct Info {
    exact: Option<Vec<Vec<u8>>>,
    factors: Vec<Factor>,
}

impl Info {
    fn exact(strings: Vec<Vec<u8>>) -> Info {
        Info {
            exact: Some(strings),
            factors: Vec::new(),
        }
    }
}

fn info(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info::exact(vec![Vec::new()]),
        HirKind::Literal(l) => Info::exact(vec![l.0.to_ascii_lowercase()]),
        HirKind::Class(c) => class_strings(c).map(Info::exact).unwrap_or_default(),
        HirKind::Capture(c) => info(&c.sub),
        HirKind::Repetition(r) => {
            let sub = info(&r.sub);
            if let (Some(ex), Some(max)) = (&sub.exact, r.max)
                && max <= 3
                && let Some(strings) = powers(ex, r.min, max)
            {
                return Info::exact(strings);
            }
            if r.min == 0 {
                return Info::default();
            }
            // At least one copy: whatever it needs, the repeat needs.
            let mut factors = sub.factors;
            factors.extend(sub.exact);
            Info {
                exact: None,
                factors,
            }
        }
        HirKind::Alternation(branches) => {
            let infos: Vec<Info> = branches.iter().map(info).collect();
            let exact = infos
                .iter()
                .map(|i| i.exact.clone())
                .collect::<Option<Vec<_>>>()
                .and_then(|sets| union(sets, MAX_STRINGS));
            // A match is a match of some branch, so it holds one of every
            // branch's best factor's strings; and one of every branch's
            // second best (or best, if it has one only).
            let ranked: Option<Vec<Vec<Factor>>> = infos
                .into_iter()
                .map(|i| {
                    let r = ranked(i.factors.into_iter().chain(i.exact));
                    (!r.is_empty()).then_some(r)
                })
                .collect();
            let factors = ranked
                .map(|branches| {
                    (0..MAX_FACTORS)
                        .filter_map(|k| {
                            union(
                                branches.iter().map(|r| r[k.min(r.len() - 1)].clone()),
                                MAX_FACTOR,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            Info { exact, factors }
        }
        HirKind::Concat(parts) => {
            let mut factors = Vec::new();
            let mut run: Vec<Vec<u8>> = vec![Vec::new()];
            let mut all_exact = true;
            for part in parts {
                let i = info(part);
                factors.extend(i.factors);
                match i.exact {
                    Some(ex) => match product(&run, &ex) {
                        Some(longer) => run = longer,
                        None => {
                            // Too many spellings: the run so far is one
                            // factor, and a new run starts here.
                            factors.push(std::mem::replace(&mut run, ex));
                            all_exact = false;
                        }
                    },
                    None => {
                        factors.push(std::mem::replace(&mut run, vec![Vec::new()]));
                        all_exact = false;
                    }
                }
            }
            if all_exact {
                Info {
                    exact: Some(run),
                    factors,
                }
            } else {
                factors.push(run);
                Info {
                    exact: None,
                    factors,
                }
            }
        }
    }
}

/// A small class's members as strings (ASCII-lowercased, deduplicated).
fn class_strings(class: &Class) -> Option<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut push = |s: Vec<u8>| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    match class {
        Class::Bytes(c) => {
            let n: usize = c
                .ranges()
                .iter()
                .map(|r| usize::from(r.end() - r.start()) + 1)
                .sum();
            if n > 4 * MAX_CLASS {
                return None;
            }
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    push(vec![b.to_ascii_lowercase()]);
                }
            }
        }
        Class::Unicode(c) => {
            let n: usize = c
                .ranges()
                .iter()
                .map(|r| (u32::from(r.end()) - u32::from(r.start())) as usize + 1)
                .sum();
            if n > 4 * MAX_CLASS {
                return None;
            }
            for r in c.ranges() {
                for ch in r.start()..=r.end() {
                    let mut buf = [0u8; 4];
                    push(ch.encode_utf8(&mut buf).as_bytes().to_ascii_lowercase());
                }
            }
        }
    }
    (out.len() <= MAX_CLASS).then_some(out)
}

/// Every concatenation of a string of `a` then one of `b`, if few enough.
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len().saturating_mul(b.len()) > MAX_STRINGS {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    Some(out)
}

/// The strings of `min` to `max` copies of `strings`, if few enough.
fn powers(strings: &[Vec<u8>], min: u32, max: u32) -> Option<Vec<Vec<u8>>> {
    let mut power: Vec<Vec<u8>> = vec![Vec::new()];
    let mut out: Vec<Vec<u8>> = Vec::new();
    for k in 0..=max {
        if k >= min {
            out.extend(power.iter().cloned());
        }
        if k < max {
            power = product(&power, strings)?;
        }
    }
    union([out], MAX_STRINGS)
}

fn union<I: IntoIterator<Item = Vec<Vec<u8>>>>(sets: I, cap: usize) -> Option<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for s in sets.into_iter().flatten() {
        if !out.contains(&s) {
            out.push(s);
            if out.len() > cap {
                return None;
            }
        }
    }
    Some(out)
}

/// The usable ones of `factors`, best first by [`score`] (among equals,
/// fewer strings), without repeats.
fn ranked(factors: impl Iterator<Item = Factor>) -> Vec<Factor> {
    let mut scored: Vec<(usize, Factor)> =
        factors.filter_map(reduce).map(|f| (score(&f), f)).collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.len().cmp(&b.1.len())));
    let mut out: Vec<Factor> = Vec::with_capacity(scored.len());
    for (_, f) in scored {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Drops strings holding another of the factor's strings (the shorter
/// one's presence already says as much); `None` if the factor is not worth
/// testing: too big, or holding a string too short to tell anything (the
/// empty string makes it always true).
fn reduce(mut f: Factor) -> Option<Factor> {
    f.sort_by_key(Vec::len);
    f.dedup();
    if f.is_empty() || !f.iter().all(|s| telling(s)) {
        return None;
    }
    let mut kept: Factor = Vec::with_capacity(f.len());
    for s in f {
        if !kept.iter().any(|k| contains(&s, k)) {
            kept.push(s);
        }
    }
    (kept.len() <= MAX_FACTOR).then_some(kept)
}

/// A word of [`MIN_WORD`] bytes or more, or a symbol: not a letter,
/// digit, space or common punctuation.
fn telling(s: &[u8]) -> bool {
    s.len() >= MIN_WORD
        || (!s.is_empty()
            && s.iter()
                .all(|&b| !b.is_ascii() || matches!(b, b'$' | b'%' | b'&' | b'@' | b'#')))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
}

/// How telling a factor is: its shortest string's length (capped), with
/// common words counted as one byte and symbols as four.
fn score(f: &Factor) -> usize {
    f.iter()
        .map(|s| {
            let word = s.trim_ascii();
            if COMMON.iter().any(|c| c.as_bytes() == word) {
                1
            } else if word.len() < MIN_WORD {
                4
            } else {
                word.len().min(8)
            }
        })
        .min()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{pattern::ascii_escapes, sentence_set::parse};

    fn of(pat: &str) -> Vec<Vec<String>> {
        let hir = parse(&[ascii_escapes(pat)]).unwrap().remove(0);
        factors(&hir)
            .into_iter()
            .map(|f| {
                f.into_iter()
                    .map(|s| String::from_utf8(s).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn words_on_both_sides_of_a_gap_are_needed() {
        let got = of(r"\brisks?\b[\s\S]{0,140}\b(?:cotton|cocoa|tier\s*[23])\b");
        assert_eq!(got.len(), 2);
        assert!(got.contains(&vec!["risk".to_string()]), "{got:?}");
        assert!(
            got.contains(&vec![
                "tier".to_string(),
                "cocoa".to_string(),
                "cotton".to_string()
            ]),
            "{got:?}"
        );
    }

    #[test]
    fn case_and_small_classes_are_spelled_out() {
        let got = of(r"\brecogni[sz]ed\s+as\s+(?-i:Board)");
        assert!(
            got.contains(&vec!["recognised".to_string(), "recognized".to_string()]),
            "{got:?}"
        );
        assert!(got.contains(&vec!["board".to_string()]), "{got:?}");
    }

    #[test]
    fn optional_and_common_words_are_not_needed() {
        assert_eq!(
            of(r"(?:zero\s+)?tolerance[^.]*$"),
            vec![vec!["tolerance".to_string()]]
        );
        // A common word is tested, but after a telling one.
        assert_eq!(
            of(r"\bwith\s+(?:\w+\s+){0,5}policy\b"),
            vec![vec!["policy".to_string()], vec!["with".to_string()]]
        );
        assert!(of(r"\bto\s+(?:\w+\s+){0,5}up\b").is_empty());
        // A branch with nothing needed makes the alternation need nothing.
        assert!(of(r"\bslavery\b[^.]{0,40}(?:\d+|x)|\w+\s+\w+[^.]*").is_empty());
    }

    #[test]
    fn an_alternation_needs_one_word_of_each_branch() {
        let got = of(r"\bsupplier\w*\b[^.]{0,60}\baudit|\bclauses?\b[^.]{0,60}\bcontract");
        let words = |f: &[&str]| f.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                words(&["supplier", "contract"]),
                words(&["audit", "clause"])
            ]
        );
    }

    #[test]
    fn a_unicode_class_keeps_every_spelling() {
        // With Unicode on, a case-insensitive `k` is also the Kelvin sign.
        let hir = parse(&[r"\p{Lu}\s+kit\b".to_string()]).unwrap().remove(0);
        let got = factors(&hir);
        assert!(got[0].contains(&b"kit".to_vec()), "{got:?}");
        assert!(
            got[0].contains(&"\u{212A}it".as_bytes().to_vec()),
            "{got:?}"
        );
    }
}

//! One pass over a sentence for every pattern set: every signal and
//! look-alike of every set is a pattern of one multi-pattern `meta`
//! regex, and a search reports which of them match anywhere in the
//! sentence (`which_overlapping_matches`). A proximity signal ([`Near`]:
//! these words within so many words of each other) is matched beside it.
//! Each set owns a contiguous run of member ids ([`Part`]).

use super::matcher::{self, Mode, Pattern, PatternError};
use regex_automata::{Input, MatchKind, PatternSet, meta::Regex};
use regex_syntax::hir::Hir;

/// Set patterns fold case and may step through bytes in their gaps: a
/// match is only ever asked whether it exists.
const SET_MODE: Mode = Mode {
    case_insensitive: true,
    bytes: true,
};

/// Where one set's members are in the scan: `first..first + signals` are
/// its signals, then `nots` look-alikes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Part {
    pub first: usize,
    pub signals: usize,
    pub nots: usize,
}

impl Part {
    pub fn end(&self) -> usize {
        self.first + self.signals + self.nots
    }
}

/// A member of a set: a pattern, or terms that must all occur within a
/// number of words of each other.
pub enum Member {
    Pattern(Hir),
    Near(Near),
}

/// Every term matches in the sentence, and one match of each lies inside
/// a window of at most `within` words (in any order).
#[derive(Clone, Debug)]
pub struct Near {
    pub terms: Vec<Pattern>,
    pub within: usize,
}

impl Near {
    pub fn new(terms: &[String], within: usize) -> Result<Near, PatternError> {
        let terms = terms
            .iter()
            .map(|t| matcher::compile(t))
            .collect::<Result<_, _>>()?;
        Ok(Near { terms, within })
    }

    /// Whether the terms occur close enough together in `sentence`.
    pub fn is_match(&self, sentence: &str) -> bool {
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        let mut starts: Option<Vec<usize>> = None;
        for (t, term) in self.terms.iter().enumerate() {
            let before = spans.len();
            for m in term.find_iter(sentence) {
                let starts = starts.get_or_insert_with(|| word_starts(sentence));
                let word = |o: usize| starts.partition_point(|s| *s <= o).saturating_sub(1);
                let last = m.end().saturating_sub(1).max(m.start());
                spans.push((word(m.start()), word(last), t));
            }
            if spans.len() == before {
                return false;
            }
        }
        spans.sort_unstable();
        within_window(&spans, self.terms.len(), self.within)
    }
}

/// Where each whitespace-separated word of `s` starts.
fn word_starts(s: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut after_space = true;
    for (i, c) in s.char_indices() {
        let space = c.is_whitespace();
        if !space && after_space {
            starts.push(i);
        }
        after_space = space;
    }
    starts
}

/// Whether some window of at most `within` words holds a span of every
/// term: `spans` are (first word, last word, term), sorted. Some span
/// starts every smallest window, so only those starts are tried.
fn within_window(spans: &[(usize, usize, usize)], terms: usize, within: usize) -> bool {
    spans.iter().enumerate().any(|(i, &(first, _, _))| {
        let mut seen = vec![false; terms];
        for &(start, end, t) in &spans[i..] {
            if start >= first + within {
                break;
            }
            if end < first + within {
                seen[t] = true;
            }
        }
        seen.iter().all(|s| *s)
    })
}

/// The compiled scan of every set's members.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    re: Option<Regex>,
    /// Pattern ids of the regex → member ids.
    ids: Vec<usize>,
    near: Vec<(usize, Near)>,
    len: usize,
}

/// Parses one member pattern as the scan compiles it.
pub fn parse(pat: &str) -> Result<Hir, PatternError> {
    matcher::parse(&matcher::ascii_escapes(pat), SET_MODE)
}

impl Scan {
    /// Builds the scan of `members`, whose ids are their positions.
    pub fn build(members: Vec<Member>) -> Result<Scan, PatternError> {
        let (mut hirs, mut ids, mut near) = (Vec::new(), Vec::new(), Vec::new());
        for (id, m) in members.into_iter().enumerate() {
            match m {
                Member::Pattern(hir) => {
                    hirs.push(hir);
                    ids.push(id);
                }
                Member::Near(n) => near.push((id, n)),
            }
        }
        let re = if hirs.is_empty() {
            None
        } else {
            Some(matcher::build(&hirs, MatchKind::All)?)
        };
        Ok(Scan {
            re,
            len: hirs.len(),
            ids,
            near,
        })
    }

    /// Ids of the members that match somewhere in `sentence`, ascending.
    pub fn matches(&self, sentence: &str) -> Vec<usize> {
        let mut out = Vec::new();
        if let Some(re) = &self.re {
            let mut found = PatternSet::new(self.len);
            re.which_overlapping_matches(&Input::new(sentence), &mut found);
            out.extend(found.iter().map(|p| self.ids[p.as_usize()]));
        }
        let before = out.len();
        out.extend(
            self.near
                .iter()
                .filter(|(_, n)| n.is_match(sentence))
                .map(|(id, _)| *id),
        );
        if out.len() > before {
            out.sort_unstable();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(pats: &[&str]) -> Scan {
        let members = pats.iter().map(|p| Member::Pattern(parse(p).unwrap()));
        Scan::build(members.collect()).unwrap()
    }

    fn near(terms: &[&str], within: usize) -> Near {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        Near::new(&terms, within).unwrap()
    }

    #[test]
    fn near_terms_match_within_the_window_in_any_order() {
        let n = near(&[r"\bapproved\b", r"\bboard\b"], 6);
        assert!(n.is_match("This statement was approved by the Board on 1 May."));
        assert!(n.is_match("The Board of Directors has approved it."));
        assert!(
            !n.is_match("It was approved last year after a long and careful review by the board.")
        );
        assert!(!n.is_match("The board met."));
        // Words count, not characters: a long word is one word.
        let n = near(&[r"\bsigned\b", r"\bdirector\b"], 3);
        assert!(n.is_match("signed, Managing-Director-and-Chairperson-of-the-Group"));
        assert!(!n.is_match("signed by our new director"));
        assert!(n.is_match("director: signed"));
    }

    #[test]
    fn near_members_take_their_place_among_the_ids() {
        let members = vec![
            Member::Pattern(parse(r"\bzzz\b").unwrap()),
            Member::Near(near(&[r"\brisk\b", r"\bsuppliers?\b"], 5)),
            Member::Pattern(parse(r"\bhigh\b").unwrap()),
        ];
        let s = Scan::build(members).unwrap();
        assert_eq!(s.matches("High risk suppliers were visited."), vec![1, 2]);
        assert_eq!(s.matches("zzz high"), vec![0, 2]);
    }

    #[test]
    fn reports_every_member_that_matches_anywhere() {
        let s = scan(&[
            r"\bboard\b",
            r"\bapprov\w+",
            r"\bnever\b",
            r"board[^.]{0,20}approved",
        ]);
        assert_eq!(s.matches("The Board has approved it."), vec![0, 1, 3]);
        assert_eq!(s.matches("nothing"), Vec::<usize>::new());
        assert_eq!(s.matches("NEVER"), vec![2]);
    }

    #[test]
    fn gaps_that_span_words_and_non_ascii_text_are_found() {
        let s = scan(&[
            r"\b(?:employ|employs)\s+(?:\w+\s+){0,3}people\b",
            r"[’']s\s+policy",
        ]);
        assert_eq!(
            s.matches("We employ over 2,000 skilled people — the company’s policy"),
            vec![1]
        );
        assert_eq!(s.matches("We employ many skilled people."), vec![0]);
    }

    #[test]
    fn an_empty_scan_matches_nothing() {
        assert!(
            Scan::build(Vec::new())
                .unwrap()
                .matches("anything")
                .is_empty()
        );
    }
}

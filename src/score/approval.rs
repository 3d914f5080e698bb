//! Approval of the statement (s.54(6)(a)/(b); rules.md §3.3 PAT-APPROVAL).
//! `present` only for the board or an equivalent governing body (MAP-EQUIV);
//! a committee, an executive team, one person, delegation, or "reviewed by /
//! presented to" wording is recorded in `body` with the reason it does not count.

use super::dates::{FoundDate, first_date, first_event_date};
use super::sentences::Sentence;
use crate::domain::Document;
use crate::rules::{Pattern, Rulebook};

/// How the approver was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApproverKind {
    /// Nothing but a date ("Date of approval: …").
    Unnamed,
    /// One person (a director, the CEO).
    Individual,
    /// An executive team or senior management.
    Executive,
    /// The board delegated approval.
    Delegated,
    /// A committee (of the board or otherwise).
    Committee,
    /// "Reviewed by / presented to / endorsed by the Board".
    Weak,
    /// The board of directors or an equivalent governing body.
    Board,
}

/// One approval-like statement.
#[derive(Debug, Clone)]
pub struct ApprovalCandidate {
    pub kind: ApproverKind,
    pub body: Option<String>,
    pub date: Option<FoundDate>,
    /// Byte offset of the date in the document (`date` offsets are relative).
    pub date_abs: Option<(usize, usize)>,
    pub span: (usize, usize),
}

impl ApprovalCandidate {
    pub fn present(&self) -> bool {
        self.kind == ApproverKind::Board
    }
}

/// What the approval detector found.
#[derive(Debug, Clone, Default)]
pub struct ApprovalFound {
    pub best: Option<ApprovalCandidate>,
    pub all: Vec<ApprovalCandidate>,
}

struct Lex<'a> {
    verbs: &'a Pattern,
    weak: &'a Pattern,
    delegation: &'a Pattern,
    board: &'a Pattern,
    committee: &'a Pattern,
    executive: &'a Pattern,
    statement: &'a Pattern,
    other_doc: &'a Pattern,
    roles: &'a Pattern,
}

fn lex(rules: &Rulebook) -> Option<Lex<'_>> {
    Some(Lex {
        verbs: rules.lexicon("approval_verbs")?,
        weak: rules.lexicon("weak_approval_verbs")?,
        delegation: rules.lexicon("delegation")?,
        board: rules.lexicon("board_bodies")?,
        committee: rules.lexicon("committee_bodies")?,
        executive: rules.lexicon("executive_bodies")?,
        statement: rules.lexicon("statement_self")?,
        other_doc: rules.lexicon("other_document")?,
        roles: rules.lexicon("roles")?,
    })
}

/// Words that end the approver phrase after "by".
const STOPS: &[&str] = &[
    " on ",
    " at ",
    " in ",
    " and signed",
    " and is ",
    " and will",
    " and was",
    " and has",
    " for ",
    " with ",
    " who ",
    " following",
    " during",
    " as ",
    " under ",
    " prior ",
    " before ",
    " after ",
    " dated ",
    " this ",
    " and it",
    " and signed",
];

fn approver_after_by(after: &str) -> Option<(usize, usize)> {
    let t = after.trim_start();
    let lead = after.len() - t.len();
    let lower = t.to_lowercase();
    let rest = lower.strip_prefix("by ")?;
    let base = lead + 3;
    let mut end = rest.len().min(140);
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    for stop in [".", ";", "\n\n", "(", ":"] {
        if let Some(p) = rest[..end].find(stop) {
            // "Inc." / "Ltd." inside a name: keep going only for a known suffix.
            end = p;
        }
    }
    let padded = format!("{} ", &rest[..end]);
    for stop in STOPS {
        if let Some(p) = padded.find(stop)
            && p < end
        {
            end = p;
        }
    }
    // A trailing comma clause ("…, a Delaware corporation") is kept short.
    let phrase = rest[..end].trim_end_matches([',', ' ', '\n']);
    if phrase.is_empty() {
        return None;
    }
    Some((base, base + phrase.len()))
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

fn classify(phrase: &str, sentence: &str, lx: &Lex<'_>) -> ApproverKind {
    if lx.delegation.is_match(sentence) {
        return ApproverKind::Delegated;
    }
    let exec: Vec<(usize, usize)> = lx
        .executive
        .find_iter(phrase)
        .map(|m| (m.start(), m.end()))
        .collect();
    let comm: Vec<(usize, usize)> = lx
        .committee
        .find_iter(phrase)
        .map(|m| (m.start(), m.end()))
        .collect();
    let board_free = lx.board.find_iter(phrase).any(|m| {
        let r = (m.start(), m.end());
        !exec.iter().any(|e| overlaps(*e, r)) && !comm.iter().any(|c| overlaps(*c, r))
    });
    let lower = phrase.to_lowercase();
    if !comm.is_empty() && !(board_free && lower.contains(" and the ")) {
        return ApproverKind::Committee;
    }
    if board_free {
        return ApproverKind::Board;
    }
    if !exec.is_empty() {
        return ApproverKind::Executive;
    }
    if lx.roles.is_match(phrase) || looks_like_person(phrase) {
        return ApproverKind::Individual;
    }
    ApproverKind::Unnamed
}

fn looks_like_person(phrase: &str) -> bool {
    let words: Vec<&str> = phrase.split_whitespace().take(4).collect();
    words.len() >= 2
        && words
            .iter()
            .take(2)
            .all(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
}

fn trim_body(s: &str) -> String {
    let t = s
        .trim()
        .trim_start_matches("the ")
        .trim_start_matches("The ")
        .trim();
    let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = t;
    if out.chars().count() > 120 {
        out = out.chars().take(120).collect();
    }
    out
}

/// Finds approval statements.
pub fn detect(doc: &Document, sents: &[Sentence], rules: &Rulebook) -> ApprovalFound {
    let Some(lx) = lex(rules) else {
        return ApprovalFound::default();
    };
    let mut all = Vec::new();
    for (i, s) in sents.iter().enumerate() {
        let text = s.text(doc);
        let verb = lx.verbs.find(text);
        // A weak verb only counts without a strong one.
        let Some(m) = verb.or_else(|| lx.weak.find(text)) else {
            continue;
        };
        let is_weak = verb.is_none();
        let lower = text.to_lowercase();
        if !about_statement(doc, sents, i, &lower, &lx) {
            continue;
        }
        if let Some(od) = lx.other_doc.find(&text[..m.start()])
            && !lx.statement.is_match(&text[..m.start()])
            && !lower[..od.start()].contains("statement")
        {
            continue;
        }
        let (phrase, kind) = approver(text, m.start(), m.end(), &lx);
        let kind = match (is_weak, kind) {
            (true, ApproverKind::Board) => ApproverKind::Weak,
            (true, _) => continue,
            (false, kind) => kind,
        };
        let date = approval_date(doc, sents, i, m.start());
        let body = phrase.map(|p| trim_body(&p)).filter(|p| !p.is_empty());
        all.push(ApprovalCandidate {
            kind,
            body,
            date: date.map(|(d, _)| d),
            date_abs: date.map(|(_, a)| a),
            span: (s.start, s.end),
        });
    }
    let best = all
        .iter()
        .max_by_key(|c| (c.kind, c.date.is_some(), std::cmp::Reverse(c.span.0)))
        .cloned();
    ApprovalFound { best, all }
}

/// Whether sentence `i` (lowercased: `lower`) is about this statement,
/// not a policy or a supplier's document.
fn about_statement(
    doc: &Document,
    sents: &[Sentence],
    i: usize,
    lower: &str,
    lx: &Lex<'_>,
) -> bool {
    let text = sents[i].text(doc);
    let heading_before = i > 0
        && sents[i - 1].heading_like
        && sents[i - 1].text(doc).to_lowercase().contains("approv");
    lx.statement.is_match(text)
        || heading_before
        || lower.trim_start().starts_with("approved")
        || lower.contains("board approval")
        || lower.contains("date of approval")
        || lower.starts_with("it was approved")
        || lower.starts_with("it is approved")
        // "It has been issued …, approved by …" right after a sentence
        // about the statement.
        || (lower.starts_with("it ") && i > 0 && lx.statement.is_match(sents[i - 1].text(doc)))
}

/// The approver of the verb at `start..end` of `text`: "approved by X",
/// else the subject before the verb, and its kind.
fn approver(text: &str, start: usize, end: usize, lx: &Lex<'_>) -> (Option<String>, ApproverKind) {
    let after = &text[end..];
    let Some((a, b)) = approver_after_by(after) else {
        return subject_before(text, start, end, lx);
    };
    let p = &after[a..b];
    let mut kind = classify(p, text, lx);
    // "approved by X Holdings Inc., the sole managing member of Y LLC": the
    // role of the named approver follows it.
    if matches!(kind, ApproverKind::Individual | ApproverKind::Unnamed) {
        let rest = &after[b..];
        let mut cut = rest.len().min(100);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if lx.board.is_match(&rest[..cut]) && !lx.roles.is_match(p) {
            kind = classify(&rest[..cut], text, lx);
        }
    }
    (Some(p.to_string()), kind)
}

/// With no "by": a body in the 80 characters before the verb, or
/// "approval of the Board" after it; else unnamed (or delegated).
fn subject_before(
    text: &str,
    start: usize,
    end: usize,
    lx: &Lex<'_>,
) -> (Option<String>, ApproverKind) {
    let (before, after) = (&text[..start], &text[end..]);
    let tail_from = before
        .char_indices()
        .rev()
        .nth(80)
        .map(|(k, _)| k)
        .unwrap_or(0);
    let tail = &before[tail_from..];
    if lx.board.is_match(tail) || lx.committee.is_match(tail) || lx.executive.is_match(tail) {
        (Some(tail.trim().to_string()), classify(tail, text, lx))
    } else if lx.board.is_match(after) && after.len() < 80 {
        // "Board approval: 12 June 2024" / "approval of the Board"
        (Some(after.trim().to_string()), classify(after, text, lx))
    } else if lx.delegation.is_match(text) {
        (None, ApproverKind::Delegated)
    } else {
        (None, ApproverKind::Unnamed)
    }
}

/// The approval date of sentence `i` whose verb starts at `verb`: in the
/// sentence after the verb, else anywhere in it, else the next short line
/// ("Approved by the Board\n12 June 2024"). A date that bounds the period
/// covered is never the approval's.
fn approval_date(
    doc: &Document,
    sents: &[Sentence],
    i: usize,
    verb: usize,
) -> Option<(FoundDate, (usize, usize))> {
    let s = &sents[i];
    let text = s.text(doc);
    let at = |d: FoundDate, off: usize| (d, (off + d.start, off + d.end));
    if let Some(d) = first_event_date(&text[verb..]) {
        return Some(at(d, s.start + verb));
    }
    if let Some(d) = first_event_date(text) {
        return Some(at(d, s.start));
    }
    let n = sents.get(i + 1).filter(|n| n.end - n.start <= 40)?;
    first_date(n.text(doc)).map(|d| at(d, n.start))
}

/// The date of approval, even when the approval does not count (the
/// registry and the corpus record it either way): the best candidate's, else
/// the first dated candidate's.
pub fn any_date(found: &ApprovalFound) -> Option<(FoundDate, (usize, usize))> {
    if let Some(b) = &found.best
        && let (Some(d), Some(a)) = (b.date, b.date_abs)
    {
        return Some((d, a));
    }
    found.all.iter().find_map(|c| c.date.zip(c.date_abs))
}

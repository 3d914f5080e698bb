//! Signature of the statement (s.54(6); rules.md §3.3 PAT-SIGNATURE).
//! `present` when a named person is presented as signing (or approving /
//! authorising) the statement, or there is an explicit signature block, even
//! with a placeholder or blank name. Name, role and date are read from the
//! block, from "signed by Name, Role", or from a name line followed by a
//! job-title line.

use super::dates::{FoundDate, first_date};
use super::sentences::Sentence;
use crate::domain::Document;
use crate::rules::{Pattern, Rulebook};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SigKind {
    /// A name line near the approval wording, no job title.
    NameAfterApproval,
    /// A name line followed by a job title.
    NameRole,
    /// "signed by Name, Role" / "authorised by Name".
    Inline,
    /// An explicit "Signed:" block.
    Block,
}

#[derive(Debug, Clone)]
pub struct SigCandidate {
    pub kind: SigKind,
    pub name: Option<String>,
    pub role: Option<String>,
    pub date: Option<FoundDate>,
    pub date_abs: Option<(usize, usize)>,
    /// Byte ranges of the evidence.
    pub spans: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Default)]
pub struct SignatureFound {
    pub best: Option<SigCandidate>,
    pub all: Vec<SigCandidate>,
    /// "for and on behalf of the Board" appears (approval hint only).
    pub on_behalf_of_board: Option<(usize, usize)>,
}

impl SignatureFound {
    pub fn present(&self) -> bool {
        self.best.is_some()
    }
    /// Every role named by any signatory, joined (for director checks).
    pub fn roles(&self) -> Vec<&str> {
        self.all.iter().filter_map(|c| c.role.as_deref()).collect()
    }
}

struct Res {
    inline: Pattern,
    placeholder: Pattern,
    date_label: Pattern,
    honorific: Pattern,
    suffix: Pattern,
}

fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        // Constant patterns: failure is a programming error caught by tests.
        let re = |p: &str| crate::rules::matcher::fixed(p);
        Res {
            inline: re(
                r"(?i)\b(?:signed(?:\s+off)?|authori[sz]ed|approved|issued)\s+(?:(?:for\s+and\s+)?on\s+(?:its\s+|their\s+)?behalf(?:\s+of\s+[^,.;]{1,60}?)?\s+)?by\s*:?\s+(?:our\s+|the\s+|its\s+)?",
            ),
            placeholder: re(
                r"(?i)\[[^\]]{0,40}(?:name|signature|signatory|director|insert|date)[^\]]{0,40}\]|_{3,}|\.{6,}|…{2,}|\{\{[^}]*\}\}",
            ),
            date_label: re(r"(?i)^\W*(?:date|dated|signed\s+on)\b\s*:?\s*"),
            honorific: re(
                r"^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Baroness|Baron|Dato|Cllr|Rev|Revd)\.?$",
            ),
            suffix: re(r"^(?:OBE|CBE|MBE|KBE|DBE|CB|FRS|FREng|PhD|Jr|Sr|QC|KC|DL|JP|FCA|ACA|BSc|MA|MBA)[.,]?$"),
        }
    })
}

const PARTICLES: &[&str] = &[
    "de", "van", "der", "von", "da", "di", "del", "al", "bin", "le", "la", "du", "dos",
];

/// Byte length of a person's name at the start of `s`, if it begins with one
/// (2–4 capitalised words, initials allowed, honorifics and honours skipped).
pub fn name_prefix(s: &str, not_name: &Pattern) -> Option<usize> {
    let r = res();
    let mut count = 0usize;
    let mut end = 0usize;
    let mut pos = 0usize;
    for tok in s.split_inclusive(|c: char| c.is_whitespace()) {
        let word = tok.trim();
        let tok_start = pos;
        pos += tok.len();
        if word.is_empty() {
            continue;
        }
        let clean = word.trim_end_matches([',', ';', ':']);
        let trailing_comma = clean.len() != word.len();
        if count == 0 && r.honorific.is_match(clean) {
            end = tok_start + word.len();
            continue;
        }
        if count >= 2 && r.suffix.is_match(clean) {
            end = tok_start + word.len();
            if trailing_comma {
                break;
            }
            continue;
        }
        let is_initial = clean.len() <= 4
            && clean.chars().all(|c| c.is_uppercase() || c == '.')
            && clean.contains('.');
        let first = clean.chars().next();
        let is_cap_word = first.is_some_and(|c| c.is_uppercase())
            && clean
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
            && clean.chars().filter(|c| c.is_alphabetic()).count() >= 2;
        let is_particle = count >= 1 && PARTICLES.contains(&clean);
        if !(is_initial || is_cap_word || is_particle) {
            break;
        }
        if is_cap_word && not_name.is_match(&clean.to_lowercase()) && !is_initial {
            // "Jane Doe Managing Director": the name ends where the title starts.
            if count >= 2 {
                break;
            }
            return None;
        }
        count += 1;
        end = tok_start + clean.len();
        if trailing_comma || count == 4 {
            break;
        }
    }
    (2..=4).contains(&count).then_some(end)
}

/// True when the whole of `s` is a name (and nothing else).
fn whole_name(s: &str, not_name: &Pattern) -> Option<String> {
    let t = s.trim().trim_end_matches(['.', ',']);
    let n = name_prefix(t, not_name)?;
    (n == t.len()).then(|| t.to_string())
}

/// The role at the start of `s` (after a comma or dash), if any.
fn role_at_start(s: &str, roles: &Pattern) -> Option<String> {
    let t = s.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | '-' | '–' | '—' | '|')
    });
    let t = t
        .strip_prefix("a ")
        .or_else(|| t.strip_prefix("the "))
        .unwrap_or(t);
    let m = roles.find(t)?;
    // A title may open with up to three qualifying words ("Group CEO").
    let before = &t[..m.start()];
    let qualifiers_ok = before.len() <= 30
        && before.split_whitespace().count() <= 3
        && before.split_whitespace().all(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c == '&')
        });
    if m.start() > 2 && !qualifiers_ok {
        return None;
    }
    let line = t.lines().next().unwrap_or(t);
    // "Ethics Director Date: 31 December 2019": the date is not the role.
    let line = date_label_in(line).map_or(line, |at| &line[..at]);
    // "Chief Executive 14 July 2024": nor is a bare date after it.
    let line = match super::dates::first_date(line) {
        Some(d) if d.start > 0 => &line[..d.start],
        _ => line,
    };
    let role: String = line
        .trim()
        .trim_end_matches(['.', ','])
        .chars()
        .take(160)
        .collect();
    Some(role)
}

/// Where a "Date:" or "Dated" label starts inside `line`, after its
/// first character (a label at the start is not inside).
fn date_label_in(line: &str) -> Option<usize> {
    let lower = line.to_ascii_lowercase();
    [" date:", " date ", " dated ", " dated:", " signed on "]
        .iter()
        .filter_map(|l| lower.find(l))
        .min()
}

/// A date on one of a sentence's short lines ("Signed in June 2020" under a
/// name and title that sentence splitting kept together): the line must be
/// short and either labelled or mostly the date.
fn date_on_short_line(text: &str) -> Option<FoundDate> {
    let r = res();
    let mut at = 0;
    for line in text.split('\n') {
        let start = at;
        at += line.len() + 1;
        let t = line.trim();
        if t.is_empty() || t.len() > 60 {
            continue;
        }
        let Some(d) = first_date(line) else {
            continue;
        };
        let lower = t.to_ascii_lowercase();
        let labelled = r.date_label.is_match(t) || lower.starts_with("signed");
        if labelled || 2 * (d.end - d.start) >= t.len() {
            return Some(FoundDate {
                start: start + d.start,
                end: start + d.end,
                ..d
            });
        }
    }
    None
}

fn date_near(
    doc: &Document,
    sents: &[Sentence],
    from: usize,
    to: usize,
) -> Option<(FoundDate, (usize, usize))> {
    let r = res();
    for s in sents.iter().take(to.min(sents.len())).skip(from) {
        let text = s.text(doc);
        let labelled = r.date_label.is_match(text);
        if text.len() > 60 && !labelled {
            continue;
        }
        if let Some(d) = first_date(text) {
            return Some((d, (s.start + d.start, s.start + d.end)));
        }
    }
    // Then a short line inside a longer sentence.
    for s in sents.iter().take(to.min(sents.len())).skip(from) {
        if let Some(d) = date_on_short_line(s.text(doc)) {
            return Some((d, (s.start + d.start, s.start + d.end)));
        }
    }
    None
}

/// Finds signatures.
pub fn detect(
    doc: &Document,
    sents: &[Sentence],
    rules: &Rulebook,
    approval_sentences: &[(usize, usize)],
) -> SignatureFound {
    let (Some(labels), Some(roles), Some(not_name), Some(on_behalf), Some(board)) = (
        rules.lexicon("signature_labels"),
        rules.lexicon("roles"),
        rules.lexicon("not_name_words"),
        rules.lexicon("on_behalf"),
        rules.lexicon("board_bodies"),
    ) else {
        return SignatureFound::default();
    };
    let read = Reader {
        doc,
        sents,
        labels,
        roles,
        not_name,
        on_behalf,
        r: res(),
        n: sents.len(),
    };
    let mut all: Vec<SigCandidate> = Vec::new();
    let mut on_behalf_of_board = None;
    let near_anchor: Vec<usize> = sents
        .iter()
        .enumerate()
        .filter(|(_, s)| approval_sentences.iter().any(|a| a.0 == s.start))
        .map(|(i, _)| i)
        .collect();
    // Whether each sentence says "on behalf": asked of every short
    // sentence's neighbours, so each answer is kept once found.
    let mut behalf: Vec<Option<bool>> = vec![None; read.n];
    for (i, s) in sents.iter().enumerate() {
        let text = s.text(doc);
        let m = match behalf[i] {
            Some(false) => None,
            _ => on_behalf.find(text),
        };
        behalf[i] = Some(m.is_some());
        if let Some(m) = m
            && board.is_match(&text[m.end()..])
        {
            on_behalf_of_board.get_or_insert((s.start, s.end));
        }
        if let Some(c) = read.block(i, s, text) {
            all.push(c);
            continue;
        }
        all.extend(read.inline(i, s, text));
        if text.len() <= 200 {
            let after_anchor = near_anchor.iter().any(|a| *a < i && i <= a + 6);
            all.extend(read.name_line(i, s, text, after_anchor, &mut behalf));
        }
    }
    let best = all
        .iter()
        .max_by_key(|c| {
            (
                c.name.is_some() as u8 + c.role.is_some() as u8 + c.date.is_some() as u8,
                c.kind,
            )
        })
        .cloned();
    SignatureFound {
        best,
        all,
        on_behalf_of_board,
    }
}

/// What the candidate readers share: the sentences and the lexicons.
struct Reader<'a> {
    doc: &'a Document,
    sents: &'a [Sentence],
    labels: &'a Pattern,
    roles: &'a Pattern,
    not_name: &'a Pattern,
    on_behalf: &'a Pattern,
    r: &'static Res,
    n: usize,
}

impl SigCandidate {
    fn new(kind: SigKind, name: Option<String>, spans: Vec<(usize, usize)>) -> SigCandidate {
        SigCandidate {
            kind,
            name,
            role: None,
            date: None,
            date_abs: None,
            spans,
        }
    }

    /// The date found at `off` bytes into the document.
    fn dated(&mut self, d: FoundDate, off: usize) {
        self.date_abs = Some((off + d.start, off + d.end));
        self.date = Some(d);
    }
}

impl Reader<'_> {
    /// The first date among sentences `from..to`.
    fn date_between(&self, c: &mut SigCandidate, from: usize, to: usize) {
        if let Some((d, a)) = date_near(self.doc, self.sents, from, to.min(self.n)) {
            c.date = Some(d);
            c.date_abs = Some(a);
        }
    }

    /// (a) An explicit block label at the start of a line, with the name,
    /// position and date on it or on the lines around it.
    fn block(&self, i: usize, s: &Sentence, text: &str) -> Option<SigCandidate> {
        let trimmed = text.trim_start_matches(|c: char| !c.is_alphanumeric());
        let lead = text.len() - trimmed.len();
        let m = self.labels.find_at_start(trimmed)?;
        if !(s.heading_like || trimmed.len() < 160) {
            return None;
        }
        let rest = trimmed[m.end()..].trim_start_matches([':', ' ', '-', '–']);
        // "Signed by Jane Doe", "Signed by: Jane Doe".
        let rest = rest
            .strip_prefix("by")
            .or_else(|| rest.strip_prefix("By"))
            .filter(|r| r.starts_with([' ', ':']))
            .map(|r| r.trim_start_matches([':', ' ']))
            .unwrap_or(rest);
        let rest_lower = rest.to_lowercase();
        // "Signed by the Board" etc. is not a block; "signed in June 2020" is a date.
        if rest_lower.starts_with("on behalf")
            && name_prefix(rest, self.not_name).is_none()
            && !rest_lower.contains("by ")
        {
            return None;
        }
        let mut c = SigCandidate::new(SigKind::Block, None, vec![(s.start, s.end)]);
        if let Some(nl) = name_prefix(rest, self.not_name) {
            c.name = Some(rest[..nl].to_string());
            c.role = role_at_start(&rest[nl..], self.roles);
        }
        if let Some(d) = first_date(rest) {
            c.dated(d, s.start + lead + (trimmed.len() - rest.len()));
        }
        self.block_lines_below(&mut c, i);
        if c.name.is_none() {
            self.name_above(&mut c, i);
        }
        if c.date.is_none() {
            self.date_between(&mut c, i.saturating_sub(3), i + 7);
        }
        Some(c)
    }

    /// The block's following lines: name, position, date, in any order.
    fn block_lines_below(&self, c: &mut SigCandidate, i: usize) {
        let (doc, sents, r) = (self.doc, self.sents, self.r);
        for j in i + 1..(i + 7).min(self.n) {
            let t = sents[j].text(doc);
            let tl = t.to_lowercase();
            if t.len() > 120 {
                break;
            }
            let value = t
                .split_once(':')
                .map(|(k, v)| if k.len() < 20 { v.trim() } else { t })
                .unwrap_or(t);
            if c.name.is_none()
                && !r.placeholder.is_match(t)
                && let Some(nm) = name_prefix(value, self.not_name)
            {
                c.name = Some(value[..nm].to_string());
                if c.role.is_none() {
                    c.role = role_at_start(&value[nm..], self.roles);
                }
                c.spans.push((sents[j].start, sents[j].end));
                continue;
            }
            if c.role.is_none()
                && let Some(role) = role_at_start(value, self.roles)
            {
                c.role = Some(role);
                c.spans.push((sents[j].start, sents[j].end));
                continue;
            }
            if c.date.is_none()
                && let Some(d) = first_date(t)
                && (t.len() < 60 || tl.starts_with("date"))
            {
                c.dated(d, sents[j].start);
                continue;
            }
            let furniture = ["position", "date", "name"]
                .iter()
                .any(|w| tl.starts_with(w));
            if !(r.placeholder.is_match(t) || furniture) {
                break;
            }
        }
    }

    /// A name written just above the label ("Jane Doe / Director / Signed
    /// in June 2024").
    fn name_above(&self, c: &mut SigCandidate, i: usize) {
        for j in (i.saturating_sub(3)..i).rev() {
            let t = self.sents[j].text(self.doc);
            if let Some(nm) = whole_name(t, self.not_name) {
                c.name = Some(nm);
                c.spans.insert(0, (self.sents[j].start, self.sents[j].end));
                if c.role.is_none() && j + 1 < i {
                    c.role = role_at_start(self.sents[j + 1].text(self.doc), self.roles);
                }
                return;
            }
        }
    }

    /// (b) "signed by Name, Role" inside a sentence.
    fn inline(&self, i: usize, s: &Sentence, text: &str) -> Option<SigCandidate> {
        for m in self.r.inline.find_iter(text) {
            let after = &text[m.end()..];
            let Some(nl) = name_prefix(after, self.not_name) else {
                continue;
            };
            let name = Some(after[..nl].to_string());
            let mut c = SigCandidate::new(SigKind::Inline, name, vec![(s.start, s.end)]);
            c.role = role_at_start(&after[nl..], self.roles);
            match first_date(after) {
                Some(d) => c.dated(d, s.start + m.end()),
                None => self.date_between(&mut c, i + 1, i + 4),
            }
            return Some(c);
        }
        None
    }

    /// (c) A name line followed by a job title (same line or the next), or
    /// (d) a bare name right after the approval wording, where a signature
    /// is likely: early, late, after the approval, near "on behalf of".
    fn name_line(
        &self,
        i: usize,
        s: &Sentence,
        text: &str,
        after_anchor: bool,
        behalf: &mut [Option<bool>],
    ) -> Option<SigCandidate> {
        let (doc, sents, n) = (self.doc, self.sents, self.n);
        let late = i * 10 >= n * 6;
        let early = i < 12;
        let behalf_near = (i.saturating_sub(2)..(i + 4).min(n))
            .any(|j| *behalf[j].get_or_insert_with(|| self.on_behalf.is_match(sents[j].text(doc))));
        if !(late || early || after_anchor || behalf_near) {
            return None;
        }
        let nl = name_prefix(text, self.not_name)?;
        let name = Some(text[..nl].to_string());
        let same_line_role = role_at_start(&text[nl..], self.roles);
        let rest_is_empty = text[nl..].trim().trim_matches([',', '.']).is_empty();
        let next_role = if rest_is_empty && i + 1 < n {
            role_at_start(sents[i + 1].text(doc), self.roles)
                .filter(|_| sents[i + 1].end - sents[i + 1].start <= 200)
        } else {
            None
        };
        if let Some(role) = same_line_role.or(next_role.clone()) {
            let mut spans = vec![(s.start, s.end)];
            if next_role.is_some() {
                spans.push((sents[i + 1].start, sents[i + 1].end));
            }
            let mut c = SigCandidate::new(SigKind::NameRole, name, spans);
            c.role = Some(role);
            match first_date(text) {
                Some(d) => c.dated(d, s.start),
                None => self.date_between(&mut c, i.saturating_sub(2), i + 5),
            }
            return Some(c);
        }
        if !(rest_is_empty && (after_anchor || behalf_near) && late) {
            return None;
        }
        let mut c = SigCandidate::new(SigKind::NameAfterApproval, name, vec![(s.start, s.end)]);
        c.role = sents
            .get(i + 1)
            .filter(|x| x.heading_like && x.end - x.start <= 60)
            .map(|x| x.text(doc).trim().to_string());
        self.date_between(&mut c, i + 1, i + 4);
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_name() -> Pattern {
        let rules = Rulebook::embedded().unwrap();
        rules.lexicon("not_name_words").unwrap().clone()
    }

    #[test]
    fn names() {
        let nn = not_name();
        assert_eq!(name_prefix("Jane Doe, Director", &nn), Some(8));
        assert_eq!(name_prefix("Dr Amir K. Shah OBE", &nn), Some(19));
        assert_eq!(name_prefix("JANE DOE", &nn), Some(8));
        assert_eq!(name_prefix("Modern Slavery Statement", &nn), None);
        assert_eq!(name_prefix("Our Supply Chains", &nn), None);
        assert_eq!(name_prefix("Jane", &nn), None);
        assert_eq!(name_prefix("", &nn), None);
    }
}

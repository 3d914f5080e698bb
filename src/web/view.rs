//! View models shared by the self-check report and the statement scorecard:
//! an [`Assessment`] turned into plain strings the templates print (askama
//! escapes every one of them), and the statement text cut into segments with
//! the evidence marked.

use crate::domain::{Area, Assessment, Finding, FindingStatus, Force, Verdict, VerdictBasis};
use std::borrow::Cow;

/// A status as words plus an icon; the CSS class only repeats it in colour.
#[derive(Debug, Clone)]
pub struct Tag {
    pub class: &'static str,
    pub icon: &'static str,
    pub label: Cow<'static, str>,
}

pub fn finding_tag(s: FindingStatus) -> Tag {
    let (icon, label) = match s {
        FindingStatus::Pass => ("✓", "Pass"),
        FindingStatus::Fail => ("✗", "Fails"),
        FindingStatus::Warn => ("!", "Warning"),
        FindingStatus::Review => ("?", "Needs review"),
        FindingStatus::Info => ("i", "Information"),
        FindingStatus::NotApplicable => ("–", "Not applicable"),
        FindingStatus::CannotVerify => ("?", "Cannot verify"),
    };
    Tag {
        class: s.as_str(),
        icon,
        label: label.into(),
    }
}

pub fn verdict_tag(v: Verdict) -> Tag {
    let (icon, label) = match v {
        Verdict::MeetsMinimum => ("✓", "Meets the legal minimum"),
        Verdict::FallsShort => ("✗", "Falls short of the law"),
        Verdict::NeedsReview => ("?", "Needs a human review"),
    };
    Tag {
        class: v.as_str(),
        icon,
        label: label.into(),
    }
}

/// The verdict's tag for this assessment: under a reform profile it names
/// readiness for the proposals, never the law.
pub fn assessment_tag(a: &Assessment) -> Tag {
    let mut tag = verdict_tag(a.verdict);
    if a.verdict_basis == VerdictBasis::Readiness {
        tag.label = crate::report::verdict_headline(a).into();
    }
    tag
}

/// Registry status (`compliant`, `noncompliant`, `review`, `missing`,
/// `unchecked`, `out_of_scope`), worded as [`super::palette`] words it.
pub fn status_tag(status: &str) -> Tag {
    let icon = match status {
        "compliant" => "✓",
        "noncompliant" | "missing" => "✗",
        "review" => "?",
        "unchecked" => "…",
        "out_of_scope" => "–",
        _ => "i",
    };
    match super::palette::style(status) {
        Some(s) => Tag {
            class: s.status,
            icon,
            label: s.label.into(),
        },
        None => Tag {
            class: "info",
            icon,
            label: "Unknown".into(),
        },
    }
}

pub fn verdict_explanation(v: Verdict) -> &'static str {
    match v {
        Verdict::MeetsMinimum => {
            "Every legal requirement that can be judged from the document is met. The advice below can still make the statement better."
        }
        Verdict::FallsShort => {
            "At least one requirement of section 54 is not met. The items under “What to fix” say what is missing and how to put it right."
        }
        Verdict::NeedsReview => {
            "Nothing clearly fails, but at least one legal point could not be confirmed from the text (for example, whether the person who signed is a director). A person should check it."
        }
    }
}

#[derive(Debug, Clone)]
pub struct EvidenceView {
    pub quote: String,
    /// Anchor of the highlighted span in the statement text (`ev-3`), when shown.
    pub anchor: Option<String>,
    /// The quote was read by OCR from a scanned image.
    pub ocr: bool,
}

#[derive(Debug, Clone)]
pub struct FindingView {
    pub rule: String,
    pub tag: Tag,
    pub force: &'static str,
    pub force_label: &'static str,
    pub message: String,
    pub fix: Option<String>,
    pub evidence: Vec<EvidenceView>,
}

impl FindingView {
    fn from(f: &Finding) -> FindingView {
        FindingView {
            rule: f.rule.clone(),
            tag: finding_tag(f.status),
            force: f.force.as_str(),
            force_label: f.force.label(),
            message: f.message.clone(),
            fix: f.fix.clone().filter(|s| !s.trim().is_empty()),
            evidence: crate::report::distinct_evidence(&f.evidence)
                .into_iter()
                .map(|e| EvidenceView {
                    quote: shorten(&e.quote, 300),
                    anchor: None,
                    ocr: e.ocr,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AreaView {
    pub key: &'static str,
    pub title: &'static str,
    pub present: bool,
    pub strength_pct: u32,
    pub quote: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MemberView {
    pub name: String,
    pub named: bool,
    pub quote: Option<String>,
}

/// An assessment ready for a template.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    pub verdict: Tag,
    pub verdict_text: Cow<'static, str>,
    /// The reform profile whose readiness the verdict answers, if any.
    pub readiness_profile: Option<String>,
    pub score: u8,
    pub readiness: u8,
    pub source_kind: &'static str,
    pub source_name: String,
    pub source_bytes: u64,
    pub sha256: String,
    pub text_chars: usize,
    pub entity_type: &'static str,
    pub financial_year: String,
    pub approval: String,
    pub signature: String,
    pub areas: Vec<AreaView>,
    pub areas_covered: usize,
    pub is_group: bool,
    pub group_entities: Vec<String>,
    pub members: Vec<MemberView>,
    pub no_steps_declared: bool,
    /// Statute findings that fail or need review: what decides the verdict.
    pub to_fix: Vec<FindingView>,
    /// Guidance warnings and failures: advice.
    pub advice: Vec<FindingView>,
    /// Proposed (not yet law) rules.
    pub proposals: Vec<FindingView>,
    /// Everything that passed, or is informational.
    pub passed: Vec<FindingView>,
    /// Rules that do not apply to this statement (folded away on the page).
    pub not_applicable: Vec<FindingView>,
    pub notes: Vec<String>,
}

fn opt_date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_default()
}

impl AssessmentView {
    pub fn new(a: &Assessment) -> AssessmentView {
        let fy = match (a.financial_year.start, a.financial_year.end) {
            (Some(s), Some(e)) => format!("{} to {}", opt_date(Some(s)), opt_date(Some(e))),
            (None, Some(e)) => format!("ending {}", opt_date(Some(e))),
            (Some(s), None) => format!("starting {}", opt_date(Some(s))),
            (None, None) => "Not stated".to_string(),
        };
        let approval = if a.approval.present {
            let mut s = format!(
                "Yes — {}",
                a.approval.body.as_deref().unwrap_or("governing body")
            );
            if a.approval.date.is_some() {
                s.push_str(&format!(" on {}", opt_date(a.approval.date)));
            }
            s
        } else if let Some(body) = &a.approval.body {
            format!("Not by the board or equivalent (found: {body})")
        } else {
            "Not found".to_string()
        };
        let signature = if a.signature.present {
            let mut parts = vec![];
            if let Some(n) = &a.signature.name {
                parts.push(n.clone());
            }
            if let Some(r) = &a.signature.role {
                parts.push(r.clone());
            }
            let mut s = if parts.is_empty() {
                "Yes".to_string()
            } else {
                format!("Yes — {}", parts.join(", "))
            };
            if a.signature.date.is_some() {
                s.push_str(&format!(" on {}", opt_date(a.signature.date)));
            }
            s
        } else {
            "Not found".to_string()
        };
        let areas: Vec<AreaView> = Area::ALL
            .iter()
            .map(|&area| {
                let r = a.areas.get(area);
                AreaView {
                    key: area.key(),
                    title: area.title(),
                    present: r.present,
                    strength_pct: (r.strength.clamp(0.0, 1.0) * 100.0).round() as u32,
                    quote: r.evidence.first().map(|e| shorten(&e.quote, 200)),
                }
            })
            .collect();
        let mut to_fix = vec![];
        let mut advice = vec![];
        let mut proposals = vec![];
        let mut passed = vec![];
        let mut not_applicable = vec![];
        for f in &a.findings {
            let v = FindingView::from(f);
            let problem = matches!(
                f.status,
                FindingStatus::Fail
                    | FindingStatus::Warn
                    | FindingStatus::Review
                    | FindingStatus::CannotVerify
            );
            match (f.force, problem) {
                _ if f.status == FindingStatus::NotApplicable => not_applicable.push(v),
                (Force::Statute, true) => to_fix.push(v),
                (Force::Guidance, true) => advice.push(v),
                (Force::Proposed, _) => proposals.push(v),
                _ => passed.push(v),
            }
        }
        // Failures before reviews: the reader fixes the certain things first.
        to_fix.sort_by_key(|f| f.tag.class != "fail");
        AssessmentView {
            verdict: assessment_tag(a),
            verdict_text: match a.verdict_basis {
                VerdictBasis::Law => verdict_explanation(a.verdict).into(),
                VerdictBasis::Readiness => crate::report::verdict_explanation(a).into(),
            },
            readiness_profile: (a.verdict_basis == VerdictBasis::Readiness)
                .then(|| a.profile.clone()),
            score: a.score,
            readiness: a.readiness,
            source_kind: a.source.kind.as_str(),
            source_name: a.source.name.clone(),
            source_bytes: a.source.bytes,
            sha256: a.source.sha256.clone(),
            text_chars: a.text_chars,
            entity_type: a.entity_type.as_str(),
            financial_year: fy,
            approval,
            signature,
            areas_covered: areas.iter().filter(|a| a.present).count(),
            areas,
            is_group: a.group.is_group,
            group_entities: a.group.entities.clone(),
            members: a
                .group
                .coverage
                .iter()
                .map(|m| MemberView {
                    name: m.name.clone(),
                    named: m.named,
                    quote: m.evidence.first().map(|e| shorten(&e.quote, 160)),
                })
                .collect(),
            no_steps_declared: a.no_steps_declared,
            to_fix,
            advice,
            proposals,
            passed,
            not_applicable,
            notes: a.notes.clone(),
        }
    }

    /// Every finding list, for linking evidence to highlighted spans.
    pub fn findings_mut(&mut self) -> impl Iterator<Item = &mut FindingView> {
        self.to_fix
            .iter_mut()
            .chain(self.advice.iter_mut())
            .chain(self.proposals.iter_mut())
            .chain(self.passed.iter_mut())
            .chain(self.not_applicable.iter_mut())
    }
}

/// A failed rule as a reader sees it: in words, with its id for reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub id: String,
    pub words: String,
}

/// The `;`-separated rule ids of a registry row, each with the rulebook's
/// title in plain English ("Approved by the board (or equivalent): not met").
pub fn reasons_in_words(rules: &crate::rules::Rulebook, ids: &str) -> Vec<Reason> {
    ids.split(';')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| Reason {
            id: id.to_string(),
            words: match rules.rule(id) {
                Some(r) => format!("{}: not met", r.title),
                None => "A requirement of an earlier rulebook: not met".to_string(),
            },
        })
        .collect()
}

/// A usual financial year end, `MM-DD`, as a date: `03-31` → "31 March".
/// Anything else is shown as it is.
pub fn year_end_words(mm_dd: &str) -> String {
    let parsed = mm_dd
        .split_once('-')
        .and_then(|(m, d)| Some((m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)))
        .and_then(|(m, d)| chrono::NaiveDate::from_ymd_opt(2024, m, d));
    match parsed {
        Some(date) => date.format("%-d %B").to_string(),
        None => mm_dd.to_string(),
    }
}

/// Cuts a long quote at a char boundary with an ellipsis.
pub fn shorten(s: &str, max_chars: usize) -> String {
    let mut out: String = s.chars().take(max_chars).collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

/// A run of statement text, either plain or inside a `<mark id=…>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub mark: Option<String>,
    /// Which finding rules this span is evidence for (shown as a title).
    pub rules: String,
}

/// Cuts `text` into segments with the evidence spans (character offsets,
/// as in the contract) marked. Overlapping spans are merged; offsets past
/// the end are clamped, so bad offsets never panic. Returns the segments and,
/// per input span, the anchor id its merged span got.
pub fn highlight(
    text: &str,
    spans: &[(usize, usize, String)],
) -> (Vec<Segment>, Vec<Option<String>>) {
    let n_chars = text.chars().count();
    // (start, end, rules, indices of input spans)
    let mut order: Vec<usize> = (0..spans.len())
        .filter(|&i| spans[i].0 < spans[i].1.min(n_chars))
        .collect();
    order.sort_by_key(|&i| (spans[i].0, spans[i].1));
    let mut merged: Vec<(usize, usize, Vec<String>, Vec<usize>)> = vec![];
    for i in order {
        let (s, e) = (spans[i].0, spans[i].1.min(n_chars));
        let rule = spans[i].2.clone();
        match merged.last_mut() {
            Some(last) if s < last.1 => {
                last.1 = last.1.max(e);
                if !last.2.contains(&rule) {
                    last.2.push(rule);
                }
                last.3.push(i);
            }
            _ => merged.push((s, e, vec![rule], vec![i])),
        }
    }
    let mut anchors = vec![None; spans.len()];
    // Char offset → byte offset, one pass.
    let byte_at: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let mut segs = vec![];
    let mut pos = 0usize;
    for (k, (s, e, rules, idx)) in merged.into_iter().enumerate() {
        if s > pos {
            segs.push(Segment {
                text: text[byte_at[pos]..byte_at[s]].to_string(),
                mark: None,
                rules: String::new(),
            });
        }
        let id = format!("ev-{}", k + 1);
        for i in idx {
            anchors[i] = Some(id.clone());
        }
        segs.push(Segment {
            text: text[byte_at[s]..byte_at[e]].to_string(),
            mark: Some(id),
            rules: rules.join(", "),
        });
        pos = e;
    }
    if pos < n_chars {
        segs.push(Segment {
            text: text[byte_at[pos]..].to_string(),
            mark: None,
            rules: String::new(),
        });
    }
    (segs, anchors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_marks_and_merges_spans() {
        let text = "Approved by the board. Signed by Jo Bloggs, Director.";
        let spans = vec![
            (0, 21, "approval".to_string()),
            (16, 21, "board".to_string()),
            (23, 42, "signature".to_string()),
            (500, 600, "out of range".to_string()),
        ];
        let (segs, anchors) = highlight(text, &spans);
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        assert_eq!(segs[0].mark.as_deref(), Some("ev-1"));
        assert_eq!(segs[0].text, "Approved by the board");
        assert_eq!(segs[0].rules, "approval, board");
        assert_eq!(anchors[1].as_deref(), Some("ev-1"));
        assert_eq!(anchors[2].as_deref(), Some("ev-2"));
        assert_eq!(anchors[3], None);
    }

    #[test]
    fn year_ends_read_as_dates() {
        assert_eq!(year_end_words("01-31"), "31 January");
        assert_eq!(year_end_words("03-31"), "31 March");
        assert_eq!(year_end_words("02-29"), "29 February");
        assert_eq!(year_end_words("13-40"), "13-40");
        assert_eq!(year_end_words(""), "");
    }

    #[test]
    fn reasons_are_given_in_words() {
        let rules = crate::rules::Rulebook::embedded().unwrap();
        let r = reasons_in_words(&rules, "MSA-54-6a-board-approval; ;NO-SUCH-rule");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].id, "MSA-54-6a-board-approval");
        assert!(
            r[0].words.starts_with("Approved by the board"),
            "{}",
            r[0].words
        );
        assert!(!r[1].words.contains("NO-SUCH"));
    }

    #[test]
    fn highlight_uses_character_offsets() {
        let text = "Café — signed";
        let (segs, _) = highlight(text, &[(7, 13, "sig".into())]);
        assert_eq!(segs.last().unwrap().text, "signed");
    }
}

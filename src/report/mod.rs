//! [`Assessment`] → a report a person (or a program) reads.
//!
//! - [`text`]: the terminal report (`s54 check`, the default format);
//! - [`json`]: the `s54.check/1` JSON contract (`--format json`, `POST /api/check`);
//! - [`html`]: a standalone, printable report page (`--format html`, the web self-check);
//! - [`csv_cell`]: escapes spreadsheet formulas in CSV text cells (the exporter and web reuse it).
//!
//! The three renderers share the reading order set here: the verdict first,
//! then the law, then guidance, then proposals (never presented as law).

pub mod html;
pub mod json;
pub mod text;

use crate::domain::{Assessment, Evidence, Finding, FindingStatus, Force, Verdict, VerdictBasis};
use std::borrow::Cow;

/// Escapes a CSV text cell so that no spreadsheet runs it as a formula: a
/// cell beginning with `=`, `+`, `-`, `@`, tab or carriage return gets a
/// leading apostrophe (the OWASP "CSV injection" advice). Quoting for commas
/// and quotes is the CSV writer's job, not this function's. Use it for text
/// cells only: numbers written by the program (e.g. `-3`) are not text cells.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// The verdict in plain words, as the reports headline it. Under a reform
/// profile it is readiness for proposals, and says so: a proposal is not law.
pub fn verdict_headline(a: &Assessment) -> String {
    match (a.verdict_basis, a.verdict) {
        (VerdictBasis::Law, Verdict::MeetsMinimum) => "Meets the legal minimum".into(),
        (VerdictBasis::Law, Verdict::FallsShort) => "Falls short of section 54".into(),
        (VerdictBasis::Law, Verdict::NeedsReview) => "Needs a human check".into(),
        (VerdictBasis::Readiness, v) => {
            let what = match v {
                Verdict::MeetsMinimum => "Ready for",
                Verdict::FallsShort => "Not ready for",
                Verdict::NeedsReview => "Needs a human check for readiness for",
            };
            format!(
                "{what} the proposed reforms (readiness under the {} profile; proposals are not law)",
                a.profile
            )
        }
    }
}

/// "1 legal requirement of section 54 is not met: X." and the like.
fn not_met(ids: &[&str], what: &str) -> String {
    let one = ids.len() == 1;
    format!(
        "{} {what}{} {} not met: {}.",
        ids.len(),
        if one { "" } else { "s" },
        if one { "is" } else { "are" },
        ids.join(", ")
    )
}

/// One sentence explaining the verdict.
pub fn verdict_explanation(a: &Assessment) -> String {
    if a.verdict_basis == VerdictBasis::Readiness {
        return readiness_explanation(a);
    }
    match a.verdict {
        Verdict::MeetsMinimum => {
            "Every legal requirement of section 54 that can be judged from the \
                                  document is met."
                .to_string()
        }
        Verdict::FallsShort => {
            let failed = a.failed_statute_rules();
            if failed.is_empty() {
                "At least one legal requirement of section 54 is not met.".to_string()
            } else {
                not_met(&failed, "legal requirement of section 54")
            }
        }
        Verdict::NeedsReview => "Nothing fails, but at least one legal requirement could not be \
                                 confirmed from the text; a person should check it."
            .to_string(),
    }
}

/// The readiness verdict's reasons: proposals and law named apart.
fn readiness_explanation(a: &Assessment) -> String {
    let mut out = format!(
        "This checks readiness for proposed reforms, treating them as if they were in force \
         (the {} profile); they are not law.",
        a.profile
    );
    let proposals: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.force == Force::Proposed && f.status == FindingStatus::Fail)
        .map(|f| f.rule.as_str())
        .collect();
    let law = a.failed_statute_rules();
    if !proposals.is_empty() {
        out.push(' ');
        out.push_str(&not_met(&proposals, "proposed requirement"));
    }
    if !law.is_empty() {
        out.push(' ');
        out.push_str(&not_met(&law, "legal requirement of section 54"));
    }
    if proposals.is_empty() && law.is_empty() {
        out.push_str(match a.verdict {
            Verdict::NeedsReview => {
                " Nothing fails, but at least one requirement could not be confirmed from the \
                 text; a person should check it."
            }
            _ => " Every requirement checked that can be judged from the document is met.",
        });
    }
    out
}

/// A finding's status in words a reader understands.
pub fn status_label(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Pass => "PASS",
        FindingStatus::Fail => "FAIL",
        FindingStatus::Warn => "WARN",
        FindingStatus::Review => "REVIEW",
        FindingStatus::Info => "INFO",
        FindingStatus::NotApplicable => "N/A",
        FindingStatus::CannotVerify => "CANNOT VERIFY",
    }
}

/// Problems first: the order findings are listed in within a section.
fn status_rank(s: FindingStatus) -> u8 {
    match s {
        FindingStatus::Fail => 0,
        FindingStatus::Review => 1,
        FindingStatus::CannotVerify => 2,
        FindingStatus::Warn => 3,
        FindingStatus::Pass => 4,
        FindingStatus::Info => 5,
        FindingStatus::NotApplicable => 6,
    }
}

/// A report section: the findings of one legal force.
pub struct Section<'a> {
    pub force: Force,
    pub title: String,
    pub findings: Vec<&'a Finding>,
}

/// The findings split by force (statute, guidance, proposed), each sorted
/// problems first (a stable sort keeps the rulebook's order among equals).
pub fn sections(a: &Assessment) -> [Section<'_>; 3] {
    let pick = |force: Force| {
        let mut v: Vec<&Finding> = a.findings.iter().filter(|f| f.force == force).collect();
        v.sort_by_key(|f| status_rank(f.status));
        v
    };
    [
        Section {
            force: Force::Statute,
            title: "The law: section 54".into(),
            findings: pick(Force::Statute),
        },
        Section {
            force: Force::Guidance,
            title: "Guidance: recommended, not required by law".into(),
            findings: pick(Force::Guidance),
        },
        Section {
            force: Force::Proposed,
            title: match a.verdict_basis {
                VerdictBasis::Law => "Proposals: proposed, not law".into(),
                VerdictBasis::Readiness => format!(
                    "Proposals: proposed, not law (their readiness decides the verdict under the {} profile)",
                    a.profile
                ),
            },
            findings: pick(Force::Proposed),
        },
    ]
}

/// What to add to fix a finding: the rulebook's text when it has one, else a
/// short default for the rules every statement meets; `None` when nothing
/// needs fixing.
pub fn fix_for(f: &Finding) -> Option<Cow<'_, str>> {
    if !matches!(
        f.status,
        FindingStatus::Fail
            | FindingStatus::Warn
            | FindingStatus::Review
            | FindingStatus::CannotVerify
    ) {
        return None;
    }
    if let Some(fix) = f.fix.as_deref().filter(|s| !s.trim().is_empty()) {
        return Some(Cow::Borrowed(fix));
    }
    let default = match f.rule.as_str() {
        "MSA-54-6a-board-approval" => {
            "Add a sentence saying the board of directors (or equivalent governing body) approved \
             the statement, with the date, e.g. \"This statement was approved by the Board of \
             Directors on 12 September 2024.\""
        }
        "MSA-54-6a-director-signature" => {
            "Have a director sign the statement and show their name, the title \"Director\" and \
             the date."
        }
        "MSA-54-6b-llp-approval" => "Say that the members of the LLP approved the statement.",
        "MSA-54-6b-llp-signature" => {
            "Have a designated member sign the statement, named with that title."
        }
        "MSA-54-6c-lp-signature" => {
            "Have a general partner sign the statement, named with that title."
        }
        "MSA-54-6d-partnership-signature" => "Have a partner sign the statement.",
        "MSA-54-1-fy-identified" | "GUID-fye-date" => {
            "Say which financial year the statement covers, e.g. \"for the financial year ending \
             31 March 2024\"."
        }
        "MSA-54-4-steps-or-none" => {
            "Describe the steps the organisation took during the financial year to ensure slavery \
             and human trafficking is not taking place in its supply chains and its own business \
             (or state that it took no such steps)."
        }
        "GUID-group-coverage" => {
            "Name every organisation the group statement covers, with its legal name, and say the \
             statement covers its steps."
        }
        "GUID-group-name-entities" => {
            "List the parent and each subsidiary covered by their legal names."
        }
        "GUID-group-approval" => {
            "Record that each in-scope subsidiary's board approved or adopted the statement."
        }
        _ => return None,
    };
    Some(Cow::Borrowed(default))
}

/// A finding's evidence with repeats left out: the same sentence (up to
/// spacing and case) is quoted once, however often a detector found it.
pub fn distinct_evidence(evidence: &[Evidence]) -> Vec<&Evidence> {
    let mut seen = std::collections::HashSet::new();
    evidence
        .iter()
        .filter(|e| {
            let key: Vec<String> = e.quote.split_whitespace().map(str::to_lowercase).collect();
            seen.insert(key)
        })
        .collect()
}

/// "and 1 more quote", "and 3 more quotes".
pub fn more_quotes(n: usize) -> String {
    format!("and {n} more quote{}", if n == 1 { "" } else { "s" })
}

/// The longest quote a report shows, in characters.
pub const MAX_QUOTE_CHARS: usize = 240;
/// The most quotes a report shows per finding.
pub const MAX_QUOTES: usize = 3;

/// A quote as a report shows it: whitespace folded to single spaces and cut
/// to [`MAX_QUOTE_CHARS`] characters with an ellipsis.
pub fn trim_quote(q: &str) -> String {
    let mut out = String::with_capacity(q.len().min(MAX_QUOTE_CHARS * 4));
    let mut n = 0;
    for w in q.split_whitespace() {
        let wn = w.chars().count();
        let sep = usize::from(n > 0);
        if n + sep + wn > MAX_QUOTE_CHARS {
            if n == 0 {
                // One enormous "word": cut it.
                out.extend(w.chars().take(MAX_QUOTE_CHARS));
            }
            out.push('…');
            return out;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(w);
        n += sep + wn;
    }
    out
}

/// Says where a quote is in the document: the paragraph number (blocks are
/// separated by blank lines) when the text is at hand, else the character
/// offsets of the contract. Built once per report (one pass over the text),
/// then each quote is a binary search.
pub struct Locator {
    /// Character offset where each paragraph after the first starts.
    starts: Vec<usize>,
    /// Characters in the text; `None` when no text was given.
    len: Option<usize>,
}

impl Locator {
    pub fn new(doc_text: Option<&str>) -> Locator {
        let mut starts = Vec::new();
        let mut len = None;
        if let Some(text) = doc_text {
            let mut prev_newline = false;
            let mut n = 0;
            for (i, c) in text.chars().enumerate() {
                if c == '\n' {
                    if prev_newline {
                        starts.push(i + 1);
                        prev_newline = false;
                    } else {
                        prev_newline = true;
                    }
                } else {
                    prev_newline = false;
                }
                n = i + 1;
            }
            len = Some(n);
        }
        Locator { starts, len }
    }

    /// Where the quote is; a quote read by OCR says so.
    pub fn locate(&self, e: &Evidence) -> String {
        let at = match self.len {
            Some(len) if e.start < len => {
                let para = self.starts.partition_point(|&s| s <= e.start) + 1;
                format!("paragraph {para}")
            }
            _ => format!("characters {}–{}", e.start, e.end),
        };
        if e.ocr {
            format!("{at}, {OCR_QUOTE}")
        } else {
            at
        }
    }
}

/// How a report marks a quote read by OCR from a scanned image.
pub const OCR_QUOTE: &str = "read by OCR from a scanned image";

/// [`Locator::locate`] for one quote (builds the locator: use a [`Locator`]
/// for many).
pub fn location(e: &Evidence, doc_text: Option<&str>) -> String {
    Locator::new(doc_text).locate(e)
}

/// Options shared by the renderers.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// ANSI colour (text format only); the caller decides from the terminal
    /// and `NO_COLOR`.
    pub color: bool,
    /// The extracted text, to say where each quote is ("paragraph 12").
    pub doc_text: Option<&'a str>,
}

/// The areas line: "N of 6 areas".
pub fn areas_summary(a: &Assessment) -> String {
    let n = a.areas.covered().len();
    format!("covers {n} of 6 recommended areas")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cell_escapes_formula_starts() {
        for bad in ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"] {
            let out = csv_cell(bad);
            assert!(matches!(out, Cow::Owned(_)), "{bad:?}");
            assert_eq!(out, format!("'{bad}"));
        }
        for ok in ["Acme Ltd", "", "1=1", " =x", "'quoted", "café"] {
            assert!(matches!(csv_cell(ok), Cow::Borrowed(_)), "{ok:?}");
            assert_eq!(csv_cell(ok), ok);
        }
    }

    #[test]
    fn a_sentence_is_quoted_once_per_finding() {
        let ev = |q: &str, start| Evidence {
            quote: q.into(),
            start,
            end: start + q.len(),
            ocr: false,
        };
        let list = [
            ev("We train all buyers.", 10),
            ev("We  train all\nbuyers.", 80),
            ev("We audit suppliers.", 40),
        ];
        let d = distinct_evidence(&list);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].start, 10);
        assert_eq!(more_quotes(1), "and 1 more quote");
        assert_eq!(more_quotes(2), "and 2 more quotes");
    }

    #[test]
    fn trim_quote_folds_and_cuts() {
        assert_eq!(trim_quote("  a \n\n b\tc "), "a b c");
        let long = "word ".repeat(200);
        let t = trim_quote(&long);
        assert!(t.ends_with('…'));
        assert!(t.chars().count() <= MAX_QUOTE_CHARS + 1);
        let blob = "x".repeat(1000);
        assert_eq!(trim_quote(&blob).chars().count(), MAX_QUOTE_CHARS + 1);
        assert_eq!(trim_quote(""), "");
    }

    #[test]
    fn location_counts_paragraphs_or_falls_back_to_offsets() {
        let text = "One.\n\nTwo é.\nstill two\n\nThree.";
        let start = text.chars().position(|c| c == 'T').unwrap_or(0);
        let e = Evidence {
            quote: "Two".into(),
            start,
            end: start + 3,
            ocr: false,
        };
        assert_eq!(location(&e, Some(text)), "paragraph 2");
        let third = text.find("Three").unwrap_or(0);
        let third_chars = text[..third].chars().count();
        let e3 = Evidence {
            quote: "Three".into(),
            start: third_chars,
            end: third_chars + 5,
            ocr: false,
        };
        assert_eq!(location(&e3, Some(text)), "paragraph 3");
        assert_eq!(
            location(&e, None),
            format!("characters {}–{}", start, start + 3)
        );
        // Offsets past the end fall back instead of panicking.
        let far = Evidence {
            quote: String::new(),
            start: 10_000,
            end: 10_001,
            ocr: false,
        };
        assert_eq!(location(&far, Some(text)), "characters 10000–10001");
    }
}

/// A hand-made assessment the renderer tests share.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::domain::*;
    use chrono::NaiveDate;

    pub fn ev(quote: &str, start: usize) -> Evidence {
        Evidence {
            quote: quote.to_string(),
            start,
            end: start + quote.chars().count(),
            ocr: false,
        }
    }

    pub fn sample() -> Assessment {
        let areas = Areas {
            structure: AreaResult {
                present: true,
                strength: 0.8,
                evidence: vec![ev("We operate 12 depots.", 30)],
            },
            training: AreaResult {
                present: true,
                strength: 0.5,
                evidence: vec![],
            },
            ..Areas::default()
        };
        Assessment {
            schema: CHECK_SCHEMA.to_string(),
            source: SourceInfo {
                kind: SourceKind::Text,
                name: "statement.txt".into(),
                bytes: 120,
                sha256: "00".repeat(32),
            },
            text_chars: 100,
            entity_type: EntityType::Company,
            financial_year: FinancialYear {
                start: NaiveDate::from_ymd_opt(2023, 4, 1),
                end: NaiveDate::from_ymd_opt(2024, 3, 31),
                evidence: vec![ev("year ending 31 March 2024", 5)],
            },
            approval: Approval {
                present: false,
                body: Some("Executive Committee".into()),
                date: NaiveDate::from_ymd_opt(2024, 9, 12),
                evidence: vec![ev("approved by the Executive Committee", 60)],
            },
            signature: Signature {
                present: true,
                name: Some("Jane Example".into()),
                role: Some("Chief Executive".into()),
                date: None,
                evidence: vec![],
            },
            areas,
            group: Group {
                is_group: true,
                entities: vec!["Example Holdings plc".into(), "Example Foods Ltd".into()],
                coverage: vec![
                    MemberCoverage {
                        name: "Example Foods Ltd".into(),
                        named: true,
                        evidence: vec![ev("Example Foods Ltd", 80)],
                    },
                    MemberCoverage {
                        name: "Example Logistics Ltd".into(),
                        named: false,
                        evidence: vec![],
                    },
                ],
            },
            no_steps_declared: false,
            findings: vec![
                Finding {
                    rule: "MSA-54-6a-director-signature".into(),
                    status: FindingStatus::Review,
                    force: Force::Statute,
                    message: "Signed by a Chief Executive who may not be a director.".into(),
                    evidence: vec![],
                    fix: None,
                },
                Finding {
                    rule: "MSA-54-6a-board-approval".into(),
                    status: FindingStatus::Fail,
                    force: Force::Statute,
                    message: "The statement does not show approval by the board.".into(),
                    evidence: vec![ev("approved by the Executive Committee", 60)],
                    fix: None,
                },
                Finding {
                    rule: "MSA-54-5f-training".into(),
                    status: FindingStatus::Pass,
                    force: Force::Guidance,
                    message: "Training is described.".into(),
                    evidence: vec![],
                    fix: None,
                },
                Finding {
                    rule: "GOV2020-approval-dates".into(),
                    status: FindingStatus::Warn,
                    force: Force::Proposed,
                    message: "Readiness: the proposed reforms would require the dates.".into(),
                    evidence: vec![],
                    fix: Some("State the date of sign-off.".into()),
                },
            ],
            score: 40,
            verdict: Verdict::FallsShort,
            verdict_basis: Default::default(),
            readiness: 30,
            profile: "current".into(),
            notes: vec![],
            ocr: None,
        }
    }
}

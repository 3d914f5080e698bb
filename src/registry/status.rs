//! The status of a statement version, and of an organisation in a registry
//! year. Only statute rules decide it (interface.md): guidance and proposals
//! are warnings. Publication rules (s.54(7)) are judged from what the crawler
//! saw on the website, not from the document, so the document's own findings
//! for them are set aside here.

use crate::domain::{Assessment, Finding, FindingStatus, Force};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Rule id of s.54(7)(b), judged from the stored homepage-link evidence.
pub const HOMEPAGE_RULE: &str = "MSA-54-7b-homepage-link";
/// Rule id of s.54(1): no statement found for a year.
pub const STATEMENT_EXISTS_RULE: &str = "MSA-54-1-statement-exists";

/// Statute rules that are about the organisation or the website, not the
/// document's text; a document check cannot settle them.
const NOT_FROM_DOCUMENT: [&str; 6] = [
    "MSA-54-1-statement-exists",
    "MSA-54-2",
    "MSA-54-12",
    "MSA-54-7",
    "MSA-54-8",
    "MSA-54-11",
];

/// Status of one organisation in one registry year (`status` in the export).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    Compliant,
    Noncompliant,
    Review,
    Missing,
    /// In scope, due, and not yet looked for: the crawler has not read the
    /// organisation's site since the year's due date.
    Unchecked,
    OutOfScope,
}

impl YearStatus {
    pub const ALL: [YearStatus; 6] = [
        YearStatus::Compliant,
        YearStatus::Noncompliant,
        YearStatus::Review,
        YearStatus::Missing,
        YearStatus::Unchecked,
        YearStatus::OutOfScope,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            YearStatus::Compliant => "compliant",
            YearStatus::Noncompliant => "noncompliant",
            YearStatus::Review => "review",
            YearStatus::Missing => "missing",
            YearStatus::Unchecked => "unchecked",
            YearStatus::OutOfScope => "out_of_scope",
        }
    }
}

impl fmt::Display for YearStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown status '{0}' (expected compliant, noncompliant, review, missing, unchecked, out_of_scope or all)"
)]
pub struct UnknownStatus(pub String);

impl FromStr for YearStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        YearStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == t)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// Rule id of s.54(1)'s "which financial year": settled by the registry
/// when it places the statement by its approval or publication date.
pub const FY_IDENTIFIED_RULE: &str = "MSA-54-1-fy-identified";

fn judged_from_document(f: &Finding) -> bool {
    f.force == Force::Statute && !NOT_FROM_DOCUMENT.iter().any(|p| f.rule.starts_with(p))
}

/// [`judge_version`] for a version the registry has placed in a year: when
/// the year came from the statement's approval or publication date
/// (`year_from_dates`), the text naming no year is left to the guidance point
/// `GUID-fye-date` and is not a reason for `review`.
pub fn judge_placed_version(
    assessment: Option<&Assessment>,
    homepage_link: Option<bool>,
    year_from_dates: bool,
) -> (YearStatus, Vec<String>) {
    judge(assessment, homepage_link, |f| {
        year_from_dates && f.rule == FY_IDENTIFIED_RULE && f.status != FindingStatus::Fail
    })
}

/// Judges one version: its document's statute findings plus the homepage
/// link the crawler saw (`Some(false)`: found only another way, e.g. via the
/// sitemap → fails s.54(7)(b); `None`: not known → cannot be confirmed).
/// Returns the status (compliant, noncompliant or review) and the failed
/// statute rule ids.
pub fn judge_version(
    assessment: Option<&Assessment>,
    homepage_link: Option<bool>,
) -> (YearStatus, Vec<String>) {
    judge(assessment, homepage_link, |_| false)
}

fn judge(
    assessment: Option<&Assessment>,
    homepage_link: Option<bool>,
    settled: impl Fn(&Finding) -> bool,
) -> (YearStatus, Vec<String>) {
    let Some(a) = assessment else {
        let mut reasons = Vec::new();
        if homepage_link == Some(false) {
            reasons.push(HOMEPAGE_RULE.to_string());
            return (YearStatus::Noncompliant, reasons);
        }
        return (YearStatus::Review, reasons);
    };
    let mut failed: Vec<String> = Vec::new();
    let mut review = false;
    for f in a
        .findings
        .iter()
        .filter(|f| judged_from_document(f) && !settled(f))
    {
        match f.status {
            FindingStatus::Fail if !failed.iter().any(|r| r == &f.rule) => {
                failed.push(f.rule.clone());
            }
            FindingStatus::Review | FindingStatus::CannotVerify => review = true,
            _ => {}
        }
    }
    match homepage_link {
        Some(false) => failed.push(HOMEPAGE_RULE.to_string()),
        None => review = true,
        Some(true) => {}
    }
    if !failed.is_empty() {
        (YearStatus::Noncompliant, failed)
    } else if review {
        (YearStatus::Review, failed)
    } else {
        (YearStatus::Compliant, failed)
    }
}

/// The status of an organisation in a year, given the version that counts
/// for it (its status and reasons), whether it is in scope, whether the
/// year's due date has passed, and whether the crawler has read the
/// organisation's site since then (`looked`). `None`: no row for that year
/// (not yet due).
///
/// In scope with nothing found is `missing` only when the crawler looked;
/// else `unchecked`: a site never read, or whose fetches failed, is no
/// evidence that no statement exists. Scope unknown (e.g. the registry's
/// "turnover not provided") with nothing found is `review`: whether s.54
/// applies could not be confirmed.
pub fn year_status(
    in_scope: Option<bool>,
    version: Option<(YearStatus, &str)>,
    due_passed: bool,
    looked: bool,
) -> Option<(YearStatus, String)> {
    if in_scope == Some(false) {
        return (version.is_some() || due_passed).then(|| (YearStatus::OutOfScope, String::new()));
    }
    if let Some((status, reasons)) = version {
        return Some((status, reasons.to_string()));
    }
    if !due_passed {
        return None;
    }
    match in_scope {
        Some(true) if looked => Some((YearStatus::Missing, STATEMENT_EXISTS_RULE.to_string())),
        Some(true) => Some((YearStatus::Unchecked, String::new())),
        _ => Some((YearStatus::Review, String::new())),
    }
}

/// Whether a statement was published later than the guidance's six months
/// (rules.md §4.3, `GUID-deadline-6-months`), in the order the check itself
/// judges it: from a publication date the server, the PDF or the registry
/// declaration gives; else from the approval or signature date the text
/// gives; else, when s54 saw it on or before the due date, not late. `None`
/// ("unknown") otherwise: a statement first seen after its due date may
/// simply have been found late.
pub fn late(
    due: Option<NaiveDate>,
    published: Option<NaiveDate>,
    signoff: Option<NaiveDate>,
    first_seen: NaiveDate,
) -> Option<bool> {
    let due = due?;
    if let Some(d) = published.or(signoff) {
        return Some(d > due);
    }
    if first_seen <= due { Some(false) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn finding(rule: &str, status: FindingStatus, force: Force) -> Finding {
        Finding {
            rule: rule.into(),
            status,
            force,
            message: String::new(),
            evidence: vec![],
            fix: None,
        }
    }

    fn assessment(findings: Vec<Finding>) -> Assessment {
        Assessment {
            schema: CHECK_SCHEMA.into(),
            source: SourceInfo {
                kind: SourceKind::Text,
                name: "t".into(),
                bytes: 0,
                sha256: String::new(),
            },
            text_chars: 0,
            entity_type: EntityType::Company,
            financial_year: Default::default(),
            approval: Default::default(),
            signature: Default::default(),
            areas: Default::default(),
            group: Default::default(),
            no_steps_declared: false,
            verdict: Verdict::from_findings(&findings),
            verdict_basis: Default::default(),
            findings,
            score: 50,
            readiness: 0,
            profile: "current".into(),
            notes: vec![],
            ocr: None,
        }
    }

    #[test]
    fn homepage_link_decides_publication() {
        let a = assessment(vec![
            finding(
                "MSA-54-6a-board-approval",
                FindingStatus::Pass,
                Force::Statute,
            ),
            finding(HOMEPAGE_RULE, FindingStatus::CannotVerify, Force::Statute),
            finding(
                "GUID-deadline-6-months",
                FindingStatus::Fail,
                Force::Guidance,
            ),
        ]);
        assert_eq!(
            judge_version(Some(&a), Some(true)),
            (YearStatus::Compliant, vec![])
        );
        assert_eq!(
            judge_version(Some(&a), Some(false)),
            (YearStatus::Noncompliant, vec![HOMEPAGE_RULE.to_string()])
        );
        assert_eq!(judge_version(Some(&a), None).0, YearStatus::Review);
    }

    #[test]
    fn statute_failures_are_reasons_guidance_never() {
        let a = assessment(vec![
            finding(
                "MSA-54-6a-board-approval",
                FindingStatus::Fail,
                Force::Statute,
            ),
            finding(
                "MSA-54-6a-director-signature",
                FindingStatus::Review,
                Force::Statute,
            ),
            finding(
                "GOV2020-single-deadline",
                FindingStatus::Fail,
                Force::Proposed,
            ),
        ]);
        assert_eq!(
            judge_version(Some(&a), Some(true)),
            (
                YearStatus::Noncompliant,
                vec!["MSA-54-6a-board-approval".to_string()]
            )
        );
    }

    #[test]
    fn year_status_rules() {
        assert_eq!(
            year_status(
                Some(false),
                Some((YearStatus::Noncompliant, "x")),
                true,
                false
            )
            .unwrap()
            .0,
            YearStatus::OutOfScope
        );
        assert_eq!(
            year_status(Some(true), None, true, true).unwrap(),
            (YearStatus::Missing, STATEMENT_EXISTS_RULE.to_string())
        );
        assert_eq!(
            year_status(Some(true), None, true, false).unwrap(),
            (YearStatus::Unchecked, String::new())
        );
        assert_eq!(
            year_status(None, None, true, false).unwrap().0,
            YearStatus::Review
        );
        assert_eq!(
            year_status(Some(false), None, true, false).unwrap().0,
            YearStatus::OutOfScope
        );
        assert_eq!(year_status(Some(true), None, false, false), None);
        assert_eq!(
            year_status(None, None, true, true).unwrap().0,
            YearStatus::Review
        );
        assert_eq!(
            year_status(Some(true), Some((YearStatus::Compliant, "")), false, false)
                .unwrap()
                .0,
            YearStatus::Compliant
        );
        assert_eq!(
            "out-of-scope".parse::<YearStatus>().unwrap(),
            YearStatus::OutOfScope
        );
        assert_eq!(
            "unchecked".parse::<YearStatus>().unwrap(),
            YearStatus::Unchecked
        );
    }

    #[test]
    fn lateness_is_judged_from_dates_in_the_statement_first() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let due = Some(d(2024, 9, 30));
        assert_eq!(
            late(due, Some(d(2024, 11, 1)), None, d(2024, 6, 1)),
            Some(true)
        );
        assert_eq!(
            late(due, None, Some(d(2024, 9, 1)), d(2025, 1, 1)),
            Some(false)
        );
        assert_eq!(
            late(
                due,
                Some(d(2024, 10, 1)),
                Some(d(2024, 9, 1)),
                d(2025, 1, 1)
            ),
            Some(true)
        );
        assert_eq!(late(due, None, None, d(2024, 9, 1)), Some(false));
        assert_eq!(late(due, None, None, d(2025, 9, 1)), None);
    }
}

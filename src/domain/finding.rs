use super::Evidence;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Legal force of a rule (rules.md §0.1). Only `Statute` decides a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Force {
    Statute,
    Guidance,
    Proposed,
}

impl Force {
    pub fn as_str(self) -> &'static str {
        match self {
            Force::Statute => "statute",
            Force::Guidance => "guidance",
            Force::Proposed => "proposed",
        }
    }
    /// How the force is named to a reader.
    pub fn label(self) -> &'static str {
        match self {
            Force::Statute => "law",
            Force::Guidance => "guidance",
            Force::Proposed => "proposal (not law)",
        }
    }
}

impl fmt::Display for Force {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Outcome of one rule on one statement (rules.md §6 outcome values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Pass,
    Fail,
    Warn,
    Review,
    Info,
    NotApplicable,
    CannotVerify,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Pass => "pass",
            FindingStatus::Fail => "fail",
            FindingStatus::Warn => "warn",
            FindingStatus::Review => "review",
            FindingStatus::Info => "info",
            FindingStatus::NotApplicable => "not_applicable",
            FindingStatus::CannotVerify => "cannot_verify",
        }
    }
}

impl fmt::Display for FindingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule's result with the quotes that justify it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub status: FindingStatus,
    pub force: Force,
    pub message: String,
    pub evidence: Vec<Evidence>,
    /// What to add or change to fix it (empty when nothing is needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// What a verdict judges: the law (profile `current`), or readiness for
/// proposed reforms (a reform profile: proposals treated as if in force,
/// which is never the law).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictBasis {
    #[default]
    Law,
    Readiness,
}

/// The statutory verdict (`s54 check` exit codes 0, 1 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    MeetsMinimum,
    FallsShort,
    NeedsReview,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::MeetsMinimum => "meets_minimum",
            Verdict::FallsShort => "falls_short",
            Verdict::NeedsReview => "needs_review",
        }
    }
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::MeetsMinimum => 0,
            Verdict::FallsShort => 1,
            Verdict::NeedsReview => 3,
        }
    }

    /// The verdict decided by statute findings only: any fail → falls short;
    /// else any review/cannot-verify → needs review; else meets the minimum.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Verdict {
        Verdict::decided_by(findings, |f| f.force == Force::Statute)
    }

    /// The same fold over the findings `decides` picks: statute findings,
    /// plus under a reform profile the proposals it checks readiness for.
    pub fn decided_by<'a>(
        findings: impl IntoIterator<Item = &'a Finding>,
        decides: impl Fn(&Finding) -> bool,
    ) -> Verdict {
        let mut review = false;
        for f in findings.into_iter().filter(|f| decides(f)) {
            match f.status {
                FindingStatus::Fail => return Verdict::FallsShort,
                FindingStatus::Review | FindingStatus::CannotVerify => review = true,
                _ => {}
            }
        }
        if review {
            Verdict::NeedsReview
        } else {
            Verdict::MeetsMinimum
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

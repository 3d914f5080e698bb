//! Findings from rule outcomes: each rule's message, review text and fix
//! come from the rulebook; values fill the message's `{placeholders}`.

use crate::domain::{EntityType, Evidence, Finding, FindingStatus, Force};
use crate::rules::{AppliesTo, Rule, Rulebook};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Values substituted into a rule's message (`{found}`, `{body}`, …).
#[derive(Default)]
pub(super) struct Vars(HashMap<&'static str, String>);

impl Vars {
    pub fn set(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.0.insert(k, v.into());
        self
    }
    pub fn fill(&self, template: &str) -> String {
        super::message::fill(template, &self.0)
    }
}

/// Builds findings from rule metadata.
pub(super) struct Findings<'a> {
    pub rules: &'a Rulebook,
    pub entity: EntityType,
    pub is_group: bool,
    /// The document has no readable text: "cannot verify" says why.
    pub unreadable: bool,
    pub out: Vec<Finding>,
}

impl Findings<'_> {
    fn applies(&self, rule: &Rule) -> bool {
        rule.applies_to.iter().any(|a| match a {
            AppliesTo::All => true,
            AppliesTo::Group => self.is_group,
            AppliesTo::Company => matches!(self.entity, EntityType::Company | EntityType::Unknown),
            AppliesTo::Llp => self.entity == EntityType::Llp,
            AppliesTo::LimitedPartnership => self.entity == EntityType::LimitedPartnership,
            AppliesTo::Partnership => self.entity == EntityType::Partnership,
            AppliesTo::PublicBody => self.entity == EntityType::PublicBody,
        })
    }

    pub fn push(&mut self, id: &str, status: FindingStatus, vars: Vars, evidence: Vec<Evidence>) {
        let Some(rule) = self.rules.rule(id) else {
            return;
        };
        let (status, template) = if !self.applies(rule) {
            (FindingStatus::NotApplicable, None)
        } else {
            let t = match status {
                FindingStatus::Pass => &rule.pass,
                FindingStatus::Review | FindingStatus::CannotVerify => {
                    rule.review.as_ref().unwrap_or(&rule.message)
                }
                FindingStatus::Info if rule.force != Force::Statute || id.ends_with("-info") => {
                    &rule.pass
                }
                _ => &rule.message,
            };
            (status, Some(t))
        };
        let message = match template {
            Some(_) if self.unreadable && status == FindingStatus::CannotVerify => format!(
                "{}: no text could be read from this document (a scanned image without a text layer?), so this cannot be checked automatically; a person must read it.",
                rule.title
            ),
            Some(t)
                if status == FindingStatus::CannotVerify
                    && super::message::has_hole(t, &vars.0) =>
            {
                super::message::cannot_evaluate(&rule.title)
            }
            Some(t) => vars.fill(t),
            None => format!("{}: does not apply to this statement.", rule.title),
        };
        let fix = match status {
            FindingStatus::Pass | FindingStatus::NotApplicable | FindingStatus::Info => None,
            _ => rule.fix.clone(),
        };
        self.out.push(Finding {
            rule: id.to_string(),
            status,
            force: rule.force,
            message,
            evidence: if status == FindingStatus::NotApplicable {
                Vec::new()
            } else {
                evidence
            },
            fix,
        });
    }
}

pub(super) fn fmt_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

pub(super) trait Warnish {
    /// Guidance and proposal shortfalls are warnings, never failures.
    fn warnish(self) -> FindingStatus;
}

impl Warnish for FindingStatus {
    fn warnish(self) -> FindingStatus {
        if self == FindingStatus::Fail {
            FindingStatus::Warn
        } else {
            self
        }
    }
}

/// Pass when `ok`, else fail.
pub(super) fn pass_if(ok: bool) -> FindingStatus {
    if ok {
        FindingStatus::Pass
    } else {
        FindingStatus::Fail
    }
}

//! [`Document`] → [`Assessment`]: the detectors and the scoring. Pure and
//! deterministic; the rules (patterns, messages, forces) come from the
//! rulebook in `rules/*.toml` (see [`crate::rules`]).

pub mod group;

use crate::domain::{Assessment, Document, EntityType};
use crate::rules::Rulebook;
use chrono::NaiveDate;

/// A member a group statement must cover (`--members FILE.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub company_number: Option<String>,
}

/// What the caller knows about the statement beyond its text.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// `--entity`: which s.54(6) limb applies; inferred from the text when `None`.
    pub entity: Option<EntityType>,
    /// `--fy-end`: the financial year end, when the caller knows it.
    pub fy_end: Option<NaiveDate>,
    /// `--published`: when the statement was published (or first seen).
    pub published: Option<NaiveDate>,
    /// `--members`: organisations a group statement must cover.
    pub members: Vec<Member>,
    /// Rules profile name (`current` by default, or `reform-2026`).
    pub profile: Option<String>,
    /// The date to judge deadlines against (today when `None`).
    pub today: Option<NaiveDate>,
}

/// Scores one document against the rulebook.
pub fn assess(doc: &Document, opts: &CheckOptions, rules: &Rulebook) -> Assessment {
    let _ = (doc, opts, rules);
    unimplemented_assessment(doc)
}

fn unimplemented_assessment(doc: &Document) -> Assessment {
    use crate::domain::*;
    Assessment {
        schema: CHECK_SCHEMA.to_string(),
        source: doc.source.clone(),
        text_chars: doc.char_len(),
        entity_type: EntityType::Unknown,
        financial_year: Default::default(),
        approval: Default::default(),
        signature: Default::default(),
        areas: Default::default(),
        group: Default::default(),
        no_steps_declared: false,
        findings: vec![],
        score: 0,
        verdict: Verdict::NeedsReview,
        readiness: 0,
        profile: "current".into(),
        notes: doc.notes.clone(),
    }
}

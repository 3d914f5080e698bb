//! The `s54.check/1` assessment: the JSON contract of `s54 check --format json`
//! and `POST /api/check`, stored with every statement version.

use super::{EntityType, Evidence, Finding, OcrInfo, SourceInfo, Verdict, VerdictBasis};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const CHECK_SCHEMA: &str = "s54.check/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub schema: String,
    pub source: SourceInfo,
    pub text_chars: usize,
    pub entity_type: EntityType,
    pub financial_year: FinancialYear,
    pub approval: Approval,
    pub signature: Signature,
    pub areas: Areas,
    pub group: Group,
    pub no_steps_declared: bool,
    pub findings: Vec<Finding>,
    /// Guidance quality score, 0–100.
    pub score: u8,
    pub verdict: Verdict,
    /// `law`, or `readiness` under a reform profile (an extension of the
    /// contract): then `verdict` says whether the statement is ready for
    /// the proposals, not whether it meets the law.
    #[serde(default)]
    pub verdict_basis: VerdictBasis,
    /// Proposed-reform readiness, 0–100 (an extension of the contract).
    #[serde(default)]
    pub readiness: u8,
    /// Rules profile used (`current` or `reform-2026`).
    #[serde(default = "default_profile")]
    pub profile: String,
    /// Extraction notes, e.g. `scanned: no text layer`.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Present when text was read by OCR: the engine and each page's mean
    /// confidence (an extension of the contract).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr: Option<OcrInfo>,
}

fn default_profile() -> String {
    "current".to_string()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FinancialYear {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    pub present: bool,
    pub body: Option<String>,
    pub date: Option<NaiveDate>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    pub present: bool,
    pub name: Option<String>,
    pub role: Option<String>,
    pub date: Option<NaiveDate>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AreaResult {
    pub present: bool,
    /// 0..1
    pub strength: f32,
    pub evidence: Vec<Evidence>,
}

/// The six s.54(5)(a)–(f) areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Structure,
    Policies,
    DueDiligence,
    Risk,
    Effectiveness,
    Training,
}

impl Area {
    pub const ALL: [Area; 6] = [
        Area::Structure,
        Area::Policies,
        Area::DueDiligence,
        Area::Risk,
        Area::Effectiveness,
        Area::Training,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Area::Structure => "structure",
            Area::Policies => "policies",
            Area::DueDiligence => "due_diligence",
            Area::Risk => "risk",
            Area::Effectiveness => "effectiveness",
            Area::Training => "training",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Area::Structure => "Structure, business and supply chains",
            Area::Policies => "Policies",
            Area::DueDiligence => "Due diligence",
            Area::Risk => "Risk assessment and management",
            Area::Effectiveness => "Effectiveness and KPIs",
            Area::Training => "Training",
        }
    }
    /// The title inside a sentence: only its first letter lowered, so
    /// "effectiveness and KPIs", never "kpis".
    pub fn in_sentence(self) -> String {
        let t = self.title();
        let mut c = t.chars();
        match c.next() {
            Some(first) => first.to_lowercase().chain(c).collect(),
            None => String::new(),
        }
    }
    pub fn rule_id(self) -> &'static str {
        match self {
            Area::Structure => "MSA-54-5a-structure",
            Area::Policies => "MSA-54-5b-policies",
            Area::DueDiligence => "MSA-54-5c-due-diligence",
            Area::Risk => "MSA-54-5d-risk",
            Area::Effectiveness => "MSA-54-5e-effectiveness",
            Area::Training => "MSA-54-5f-training",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Areas {
    pub structure: AreaResult,
    pub policies: AreaResult,
    pub due_diligence: AreaResult,
    pub risk: AreaResult,
    pub effectiveness: AreaResult,
    pub training: AreaResult,
}

impl Areas {
    pub fn get(&self, area: Area) -> &AreaResult {
        match area {
            Area::Structure => &self.structure,
            Area::Policies => &self.policies,
            Area::DueDiligence => &self.due_diligence,
            Area::Risk => &self.risk,
            Area::Effectiveness => &self.effectiveness,
            Area::Training => &self.training,
        }
    }
    pub fn get_mut(&mut self, area: Area) -> &mut AreaResult {
        match area {
            Area::Structure => &mut self.structure,
            Area::Policies => &mut self.policies,
            Area::DueDiligence => &mut self.due_diligence,
            Area::Risk => &mut self.risk,
            Area::Effectiveness => &mut self.effectiveness,
            Area::Training => &mut self.training,
        }
    }
    /// The present areas, in statute order.
    pub fn covered(&self) -> Vec<Area> {
        Area::ALL
            .into_iter()
            .filter(|a| self.get(*a).present)
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub is_group: bool,
    pub entities: Vec<String>,
    pub coverage: Vec<MemberCoverage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberCoverage {
    pub name: String,
    pub named: bool,
    pub evidence: Vec<Evidence>,
}

impl Assessment {
    /// Failed statute rule ids (the `reasons` of the registry export).
    pub fn failed_statute_rules(&self) -> Vec<&str> {
        self.findings
            .iter()
            .filter(|f| f.force == super::Force::Statute && f.status == super::FindingStatus::Fail)
            .map(|f| f.rule.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Area;

    #[test]
    fn area_names_keep_their_acronyms_in_a_sentence() {
        assert_eq!(Area::Effectiveness.in_sentence(), "effectiveness and KPIs");
        assert_eq!(
            Area::Structure.in_sentence(),
            "structure, business and supply chains"
        );
    }
}

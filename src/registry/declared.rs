//! What organisations declared on the Government registry against what their
//! statements say: an area declared "yes" that the text gives no evidence of,
//! an approval date or a period that disagrees with the text, a group
//! submission whose statement names no group. The declarations are claims:
//! a mismatch means "the text does not support the claim", for a person to
//! read, never a statutory finding.

use crate::domain::Area;
use chrono::NaiveDate;
use serde::Serialize;

/// The declaration's side (from `registry_declarations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub areas: Vec<Area>,
    pub date_approved: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub group_submission: bool,
}

/// The statement's side: what the check found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub areas: Vec<Area>,
    pub approval_date: Option<NaiveDate>,
    /// The financial year end the text states (not one the registry inferred).
    pub stated_fy_end: Option<NaiveDate>,
    pub is_group: bool,
}

/// One declaration compared with the statement it describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredCheck {
    pub organisation_id: i64,
    pub name: String,
    pub year: i32,
    /// The statement compared (`None`: none found yet, nothing compared).
    pub statement_id: Option<i64>,
    /// Area keys declared "yes".
    pub declared_areas: Vec<&'static str>,
    /// Declared areas the text does not support.
    pub unsupported_areas: Vec<&'static str>,
    /// Other disagreements, as sentences.
    pub other: Vec<String>,
}

impl DeclaredCheck {
    pub fn has_mismatch(&self) -> bool {
        !self.unsupported_areas.is_empty() || !self.other.is_empty()
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Compares a declaration with the statement's check: the unsupported
/// areas and the other disagreements.
pub fn compare(d: &Declared, w: &Written) -> (Vec<&'static str>, Vec<String>) {
    let unsupported = d
        .areas
        .iter()
        .filter(|a| !w.areas.contains(a))
        .map(|a| a.key())
        .collect();
    let mut other = Vec::new();
    if let (Some(dd), Some(wd)) = (d.date_approved, w.approval_date)
        && dd != wd
    {
        other.push(format!(
            "approval date: declared {}, the statement says {}",
            day(dd),
            day(wd)
        ));
    }
    if let (Some(dp), Some(wp)) = (d.period_end, w.stated_fy_end)
        && dp != wp
    {
        other.push(format!(
            "period: declared as ending {}, the statement covers the year ending {}",
            day(dp),
            day(wp)
        ));
    }
    if d.group_submission && !w.is_group {
        other
            .push("group: declared as a group submission, but the statement names no group".into());
    }
    (unsupported, other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatches_are_found_and_agreement_is_quiet() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        let declared = Declared {
            areas: vec![Area::Structure, Area::Training, Area::Effectiveness],
            date_approved: d(2022, 6, 1),
            period_end: d(2022, 3, 31),
            group_submission: true,
        };
        let written = Written {
            areas: vec![Area::Structure, Area::Policies],
            approval_date: d(2022, 7, 1),
            stated_fy_end: d(2022, 3, 31),
            is_group: false,
        };
        let (areas, other) = compare(&declared, &written);
        assert_eq!(areas, vec!["training", "effectiveness"]);
        assert_eq!(other.len(), 2, "{other:?}");
        assert!(other[0].contains("1 June 2022") && other[0].contains("1 July 2022"));
        let agreeing = Written {
            areas: Area::ALL.to_vec(),
            approval_date: d(2022, 6, 1),
            stated_fy_end: None,
            is_group: true,
        };
        assert_eq!(compare(&declared, &agreeing), (vec![], vec![]));
    }
}

//! Groups in the registry (rules.md §3.4, §6.4; public bodies §1.4, §3.5):
//! which of a parent's members its stored group statement names, with the
//! quote, found by [`crate::score::group`]'s member matching over the stored
//! extracted text.
//!
//! The status side lives in the store: a member with no statement of its own
//! for a year is covered by its parent's compliant or review statement (see
//! `RegistryRow::covered_by`). Naming never changes a status: a member the
//! statement does not name is still covered, with `GUID-group-coverage` as a
//! guidance warning.

use crate::domain::{Document, Evidence, SourceInfo, SourceKind};
use crate::score::{Member, group};
use crate::store::{OrgRef, Organisation, Store, StoreError, VersionSummary};
use serde::Serialize;

/// The guidance rule a member not named by its group statement fails.
pub const COVERAGE_RULE: &str = "GUID-group-coverage";

/// Whether one statement names one member, and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberNamed {
    pub organisation: OrgRef,
    pub named: bool,
    /// Quotes of the member's name in the statement (character offsets into
    /// the statement's extracted text).
    pub evidence: Vec<Evidence>,
}

/// One of the parent's statements (the version that counts for its year)
/// and what it says about each member.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStatement {
    pub version: VersionSummary,
    pub coverage: Vec<MemberNamed>,
}

/// A group: the parent, its members, its statements newest year first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDetail {
    pub parent: Organisation,
    pub members: Vec<Organisation>,
    pub statements: Vec<GroupStatement>,
}

/// Why there is no group to show for an id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    #[error("there is no organisation {0}")]
    NoOrganisation(i64),
    #[error("{name} is not a group parent: it belongs to the group of {} (/groups/{})", parent.name, parent.id)]
    Member { name: String, parent: OrgRef },
    #[error("{0} has no group members")]
    NoMembers(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The members named by `text` (one pass for all of them).
pub fn coverage(text: &str, members: &[Organisation]) -> Vec<MemberNamed> {
    if members.is_empty() {
        return Vec::new();
    }
    let doc = Document {
        source: SourceInfo {
            kind: SourceKind::Text,
            name: String::new(),
            bytes: text.len() as u64,
            sha256: String::new(),
        },
        text: text.to_string(),
        blocks: Vec::new(),
        links: Vec::new(),
        pages: None,
        notes: Vec::new(),
        ocr: None,
    };
    let wanted: Vec<Member> = members
        .iter()
        .map(|m| Member {
            name: m.name.clone(),
            company_number: m.company_number.clone(),
        })
        .collect();
    let analysis = group::analyse(&doc, &wanted);
    members
        .iter()
        .zip(analysis.group.coverage)
        .map(|(m, c)| MemberNamed {
            organisation: OrgRef {
                id: m.id,
                name: m.name.clone(),
            },
            named: c.named,
            evidence: c.evidence,
        })
        .collect()
}

/// Whether stored statement `statement_id` names `member`; `None` when there
/// is no such statement.
pub async fn names_member(
    store: &Store,
    statement_id: i64,
    member: &Organisation,
) -> Result<Option<MemberNamed>, StoreError> {
    let Some(v) = store.version(statement_id).await? else {
        return Ok(None);
    };
    Ok(coverage(&v.text, std::slice::from_ref(member))
        .into_iter()
        .next())
}

/// The group whose parent is organisation `id`.
pub async fn group_detail(store: &Store, id: i64) -> Result<GroupDetail, GroupError> {
    let parent = store
        .organisation(id)
        .await?
        .ok_or(GroupError::NoOrganisation(id))?;
    let members = store.member_organisations(id).await?;
    if members.is_empty() {
        if let Some(p) = parent.parent_id
            && let Some(po) = store.organisation(p).await?
        {
            return Err(GroupError::Member {
                name: parent.name,
                parent: OrgRef {
                    id: po.id,
                    name: po.name,
                },
            });
        }
        return Err(GroupError::NoMembers(parent.name));
    }
    let mut versions: Vec<VersionSummary> = store
        .versions_of(id)
        .await?
        .into_iter()
        .filter(|v| v.latest_in_year)
        .collect();
    versions.sort_by(|a, b| b.registry_year.cmp(&a.registry_year).then(b.id.cmp(&a.id)));
    let mut statements = Vec::with_capacity(versions.len());
    for version in versions {
        let text = store
            .version(version.id)
            .await?
            .map(|d| d.text)
            .unwrap_or_default();
        statements.push(GroupStatement {
            coverage: coverage(&text, &members),
            version,
        });
    }
    Ok(GroupDetail {
        parent,
        members,
        statements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn org(id: i64, name: &str) -> Organisation {
        Organisation {
            id,
            name: name.into(),
            normalised_name: String::new(),
            website: None,
            org_type: None,
            sector: None,
            turnover_gbp: None,
            budget_gbp: None,
            company_number: None,
            financial_year_end: None,
            parent_id: Some(1),
            parent_name: None,
            in_scope: Some(true),
            scope_reason: String::new(),
            turnover_band: None,
            source: "test".into(),
            first_year: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            looked_at: None,
            crawl_failure: None,
            company_status: None,
            dissolved_on: None,
            sic_codes: None,
        }
    }

    #[test]
    fn members_named_and_not_named_with_quotes() {
        let text = "This statement is made by Parent Holdings plc on behalf of itself and its \
                    subsidiaries, including Alpha Widgets Limited.";
        let got = coverage(
            text,
            &[
                org(2, "Alpha Widgets Limited"),
                org(3, "Beta Pumps Limited"),
            ],
        );
        assert_eq!(got.len(), 2);
        assert!(got[0].named);
        assert_eq!(got[0].organisation.id, 2);
        assert!(got[0].evidence[0].quote.contains("Alpha Widgets"));
        assert!(!got[1].named);
        assert!(got[1].evidence.is_empty());
        assert!(coverage(text, &[]).is_empty());
    }
}

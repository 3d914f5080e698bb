use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The legal form that decides which limb of s.54(6) applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    Company,
    Llp,
    LimitedPartnership,
    Partnership,
    PublicBody,
    Unknown,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Company => "company",
            EntityType::Llp => "llp",
            EntityType::LimitedPartnership => "limited_partnership",
            EntityType::Partnership => "partnership",
            EntityType::PublicBody => "public_body",
            EntityType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown entity type '{0}' (expected company, llp, limited_partnership, partnership or public_body)"
)]
pub struct UnknownEntityType(pub String);

impl FromStr for EntityType {
    type Err = UnknownEntityType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "company" => EntityType::Company,
            "llp" => EntityType::Llp,
            "limited_partnership" | "lp" => EntityType::LimitedPartnership,
            "partnership" => EntityType::Partnership,
            "public_body" => EntityType::PublicBody,
            "unknown" => EntityType::Unknown,
            other => return Err(UnknownEntityType(other.to_string())),
        })
    }
}

/// Organisation types of the native organisations CSV (`org_type` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    Company,
    Llp,
    LimitedPartnership,
    Partnership,
    Charity,
    University,
    Nhs,
    LocalAuthority,
    PublicBody,
}

impl OrgType {
    pub const ALL: [OrgType; 9] = [
        OrgType::Company,
        OrgType::Llp,
        OrgType::LimitedPartnership,
        OrgType::Partnership,
        OrgType::Charity,
        OrgType::University,
        OrgType::Nhs,
        OrgType::LocalAuthority,
        OrgType::PublicBody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgType::Company => "company",
            OrgType::Llp => "llp",
            OrgType::LimitedPartnership => "limited_partnership",
            OrgType::Partnership => "partnership",
            OrgType::Charity => "charity",
            OrgType::University => "university",
            OrgType::Nhs => "nhs",
            OrgType::LocalAuthority => "local_authority",
            OrgType::PublicBody => "public_body",
        }
    }

    /// Public bodies are in scope by budget (a proposal), everyone else by turnover.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            OrgType::Nhs | OrgType::LocalAuthority | OrgType::PublicBody
        )
    }

    /// Which s.54(6) limb applies to an organisation of this type.
    pub fn entity_type(self) -> EntityType {
        match self {
            OrgType::Company | OrgType::Charity | OrgType::University => EntityType::Company,
            OrgType::Llp => EntityType::Llp,
            OrgType::LimitedPartnership => EntityType::LimitedPartnership,
            OrgType::Partnership => EntityType::Partnership,
            OrgType::Nhs | OrgType::LocalAuthority | OrgType::PublicBody => EntityType::PublicBody,
        }
    }
}

impl fmt::Display for OrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown org_type '{0}' (expected one of company, llp, limited_partnership, partnership, charity, university, nhs, local_authority, public_body)"
)]
pub struct UnknownOrgType(pub String);

impl FromStr for OrgType {
    type Err = UnknownOrgType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        OrgType::ALL
            .into_iter()
            .find(|o| o.as_str() == t)
            .ok_or(UnknownOrgType(s.to_string()))
    }
}

/// The £36m threshold of reg. 2 (SI 2015/1833): "not less than".
pub const THRESHOLD_GBP: i64 = 36_000_000;

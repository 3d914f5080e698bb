//! Officers from the Companies House register (`GET /company/{n}/officers`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One officer appointment, as the register lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    /// `SURNAME, Forenames` for people; the name for corporate officers.
    pub name: String,
    /// `director`, `secretary`, `llp-designated-member`, …
    pub officer_role: String,
    pub appointed_on: Option<NaiveDate>,
    pub resigned_on: Option<NaiveDate>,
}

impl Officer {
    /// Whether the appointment was current on `date`.
    pub fn in_office_on(&self, date: NaiveDate) -> bool {
        self.appointed_on.is_none_or(|a| a <= date) && self.resigned_on.is_none_or(|r| r > date)
    }

    /// The register entry as quoted on pages and in findings.
    pub fn entry(&self) -> String {
        let mut s = format!("{}, {}", self.name, self.officer_role);
        if let Some(a) = self.appointed_on {
            s.push_str(&format!(", appointed {a}"));
        }
        if let Some(r) = self.resigned_on {
            s.push_str(&format!(", resigned {r}"));
        }
        s
    }
}

/// One page of the officer-list resource (fields s54 reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OfficerListPage {
    #[serde(default)]
    pub items: Vec<Officer>,
    #[serde(default)]
    pub start_index: u64,
    #[serde(default)]
    pub items_per_page: u64,
    #[serde(default)]
    pub total_results: u64,
    #[serde(default)]
    pub links: OfficerListLinks,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct OfficerListLinks {
    #[serde(rename = "self", default)]
    pub self_link: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OfficerListError {
    #[error("not an officer list: {0}")]
    Json(String),
    #[error("the officer list's links.self ('{0}') names no company")]
    NoCompany(String),
}

impl OfficerListPage {
    /// Parses one response body.
    pub fn parse(body: &str) -> Result<OfficerListPage, OfficerListError> {
        let v: serde_json::Value =
            serde_json::from_str(body).map_err(|e| OfficerListError::Json(e.to_string()))?;
        if !v.get("items").is_some_and(serde_json::Value::is_array) {
            return Err(OfficerListError::Json("no `items` array".into()));
        }
        serde_json::from_value(v).map_err(|e| OfficerListError::Json(e.to_string()))
    }

    /// The company number in `links.self` (`/company/{number}/officers`).
    pub fn company_number(&self) -> Result<String, OfficerListError> {
        let link = self.links.self_link.clone().unwrap_or_default();
        let mut parts = link.split('/').filter(|p| !p.is_empty());
        match (parts.next(), parts.next()) {
            (Some("company"), Some(n))
                if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                Ok(n.to_ascii_uppercase())
            }
            _ => Err(OfficerListError::NoCompany(link)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_parses_and_names_its_company() {
        let p = OfficerListPage::parse(
            r#"{"items":[{"name":"WYLLIE, Andrew","officer_role":"director","appointed_on":"2015-03-01"}],
                "start_index":0,"items_per_page":35,"total_results":1,"kind":"officer-list",
                "links":{"self":"/company/01234567/officers"}}"#,
        )
        .unwrap();
        assert_eq!(p.company_number().unwrap(), "01234567");
        assert_eq!(p.items[0].appointed_on, NaiveDate::from_ymd_opt(2015, 3, 1));
        assert!(OfficerListPage::parse("<html>").is_err());
        assert!(OfficerListPage::parse(r#"{"error":"x"}"#).is_err());
        let no_link = OfficerListPage::parse(r#"{"items":[]}"#).unwrap();
        assert!(no_link.company_number().is_err());
    }
}

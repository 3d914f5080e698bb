//! A lenient query-string reader: unknown keys are ignored, empty values are
//! absent, and a malformed value is a 400 whose message names the parameter
//! (axum's `Query` rejection text is not written for people).

use super::errors::WebError;
use crate::domain::{Area, OrgType};
use crate::registry::YearStatus;
use crate::store::{ExportFilter, OrgFilter, OrgSort};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The raw `key=value` pairs of the query string.
#[derive(Debug, Clone, Default)]
pub struct RawQuery(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for RawQuery {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Ok(RawQuery(
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
                .collect(),
        ))
    }
}

impl RawQuery {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn int<T: std::str::FromStr>(&self, key: &str, what: &str) -> Result<Option<T>, WebError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                WebError::BadRequest(format!("'{key}' must be {what}, not '{}'", clip(v)))
            }),
        }
    }

    pub fn year(&self) -> Result<Option<i32>, WebError> {
        let y: Option<i32> = self.int("year", "a year such as 2025")?;
        match y {
            Some(y) if !(2016..=2100).contains(&y) => Err(WebError::BadRequest(format!(
                "'year' must be between 2016 and 2100, not {y}"
            ))),
            y => Ok(y),
        }
    }

    pub fn status(&self) -> Result<Option<YearStatus>, WebError> {
        match self.get("status") {
            None | Some("all") => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                WebError::BadRequest(format!(
                    "'status' must be compliant, noncompliant, review, missing, out_of_scope or all, not '{}'",
                    clip(s)
                ))
            }),
        }
    }

    pub fn org_type(&self) -> Result<Option<OrgType>, WebError> {
        match self.get("org_type") {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|e: crate::domain::UnknownOrgType| WebError::BadRequest(e.to_string())),
        }
    }

    /// The registry list's filters.
    pub fn org_filter(&self, max_per_page: u32) -> Result<OrgFilter, WebError> {
        let page: u32 = self
            .int("page", "a whole number of 1 or more")?
            .unwrap_or(1);
        if page == 0 {
            return Err(WebError::BadRequest("'page' must be 1 or more".into()));
        }
        let per_page: u32 = self
            .int("per_page", "a whole number of 1 or more")?
            .unwrap_or(50);
        if per_page == 0 || per_page > max_per_page {
            return Err(WebError::BadRequest(format!(
                "'per_page' must be between 1 and {max_per_page}"
            )));
        }
        let area_missing = match self.get("area_missing") {
            None => None,
            Some(a) => Some(
                Area::ALL
                    .into_iter()
                    .find(|x| x.key() == a)
                    .ok_or_else(|| {
                        WebError::BadRequest(format!(
                            "'area_missing' must be one of structure, policies, due_diligence, risk, effectiveness, training, not '{}'",
                            clip(a)
                        ))
                    })?,
            ),
        };
        let in_scope = match self.get("in_scope") {
            None => None,
            Some("true" | "yes" | "1") => Some(true),
            Some("false" | "no" | "0") => Some(false),
            Some(v) => {
                return Err(WebError::BadRequest(format!(
                    "'in_scope' must be true or false, not '{}'",
                    clip(v)
                )));
            }
        };
        let (public_bodies, groups) = match self.get("group") {
            None => (false, false),
            Some("public_body") => (true, false),
            Some("group") => (false, true),
            Some(v) => {
                return Err(WebError::BadRequest(format!(
                    "'group' must be public_body or group, not '{}'",
                    clip(v)
                )));
            }
        };
        let sort = match self.get("sort") {
            None => OrgSort::default(),
            Some(s) => OrgSort::parse(s).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "'sort' must be name, -name, score, -score, turnover or newest, not '{}'",
                    clip(s)
                ))
            })?,
        };
        let q = self
            .get("q")
            .map(|s| s.chars().take(200).collect::<String>());
        Ok(OrgFilter {
            q,
            sector: self.get("sector").map(str::to_string),
            org_type: self.org_type()?,
            status: self.status()?,
            year: self.year()?,
            area_missing,
            in_scope,
            public_bodies,
            groups,
            sort,
            page,
            per_page,
        })
    }

    /// The export's filters.
    pub fn export_filter(&self) -> Result<ExportFilter, WebError> {
        Ok(ExportFilter {
            status: self.status()?,
            year: self.year()?,
            sector: self.get("sector").map(str::to_string),
            org_type: self.org_type()?,
            organisation_id: None,
        })
    }
}

/// Parses a path id; anything but a positive integer is a 404 (no such page).
pub fn path_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::NotFound(format!("there is no record '{}'", clip(raw))))
}

fn clip(s: &str) -> String {
    super::view::shorten(s, 40)
}

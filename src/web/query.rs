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
    /// The pairs as one query string, in the order given: two requests with
    /// the same canonical form read the same values.
    pub fn canonical(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            s.append_pair(k, v);
        }
        s.finish()
    }

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
                    "'status' must be compliant, noncompliant, review, missing, unchecked, out_of_scope or all, not '{}'",
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
        let area_missing = self.area_missing()?;
        let in_scope = self.in_scope()?;
        let (public_bodies, groups) = self.group_filter()?;
        let sort = match self.get("sort") {
            None => OrgSort::default(),
            Some(s) => OrgSort::parse(s).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "'sort' must be name, -name, score, -score, turnover or newest, not '{}'",
                    clip(s)
                ))
            })?,
        };
        Ok(OrgFilter {
            q: self.q(),
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

    /// The export's filters: the registry list's, without sorting and pages.
    pub fn export_filter(&self) -> Result<ExportFilter, WebError> {
        let (public_bodies, groups) = self.group_filter()?;
        Ok(ExportFilter {
            status: self.status()?,
            year: self.year()?,
            sector: self.get("sector").map(str::to_string),
            org_type: self.org_type()?,
            organisation_id: None,
            q: self.q(),
            in_scope: self.in_scope()?,
            public_bodies,
            groups,
            area_missing: self.area_missing()?,
            no_website: self.flag("no_website")?,
        })
    }

    /// `with_group=1`: the opt-in `group_id` column of the export.
    pub fn with_group(&self) -> Result<bool, WebError> {
        self.flag("with_group")
    }

    /// `with_declared=1`: the opt-in `declared_areas` and `declared_mismatch` columns.
    pub fn with_declared(&self) -> Result<bool, WebError> {
        self.flag("with_declared")
    }

    fn flag(&self, key: &str) -> Result<bool, WebError> {
        match self.get(key) {
            None | Some("false" | "no" | "0") => Ok(false),
            Some("true" | "yes" | "1") => Ok(true),
            Some(v) => Err(WebError::BadRequest(format!(
                "'{key}' must be 1 or 0 (true or false), not '{}'",
                clip(v)
            ))),
        }
    }

    /// The search text (at most 200 characters).
    pub fn q(&self) -> Option<String> {
        self.get("q").map(|s| s.chars().take(200).collect())
    }

    pub fn area_missing(&self) -> Result<Option<Area>, WebError> {
        match self.get("area_missing") {
            None => Ok(None),
            Some(a) => Area::ALL
                .into_iter()
                .find(|x| x.key() == a)
                .map(Some)
                .ok_or_else(|| {
                    WebError::BadRequest(format!(
                        "'area_missing' must be one of structure, policies, due_diligence, risk, effectiveness, training, not '{}'",
                        clip(a)
                    ))
                }),
        }
    }

    pub fn in_scope(&self) -> Result<Option<bool>, WebError> {
        match self.get("in_scope") {
            None => Ok(None),
            Some("true" | "yes" | "1") => Ok(Some(true)),
            Some("false" | "no" | "0") => Ok(Some(false)),
            Some(v) => Err(WebError::BadRequest(format!(
                "'in_scope' must be true or false, not '{}'",
                clip(v)
            ))),
        }
    }

    /// `group=public_body` (public bodies) or `group=group` (group parents
    /// and members): `(public_bodies, groups)`.
    pub fn group_filter(&self) -> Result<(bool, bool), WebError> {
        match self.get("group") {
            None => Ok((false, false)),
            Some("public_body") => Ok((true, false)),
            Some("group") => Ok((false, true)),
            Some(v) => Err(WebError::BadRequest(format!(
                "'group' must be public_body or group, not '{}'",
                clip(v)
            ))),
        }
    }

    /// The filters of the registry list that the export understands, as a
    /// query string (for the list page's download links).
    pub fn export_query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for k in EXPORT_KEYS {
            if let Some(v) = self.get(k) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// The query keys `/export.*` reads as filters (the registry list's filters).
pub const EXPORT_KEYS: [&str; 8] = [
    "q",
    "sector",
    "org_type",
    "status",
    "year",
    "area_missing",
    "in_scope",
    "group",
];

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

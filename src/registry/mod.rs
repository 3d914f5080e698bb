//! Reporting years, due dates and the status of each organisation in each
//! registry year (rules.md §4.3, §7.3), plus the CSV import and the registry
//! export built on [`crate::store`].
//!
//! - [`year`]: `registry year = year(FY end + 6 months)`, due dates, year ends.
//! - [`status`]: one version → compliant / noncompliant / review; one
//!   organisation-year → adds missing and out_of_scope.
//! - [`import`]: the native and Government registry CSVs → organisations.
//! - [`export`]: the `s54 export` rows as CSV, JSON or NDJSON, streamed.
//! - [`group`]: which members a group parent's statement names.

pub mod company_data;
pub mod dates;
pub mod declared;
pub mod export;
pub mod group;
pub mod import;
pub mod officers;
pub mod rescore;
pub mod status;
pub mod year;

pub use status::{YearStatus, judge_version, year_status};
pub use year::{YearEnd, default_year, due_date, registry_year};

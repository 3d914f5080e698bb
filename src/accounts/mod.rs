//! Who must report: organisations over s.54(2)'s £36m found from the
//! accounts companies file at Companies House (the Accounts Data Product:
//! daily and monthly zips of iXBRL filings, one member per filing).
//!
//! - [`source`]: the members of a zip (streamed) or folder, within limits.
//! - [`ixbrl`]: one member's XHTML → a [`crate::domain::Filing`], streamed.
//! - [`number`], [`dates`]: the Inline XBRL transformations of numbers and dates.
//! - [`import`]: members → [`crate::store::Store::record_filings`], in batches.

pub mod dates;
pub mod import;
pub mod ixbrl;
pub mod number;
mod resolve;
pub mod source;

pub use import::{ImportReport, import};
pub use ixbrl::{FilingError, parse};
pub use resolve::member_name_parts;
pub use source::{Limits, Member, SourceError, read_members};

//! The one entry point every caller (CLI, web, crawler) uses to check bytes.

use crate::domain::Assessment;
use crate::extract::{self, ExtractError, Limits};
use crate::rules::Rulebook;
use crate::score::{self, CheckOptions};

/// Extracts and scores one statement.
pub fn check_bytes(
    bytes: &[u8],
    name: &str,
    opts: &CheckOptions,
    rules: &Rulebook,
    limits: &Limits,
) -> Result<Assessment, ExtractError> {
    let doc = extract::extract(bytes, name, limits)?;
    Ok(score::assess(&doc, opts, rules))
}

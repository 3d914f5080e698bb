//! PDF extraction (being built: see issue 2).

use super::{ExtractError, Limits};
use crate::domain::Extracted;

pub fn extract(_bytes: &[u8], _limits: &Limits) -> Result<Extracted, ExtractError> {
    Err(ExtractError::UnknownFormat)
}

//! Group statements: which entities a statement is made for, and whether it
//! names each member of a given list (being built: issue 5).

use super::Member;
use crate::domain::{Document, Group};

/// Detects whether `doc` is a group statement, the entities it names, and,
/// when `members` is not empty, one coverage entry per member.
pub fn detect(doc: &Document, members: &[Member]) -> Group {
    let _ = (doc, members);
    Group::default()
}

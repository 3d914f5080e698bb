//! The legal form, inferred from the text when the caller does not say
//! (rules.md §1.5: legal suffixes). Universities and charities are bodies
//! corporate (the company limb of s.54(6)); NHS bodies, councils, police
//! and government departments are public bodies.

use crate::domain::{Document, EntityType};
use crate::rules::Rulebook;

/// Matches of the lexicon entry `key` in `text`, counted up to `enough`.
fn count(rules: &Rulebook, key: &str, text: &str, enough: usize) -> usize {
    rules.lexicon(key).map_or(0, |re| re.count(text, enough))
}

/// Infers the entity type from the document text.
pub fn infer(doc: &Document, rules: &Rulebook) -> EntityType {
    let t = &doc.text;
    // The tests below read `llp` only up to 2, and `company` only up to 3
    // or one more than the counts it is compared with: a statement naming
    // its company form on every page is not scanned to its end.
    let llp = count(rules, "entity_llp", t, 2);
    let lp = count(rules, "entity_lp", t, usize::MAX);
    let partnership = count(rules, "entity_partnership", t, usize::MAX);
    let public = count(rules, "entity_public", t, usize::MAX);
    let enough = 3.max(public + 1).max(lp + 1).max(partnership + 1);
    let company = count(rules, "entity_company", t, enough);
    if public >= 2 && public >= company {
        return EntityType::PublicBody;
    }
    if llp >= 1 && (llp >= 2 || company <= 2) {
        return EntityType::Llp;
    }
    if lp >= 1 && lp >= company {
        return EntityType::LimitedPartnership;
    }
    if partnership >= 2 && partnership > company {
        return EntityType::Partnership;
    }
    if company >= 1 {
        return EntityType::Company;
    }
    if public >= 1 {
        return EntityType::PublicBody;
    }
    EntityType::Unknown
}

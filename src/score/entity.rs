//! The legal form, inferred from the text when the caller does not say
//! (rules.md §1.5: legal suffixes). Universities and charities are bodies
//! corporate (the company limb of s.54(6)); NHS bodies, councils, police
//! and government departments are public bodies.

use crate::domain::{Document, EntityType};
use crate::rules::Rulebook;

fn count(rules: &Rulebook, key: &str, text: &str) -> usize {
    rules
        .lexicon(key)
        .map(|re| re.find_iter(text).count())
        .unwrap_or(0)
}

/// Infers the entity type from the document text.
pub fn infer(doc: &Document, rules: &Rulebook) -> EntityType {
    let t = &doc.text;
    let llp = count(rules, "entity_llp", t);
    let lp = count(rules, "entity_lp", t);
    let partnership = count(rules, "entity_partnership", t);
    let public = count(rules, "entity_public", t);
    let company = count(rules, "entity_company", t);
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

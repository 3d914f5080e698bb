//! The signature rules against the Companies House officers' register: the
//! statement's signatory matched to an officer by name ("WYLLIE, Andrew" vs
//! "Andrew Wyllie CBE"; middle names, initials, titles and honours), and the
//! officer's role and appointment dates around the signature date decide what
//! the text alone could only leave for review.
//!
//! - matched and in office in a signing role on that date: pass, quoting the
//!   register entry;
//! - on the register but not in a signing role on that date: fail;
//! - not found, or no register data: the finding stays as the text left it.

use crate::domain::{Assessment, FindingStatus, Officer, Verdict};
use chrono::NaiveDate;

/// The company signature rule and the LLP one, with the roles that sign.
const RULES: [(&str, &[&str]); 2] = [
    (
        "MSA-54-6a-director-signature",
        &[
            "director",
            "corporate-director",
            "nominee-director",
            "corporate-nominee-director",
        ],
    ),
    (
        "MSA-54-6b-llp-signature",
        &["llp-designated-member", "corporate-llp-designated-member"],
    ),
];

const TITLES: [&str; 16] = [
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "sir",
    "dame",
    "lord",
    "lady",
    "prof",
    "professor",
    "rt",
    "hon",
    "the",
    "baroness",
];

const HONOURS: [&str; 22] = [
    "cbe", "obe", "mbe", "kbe", "dbe", "cb", "kcb", "gcb", "cvo", "lvo", "frs", "freng", "fca",
    "aca", "qc", "kc", "bt", "phd", "msc", "ba", "mba", "jp",
];

/// A person's name as comparable words: lower case, titles, honours and
/// punctuation dropped. Register names (`SURNAME, Forenames`) come back as
/// forenames then surname.
fn words(name: &str) -> Vec<String> {
    let reordered = match name.split_once(',') {
        Some((surname, fore)) => format!("{fore} {surname}"),
        None => name.to_string(),
    };
    reordered
        .split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(['\'', '-']).to_lowercase())
        .filter(|w| !w.is_empty())
        .filter(|w| !TITLES.contains(&w.as_str()) && !HONOURS.contains(&w.as_str()))
        .collect()
}

fn same_given(a: &str, b: &str) -> bool {
    a == b || (a.len() == 1 && b.starts_with(a)) || (b.len() == 1 && a.starts_with(b))
}

/// Whether a signatory's name and a register name are the same person's:
/// same surname, same first name (or initial), and every other given name
/// of the shorter one found (in full or as an initial) in the other.
pub fn same_person(signatory: &str, register: &str) -> bool {
    let (s, r) = (words(signatory), words(register));
    let (Some((s_last, s_given)), Some((r_last, r_given))) = (s.split_last(), r.split_last())
    else {
        return false;
    };
    if s_last != r_last {
        return false;
    }
    let (Some(s_first), Some(r_first)) = (s_given.first(), r_given.first()) else {
        return false;
    };
    if !same_given(s_first, r_first) {
        return false;
    }
    let (short, long) = if s_given.len() <= r_given.len() {
        (s_given, r_given)
    } else {
        (r_given, s_given)
    };
    short[1..]
        .iter()
        .all(|w| long[1..].iter().any(|l| same_given(w, l)))
}

/// Checks the assessment's signatory against the register. `date` is the
/// signature (or approval) date; without one, `fallback` (e.g. the day the
/// statement was first seen, or today). Returns whether anything changed.
pub fn apply(a: &mut Assessment, officers: &[Officer], fallback: NaiveDate) -> bool {
    let Some(name) = a.signature.name.clone() else {
        return false;
    };
    if officers.is_empty() {
        return false;
    }
    let date = a.signature.date.or(a.approval.date).unwrap_or(fallback);
    let matches: Vec<&Officer> = officers
        .iter()
        .filter(|o| same_person(&name, &o.name))
        .collect();
    if matches.is_empty() {
        return false;
    }
    let mut changed = false;
    for (rule, roles) in RULES {
        let Some(f) = a.findings.iter_mut().find(|f| f.rule == rule) else {
            continue;
        };
        if !matches!(f.status, FindingStatus::Pass | FindingStatus::Review) {
            continue;
        }
        let signing = matches
            .iter()
            .find(|o| roles.contains(&o.officer_role.as_str()) && o.in_office_on(date));
        match signing {
            Some(o) => {
                f.status = FindingStatus::Pass;
                f.message = format!(
                    "The statement is signed by {name}, who was in office on {date} according to the Companies House register: \"{}\".",
                    o.entry()
                );
            }
            None => {
                f.status = FindingStatus::Fail;
                let entries: Vec<String> = matches
                    .iter()
                    .map(|o| format!("\"{}\"", o.entry()))
                    .collect();
                f.message = format!(
                    "The statement is signed by {name}, who the Companies House register shows was not in a signing role on {date}: {}.",
                    entries.join("; ")
                );
            }
        }
        changed = true;
    }
    if changed {
        a.verdict = Verdict::from_findings(a.findings.iter());
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_across_register_order_titles_and_initials() {
        assert!(same_person("Andrew Wyllie CBE", "WYLLIE, Andrew"));
        assert!(same_person("Sir Andrew James Wyllie", "WYLLIE, Andrew"));
        assert!(same_person("A. J. Wyllie", "WYLLIE, Andrew James"));
        assert!(same_person(
            "Dr Jane O'Neill-Smith",
            "O'NEILL-SMITH, Jane Mary"
        ));
        assert!(!same_person("Andrew Wyllie", "WYLLIE, Alison"));
        assert!(!same_person("Andrew Wyllie", "WILLIS, Andrew"));
        assert!(!same_person("Andrew Peter Wyllie", "WYLLIE, Andrew James"));
        assert!(!same_person("Wyllie", "WYLLIE, Andrew"));
    }

    #[test]
    fn officers_are_in_office_between_their_dates() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let o = Officer {
            name: "WYLLIE, Andrew".into(),
            officer_role: "director".into(),
            appointed_on: Some(d(2015, 3, 1)),
            resigned_on: Some(d(2022, 1, 31)),
        };
        assert!(o.in_office_on(d(2020, 6, 1)));
        assert!(!o.in_office_on(d(2022, 6, 1)));
        assert!(!o.in_office_on(d(2014, 6, 1)));
    }
}

//! Rule messages with their values filled in. A message never shows an
//! empty value: a missing value that ends the message (an optional
//! "{found}" explanation) is dropped; one inside a sentence reads "not
//! found"; and a finding that cannot be evaluated for want of values says so
//! once, in plain words, instead of a sentence with holes.

use std::collections::HashMap;

/// The placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(p) = rest.find('{') {
        let Some(q) = rest[p..].find('}') else { break };
        let name = &rest[p + 1..p + q];
        if is_name(name) {
            out.push(name);
        }
        rest = &rest[p + q + 1..];
    }
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

fn value<'a>(values: &'a HashMap<&'static str, String>, name: &str) -> Option<&'a str> {
    values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Whether `template` needs a value that is missing in a place where
/// dropping it would leave a hole (anywhere but at the end of a message).
pub fn has_hole(template: &str, values: &HashMap<&'static str, String>) -> bool {
    let mut rest = template;
    while let Some(p) = rest.find('{') {
        let Some(q) = rest[p..].find('}') else { break };
        let name = &rest[p + 1..p + q];
        let after = &rest[p + q + 1..];
        if is_name(name) && value(values, name).is_none() && !droppable(&rest[..p], after) {
            return true;
        }
        rest = after;
    }
    false
}

/// A value standing alone after a finished sentence at the very end.
fn droppable(before: &str, after: &str) -> bool {
    let b = before.trim_end();
    after.trim().is_empty() && (b.is_empty() || b.ends_with(['.', ':', '?', '!']))
}

/// `template` with its values; see the module comment for missing ones.
pub fn fill(template: &str, values: &HashMap<&'static str, String>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(p) = rest.find('{') {
        let Some(q) = rest[p..].find('}') else { break };
        let name = &rest[p + 1..p + q];
        let after = &rest[p + q + 1..];
        if !is_name(name) {
            out.push_str(&rest[..=p]);
            rest = &rest[p + 1..];
            continue;
        }
        out.push_str(&rest[..p]);
        match value(values, name) {
            Some(v) => out.push_str(v),
            None if droppable(&out, after) => {}
            None => out.push_str(unknown(name)),
        }
        rest = after;
    }
    out.push_str(rest);
    single_spaced(&out).replace(" of of ", " of ")
}

/// How a missing value reads inside a sentence.
fn unknown(name: &str) -> &'static str {
    match name {
        "name" => "a signatory whose name was not found",
        "role" => "role not stated",
        "body" => "a body not named",
        "date" => "date not found",
        "fye" | "expected_by" => "date not found",
        "n" => "an unknown number of",
        _ => "not found",
    }
}

/// What a finding that cannot be evaluated says, once.
pub fn cannot_evaluate(title: &str) -> String {
    format!(
        "{title}: cannot be evaluated, because the statement does not give what this check needs; a person should check it."
    )
}

/// `s` with its words joined by single spaces.
pub fn single_spaced(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(pairs: &[(&'static str, &str)]) -> HashMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn values_fill_and_missing_ones_never_leave_holes() {
        let t = "The approval date ({date}) is before the end of the period ({fye}).";
        assert_eq!(
            fill(
                t,
                &vals(&[("date", "1 May 2024"), ("fye", "31 March 2024")])
            ),
            "The approval date (1 May 2024) is before the end of the period (31 March 2024)."
        );
        assert_eq!(
            fill(t, &vals(&[("date", "")])),
            "The approval date (date not found) is before the end of the period (date not found)."
        );
        assert!(has_hole(t, &vals(&[("date", "1 May 2024")])));
        let trailing = "No approval is stated. {found}";
        assert_eq!(fill(trailing, &vals(&[])), "No approval is stated.");
        assert!(!has_hole(trailing, &vals(&[])));
        assert_eq!(fill("{JSON} {x}", &vals(&[])), "{JSON} not found");
        assert_eq!(
            fill("It covers {n} of the 6 areas; {n} months.", &vals(&[])),
            "It covers an unknown number of the 6 areas; an unknown number of months."
        );
        assert_eq!(placeholders("a {n} b {found} {X}"), vec!["n", "found"]);
    }
}

//! From the facts of one filing to its [`Filing`]: which period is current,
//! which turnover figure counts (the group's in group accounts), and the
//! company's identity, with the member's name as a fallback.

use super::ixbrl::{Concept, Context, Dim, Filing, FilingError, Money, State, check_possible};
use crate::registry::import::normalise_company_number;
use chrono::NaiveDate;

/// The company number and balance-sheet date in a member's name:
/// `Prod224_0001_01234567_20240331.html` → (`01234567`, 2024-03-31).
pub fn member_name_parts(member: &str) -> (Option<String>, Option<NaiveDate>) {
    let base = member.rsplit(['/', '\\']).next().unwrap_or(member);
    let stem = base.split('.').next().unwrap_or(base);
    let parts: Vec<&str> = stem.split('_').collect();
    let date_at = parts
        .iter()
        .rposition(|p| p.len() == 8 && p.bytes().all(|b| b.is_ascii_digit()))
        .filter(|&i| i > 0);
    let date = date_at.and_then(|i| NaiveDate::parse_from_str(parts[i], "%Y%m%d").ok());
    let number = date_at
        .and_then(|i| parts.get(i - 1))
        .filter(|p| p.len() == 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(|p| p.to_ascii_uppercase());
    (number, date)
}

fn text<'a>(st: &'a State, c: Concept) -> Option<(&'a str, Option<&'a str>)> {
    st.texts
        .get(&c)
        .filter(|(t, _)| !t.is_empty())
        .map(|(t, f)| (t.as_str(), f.as_deref()))
}

fn date_fact(st: &State, c: Concept) -> Option<NaiveDate> {
    text(st, c).and_then(|(t, f)| super::dates::parse(t, f))
}

fn dormant(st: &State) -> bool {
    let Some((t, f)) = text(st, Concept::Dormant) else {
        // A fixed-true/false transformation may have left no text.
        return st.texts.get(&Concept::Dormant).is_some_and(|(_, f)| {
            f.as_deref()
                .is_some_and(|f| f.ends_with("booleantrue") || f.ends_with("fixed-true"))
        });
    };
    let f = f.unwrap_or("");
    if f.ends_with("booleantrue") || f.ends_with("fixed-true") {
        return true;
    }
    if f.ends_with("booleanfalse") || f.ends_with("fixed-false") {
        return false;
    }
    matches!(t.to_ascii_lowercase().as_str(), "true" | "yes" | "dormant")
}

/// The value of `concept` for the period ending `end`: the consolidated
/// figure in group accounts, else the entity's; `Err` when the figure for
/// that period is unreadable or tagged twice with different values.
fn current_value<'a>(
    st: &'a State,
    concept: Concept,
    end: NaiveDate,
    label: &'static str,
) -> Result<Option<(i64, Option<String>, &'a Context)>, FilingError> {
    let mut best: Option<(i64, Option<String>, &'a Context)> = None;
    for n in st.numbers.iter().filter(|n| n.concept == concept) {
        let Some(c) = st.contexts.get(&n.context) else {
            continue;
        };
        if c.instant || c.end != Some(end) || c.dim == Dim::Other {
            continue;
        }
        let value = n.value.as_ref().map_err(|e| FilingError::BadFact {
            concept: label,
            reason: e.to_string(),
        })?;
        match &best {
            Some((v, _, bc)) if bc.dim == c.dim => {
                if v != value {
                    return Err(FilingError::BadFact {
                        concept: label,
                        reason: format!(
                            "two different values for the period ending {end}: {v} and {value}"
                        ),
                    });
                }
            }
            Some((_, _, bc)) if bc.dim == Dim::Consolidated => {}
            _ => best = Some((*value, n.unit.clone(), c)),
        }
    }
    Ok(best)
}

fn currency(st: &State, unit: Option<&str>) -> Result<String, FilingError> {
    let measure = unit
        .and_then(|u| st.units.get(u))
        .ok_or_else(|| FilingError::BadFact {
            concept: "turnover",
            reason: format!("unit '{}' is not defined", unit.unwrap_or("")),
        })?;
    let code = measure.rsplit(':').next().unwrap_or(measure).trim();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(FilingError::BadFact {
            concept: "turnover",
            reason: format!("unit '{measure}' is not a currency"),
        })
    }
}

/// The filing that the parsed facts describe.
pub(super) fn filing(st: State, member: &str) -> Result<Filing, FilingError> {
    if !st.ix_seen {
        return Err(FilingError::NotIxbrl);
    }
    let (file_number, file_date) = member_name_parts(member);
    let latest_turnover_end = st
        .numbers
        .iter()
        .filter(|n| n.concept == Concept::Turnover)
        .filter_map(|n| st.contexts.get(&n.context))
        .filter(|c| !c.instant)
        .filter_map(|c| c.end)
        .max();
    let period_end = date_fact(&st, Concept::End)
        .or_else(|| date_fact(&st, Concept::BalanceSheet))
        .or(file_date)
        .or(latest_turnover_end)
        .ok_or(FilingError::NoPeriod)?;
    let turnover = current_value(&st, Concept::Turnover, period_end, "turnover")?;
    let employees = current_value(&st, Concept::Employees, period_end, "average employees")?;
    let period_start = date_fact(&st, Concept::Start).or_else(|| {
        turnover.as_ref().and_then(|(_, _, c)| c.start).or_else(|| {
            st.contexts
                .values()
                .filter(|c| !c.instant && c.end == Some(period_end))
                .find_map(|c| c.start)
        })
    });
    let raw_number = text(&st, Concept::Number)
        .map(|(t, _)| t.to_string())
        .or_else(|| st.contexts.values().find_map(|c| c.identifier.clone()))
        .or(file_number)
        .ok_or(FilingError::NoCompanyNumber)?;
    let company_number = normalise_company_number(&raw_number)
        .filter(|n| n.len() == 8 && n.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| FilingError::BadCompanyNumber(raw_number.clone()))?;
    let name = text(&st, Concept::Name)
        .map(|(t, _)| t.to_string())
        .ok_or(FilingError::NoName)?;
    let turnover = match turnover {
        Some((amount, unit, _)) => Some(Money {
            amount,
            currency: currency(&st, unit.as_deref())?,
        }),
        None => None,
    };
    let filing = Filing {
        company_number,
        name,
        period_start,
        period_end,
        turnover,
        employees: employees.map(|(n, _, _)| n),
        // Group accounts tag their figures in the consolidated context (a
        // context defined but unused says nothing).
        consolidated: st.numbers.iter().any(|n| {
            st.contexts
                .get(&n.context)
                .is_some_and(|c| c.dim == Dim::Consolidated)
        }),
        dormant: dormant(&st),
        sic: text(&st, Concept::Sic).map(|(t, _)| t.to_string()),
    };
    check_possible(&filing, chrono::Utc::now().date_naive())?;
    Ok(filing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names() {
        assert_eq!(
            member_name_parts("Prod224_0001_01234567_20240331.html"),
            (
                Some("01234567".to_string()),
                NaiveDate::from_ymd_opt(2024, 3, 31)
            )
        );
        assert_eq!(
            member_name_parts("dir/Prod223_1234_SC123456_20231231.xhtml").0,
            Some("SC123456".to_string())
        );
        assert_eq!(member_name_parts("notes.html"), (None, None));
    }
}

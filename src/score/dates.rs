//! UK dates as statements write them, day first: "12th June 2024",
//! "the 31st of December 2019", "12/06/2024", "2024-06-12", "June 2024",
//! "Sept 2024", "June 12, 2024". chrono's format parsers reject ordinals and
//! "Sept", so this is a small finder of its own. It never panics: every
//! number is range-checked and the calendar is validated by chrono.

use crate::rules::Pattern;
use chrono::{Datelike, NaiveDate};
use std::sync::OnceLock;

/// A date found in text. `start..end` are byte offsets into the searched
/// string; `day` is `None` when only a month and year were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    pub start: usize,
    pub end: usize,
    pub year: i32,
    pub month: u32,
    pub day: Option<u32>,
}

impl FoundDate {
    /// The date itself, or the first of the month when no day was written.
    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, self.day.unwrap_or(1))
            .unwrap_or(NaiveDate::MIN)
    }
    /// The date itself, or the last day of the month when no day was written
    /// (a period "ending March 2025" ends on 31 March).
    pub fn last_day(&self) -> NaiveDate {
        match self.day {
            Some(d) => NaiveDate::from_ymd_opt(self.year, self.month, d).unwrap_or(NaiveDate::MIN),
            None => last_of_month(self.year, self.month),
        }
    }
}

pub fn last_of_month(year: i32, month: u32) -> NaiveDate {
    let (ny, nm) = if month >= 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MIN)
}

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

fn date_regex() -> &'static Pattern {
    static RE: OnceLock<Pattern> = OnceLock::new();
    RE.get_or_init(|| {
        let pat = format!(
            r"(?ix)
            \b(?:
              (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?[\s\-]+(?P<m1>{MONTH})\.?,?[\s\-]+(?P<y1>\d{{4}})\b
            | (?P<m2>{MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})\b
            | (?P<y3>\d{{4}})-(?P<n3>\d{{1,2}})-(?P<d3>\d{{1,2}})\b
            | (?P<d4>\d{{1,2}})[/.\-](?P<n4>\d{{1,2}})[/.\-](?P<y4>\d{{4}}|\d{{2}})\b
            | (?P<m5>{MONTH})\.?,?\s+(?P<y5>\d{{4}})\b
            )"
        );
        // The pattern is a constant: a failure here is a programming error
        // caught by every test run, never by input.
        crate::rules::matcher::fixed(&pat)
    })
}

/// Month number from an English month name or abbreviation.
pub fn month_number(name: &str) -> Option<u32> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let p = n.get(..3)?;
    Some(match p {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    })
}

fn plausible_year(y: i32) -> bool {
    (1990..=2100).contains(&y)
}

fn num(s: Option<crate::rules::matcher::Found<'_>>) -> Option<i64> {
    s.and_then(|m| m.as_str().parse::<i64>().ok())
}

fn valid(year: i32, month: u32, day: Option<u32>) -> bool {
    if !plausible_year(year) || !(1..=12).contains(&month) {
        return false;
    }
    match day {
        Some(d) => NaiveDate::from_ymd_opt(year, month, d).is_some(),
        None => true,
    }
}

/// Every date in `text`, in order.
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    dates_in(text).collect()
}

/// The first date in `text`: stops there, where collecting every date
/// and keeping the first read the whole rest of the text (once per caller:
/// quadratic over a text of repeated dates).
pub fn first_date(text: &str) -> Option<FoundDate> {
    dates_in(text).next()
}

/// The first date in `text` that marks a day something happened, not the
/// bound of a period ([`is_period_date`]).
pub fn first_event_date(text: &str) -> Option<FoundDate> {
    dates_in(text).find(|d| !is_period_date(text, d))
}

/// The dates of `text`, in order, found as they are asked for.
fn dates_in(text: &str) -> impl Iterator<Item = FoundDate> + '_ {
    date_regex().captures_iter(text).filter_map(|caps| {
        let whole = caps.get(0)?;
        let parsed: Option<(i32, u32, Option<u32>)> = if let Some(m) = caps.name("m1") {
            let y = num(caps.name("y1"));
            let d = num(caps.name("d1"));
            match (month_number(m.as_str()), y, d) {
                (Some(mo), Some(y), Some(d)) => Some((y as i32, mo, Some(d as u32))),
                _ => None,
            }
        } else if let Some(m) = caps.name("m2") {
            match (
                month_number(m.as_str()),
                num(caps.name("y2")),
                num(caps.name("d2")),
            ) {
                (Some(mo), Some(y), Some(d)) => Some((y as i32, mo, Some(d as u32))),
                _ => None,
            }
        } else if caps.name("y3").is_some() {
            match (
                num(caps.name("y3")),
                num(caps.name("n3")),
                num(caps.name("d3")),
            ) {
                (Some(y), Some(mo), Some(d)) => Some((y as i32, mo as u32, Some(d as u32))),
                _ => None,
            }
        } else if caps.name("d4").is_some() {
            match (num(caps.name("d4")), num(caps.name("n4")), caps.name("y4")) {
                (Some(a), Some(b), Some(ym)) => {
                    let y = ym.as_str().parse::<i64>().unwrap_or(0);
                    let y = if ym.as_str().len() == 2 { 2000 + y } else { y };
                    // Day first (UK); month/day only when the second number
                    // cannot be a month.
                    if b <= 12 {
                        Some((y as i32, b as u32, Some(a as u32)))
                    } else {
                        Some((y as i32, a as u32, Some(b as u32)))
                    }
                }
                _ => None,
            }
        } else if let Some(m) = caps.name("m5") {
            match (month_number(m.as_str()), num(caps.name("y5"))) {
                (Some(mo), Some(y)) => Some((y as i32, mo, None)),
                _ => None,
            }
        } else {
            None
        };
        let (y, m, d) = parsed?;
        valid(y, m, d).then_some(FoundDate {
            start: whole.start(),
            end: whole.end(),
            year: y,
            month: m,
            day: d,
        })
    })
}

/// Parses one date written on its own (e.g. a label value); `None` when the
/// text holds no date.
pub fn parse_date(text: &str) -> Option<FoundDate> {
    first_date(text)
}

/// Words that, just before a date, make it the bound of a period ("the
/// year ended 31 March 2024", "from 1 April 2023 to …"), not the day
/// something happened.
const PERIOD_CUES: &[&str] = &[
    "ended", "ending", "end", "to", "until", "till", "through", "from", "between", "covering",
    "covers", "cover", "period", "year", "fy", "-", "–", "and",
];

/// Whether `d` (found in `text`) bounds a period: one of [`PERIOD_CUES`]
/// among the two words before it, or a range ("1 April 2023 to …") after
/// it. A date introduced by "on" or "dated" is never a period bound.
pub fn is_period_date(text: &str, d: &FoundDate) -> bool {
    let before = text.get(..d.start).unwrap_or("");
    let words: Vec<String> = before
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == ',')
        .filter(|w| !w.is_empty())
        .take(2)
        .map(|w| w.to_lowercase())
        .collect();
    if words
        .first()
        .is_some_and(|w| matches!(w.as_str(), "on" | "dated" | "date:" | "of"))
    {
        return false;
    }
    let cue_before = words.iter().any(|w| {
        let w = w.trim_end_matches(':');
        PERIOD_CUES.contains(&w) || w.starts_with("year-end") || w.starts_with("year_end")
    });
    // Only the next few characters: lowering the whole rest of the text
    // for every date would be quadratic.
    let after: String = text
        .get(d.end..)
        .unwrap_or("")
        .trim_start()
        .chars()
        .take(8)
        .collect();
    let after = after.to_lowercase();
    let range_after = ["to ", "- ", "– ", "until ", "through "]
        .iter()
        .any(|c| after.starts_with(c));
    cue_before || range_after
}

/// The same calendar month (for comparing "June 2024" with "12 June 2024").
pub fn same_month(a: NaiveDate, b: NaiveDate) -> bool {
    a.year() == b.year() && a.month() == b.month()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_bounds_are_told_from_event_dates() {
        let period = |s: &str| {
            let d = parse_date(s).unwrap_or_else(|| panic!("no date in {s:?}"));
            is_period_date(s, &d)
        };
        assert!(period("for the year ended 31 March 2024 has been approved"));
        assert!(period(
            "covering the financial year ending 31st December 2019"
        ));
        assert!(period("covers 1 January 2018 to 31 December 2018"));
        assert!(period("the period from 1 April 2023"));
        assert!(!period("approved by the Board on 12 June 2024"));
        assert!(!period("Date: 12/06/2024"));
        assert!(!period("approved by the Board on the 24th of June 2018"));
        assert!(!period("12 June 2024"));
    }

    fn one(s: &str) -> (i32, u32, Option<u32>) {
        let d = parse_date(s).unwrap_or_else(|| panic!("no date in {s:?}"));
        (d.year, d.month, d.day)
    }

    #[test]
    fn ordinal_day_month_year() {
        assert_eq!(one("12th June 2024"), (2024, 6, Some(12)));
        assert_eq!(one("on the 31st of December 2019"), (2019, 12, Some(31)));
        assert_eq!(one("1st July 2017"), (2017, 7, Some(1)));
        assert_eq!(one("22nd Sept 2023"), (2023, 9, Some(22)));
        assert_eq!(one("3rd Feb. 2021"), (2021, 2, Some(3)));
        assert_eq!(one("31 December, 2020"), (2020, 12, Some(31)));
    }

    #[test]
    fn across_a_line_break() {
        assert_eq!(one("on 26 May\n2020"), (2020, 5, Some(26)));
    }

    #[test]
    fn numeric_day_first() {
        assert_eq!(one("12/06/2024"), (2024, 6, Some(12)));
        assert_eq!(one("30/06/2019"), (2019, 6, Some(30)));
        assert_eq!(one("01.07.2019"), (2019, 7, Some(1)));
        assert_eq!(one("12/06/24"), (2024, 6, Some(12)));
        // Month/day only when the second number cannot be a month.
        assert_eq!(one("06/30/2019"), (2019, 6, Some(30)));
    }

    #[test]
    fn iso() {
        assert_eq!(one("2024-06-12"), (2024, 6, Some(12)));
    }

    #[test]
    fn month_and_year() {
        assert_eq!(one("June 2024"), (2024, 6, None));
        assert_eq!(one("Sept 2024"), (2024, 9, None));
        assert_eq!(one("signed in February 2018"), (2018, 2, None));
    }

    #[test]
    fn us_order() {
        assert_eq!(one("June 12, 2024"), (2024, 6, Some(12)));
    }

    #[test]
    fn impossible_dates_are_skipped() {
        assert!(parse_date("31 February 2024").is_none());
        assert!(parse_date("45/13/2024").is_none());
        assert!(parse_date("in 1066").is_none());
        assert!(parse_date("ISO 9001").is_none());
    }

    #[test]
    fn several_in_order_with_offsets() {
        let t = "Approved 1 May 2024; signed 2 June 2024.";
        let ds = find_dates(t);
        assert_eq!(ds.len(), 2);
        assert_eq!(&t[ds[0].start..ds[0].end], "1 May 2024");
        assert_eq!(&t[ds[1].start..ds[1].end], "2 June 2024");
    }

    #[test]
    fn last_day_of_month() {
        let d = parse_date("March 2025").unwrap();
        assert_eq!(d.last_day(), NaiveDate::from_ymd_opt(2025, 3, 31).unwrap());
        let d = parse_date("February 2024").unwrap();
        assert_eq!(d.last_day(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert_eq!(d.first_day(), NaiveDate::from_ymd_opt(2024, 2, 1).unwrap());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            for d in find_dates(&s) {
                assert!(d.start <= d.end && d.end <= s.len());
                let _ = d.first_day();
                let _ = d.last_day();
            }
        }

        #[test]
        fn never_panics_on_date_like_text(d in 0u32..40, m in 0u32..15, y in 0i32..3000, sep in "[/.\\- ]") {
            let s = format!("{d}{sep}{m}{sep}{y}");
            let _ = find_dates(&s);
            let s = format!("{d}th Sept {y}");
            let _ = find_dates(&s);
        }
    }
}

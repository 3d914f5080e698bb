//! The financial year a statement covers: "year ending 31 March 2024",
//! "financial year ended 31st December 2019", "1 April 2023 to 31 March
//! 2024", "year to 30/06/2019", "calendar year 2023"; year-only wording
//! ("FY2023/24", "financial year 2016", "2023-24") identifies the year but
//! not its end date (the corpus labelling rule: no full date, no end).

use super::dates::{FoundDate, find_dates, last_of_month};
use crate::rules::Pattern;
use chrono::NaiveDate;
use std::sync::OnceLock;

/// What was found about the financial year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FyFound {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// Byte range of the wording that gave the year.
    pub span: Option<(usize, usize)>,
    /// The year is identified only by year-only wording (no end date).
    pub year_only: Option<(usize, usize)>,
}

struct Res {
    end_lead: Pattern,
    range_lead: Pattern,
    year_only: Pattern,
    calendar: Pattern,
    fy_short: Pattern,
    /// A range's start written without its year, just before the end
    /// date: "January 1 - " (month first) or "1 April to " (day first).
    yearless_start: Pattern,
}

fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        // Constant patterns: failure is a programming error caught by tests.
        let re = |p: &str| crate::rules::matcher::fixed(p);
        Res {
            end_lead: re(
                r"(?i)\b(?:(?P<fin>financial|fiscal|reporting|accounting|trading)\s+)?(?:year|period|fy)[\s-]*(?:end(?:ing|ed)?|to|up\s+to|concluding|which\s+ended|that\s+ended|end\s+date)(?:\s+on)?(?:\s+the)?\s*:?\s*$",
            ),
            range_lead: re(
                r"(?i)\b(?:year|period|covering|covers|from|between|fy|financial|fiscal|reporting)\b[^.]{0,60}$",
            ),
            year_only: re(
                r"(?i)\b(?:(?:financial|fiscal|reporting)\s+year|fy)\s*(?:ending\s+|ended\s+|of\s+|in\s+)?(?:20\d\d(?:\s*[/-]\s*(?:20)?\d\d)?)\b|\b20\d\d\s*[/-]\s*(?:20)?\d\d\s+(?:financial|fiscal|reporting)\s+year\b|\bFY\s?\d\d(?:\s*[/-]\s*\d\d)?\b|\b(?:statement|report)\s+(?:for\s+)?20\d\d\s*[/-]\s*(?:20)?\d\d\b",
            ),
            calendar: re(r"(?i)\bcalendar\s+year\s+(?:of\s+)?(?P<y>20\d\d)\b"),
            fy_short: re(r"(?i)\b(?:year|period)\s+to\s*$"),
            yearless_start: re(concat!(
                r"(?i)\b(?:(?P<m>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<d>\d{1,2})",
                r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m2>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)",
                r"(?:st|nd|rd|th)?\s*(?:-|–|—|to|until|through)\s*$",
            )),
        }
    })
}

fn plausible_period(start: NaiveDate, end: NaiveDate) -> bool {
    let days = (end - start).num_days();
    (150..=800).contains(&days)
}

/// Finds the financial year in `text` (the whole document text).
pub fn detect(text: &str) -> FyFound {
    let r = res();
    let dates = find_dates(text);
    // Candidates: (end, start, span, weight)
    let mut cands: Vec<(NaiveDate, Option<NaiveDate>, (usize, usize), u32)> = Vec::new();
    for (i, d) in dates.iter().enumerate() {
        let lead_from = d.start.saturating_sub(70);
        let mut lf = lead_from;
        while !text.is_char_boundary(lf) {
            lf -= 1;
        }
        let lead = &text[lf..d.start];
        // "year ending <date>", "period ended on the <date>"
        if let Some(c) = r.end_lead.captures(lead) {
            let w = if c.name("fin").is_some() { 3 } else { 2 };
            let w = if r.fy_short.is_match(lead) && d.day.is_none() {
                1
            } else {
                w
            };
            let start = c.get(0).map(|m| lf + m.start()).unwrap_or(d.start);
            cands.push((d.last_day(), None, (start, d.end), w));
            continue;
        }
        // "January 1 - December 31, 2019": the start has no year of its own.
        if d.day.is_some()
            && let Some(c) = r.yearless_start.captures(lead)
            && let Some(whole) = c.get(0)
            && r.range_lead.is_match(&lead[..whole.start()])
            && let Some(start) = yearless_start_before(&c, d.last_day())
        {
            cands.push((d.last_day(), Some(start), (lf + whole.start(), d.end), 3));
            continue;
        }
        // "<date> to <date>" with a period word before it.
        if let Some(next) = dates.get(i + 1) {
            let between = &text[d.end..next.start];
            // Length first: the gap to the next date may be pages long, and
            // lowercasing it only to reject it was a whole-text copy.
            let joins = between.len() <= 12
                && (between.trim().is_empty()
                    || matches!(
                        between.trim().to_lowercase().as_str(),
                        "to" | "-" | "–" | "—" | "until" | "through" | "and" | "to the"
                    ));
            if joins && r.range_lead.is_match(lead) {
                let (s, e) = (d.first_day(), next.last_day());
                if plausible_period(s, e) {
                    cands.push((e, Some(s), (d.start, next.end), 3));
                }
            }
        }
    }
    // "calendar year 2023"
    for c in r.calendar.captures_iter(text) {
        if let (Some(m), Some(y)) = (c.get(0), c.name("y").and_then(|y| y.as_str().parse().ok())) {
            let s = NaiveDate::from_ymd_opt(y, 1, 1);
            let e = NaiveDate::from_ymd_opt(y, 12, 31);
            if let (Some(s), Some(e)) = (s, e) {
                cands.push((e, Some(s), (m.start(), m.end()), 2));
            }
        }
    }
    if cands.is_empty() {
        let year_only = r.year_only.find(text).map(|m| (m.start(), m.end()));
        return FyFound {
            year_only,
            ..Default::default()
        };
    }
    // The end named most often (weighted), ties to the first mention. The
    // weights are summed once per end: a text repeating one date thousands
    // of times costs linear time.
    let mut weights: std::collections::HashMap<NaiveDate, u32> = std::collections::HashMap::new();
    for c in &cands {
        *weights.entry(c.0).or_default() += c.3;
    }
    let mut best: Option<(NaiveDate, u32, usize)> = None;
    for (idx, (end, _, _, _)) in cands.iter().enumerate() {
        let score = weights.get(end).copied().unwrap_or(0);
        match best {
            Some((_, s, _)) if s >= score => {}
            _ => best = Some((*end, score, idx)),
        }
    }
    let Some((end, _, idx)) = best else {
        return FyFound::default();
    };
    let start = cands.iter().find(|c| c.0 == end).and_then(|c| c.1);
    let start = start.or_else(|| cands.iter().filter(|c| c.0 == end).find_map(|c| c.1));
    FyFound {
        start,
        end: Some(end),
        span: Some(cands[idx].2),
        year_only: None,
    }
}

/// The start a yearless "January 1" names for a period ending `end`: in
/// `end`'s year, or the year before when that would come after `end`.
fn yearless_start_before(
    c: &crate::rules::matcher::Groups<'_>,
    end: NaiveDate,
) -> Option<NaiveDate> {
    use chrono::Datelike;
    let month = c.name("m").or_else(|| c.name("m2"))?;
    let day = c.name("d").or_else(|| c.name("d2"))?;
    let month = super::dates::month_number(month.as_str())?;
    let day: u32 = day.as_str().parse().ok()?;
    let start = NaiveDate::from_ymd_opt(end.year(), month, day)?;
    let start = if start > end {
        NaiveDate::from_ymd_opt(end.year() - 1, month, day)?
    } else {
        start
    };
    plausible_period(start, end).then_some(start)
}

/// Months between a period's start and end (inclusive), rounded.
pub fn period_months(start: NaiveDate, end: NaiveDate) -> i64 {
    let days = (end - start).num_days() + 1;
    ((days as f64) / 30.44).round() as i64
}

/// The end of the month six months after `fye` (the guidance's
/// recommended publication limit).
pub fn six_months_after(fye: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let m0 = fye.month0() + 6;
    let y = fye.year() + (m0 / 12) as i32;
    let m = m0 % 12 + 1;
    let last = last_of_month(y, m);
    // Same day six months on, or the month's last day (31 Mar → 30 Sep).
    let is_month_end = fye == last_of_month(fye.year(), fye.month());
    if is_month_end {
        last
    } else {
        NaiveDate::from_ymd_opt(y, m, fye.day()).unwrap_or(last)
    }
}

/// A date found near `pos` (used by the approval and signature detectors).
pub fn date_in(text: &str) -> Option<FoundDate> {
    super::dates::first_date(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn end(t: &str) -> Option<NaiveDate> {
        detect(t).end
    }

    #[test]
    fn year_ending_forms() {
        assert_eq!(
            end("for the year ending 31 March 2024."),
            Some(d(2024, 3, 31))
        );
        assert_eq!(
            end("for the financial year ended 31st December 2019."),
            Some(d(2019, 12, 31))
        );
        assert_eq!(end("financial year to 31 March 2017"), Some(d(2017, 3, 31)));
        assert_eq!(
            end("the financial year ending 30/06/2019"),
            Some(d(2019, 6, 30))
        );
        assert_eq!(end("year to 30/06/2019"), Some(d(2019, 6, 30)));
        assert_eq!(
            end("financial year ending March 2025"),
            Some(d(2025, 3, 31))
        );
        assert_eq!(
            end("the financial year ending on the 31st of July 2020"),
            Some(d(2020, 7, 31))
        );
    }

    #[test]
    fn ranges() {
        let f = detect("This statement covers the period 1 April 2023 to 31 March 2024.");
        assert_eq!(f.start, Some(d(2023, 4, 1)));
        assert_eq!(f.end, Some(d(2024, 3, 31)));
        let f = detect("our financial year from 1st July 2017 to 30th June 2018");
        assert_eq!(f.end, Some(d(2018, 6, 30)));
        let f = detect("covering our 2021 financial year (January 1 - December 31, 2021).");
        assert_eq!(
            (f.start, f.end),
            (Some(d(2021, 1, 1)), Some(d(2021, 12, 31)))
        );
        let f = detect("This statement covers the year 1st April to 31st March 2024.");
        assert_eq!(
            (f.start, f.end),
            (Some(d(2023, 4, 1)), Some(d(2024, 3, 31)))
        );
        // A yearless day that makes no plausible year is not a period.
        let f = detect("the period 20 March - 31 March 2024 saw audits");
        assert_eq!(f.end, None);
        let f = detect("reporting period: 01/01/2019 - 31/12/2019");
        assert_eq!(f.end, Some(d(2019, 12, 31)));
        assert_eq!(f.start, Some(d(2019, 1, 1)));
    }

    #[test]
    fn calendar_year() {
        let f = detect("This statement covers calendar year 2023.");
        assert_eq!(f.start, Some(d(2023, 1, 1)));
        assert_eq!(f.end, Some(d(2023, 12, 31)));
    }

    #[test]
    fn year_only_identifies_but_gives_no_end() {
        for t in [
            "our statement for FY2023/24",
            "for the financial year 2016",
            "the 2018/19 financial year",
            "for the financial year ending 2030.",
        ] {
            let f = detect(t);
            assert_eq!(f.end, None, "{t}");
            assert!(f.year_only.is_some(), "{t}");
        }
    }

    #[test]
    fn unrelated_dates_are_not_a_year() {
        let f = detect("This statement was approved by the Board on 12 June 2024.");
        assert_eq!(f.end, None);
        assert!(f.year_only.is_none());
    }

    #[test]
    fn deadline() {
        assert_eq!(six_months_after(d(2024, 3, 31)), d(2024, 9, 30));
        assert_eq!(six_months_after(d(2024, 12, 31)), d(2025, 6, 30));
        assert_eq!(six_months_after(d(2024, 8, 15)), d(2025, 2, 15));
        assert_eq!(period_months(d(2023, 4, 1), d(2024, 3, 31)), 12);
    }
}

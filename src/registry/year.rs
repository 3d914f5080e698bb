//! Registry years and due dates. The Government registry files a statement
//! under the calendar year in which it fell due: six months after the
//! financial year end (rules.md §7.3). Six months is guidance, not law, so a
//! due date only ever produces warnings (`late`) and `missing` rows.

use chrono::{Datelike, Months, NaiveDate};
use std::fmt;

/// The date a statement for the year ending `fy_end` is expected by
/// (FY end + 6 months, clamped to the month's last day).
pub fn due_date(fy_end: NaiveDate) -> NaiveDate {
    fy_end.checked_add_months(Months::new(6)).unwrap_or(fy_end)
}

/// The registry year of a financial year ending on `fy_end`:
/// 2024-03-31 → 2024; 2024-12-31 → 2025.
pub fn registry_year(fy_end: NaiveDate) -> i32 {
    due_date(fy_end).year()
}

/// The most recent registry year whose usual due date (31 March year ends,
/// due 30 September) has passed on `today`: the default year of lists.
pub fn default_year(today: NaiveDate) -> i32 {
    if (today.month(), today.day()) > (9, 30) {
        today.year()
    } else {
        today.year() - 1
    }
}

/// An organisation's usual financial year end, `MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearEnd {
    month: u32,
    day: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid financial year end '{0}' (expected MM-DD, e.g. 03-31)")]
pub struct InvalidYearEnd(pub String);

impl YearEnd {
    /// Parses `MM-DD` (also accepts `M-D` and `MM/DD`). 02-29 is allowed:
    /// in other years it means the last day of February.
    pub fn parse(s: &str) -> Result<YearEnd, InvalidYearEnd> {
        let bad = || InvalidYearEnd(s.to_string());
        let t = s.trim();
        let (m, d) = t.split_once(['-', '/']).ok_or_else(bad)?;
        let month: u32 = m.trim().parse().map_err(|_| bad())?;
        let day: u32 = d.trim().parse().map_err(|_| bad())?;
        // 2024 is a leap year, so every real month-day exists in it.
        NaiveDate::from_ymd_opt(2024, month, day).ok_or_else(bad)?;
        Ok(YearEnd { month, day })
    }

    pub fn from_date(d: NaiveDate) -> YearEnd {
        YearEnd {
            month: d.month(),
            day: d.day(),
        }
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }

    /// This year end in calendar year `year` (29 Feb becomes 28 Feb).
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day - 1))
            .unwrap_or(NaiveDate::MIN)
    }

    /// The financial year end whose statement falls due in registry year `year`.
    pub fn fy_end_for_year(self, year: i32) -> NaiveDate {
        if self.month <= 6 {
            self.in_year(year)
        } else {
            self.in_year(year - 1)
        }
    }

    /// The latest year end on or before `date`.
    pub fn last_on_or_before(self, date: NaiveDate) -> NaiveDate {
        let this = self.in_year(date.year());
        if this <= date {
            this
        } else {
            self.in_year(date.year() - 1)
        }
    }

    /// `MM-DD` of the due date (year end + 6 months).
    pub fn due_mmdd(self) -> String {
        let due = due_date(self.fy_end_for_year(2023));
        format!("{:02}-{:02}", due.month(), due.day())
    }
}

impl fmt::Display for YearEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// `due_mmdd` for organisations whose year end is unknown: the registry's
/// own deadline convention, 31 December of the statement year.
pub const UNKNOWN_DUE_MMDD: &str = "12-31";

/// When the statement for registry year `year` is due: from the usual year
/// end when known, else 31 December of that year.
pub fn due_in_year(fye: Option<YearEnd>, year: i32) -> NaiveDate {
    match fye {
        Some(f) => due_date(f.fy_end_for_year(year)),
        None => NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MIN),
    }
}

/// The last registry year whose due date has passed on `today`.
pub fn last_due_year(fye: Option<YearEnd>, today: NaiveDate) -> i32 {
    let y = today.year();
    if today > due_in_year(fye, y) {
        y
    } else {
        y - 1
    }
}

/// `MM-DD` cut-off for SQL: in registry year `year`, an organisation's due
/// date has passed on `today` exactly when its `due_mmdd < cutoff`.
pub fn due_cutoff(year: i32, today: NaiveDate) -> String {
    use std::cmp::Ordering::*;
    match year.cmp(&today.year()) {
        Less => "99-99".to_string(),
        Equal => format!("{:02}-{:02}", today.month(), today.day()),
        Greater => "00-00".to_string(),
    }
}

/// How a version's registry year was found (`year_basis` in JSON exports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearBasis {
    /// From the financial year end the statement states.
    Statement,
    /// From the organisation's year end last on or before the statement's
    /// approval or signature date (a statement is approved after its year).
    ApprovalDate,
    /// From the publication date the server (`Last-Modified`), the PDF
    /// (`/CreationDate`) or the registry declaration gives.
    Published,
    /// Only the date s54 first saw the statement was known.
    FirstSeen,
}

impl YearBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            YearBasis::Statement => "statement",
            YearBasis::ApprovalDate => "approval_date",
            YearBasis::Published => "published",
            YearBasis::FirstSeen => "first_seen",
        }
    }

    /// Reads a stored basis; values written before the four bases existed
    /// (`year_end_and_first_seen`) were placed by the date first seen.
    pub fn parse(s: &str) -> YearBasis {
        match s {
            "statement" => YearBasis::Statement,
            "approval_date" => YearBasis::ApprovalDate,
            "published" => YearBasis::Published,
            _ => YearBasis::FirstSeen,
        }
    }

    /// Whether the year comes from a date the statement or its publisher
    /// gave, rather than from when s54 happened to find it.
    pub fn from_real_date(self) -> bool {
        !matches!(self, YearBasis::FirstSeen)
    }

    /// A sentence for notes and pages.
    pub fn note(self) -> Option<&'static str> {
        match self {
            YearBasis::Statement => None,
            YearBasis::ApprovalDate => Some(
                "The statement does not say which financial year it covers; its year is the organisation's year end last before the date it was approved or signed.",
            ),
            YearBasis::Published => Some(
                "The statement gives neither its financial year nor an approval date; its year is the organisation's year end last before the date it was published (from the server or the PDF).",
            ),
            YearBasis::FirstSeen => Some(
                "The statement gives no financial year, approval date or publication date; its year was taken from the date s54 first saw it.",
            ),
        }
    }
}

impl fmt::Display for YearBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The dates known about one version, in the order they are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionDates {
    /// The financial year end the text states.
    pub stated_fy_end: Option<NaiveDate>,
    /// The approval date, else the signature date, in the text.
    pub signoff: Option<NaiveDate>,
    /// The publication date from the server, the PDF or the registry.
    pub published: Option<NaiveDate>,
    pub first_seen: NaiveDate,
}

/// The financial year end and registry year of a version: the year it
/// states; else the organisation's year end last on or before its approval
/// or signature date; else the one before its publication date; only then
/// the one before the day first seen. A date after the day first seen cannot
/// be a sign-off or publication date of what was seen, so it is passed over.
/// Without a usual year end the chosen date's calendar year is used.
pub fn place_version(
    dates: &VersionDates,
    usual: Option<YearEnd>,
) -> (Option<NaiveDate>, i32, YearBasis) {
    if let Some(end) = dates.stated_fy_end {
        return (Some(end), registry_year(end), YearBasis::Statement);
    }
    let plausible = |d: &NaiveDate| *d <= dates.first_seen;
    let (date, basis) = if let Some(d) = dates.signoff.filter(plausible) {
        (d, YearBasis::ApprovalDate)
    } else if let Some(d) = dates.published.filter(plausible) {
        (d, YearBasis::Published)
    } else {
        (dates.first_seen, YearBasis::FirstSeen)
    };
    match usual {
        Some(f) => {
            let end = f.last_on_or_before(date);
            (Some(end), registry_year(end), basis)
        }
        None => (None, date.year(), basis),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn registry_year_follows_the_registry_examples() {
        assert_eq!(registry_year(d(2024, 3, 31)), 2024);
        assert_eq!(registry_year(d(2024, 12, 31)), 2025);
        assert_eq!(registry_year(d(2024, 6, 30)), 2024);
        assert_eq!(registry_year(d(2024, 7, 31)), 2025);
        assert_eq!(due_date(d(2023, 8, 31)), d(2024, 2, 29));
    }

    #[test]
    fn year_end_parsing_and_due_month_day() {
        assert_eq!(YearEnd::parse("03-31").unwrap().due_mmdd(), "09-30");
        assert_eq!(YearEnd::parse("12-31").unwrap().due_mmdd(), "06-30");
        assert_eq!(YearEnd::parse("8/31").unwrap().to_string(), "08-31");
        assert!(YearEnd::parse("02-30").is_err());
        assert!(YearEnd::parse("13-01").is_err());
        assert!(YearEnd::parse("march").is_err());
        assert_eq!(
            YearEnd::parse("02-29").unwrap().in_year(2023),
            d(2023, 2, 28)
        );
    }

    #[test]
    fn year_end_for_registry_year() {
        let mar = YearEnd::parse("03-31").unwrap();
        let dec = YearEnd::parse("12-31").unwrap();
        assert_eq!(mar.fy_end_for_year(2024), d(2024, 3, 31));
        assert_eq!(dec.fy_end_for_year(2025), d(2024, 12, 31));
        assert_eq!(registry_year(dec.fy_end_for_year(2025)), 2025);
        assert_eq!(mar.last_on_or_before(d(2024, 3, 30)), d(2023, 3, 31));
    }

    #[test]
    fn due_years_and_cutoffs() {
        let mar = YearEnd::parse("03-31").ok();
        assert_eq!(last_due_year(mar, d(2026, 10, 1)), 2026);
        assert_eq!(last_due_year(mar, d(2026, 9, 30)), 2025);
        assert_eq!(last_due_year(None, d(2026, 11, 25)), 2025);
        assert_eq!(due_cutoff(2026, d(2026, 11, 25)), "11-25");
        assert!("09-30" < due_cutoff(2026, d(2026, 11, 25)).as_str());
        assert_eq!(default_year(d(2026, 11, 25)), 2026);
        assert_eq!(default_year(d(2026, 5, 1)), 2025);
    }

    #[test]
    fn versions_without_a_stated_year_fall_back() {
        let mar = YearEnd::parse("03-31").ok();
        let seen = d(2026, 8, 1);
        let dates = |stated, signoff, published| VersionDates {
            stated_fy_end: stated,
            signoff,
            published,
            first_seen: seen,
        };
        // Approved January 2019, still online in 2026: the year to 31 March 2018.
        let (end, y, basis) = place_version(&dates(None, Some(d(2019, 1, 15)), None), mar);
        assert_eq!(
            (end, y, basis),
            (Some(d(2018, 3, 31)), 2018, YearBasis::ApprovalDate)
        );
        let (end, y, basis) =
            place_version(&dates(None, Some(d(2027, 1, 1)), Some(d(2022, 6, 1))), mar);
        assert_eq!(
            (end, y, basis),
            (Some(d(2022, 3, 31)), 2022, YearBasis::Published)
        );
        let (end, y, basis) = place_version(&dates(None, None, None), mar);
        assert_eq!(
            (end, y, basis),
            (Some(d(2026, 3, 31)), 2026, YearBasis::FirstSeen)
        );
        let (_, y, basis) = place_version(&dates(None, None, None), None);
        assert_eq!((y, basis), (2026, YearBasis::FirstSeen));
        let (_, y, basis) = place_version(
            &dates(Some(d(2023, 12, 31)), Some(d(2019, 1, 1)), None),
            mar,
        );
        assert_eq!((y, basis), (2024, YearBasis::Statement));
        assert_eq!(
            YearBasis::parse("year_end_and_first_seen"),
            YearBasis::FirstSeen
        );
    }
}

//! Dates as filings show them: ISO in contexts (`2024-03-31`), and in text
//! facts whatever the date transformation read (`31 March 2024`,
//! `31.03.2024`, `31/03/2024`, `March 31, 2024`). UK filings are day first;
//! a US format (`ixt:datemonthdayyear`, `ixt:dateslashus`) says otherwise.

use chrono::NaiveDate;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| w.starts_with(m))
        .map(|i| i as u32 + 1)
}

fn number(word: &str) -> Option<u32> {
    let digits = word
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .trim();
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A date from a fact's text, read day first unless `format` is a
/// month-first transformation.
pub fn parse(text: &str, format: Option<&str>) -> Option<NaiveDate> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d") {
        return Some(d);
    }
    let month_first = format.is_some_and(|f| {
        let f = f.to_ascii_lowercase();
        f.contains("monthday") || f.contains("us") || f.contains("month-day")
    });
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | '.' | '-' | ','))
        .filter(|w| !w.is_empty())
        .collect();
    let [a, b, c] = words.as_slice() else {
        return None;
    };
    let year = number(c).filter(|_| c.len() == 4 || c.len() == 2)?;
    let year = if year < 100 { 2000 + year } else { year } as i32;
    let (day, mon) = match (number(a), month(a), number(b), month(b)) {
        (Some(d), _, _, Some(m)) => (d, m),
        (_, Some(m), Some(d), _) => (d, m),
        (Some(x), _, Some(y), _) if month_first => (y, x),
        (Some(x), _, Some(y), _) => (x, y),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, mon, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filing_dates() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 31);
        assert_eq!(parse("2024-03-31", None), d);
        assert_eq!(parse("31 March 2024", Some("ixt:datelonguk")), d);
        assert_eq!(parse("31st Mar 2024", None), d);
        assert_eq!(parse("31.03.2024", Some("ixt2:datedaymonthyear")), d);
        assert_eq!(parse("31/03/24", None), d);
        assert_eq!(parse("March 31, 2024", None), d);
        assert_eq!(parse("03/31/2024", Some("ixt:dateslashus")), d);
        assert_eq!(parse("31/31/2024", None), None);
        assert_eq!(parse("soon", None), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s, None);
            let _ = parse(&s, Some("ixt:dateslashus"));
        }
    }
}

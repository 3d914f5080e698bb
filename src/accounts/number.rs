//! iXBRL numbers: the displayed text of an `ix:nonFraction` turned into a
//! value by its `format` (a transformation of the Inline XBRL
//! Transformation Registry, versions 1–5: `ixt:numdotdecimal`,
//! `ixt:num-dot-decimal`, `ixt:numcommadecimal`, `ixt:fixed-zero`, …), its
//! `scale` (a power of ten) and its `sign` (`-` negates). Exact decimal
//! arithmetic: a figure of pounds is never rounded through a float.

/// Why a fact's text is not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NumberError {
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("unsupported number format '{0}'")]
    UnknownFormat(String),
    #[error("scale '{0}' is not a small integer")]
    BadScale(String),
    #[error("'{0}' is too large to be a real figure")]
    TooLarge(String),
}

/// The longest digit string read (30 digits already exceed any real figure).
const MAX_DIGITS: usize = 30;

/// How a transformation reads the displayed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// `1234.56` (no format: the text is already in canonical form).
    Canonical,
    /// `1,234.56`, `1 234.56`: the decimal mark is a dot.
    DotDecimal,
    /// `1.234,56`, `1 234,56`: the decimal mark is a comma.
    CommaDecimal,
    /// A dash or similar that stands for zero.
    Zero,
}

/// The transformation named by a `format` attribute (its prefix, `ixt:`,
/// `ixt2:`…`ixt5:`, is ignored: the registries' versions agree on these).
fn reading(format: Option<&str>) -> Result<Reading, NumberError> {
    let Some(f) = format.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(Reading::Canonical);
    };
    let local = f.rsplit(':').next().unwrap_or(f).to_ascii_lowercase();
    Ok(match local.as_str() {
        "numdotdecimal"
        | "num-dot-decimal"
        | "numcommadot"
        | "numspacedot"
        | "num-dot-decimal-apos"
        | "numdotdecimalin"
        | "num-dot-decimal-in" => Reading::DotDecimal,
        "numcommadecimal"
        | "num-comma-decimal"
        | "numdotcomma"
        | "numspacecomma"
        | "num-comma-decimal-apos" => Reading::CommaDecimal,
        "zerodash" | "fixed-zero" | "numdash" | "nocontent" | "fixed-empty" => Reading::Zero,
        _ => return Err(NumberError::UnknownFormat(f.to_string())),
    })
}

/// An exact non-negative decimal: `digits × 10^-frac`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    digits: i128,
    frac: u32,
}

fn parse_decimal(text: &str, mark: char, shown: &str) -> Result<Decimal, NumberError> {
    let bad = || NumberError::NotANumber(shown.to_string());
    let (int, frac) = match text.split_once(mark) {
        Some((i, f)) => (i, f),
        None => (text, ""),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    if int.len() + frac.len() > MAX_DIGITS {
        return Err(NumberError::TooLarge(shown.to_string()));
    }
    let mut digits: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        digits = digits * 10 + i128::from(b - b'0');
    }
    Ok(Decimal {
        digits,
        frac: frac.len() as u32,
    })
}

/// The displayed text as a decimal, by the format's reading.
fn read_text(text: &str, how: Reading) -> Result<Decimal, NumberError> {
    let shown = text.trim();
    let separators = |c: char| c.is_whitespace() || c == '\u{a0}' || c == '\'' || c == '\u{2019}';
    match how {
        Reading::Zero => Ok(Decimal { digits: 0, frac: 0 }),
        Reading::Canonical => {
            let t: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
            parse_decimal(&t, '.', shown)
        }
        Reading::DotDecimal => {
            let t: String = shown
                .chars()
                .filter(|&c| c != ',' && !separators(c))
                .collect();
            parse_decimal(&t, '.', shown)
        }
        Reading::CommaDecimal => {
            let t: String = shown
                .chars()
                .filter(|&c| c != '.' && !separators(c))
                .collect();
            parse_decimal(&t, ',', shown)
        }
    }
}

/// The value of an `ix:nonFraction`, rounded to whole units of its unit
/// (pounds, for GBP): `text` read by `format`, times `10^scale`, negated
/// when `sign` is `-`.
pub fn fact_value(
    text: &str,
    format: Option<&str>,
    scale: Option<&str>,
    sign: Option<&str>,
) -> Result<i64, NumberError> {
    let d = read_text(text, reading(format)?)?;
    let scale: i32 = match scale.map(str::trim).filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => s
            .parse()
            .ok()
            .filter(|s: &i32| (-30..=30).contains(s))
            .ok_or_else(|| NumberError::BadScale(s.to_string()))?,
    };
    let too_large = || NumberError::TooLarge(text.trim().to_string());
    // value = digits × 10^(scale − frac)
    let exp = scale - d.frac as i32;
    let whole: i128 = if exp >= 0 {
        let factor = 10i128.checked_pow(exp as u32).ok_or_else(too_large)?;
        d.digits.checked_mul(factor).ok_or_else(too_large)?
    } else {
        let div = 10i128.checked_pow((-exp) as u32).ok_or_else(too_large)?;
        // Half away from zero (the value is non-negative here).
        (d.digits + div / 2) / div
    };
    let whole = i64::try_from(whole).map_err(|_| too_large())?;
    Ok(if sign.map(str::trim) == Some("-") {
        -whole
    } else {
        whole
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transformations_of_the_registry() {
        let v = |t, f| fact_value(t, f, None, None);
        assert_eq!(v("1,234,567", Some("ixt:numdotdecimal")), Ok(1_234_567));
        assert_eq!(v("1,234,567.50", Some("ixt2:numdotdecimal")), Ok(1_234_568));
        assert_eq!(v("1 234 567", Some("ixt4:num-dot-decimal")), Ok(1_234_567));
        assert_eq!(
            v("1.234.567,49", Some("ixt:numcommadecimal")),
            Ok(1_234_567)
        );
        assert_eq!(
            v("1.234.567", Some("ixt4:num-comma-decimal")),
            Ok(1_234_567)
        );
        assert_eq!(v("-", Some("ixt:zerodash")), Ok(0));
        assert_eq!(v("—", Some("ixt4:fixed-zero")), Ok(0));
        assert_eq!(v("1234.5", None), Ok(1_235));
        assert_eq!(v(".25", Some("ixt4:num-dot-decimal")), Ok(0));
    }

    #[test]
    fn scale_and_sign() {
        assert_eq!(
            fact_value("36.5", Some("ixt:numdotdecimal"), Some("6"), None),
            Ok(36_500_000)
        );
        assert_eq!(
            fact_value("40,123", Some("ixt:numdotdecimal"), Some("3"), Some("-")),
            Ok(-40_123_000)
        );
        assert_eq!(fact_value("1500", None, Some("-3"), None), Ok(2));
    }

    #[test]
    fn bad_numbers_are_errors() {
        assert!(matches!(
            fact_value("twelve", None, None, None),
            Err(NumberError::NotANumber(_))
        ));
        assert!(matches!(
            fact_value("(1,000)", Some("ixt:numdotdecimal"), None, None),
            Err(NumberError::NotANumber(_))
        ));
        assert!(matches!(
            fact_value("1", Some("ixt:datelonguk"), None, None),
            Err(NumberError::UnknownFormat(_))
        ));
        assert!(matches!(
            fact_value("1", None, Some("x"), None),
            Err(NumberError::BadScale(_))
        ));
        assert!(matches!(
            fact_value("9".repeat(40).as_str(), None, None, None),
            Err(NumberError::TooLarge(_))
        ));
        assert!(matches!(
            fact_value("99999", None, Some("30"), None),
            Err(NumberError::TooLarge(_))
        ));
        assert!(fact_value("1.2.3", None, None, None).is_err());
        assert!(fact_value("", None, None, None).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(t in "\\PC*", f in "\\PC{0,20}", s in "-?[0-9]{0,3}") {
            let _ = fact_value(&t, Some(&f), Some(&s), Some("-"));
            let _ = fact_value(&t, None, None, None);
        }
    }
}

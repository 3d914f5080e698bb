//! A set of accounts filed at Companies House, as far as s.54 scope needs
//! it: who filed, for which period, and the turnover (s.54(2), reg. 3).

use super::THRESHOLD_GBP;
use chrono::NaiveDate;
use serde::Serialize;

/// What one filing says about the company's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filing {
    pub company_number: String,
    pub name: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: NaiveDate,
    /// Turnover of the current period: the group's (consolidated) figure in
    /// group accounts, which is the parent's total turnover with its
    /// subsidiaries (reg. 3(1)); else the company's own.
    pub turnover: Option<Money>,
    pub employees: Option<i64>,
    /// Group (consolidated) accounts.
    pub consolidated: bool,
    pub dormant: bool,
    /// The first SIC code tagged, when the accounts tag one.
    pub sic: Option<String>,
}

impl Filing {
    /// Whether the turnover reaches s.54(2)'s £36m ("not less than"):
    /// `None` when there is no turnover in pounds to compare (the law does
    /// not say how another currency converts, rules.md §1.2).
    pub fn in_scope(&self) -> Option<bool> {
        let t = self.turnover.as_ref()?;
        (t.currency == "GBP").then_some(t.amount >= THRESHOLD_GBP)
    }
}

/// An amount in whole units of a currency (ISO 4217 code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Money {
    pub amount: i64,
    pub currency: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_not_less_than_36m_in_pounds() {
        let f = |amount, currency: &str| Filing {
            company_number: "01234567".into(),
            name: "A".into(),
            period_start: None,
            period_end: NaiveDate::from_ymd_opt(2024, 3, 31).unwrap(),
            turnover: Some(Money {
                amount,
                currency: currency.into(),
            }),
            employees: None,
            consolidated: false,
            dormant: false,
            sic: None,
        };
        assert_eq!(f(36_000_000, "GBP").in_scope(), Some(true));
        assert_eq!(f(35_999_999, "GBP").in_scope(), Some(false));
        assert_eq!(f(90_000_000, "EUR").in_scope(), None);
    }
}

//! One iXBRL filing (the XHTML of a set of accounts filed at Companies
//! House) → a [`Filing`]: read as a stream of XML events with `quick-xml`, so
//! a member is never held whole in memory. Only what s.54 scope needs is
//! kept: the contexts (period and consolidation dimension), the units, and
//! the facts of a few concepts, found by their local names so that every
//! taxonomy prefix (`uk-core:`, `core:`, `uk-gaap:`, `ifrs-full:`) works:
//!
//! - turnover: `TurnoverRevenue` (FRS 102 / FRS 105 / UK GAAP),
//!   `TurnoverGrossOperatingRevenue` (old UK GAAP), `Revenue` (IFRS);
//! - `AverageNumberEmployeesDuringPeriod`;
//! - `EntityCurrentLegalOrRegisteredName`, `UKCompaniesHouseRegisteredNumber`,
//!   `EntityDormantTruefalse`, `StartDateForPeriodCoveredByReport`,
//!   `EndDateForPeriodCoveredByReport`, `BalanceSheetDate`,
//!   `SICCodeRecordedUKCompaniesHouse1`.
//!
//! Group accounts tag their consolidated figures with the member
//! `Consolidated` of `bus:GroupCompanyDataDimension` (FRC taxonomies) or
//! `ConsolidatedMember` (IFRS); a fact with no dimension is the reporting
//! company's own. The current period is the duration context that ends on
//! the report's period end.

use super::number::{NumberError, fact_value};
pub use crate::domain::{Filing, Money};
use chrono::{Datelike, NaiveDate};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use std::collections::HashMap;
use std::io::BufRead;

/// Facts, contexts and units kept per filing, at most (a real filing has a
/// few hundred contexts; this bounds a hostile one's memory).
const MAX_ITEMS: usize = 100_000;
/// Characters kept of one fact's text.
const MAX_TEXT: usize = 2_000;
/// Largest turnover believed (£10 trillion: far above any company's).
const MAX_TURNOVER: i64 = 10_000_000_000_000;
const MAX_EMPLOYEES: i64 = 10_000_000;
/// Longest accounting period the Companies Act allows (18 months), plus a
/// week's slack for 52/53-week years.
const MAX_PERIOD_DAYS: i64 = 18 * 31 + 7;

/// Why a member was not read as a filing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FilingError {
    #[error("not an iXBRL filing (no inline XBRL facts)")]
    NotIxbrl,
    #[error("malformed XHTML at byte {position}: {reason}")]
    Malformed { position: u64, reason: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("no company number: none tagged and none in the member's name")]
    NoCompanyNumber,
    #[error("'{0}' is not a Companies House company number")]
    BadCompanyNumber(String),
    #[error("no company name tagged (EntityCurrentLegalOrRegisteredName)")]
    NoName,
    #[error("no period end: none tagged and none in the member's name")]
    NoPeriod,
    #[error("{concept}: {reason}")]
    BadFact {
        concept: &'static str,
        reason: String,
    },
    #[error("impossible value: {0}")]
    Impossible(String),
    #[error("more than 100,000 contexts, units or facts")]
    TooLarge,
}

impl From<NumberError> for FilingError {
    fn from(e: NumberError) -> Self {
        FilingError::BadFact {
            concept: "number",
            reason: e.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Concept {
    Turnover,
    Employees,
    Name,
    Number,
    Dormant,
    Start,
    End,
    BalanceSheet,
    Sic,
}

impl Concept {
    fn of(name: &str) -> Option<Concept> {
        let local = name.rsplit(':').next().unwrap_or(name);
        Some(match local {
            "TurnoverRevenue" | "Revenue" | "TurnoverGrossOperatingRevenue" => Concept::Turnover,
            "AverageNumberEmployeesDuringPeriod" => Concept::Employees,
            "EntityCurrentLegalOrRegisteredName" | "EntityCurrentLegalName" => Concept::Name,
            "UKCompaniesHouseRegisteredNumber" => Concept::Number,
            "EntityDormantTruefalse" | "EntityDormant" => Concept::Dormant,
            "StartDateForPeriodCoveredByReport" => Concept::Start,
            "EndDateForPeriodCoveredByReport" => Concept::End,
            "BalanceSheetDate" => Concept::BalanceSheet,
            "SICCodeRecordedUKCompaniesHouse1" => Concept::Sic,
            _ => return None,
        })
    }
}

/// The consolidation dimension of a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Dim {
    /// No dimension: the reporting entity itself.
    #[default]
    Entity,
    /// The group's consolidated figures.
    Consolidated,
    /// Any other dimension (segments, the company column of group accounts…).
    Other,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Context {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub instant: bool,
    pub dim: Dim,
    pub identifier: Option<String>,
}

/// What the text being read belongs to.
#[derive(Debug, Clone)]
enum Target {
    Start,
    End,
    Instant,
    Identifier,
    Member { dimension: String },
    Measure,
    Fact(Fact),
}

#[derive(Debug, Clone)]
struct Fact {
    concept: Concept,
    numeric: bool,
    context: String,
    unit: Option<String>,
    format: Option<String>,
    scale: Option<String>,
    sign: Option<String>,
}

#[derive(Debug)]
pub(super) struct NumFact {
    pub concept: Concept,
    pub context: String,
    pub unit: Option<String>,
    pub value: Result<i64, NumberError>,
}

/// The parser's state; once the stream ends, what [`super::resolve`] reads.
#[derive(Default)]
pub(super) struct State {
    pub ix_seen: bool,
    pub contexts: HashMap<String, Context>,
    /// Unit id → measure (`iso4217:GBP`).
    pub units: HashMap<String, String>,
    pub numbers: Vec<NumFact>,
    /// A text fact's first non-empty text, and its format.
    pub texts: HashMap<Concept, (String, Option<String>)>,
    /// The context or unit being read (its id).
    open_context: Option<(String, Context)>,
    open_unit: Option<String>,
    /// The element whose text is being read, its text, and how deep inside it we are.
    target: Option<(Target, String, u32)>,
    /// Depth inside an `ix:exclude` (its text is not part of the fact).
    excluded: u32,
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref().as_bytes() == name)
        .map(|a| a.value.to_string())
}

fn local(e: &BytesStart) -> Vec<u8> {
    e.local_name().as_ref().as_bytes().to_vec()
}

impl State {
    fn start(&mut self, e: &BytesStart, empty: bool) -> Result<(), FilingError> {
        let name = local(e);
        if let Some((_, _, depth)) = &mut self.target {
            if !empty {
                *depth += 1;
                if name == b"exclude" {
                    self.excluded += 1;
                }
            }
            return Ok(());
        }
        // Inline XBRL's own elements are prefixed (`ix:header`); an HTML
        // `<header>` is not.
        let prefixed = e.name().prefix().is_some();
        let target = match name.as_slice() {
            b"header" | b"references" | b"resources" if prefixed => {
                self.ix_seen = true;
                None
            }
            b"context" => {
                let id = attr(e, b"id").unwrap_or_default();
                self.open_context = Some((id, Context::default()));
                None
            }
            b"unit" => {
                self.open_unit = attr(e, b"id");
                None
            }
            b"startDate" if self.open_context.is_some() => Some(Target::Start),
            b"endDate" if self.open_context.is_some() => Some(Target::End),
            b"instant" if self.open_context.is_some() => Some(Target::Instant),
            b"identifier" if self.open_context.is_some() => Some(Target::Identifier),
            b"explicitMember" if self.open_context.is_some() => Some(Target::Member {
                dimension: attr(e, b"dimension").unwrap_or_default(),
            }),
            b"typedMember" => {
                if let Some((_, c)) = &mut self.open_context {
                    c.dim = Dim::Other;
                }
                None
            }
            b"measure" if self.open_unit.is_some() => Some(Target::Measure),
            b"nonFraction" | b"nonNumeric" if prefixed => {
                self.ix_seen = true;
                let numeric = name == b"nonFraction";
                let nil = attr(e, b"xsi:nil").is_some_and(|v| v == "true");
                match attr(e, b"name").as_deref().and_then(Concept::of) {
                    Some(concept) if !nil => Some(Target::Fact(Fact {
                        concept,
                        numeric,
                        context: attr(e, b"contextRef").unwrap_or_default(),
                        unit: attr(e, b"unitRef"),
                        format: attr(e, b"format"),
                        scale: attr(e, b"scale"),
                        sign: attr(e, b"sign"),
                    })),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(t) = target {
            if empty {
                // `<ix:nonFraction …/>`: a fact with no text.
                self.finish_target(t, String::new())?;
            } else {
                self.target = Some((t, String::new(), 0));
            }
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8]) -> Result<(), FilingError> {
        if let Some((_, _, depth)) = &mut self.target {
            if *depth > 0 {
                *depth -= 1;
                if name == b"exclude" {
                    self.excluded = self.excluded.saturating_sub(1);
                }
                return Ok(());
            }
            if let Some((t, text, _)) = self.target.take() {
                self.finish_target(t, text)?;
            }
            return Ok(());
        }
        match name {
            b"context" => {
                if let Some((id, c)) = self.open_context.take() {
                    if self.contexts.len() >= MAX_ITEMS {
                        return Err(FilingError::TooLarge);
                    }
                    self.contexts.insert(id, c);
                }
            }
            b"unit" => self.open_unit = None,
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self, s: &str) {
        if self.excluded > 0 {
            return;
        }
        if let Some((_, text, _)) = &mut self.target
            && text.len() < MAX_TEXT
        {
            text.push_str(s);
        }
    }

    fn finish_target(&mut self, t: Target, text: String) -> Result<(), FilingError> {
        let text = text.trim();
        let date = || super::dates::parse(text, None);
        match t {
            Target::Start => {
                if let Some((_, c)) = &mut self.open_context {
                    c.start = date();
                }
            }
            Target::End => {
                if let Some((_, c)) = &mut self.open_context {
                    c.end = date();
                }
            }
            Target::Instant => {
                if let Some((_, c)) = &mut self.open_context {
                    c.end = date();
                    c.instant = true;
                }
            }
            Target::Identifier => {
                if let Some((_, c)) = &mut self.open_context {
                    c.identifier = Some(text.to_string());
                }
            }
            Target::Member { dimension } => {
                if let Some((_, c)) = &mut self.open_context {
                    c.dim = member_dim(&dimension, text, c.dim);
                }
            }
            Target::Measure => {
                if let Some(id) = self.open_unit.clone() {
                    if self.units.len() >= MAX_ITEMS {
                        return Err(FilingError::TooLarge);
                    }
                    self.units.insert(id, text.to_string());
                }
            }
            Target::Fact(f) if f.numeric => {
                if self.numbers.len() >= MAX_ITEMS {
                    return Err(FilingError::TooLarge);
                }
                let value = fact_value(
                    text,
                    f.format.as_deref(),
                    f.scale.as_deref(),
                    f.sign.as_deref(),
                );
                self.numbers.push(NumFact {
                    concept: f.concept,
                    context: f.context,
                    unit: f.unit,
                    value,
                });
            }
            Target::Fact(f) => {
                let entry = self.texts.entry(f.concept).or_default();
                if entry.0.is_empty() {
                    *entry = (collapse_spaces(text), f.format);
                }
            }
        }
        Ok(())
    }
}

/// The context's dimension after one more explicit member.
fn member_dim(dimension: &str, member: &str, so_far: Dim) -> Dim {
    let dim = dimension.rsplit(':').next().unwrap_or(dimension);
    let member = member.rsplit(':').next().unwrap_or(member);
    let consolidation_axis = dim.contains("GroupCompany")
        || dim.contains("Consolidat")
        || dim == "ConsolidatedAndSeparateFinancialStatementsAxis";
    if consolidation_axis && member.starts_with("Consolidated") && so_far != Dim::Other {
        Dim::Consolidated
    } else {
        Dim::Other
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The character an entity reference stands for (XHTML filings use a few
/// HTML ones); unknown ones read as a space.
fn entity(name: &str) -> char {
    match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "pound" => '£',
        "euro" => '€',
        _ => ' ',
    }
}

/// Reads one filing from `input`; `member` is its name in the archive
/// (`Prod224_0001_01234567_20240331.html`), which also carries the company
/// number and the balance-sheet date.
pub fn parse<R: BufRead>(input: R, member: &str) -> Result<Filing, FilingError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut st = State::default();
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| match e {
            quick_xml::Error::Io(io) => {
                FilingError::Io(std::io::Error::new(io.kind(), io.to_string()))
            }
            other => FilingError::Malformed {
                position: reader.error_position(),
                reason: other.to_string(),
            },
        })?;
        match ev {
            Event::Start(e) => st.start(&e, false)?,
            Event::Empty(e) => st.start(&e, true)?,
            Event::End(e) => st.end(e.local_name().as_ref().as_bytes())?,
            Event::Text(t) => st.text(&t.xml10_content()),
            Event::CData(t) => st.text(&t),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    _ => entity(&r),
                };
                st.text(c.encode_utf8(&mut [0; 4]));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    super::resolve::filing(st, member)
}

/// Checks that a filing's values could be real (clear messages, never a
/// guess): a negative or absurd turnover or headcount, a period that ends
/// before it starts or runs longer than the law allows.
pub(super) fn check_possible(f: &Filing, today: NaiveDate) -> Result<(), FilingError> {
    if let Some(t) = &f.turnover {
        if t.amount < 0 {
            return Err(FilingError::Impossible(format!(
                "turnover is negative ({} {})",
                t.amount, t.currency
            )));
        }
        if t.amount > MAX_TURNOVER {
            return Err(FilingError::Impossible(format!(
                "turnover of {} {} is beyond any company's",
                t.amount, t.currency
            )));
        }
    }
    if let Some(n) = f.employees
        && !(0..=MAX_EMPLOYEES).contains(&n)
    {
        return Err(FilingError::Impossible(format!(
            "average number of employees is {n}"
        )));
    }
    if f.period_end.year() < 1990 || f.period_end > today + chrono::Days::new(366) {
        return Err(FilingError::Impossible(format!(
            "period ends on {}",
            f.period_end
        )));
    }
    if let Some(s) = f.period_start {
        let days = (f.period_end - s).num_days();
        if days < 0 {
            return Err(FilingError::Impossible(format!(
                "period starts on {s}, after it ends on {}",
                f.period_end
            )));
        }
        if days > MAX_PERIOD_DAYS {
            return Err(FilingError::Impossible(format!(
                "period {s} to {} is longer than 18 months",
                f.period_end
            )));
        }
    }
    Ok(())
}

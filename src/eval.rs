//! `s54 eval`: precision, recall and F1 on a labelled corpus (the layout of
//! `shared/corpus`: `labels.jsonl` plus the text files it names).
//!
//! Boolean fields: approval_stated ↔ approval.present, signed ↔
//! signature.present, is_group ↔ group.is_group, and the six areas (plus the
//! macro F1 over the six). Dates: accuracy of financial_year_end,
//! approval_date and signature_date over the documents where the label is
//! set (`YYYY-MM` labels compare the month only).

use crate::domain::{Area, Assessment};
use crate::extract::{self, Limits};
use crate::rules::Rulebook;
use crate::score::{self, CheckOptions};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    #[error("cannot read '{path}': {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}, line {line}: {message}")]
    Label {
        path: String,
        line: usize,
        message: String,
    },
}

/// One labelled document (the fields `eval` reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub id: String,
    pub files: Files,
    #[serde(default)]
    pub is_group: Option<bool>,
    #[serde(default)]
    pub financial_year_end: Option<String>,
    #[serde(default)]
    pub approval_stated: Option<bool>,
    #[serde(default)]
    pub approval_date: Option<String>,
    #[serde(default)]
    pub signed: Option<bool>,
    #[serde(default)]
    pub signature_date: Option<String>,
    #[serde(default)]
    pub areas: Option<BTreeMap<String, bool>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Files {
    pub txt: String,
}

/// Counts for one boolean field.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Counts {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
    pub tn: u32,
}

impl Counts {
    fn add(&mut self, truth: bool, pred: bool) {
        match (truth, pred) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Precision is 1 when nothing was predicted and nothing was expected.
fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Accuracy of one date field.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct DateCounts {
    pub correct: u32,
    pub total: u32,
}

impl DateCounts {
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct, self.total)
    }
}

/// One wrong answer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Miss {
    pub id: String,
    pub field: String,
    pub expected: String,
    pub got: String,
}

/// The whole evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub documents: usize,
    pub fields: BTreeMap<String, Counts>,
    pub dates: BTreeMap<String, DateCounts>,
    pub misses: Vec<Miss>,
}

impl Report {
    /// Macro F1 over the six areas.
    pub fn areas_macro_f1(&self) -> f64 {
        let f: Vec<f64> = Area::ALL
            .iter()
            .filter_map(|a| self.fields.get(&format!("areas.{}", a.key())))
            .map(|c| c.f1())
            .collect();
        if f.is_empty() {
            0.0
        } else {
            f.iter().sum::<f64>() / f.len() as f64
        }
    }

    /// Stable machine-readable form.
    pub fn to_json(&self) -> serde_json::Value {
        let fields: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .map(|(k, c)| {
                (
                    k.clone(),
                    serde_json::json!({
                        "tp": c.tp, "fp": c.fp, "fn": c.fn_, "tn": c.tn,
                        "precision": round3(c.precision()),
                        "recall": round3(c.recall()),
                        "f1": round3(c.f1()),
                    }),
                )
            })
            .collect();
        let dates: serde_json::Map<String, serde_json::Value> = self
            .dates
            .iter()
            .map(|(k, d)| {
                (
                    k.clone(),
                    serde_json::json!({"correct": d.correct, "total": d.total, "accuracy": round3(d.accuracy())}),
                )
            })
            .collect();
        serde_json::json!({
            "schema": "s54.eval/1",
            "documents": self.documents,
            "fields": fields,
            "areas_macro_f1": round3(self.areas_macro_f1()),
            "dates": dates,
            "misses": self.misses,
        })
    }

    /// Human-readable table.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "documents: {}", self.documents);
        let _ = writeln!(
            s,
            "{:<26} {:>4} {:>4} {:>4} {:>4} {:>9} {:>7} {:>6}",
            "field", "tp", "fp", "fn", "tn", "precision", "recall", "f1"
        );
        for (k, c) in &self.fields {
            let _ = writeln!(
                s,
                "{:<26} {:>4} {:>4} {:>4} {:>4} {:>9.3} {:>7.3} {:>6.3}",
                k,
                c.tp,
                c.fp,
                c.fn_,
                c.tn,
                c.precision(),
                c.recall(),
                c.f1()
            );
        }
        let _ = writeln!(
            s,
            "{:<26} {:>52.3}",
            "areas (macro F1)",
            self.areas_macro_f1()
        );
        let _ = writeln!(
            s,
            "\n{:<26} {:>8} {:>6} {:>9}",
            "date field", "correct", "total", "accuracy"
        );
        for (k, d) in &self.dates {
            let _ = writeln!(
                s,
                "{:<26} {:>8} {:>6} {:>9.3}",
                k,
                d.correct,
                d.total,
                d.accuracy()
            );
        }
        if !self.misses.is_empty() {
            let _ = writeln!(s, "\nwrong answers:");
            for m in &self.misses {
                let _ = writeln!(
                    s,
                    "  {} {:<24} expected {:<12} got {}",
                    m.id, m.field, m.expected, m.got
                );
            }
        }
        s
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A label date: `YYYY-MM-DD`, or `YYYY-MM` (compare the month only).
enum LabelDate {
    Day(NaiveDate),
    Month(i32, u32),
}

fn parse_label_date(s: &str) -> Option<LabelDate> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(LabelDate::Day(d));
    }
    let (y, m) = s.split_once('-')?;
    Some(LabelDate::Month(y.parse().ok()?, m.parse().ok()?))
}

fn date_matches(label: &LabelDate, got: Option<NaiveDate>) -> bool {
    match (label, got) {
        (LabelDate::Day(d), Some(g)) => *d == g,
        (LabelDate::Month(y, m), Some(g)) => g.year() == *y && g.month() == *m,
        _ => false,
    }
}

fn show(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "none".into())
}

/// Reads the labels file.
pub fn read_labels(corpus: &Path) -> Result<Vec<Label>, EvalError> {
    let path = corpus.join("labels.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|source| EvalError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Label = serde_json::from_str(line).map_err(|e| EvalError::Label {
            path: path.display().to_string(),
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push(l);
    }
    Ok(out)
}

/// Adds one document's labels and assessment to the report.
pub fn score_one(report: &mut Report, label: &Label, a: &Assessment) {
    report.documents += 1;
    let mut boolean = |field: &str, truth: Option<bool>, pred: bool| {
        if let Some(t) = truth {
            report
                .fields
                .entry(field.to_string())
                .or_default()
                .add(t, pred);
            if t != pred {
                report.misses.push(Miss {
                    id: label.id.clone(),
                    field: field.to_string(),
                    expected: t.to_string(),
                    got: pred.to_string(),
                });
            }
        }
    };
    boolean("approval_stated", label.approval_stated, a.approval.present);
    boolean("signed", label.signed, a.signature.present);
    boolean("is_group", label.is_group, a.group.is_group);
    if let Some(areas) = &label.areas {
        for area in Area::ALL {
            boolean(
                &format!("areas.{}", area.key()),
                areas.get(area.key()).copied(),
                a.areas.get(area).present,
            );
        }
    }
    let mut date = |field: &str, truth: &Option<String>, got: Option<NaiveDate>| {
        let Some(t) = truth.as_deref().and_then(parse_label_date) else {
            return;
        };
        let c = report.dates.entry(field.to_string()).or_default();
        c.total += 1;
        if date_matches(&t, got) {
            c.correct += 1;
        } else {
            report.misses.push(Miss {
                id: label.id.clone(),
                field: field.to_string(),
                expected: truth.clone().unwrap_or_default(),
                got: show(got),
            });
        }
    };
    date(
        "financial_year_end",
        &label.financial_year_end,
        a.financial_year.end,
    );
    date("approval_date", &label.approval_date, a.approval.date);
    date("signature_date", &label.signature_date, a.signature.date);
}

/// Runs the evaluation over a corpus directory.
pub fn evaluate(corpus: &Path, rules: &Rulebook) -> Result<Report, EvalError> {
    let labels = read_labels(corpus)?;
    let mut report = Report::default();
    let limits = Limits::default();
    for label in &labels {
        let path = corpus.join(&label.files.txt);
        let bytes = std::fs::read(&path).map_err(|source| EvalError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let a = match extract::extract(&bytes, &name, &limits) {
            Ok(doc) => score::assess(&doc, &CheckOptions::default(), rules),
            Err(e) => {
                tracing::warn!(id = %label.id, error = %e, "document could not be read; scored as empty");
                score::assess(
                    &score::document_from_text(""),
                    &CheckOptions::default(),
                    rules,
                )
            }
        };
        score_one(&mut report, label, &a);
    }
    report
        .misses
        .sort_by(|a, b| (&a.id, &a.field).cmp(&(&b.id, &b.field)));
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_f1() {
        let mut c = Counts::default();
        c.add(true, true);
        c.add(true, false);
        c.add(false, true);
        c.add(false, false);
        assert_eq!(c.precision(), 0.5);
        assert_eq!(c.recall(), 0.5);
        assert_eq!(c.f1(), 0.5);
    }

    #[test]
    fn month_labels_compare_the_month() {
        let l = parse_label_date("2020-06").unwrap();
        assert!(date_matches(&l, NaiveDate::from_ymd_opt(2020, 6, 12)));
        assert!(!date_matches(&l, NaiveDate::from_ymd_opt(2020, 7, 1)));
        let l = parse_label_date("2020-06-12").unwrap();
        assert!(!date_matches(&l, NaiveDate::from_ymd_opt(2020, 6, 1)));
        assert!(!date_matches(&l, None));
    }
}

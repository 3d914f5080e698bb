//! `s54 eval`: precision, recall and F1 on labelled corpora (the layout of
//! `shared/corpus`: `labels.jsonl` plus the text files it names, by default
//! `statements/<id>.txt`; each sub-folder with its own `labels.jsonl` is a
//! further set, scored on its own and pooled).
//!
//! Boolean fields: approval_stated ↔ approval.present, signed ↔
//! signature.present, is_group ↔ group.is_group, and the six areas (plus the
//! macro F1 over the six). Dates: accuracy of financial_year_end,
//! approval_date and signature_date over the documents where the label is
//! set (`YYYY-MM` labels compare the month only). Verdict safety: how many
//! statements labelled signed fall short, and how many labelled unsigned
//! do. A set with `sentences.csv` is also scored sentence by sentence
//! ([`aims`]); `--split` keeps one fixed part ([`split`]); `--perturb`
//! re-checks every statement re-laid-out ([`perturb`]).

pub mod aims;
pub mod perturb;
mod render;
pub mod split;

pub use split::Split;

use crate::domain::{Area, Assessment, Verdict};
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
    #[serde(default)]
    pub files: Option<Files>,
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

impl Label {
    /// The text file, relative to the set's folder.
    pub fn txt_path(&self) -> String {
        match &self.files {
            Some(f) => f.txt.clone(),
            None => format!("statements/{}.txt", self.id),
        }
    }
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
    pub(crate) fn add(&mut self, truth: bool, pred: bool) {
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
    /// The set the document belongs to.
    pub set: String,
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
    pub safety: Safety,
    /// Sentence-level counts per criterion (sets with sentence labels).
    pub sentences: BTreeMap<String, Counts>,
    /// `--perturb`: what changed when the statements were re-laid-out.
    pub perturb: Option<Perturbation>,
}

/// Verdict safety: `falls_short` should go to unsigned statements, never to
/// signed ones (over the documents whose `signed` label is set).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Safety {
    pub signed: u32,
    pub signed_falls_short: u32,
    pub unsigned: u32,
    pub unsigned_falls_short: u32,
}

impl Safety {
    fn add(&mut self, other: &Safety) {
        self.signed += other.signed;
        self.signed_falls_short += other.signed_falls_short;
        self.unsigned += other.unsigned;
        self.unsigned_falls_short += other.unsigned_falls_short;
    }
    /// Share of signed statements that still fall short (should be ~0).
    pub fn signed_falls_short_share(&self) -> f64 {
        share(self.signed_falls_short, self.signed)
    }
    /// Share of unsigned statements that fall short (should be ~1).
    pub fn unsigned_falls_short_share(&self) -> f64 {
        share(self.unsigned_falls_short, self.unsigned)
    }
}

fn share(a: u32, b: u32) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// What `--perturb` found: fields compared and changed, per field and per
/// layout, and every verdict that flipped between meets and falls short.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Perturbation {
    pub compared: u32,
    pub changed: u32,
    pub changed_by_field: BTreeMap<String, u32>,
    pub changed_by_layout: BTreeMap<String, u32>,
    pub flips: u32,
    pub changes: Vec<Change>,
}

/// One field that changed under a re-layout.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    pub set: String,
    pub id: String,
    pub layout: String,
    pub field: String,
    pub from: String,
    pub to: String,
}

impl Perturbation {
    fn add(&mut self, other: &Perturbation) {
        self.compared += other.compared;
        self.changed += other.changed;
        self.flips += other.flips;
        for (k, v) in &other.changed_by_field {
            *self.changed_by_field.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.changed_by_layout {
            *self.changed_by_layout.entry(k.clone()).or_default() += v;
        }
        self.changes.extend(other.changes.iter().cloned());
    }
    /// Share of fields unchanged.
    pub fn unchanged_share(&self) -> f64 {
        1.0 - share(self.changed, self.compared)
    }
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

    /// Adds another set's counts (the pooled table).
    pub fn absorb(&mut self, other: &Report) {
        self.documents += other.documents;
        for (k, c) in &other.fields {
            self.fields.entry(k.clone()).or_default().absorb(c);
        }
        for (k, c) in &other.sentences {
            self.sentences.entry(k.clone()).or_default().absorb(c);
        }
        for (k, d) in &other.dates {
            let e = self.dates.entry(k.clone()).or_default();
            e.correct += d.correct;
            e.total += d.total;
        }
        self.misses.extend(other.misses.iter().cloned());
        self.safety.add(&other.safety);
        if let Some(p) = &other.perturb {
            self.perturb.get_or_insert_with(Default::default).add(p);
        }
    }
}

impl Counts {
    fn absorb(&mut self, o: &Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.tn += o.tn;
    }
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
pub fn score_one(report: &mut Report, set: &str, label: &Label, a: &Assessment) {
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
                    set: set.to_string(),
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
                set: set.to_string(),
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
    let falls_short = a.verdict == Verdict::FallsShort;
    match label.signed {
        Some(true) => {
            report.safety.signed += 1;
            report.safety.signed_falls_short += u32::from(falls_short);
        }
        Some(false) => {
            report.safety.unsigned += 1;
            report.safety.unsigned_falls_short += u32::from(falls_short);
        }
        None => {}
    }
}

/// What to evaluate.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvalOptions {
    /// Keep only this part of every set.
    pub split: Option<Split>,
    /// Re-check every statement re-laid-out too.
    pub perturb: bool,
}

/// One labelled set's report.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    pub name: String,
    pub report: Report,
}

/// Every set of a corpus, and all of them pooled.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub split: Option<&'static str>,
    pub sets: Vec<SetReport>,
    pub pooled: Report,
}

/// The labelled sets of a corpus folder: the folder itself when it has a
/// `labels.jsonl`, then each sub-folder that has one, by name.
pub fn find_sets(corpus: &Path) -> Result<Vec<(String, std::path::PathBuf)>, EvalError> {
    let io = |source| EvalError::Io {
        path: corpus.display().to_string(),
        source,
    };
    let name_of = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "corpus".into())
    };
    let mut sets = Vec::new();
    if corpus.join("labels.jsonl").is_file() {
        sets.push((name_of(corpus), corpus.to_path_buf()));
    }
    let mut subs: Vec<std::path::PathBuf> = std::fs::read_dir(corpus)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.join("labels.jsonl").is_file())
        .collect();
    subs.sort();
    sets.extend(subs.into_iter().map(|p| (name_of(&p), p)));
    if sets.is_empty() {
        return Err(EvalError::Io {
            path: corpus.join("labels.jsonl").display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no labels.jsonl here or in any sub-folder",
            ),
        });
    }
    Ok(sets)
}

/// Evaluates every set of a corpus folder, and pools them.
pub fn evaluate_all(
    corpus: &Path,
    rules: &Rulebook,
    opts: &EvalOptions,
) -> Result<Evaluation, EvalError> {
    let mut sets = Vec::new();
    let mut pooled = Report::default();
    for (name, dir) in find_sets(corpus)? {
        let report = evaluate_set(&name, &dir, rules, opts)?;
        pooled.absorb(&report);
        sets.push(SetReport { name, report });
    }
    Ok(Evaluation {
        split: opts.split.map(Split::as_str),
        sets,
        pooled,
    })
}

/// Runs the evaluation over one set (a folder with `labels.jsonl`).
pub fn evaluate(corpus: &Path, rules: &Rulebook) -> Result<Report, EvalError> {
    evaluate_set("corpus", corpus, rules, &EvalOptions::default())
}

/// The text of a document as `s54 check` reads it, and its assessment.
fn check_bytes(bytes: &[u8], name: &str, id: &str, rules: &Rulebook) -> (String, Assessment) {
    let doc = match extract::extract(bytes, name, &Limits::default()) {
        Ok(doc) => doc,
        Err(e) => {
            tracing::warn!(%id, error = %e, "document could not be read; scored as empty");
            score::document_from_text("")
        }
    };
    let a = score::assess(&doc, &CheckOptions::default(), rules);
    (doc.text, a)
}

fn evaluate_set(
    set: &str,
    dir: &Path,
    rules: &Rulebook,
    opts: &EvalOptions,
) -> Result<Report, EvalError> {
    let labels = read_labels(dir)?;
    let sentence_labels = aims::read(dir)?;
    let mut report = Report::default();
    for label in &labels {
        if opts.split.is_some_and(|s| s != Split::of(&label.id)) {
            continue;
        }
        let path = dir.join(label.txt_path());
        let bytes = std::fs::read(&path).map_err(|source| EvalError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let (text, a) = check_bytes(&bytes, &name, &label.id, rules);
        score_one(&mut report, set, label, &a);
        if let Some(sents) = sentence_labels.as_ref().and_then(|s| s.get(&label.id)) {
            aims::score(&mut report.sentences, &text, sents, &a);
        }
        if opts.perturb {
            let p = report.perturb.get_or_insert_with(Default::default);
            perturb_one(p, set, label, &bytes, &name, &a, rules);
        }
    }
    report
        .misses
        .sort_by(|a, b| (&a.id, &a.field).cmp(&(&b.id, &b.field)));
    Ok(report)
}

/// The fields `--perturb` compares: approval, signature, the six areas and
/// the verdict.
fn compared_fields(a: &Assessment) -> Vec<(String, String)> {
    let mut f = vec![
        (
            "approval_stated".to_string(),
            a.approval.present.to_string(),
        ),
        ("signed".to_string(), a.signature.present.to_string()),
    ];
    for area in Area::ALL {
        f.push((
            format!("areas.{}", area.key()),
            a.areas.get(area).present.to_string(),
        ));
    }
    f.push(("verdict".to_string(), a.verdict.as_str().to_string()));
    f
}

fn perturb_one(
    p: &mut Perturbation,
    set: &str,
    label: &Label,
    bytes: &[u8],
    name: &str,
    original: &Assessment,
    rules: &Rulebook,
) {
    let text = crate::extract::text::decode(bytes);
    let before = compared_fields(original);
    for layout in &perturb::LAYOUTS {
        let changed_text = (layout.apply)(&text);
        let (_, a) = check_bytes(changed_text.as_bytes(), name, &label.id, rules);
        for ((field, from), (_, to)) in before.iter().zip(compared_fields(&a)) {
            p.compared += 1;
            if *from == to {
                continue;
            }
            p.changed += 1;
            *p.changed_by_field.entry(field.clone()).or_default() += 1;
            *p.changed_by_layout
                .entry(layout.name.to_string())
                .or_default() += 1;
            let flip = |v: &str| v == "meets_minimum" || v == "falls_short";
            if field == "verdict" && flip(from) && flip(&to) {
                p.flips += 1;
            }
            p.changes.push(Change {
                set: set.to_string(),
                id: label.id.clone(),
                layout: layout.name.to_string(),
                field: field.clone(),
                from: from.clone(),
                to,
            });
        }
    }
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

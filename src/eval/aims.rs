//! Sentence-level scoring on a set with expert sentence labels (the
//! `sentences.csv` of `aims_au/`): which sentences a detector quotes as
//! evidence, against the sentences the annotators marked.

use super::{Counts, EvalError};
use crate::domain::{Area, Assessment, Evidence};
use std::collections::HashMap;
use std::path::Path;

/// The criteria scored, with the CSV columns that mark them (any of them).
pub const CRITERIA: [(&str, &[&str]); 5] = [
    ("approval", &["Approval"]),
    ("signature", &["Signature"]),
    (
        "structure",
        &["C2 (structure)", "C2 (operations)", "C2 (supply chains)"],
    ),
    ("risk", &["C3 (risk description)"]),
    ("effectiveness", &["C5 (effectiveness)"]),
];

/// One labelled sentence: its text and, per criterion of [`CRITERIA`],
/// whether the experts marked it.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub text: String,
    pub marked: [bool; CRITERIA.len()],
}

/// Sentences per statement id, in their order.
pub type SentenceLabels = HashMap<String, Vec<Sentence>>;

/// Reads `sentences.csv` when the set has one.
pub fn read(dir: &Path) -> Result<Option<SentenceLabels>, EvalError> {
    let path = dir.join("sentences.csv");
    if !path.is_file() {
        return Ok(None);
    }
    let bad = |line: usize, message: String| EvalError::Label {
        path: path.display().to_string(),
        line,
        message,
    };
    let mut rd = csv::Reader::from_path(&path).map_err(|e| bad(0, e.to_string()))?;
    let headers = rd.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id_col), Some(text_col)) = (col("statement_id"), col("sentence")) else {
        return Err(bad(1, "needs the columns statement_id and sentence".into()));
    };
    let criteria: Vec<Vec<usize>> = CRITERIA
        .iter()
        .map(|(_, cols)| cols.iter().filter_map(|c| col(c)).collect())
        .collect();
    let mut out: SentenceLabels = HashMap::new();
    for (i, row) in rd.records().enumerate() {
        let row = row.map_err(|e| bad(i + 2, e.to_string()))?;
        let mut marked = [false; CRITERIA.len()];
        for (m, cols) in marked.iter_mut().zip(&criteria) {
            *m = cols
                .iter()
                .any(|&c| row.get(c).is_some_and(|v| v.trim() == "1"));
        }
        out.entry(row.get(id_col).unwrap_or_default().to_string())
            .or_default()
            .push(Sentence {
                text: row.get(text_col).unwrap_or_default().to_string(),
                marked,
            });
    }
    Ok(Some(out))
}

/// The evidence a detector quoted for one criterion.
fn quoted(a: &Assessment, criterion: &str) -> Vec<Evidence> {
    match criterion {
        "approval" => a.approval.evidence.clone(),
        "signature" => a.signature.evidence.clone(),
        "structure" => a.areas.get(Area::Structure).evidence.clone(),
        "risk" => a.areas.get(Area::Risk).evidence.clone(),
        "effectiveness" => a.areas.get(Area::Effectiveness).evidence.clone(),
        _ => Vec::new(),
    }
}

/// Up to 24 lower-case letters and digits: how a sentence is recognised in
/// the extracted text whatever the extractor did to its markers and spaces.
fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .take(24)
        .collect()
}

/// Character ranges in `text` of each labelled sentence (`None` when the
/// sentence cannot be found), matched in order line by line.
pub fn locate(text: &str, sentences: &[Sentence]) -> Vec<Option<(usize, usize)>> {
    let mut lines = Vec::new();
    let mut start = 0usize;
    for line in text.split('\n') {
        let len = line.chars().count();
        lines.push((key(line), start, start + len));
        start += len + 1;
    }
    let mut cursor = 0usize;
    sentences
        .iter()
        .map(|s| {
            let k = key(&s.text);
            if k.is_empty() {
                return None;
            }
            let end = (cursor + 8).min(lines.len());
            let found = (cursor..end).find(|&i| {
                let l = &lines[i].0;
                !l.is_empty() && (l.starts_with(&k) || k.starts_with(l.as_str()))
            })?;
            cursor = found + 1;
            Some((lines[found].1, lines[found].2))
        })
        .collect()
}

/// Adds one statement's sentence counts: a sentence is predicted when a
/// quote of the criterion's evidence overlaps it.
pub fn score(
    counts: &mut std::collections::BTreeMap<String, Counts>,
    text: &str,
    sentences: &[Sentence],
    a: &Assessment,
) {
    let at = locate(text, sentences);
    for (ci, (name, _)) in CRITERIA.iter().enumerate() {
        let ev = quoted(a, name);
        let c = counts.entry((*name).to_string()).or_default();
        for (s, range) in sentences.iter().zip(&at) {
            let pred = range.is_some_and(|(b, e)| ev.iter().any(|q| q.start < e && b < q.end));
            c.add(s.marked[ci], pred);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Sentence {
        Sentence {
            text: text.into(),
            marked: [false; CRITERIA.len()],
        }
    }

    #[test]
    fn sentences_are_found_line_by_line_in_order() {
        let text = "Modern Slavery Statement\n- Our board approved this statement on 2 May 2024\n\nSigned\nJane Doe";
        let sents = [
            s("Modern Slavery Statement"),
            s("Our board approved this statement on 2 May 2024"),
            s("Missing sentence that is nowhere"),
            s("Jane Doe"),
        ];
        let at = locate(text, &sents);
        assert_eq!(at[0], Some((0, 24)));
        assert_eq!(at[1].map(|r| r.0), Some(25));
        assert_eq!(at[2], None);
        let jane = text.chars().count() - 8;
        assert_eq!(at[3], Some((jane, jane + 8)));
    }
}

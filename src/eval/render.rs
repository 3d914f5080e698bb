//! The tables `s54 eval` prints, and its JSON (`s54.eval/1`: the pooled
//! figures at the top level, as before, each set under `sets`).

use super::{Counts, Evaluation, Perturbation, Report, Safety};
use std::fmt::Write;

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn counts_json(c: &Counts) -> serde_json::Value {
    serde_json::json!({
        "tp": c.tp, "fp": c.fp, "fn": c.fn_, "tn": c.tn,
        "precision": round3(c.precision()),
        "recall": round3(c.recall()),
        "f1": round3(c.f1()),
    })
}

fn safety_json(s: &Safety) -> serde_json::Value {
    serde_json::json!({
        "signed": s.signed,
        "signed_falls_short": s.signed_falls_short,
        "signed_falls_short_share": round3(s.signed_falls_short_share()),
        "unsigned": s.unsigned,
        "unsigned_falls_short": s.unsigned_falls_short,
        "unsigned_falls_short_share": round3(s.unsigned_falls_short_share()),
    })
}

fn perturb_json(p: &Perturbation) -> serde_json::Value {
    serde_json::json!({
        "compared": p.compared,
        "changed": p.changed,
        "unchanged_share": round3(p.unchanged_share()),
        "verdict_flips": p.flips,
        "changed_by_field": p.changed_by_field,
        "changed_by_layout": p.changed_by_layout,
        "changes": p.changes,
    })
}

impl Report {
    /// Stable machine-readable form.
    pub fn to_json(&self) -> serde_json::Value {
        let map = |m: &std::collections::BTreeMap<String, Counts>| {
            m.iter()
                .map(|(k, c)| (k.clone(), counts_json(c)))
                .collect::<serde_json::Map<_, _>>()
        };
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
        let mut v = serde_json::json!({
            "schema": "s54.eval/1",
            "documents": self.documents,
            "fields": map(&self.fields),
            "areas_macro_f1": round3(self.areas_macro_f1()),
            "dates": dates,
            "misses": self.misses,
            "safety": safety_json(&self.safety),
        });
        if !self.sentences.is_empty() {
            v["sentences"] = serde_json::Value::Object(map(&self.sentences));
        }
        if let Some(p) = &self.perturb {
            v["perturb"] = perturb_json(p);
        }
        v
    }

    /// Human-readable tables; `errors` lists the wrong answers too.
    pub fn to_text(&self, errors: bool) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "documents: {}", self.documents);
        counts_table(&mut s, "field", &self.fields);
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
        let sf = &self.safety;
        let _ = writeln!(
            s,
            "\nverdict safety: falls_short on {}/{} signed ({:.3}), on {}/{} unsigned ({:.3})",
            sf.signed_falls_short,
            sf.signed,
            sf.signed_falls_short_share(),
            sf.unsigned_falls_short,
            sf.unsigned,
            sf.unsigned_falls_short_share()
        );
        if !self.sentences.is_empty() {
            let _ = writeln!(s, "\nsentences quoted as evidence vs the experts' labels:");
            counts_table(&mut s, "criterion", &self.sentences);
        }
        if let Some(p) = &self.perturb {
            perturb_text(&mut s, p, errors);
        }
        if errors && !self.misses.is_empty() {
            let _ = writeln!(s, "\nwrong answers:");
            for m in &self.misses {
                let _ = writeln!(
                    s,
                    "  {:<9} {:<6} {:<24} expected {:<12} got {}",
                    m.set, m.id, m.field, m.expected, m.got
                );
            }
        } else if !self.misses.is_empty() {
            let _ = writeln!(
                s,
                "\n{} wrong answers (not listed on the check split: study tune only)",
                self.misses.len()
            );
        }
        s
    }
}

fn counts_table(s: &mut String, title: &str, m: &std::collections::BTreeMap<String, Counts>) {
    let _ = writeln!(
        s,
        "{:<26} {:>4} {:>4} {:>4} {:>4} {:>9} {:>7} {:>6}",
        title, "tp", "fp", "fn", "tn", "precision", "recall", "f1"
    );
    for (k, c) in m {
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
}

fn perturb_text(s: &mut String, p: &Perturbation, errors: bool) {
    let _ = writeln!(
        s,
        "\nre-laid-out: {} of {} fields changed ({:.4} unchanged), {} verdict flips meets/falls short",
        p.changed,
        p.compared,
        p.unchanged_share(),
        p.flips
    );
    for (k, v) in &p.changed_by_layout {
        let _ = writeln!(s, "  layout {k:<22} {v}");
    }
    for (k, v) in &p.changed_by_field {
        let _ = writeln!(s, "  field  {k:<22} {v}");
    }
    if errors {
        for c in &p.changes {
            let _ = writeln!(
                s,
                "  {:<9} {:<6} {:<18} {:<22} {} -> {}",
                c.set, c.id, c.layout, c.field, c.from, c.to
            );
        }
    }
}

impl Evaluation {
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = self.pooled.to_json();
        v["split"] = serde_json::json!(self.split);
        v["sets"] = self
            .sets
            .iter()
            .map(|s| {
                let mut r = s.report.to_json();
                r["name"] = serde_json::json!(s.name);
                r
            })
            .collect();
        v
    }

    /// One table per set, then the pooled one (errors listed per set,
    /// except on the check split).
    pub fn to_text(&self) -> String {
        let errors = self.split != Some("check");
        let split = self.split.unwrap_or("all");
        let mut s = String::new();
        for set in &self.sets {
            let _ = writeln!(s, "=== set {} (split: {split}) ===", set.name);
            s.push_str(&set.report.to_text(errors));
            s.push('\n');
        }
        if self.sets.len() > 1 {
            let _ = writeln!(s, "=== pooled (split: {split}) ===");
            s.push_str(&self.pooled.to_text(false));
        }
        s
    }
}

//! Pattern-set scoring (the six s.54(5) areas and the other text evidence).
//! The rules of scoring are written at the top of `rules/patterns.toml`.

use super::sentences::Sentence;
use crate::domain::{AreaResult, Document, Evidence};
use crate::rules::{PatternSet, Rulebook};

/// The result of one pattern set over one document.
#[derive(Debug, Clone, Default)]
pub struct SetScore {
    /// Sum of credited signal weights.
    pub total: f32,
    pub threshold: f32,
    /// Byte ranges of the sentences that earned credit, in order.
    pub spans: Vec<(usize, usize)>,
    /// Sentences matching a signal but discarded by a look-alike or exclusion.
    pub excluded: Vec<(usize, usize)>,
}

impl SetScore {
    pub fn present(&self) -> bool {
        self.total >= self.threshold && self.total > 0.0
    }
    /// 0..1: half-way at the threshold, full at twice the threshold.
    pub fn strength(&self) -> f32 {
        if self.threshold <= 0.0 {
            return if self.total > 0.0 { 1.0 } else { 0.0 };
        }
        let s = self.total / (2.0 * self.threshold);
        (s.clamp(0.0, 1.0) * 100.0).round() / 100.0
    }
}

/// Most evidence quotes kept per finding.
pub const MAX_EVIDENCE: usize = 3;
/// Longest quote, in bytes (a sentence is cut around its match).
const MAX_QUOTE: usize = 300;

/// Evidence for a sentence range, cut to a readable length.
pub fn quote(doc: &Document, start: usize, end: usize) -> Evidence {
    if end - start <= MAX_QUOTE {
        return doc.evidence(start, end);
    }
    let mut e = start + MAX_QUOTE;
    while e > start && !doc.text.is_char_boundary(e) {
        e -= 1;
    }
    // End on a word boundary.
    if let Some(sp) = doc.text[start..e].rfind(' ')
        && sp > MAX_QUOTE / 2
    {
        e = start + sp;
    }
    doc.evidence(start, e)
}

fn topic_near(doc: &Document, sents: &[Sentence], i: usize, set: &PatternSet) -> bool {
    let Some(topic) = &set.topic else {
        return true;
    };
    let lo = i.saturating_sub(1);
    let hi = (i + 1).min(sents.len().saturating_sub(1));
    (lo..=hi).any(|j| topic.is_match(sents[j].text(doc)))
}

/// Which set members match each sentence ([`Rulebook::scan`]), one pass
/// per sentence for every set. Headings are not scanned: no set scores them.
pub fn scan(doc: &Document, sents: &[Sentence], rules: &Rulebook) -> Vec<Vec<usize>> {
    sents
        .iter()
        .map(|s| {
            if s.heading_like {
                Vec::new()
            } else {
                rules.scan(s.text(doc))
            }
        })
        .collect()
}

/// Scores one set over the document's sentences (to score several, scan
/// once and use [`score_scanned`]).
pub fn score_set(
    doc: &Document,
    sents: &[Sentence],
    set: &PatternSet,
    rules: &Rulebook,
) -> SetScore {
    score_scanned(doc, sents, &scan(doc, sents, rules), set, rules)
}

/// Scores one set from the sentences' [`scan`].
pub fn score_scanned(
    doc: &Document,
    sents: &[Sentence],
    hits: &[Vec<usize>],
    set: &PatternSet,
    rules: &Rulebook,
) -> SetScore {
    let mut counts = vec![0u8; set.signals.len()];
    let mut out = SetScore {
        threshold: set.threshold,
        ..Default::default()
    };
    let excludes: Vec<&PatternSet> = set
        .exclude_sets
        .iter()
        .filter_map(|id| rules.set(id))
        .collect();
    for (i, (s, members)) in sents.iter().zip(hits).enumerate() {
        if s.heading_like || members.is_empty() {
            continue;
        }
        let (sigs, not) = set.signal_hits(members);
        if sigs.len() == 0 {
            continue;
        }
        if not || excludes.iter().any(|x| x.hits_in(members)) {
            out.excluded.push((s.start, s.end));
            continue;
        }
        let mut credited = false;
        // Asked once per sentence, and only when a topic signal needs it.
        let mut topic = None;
        for k in sigs {
            let sig = &set.signals[k];
            if counts[k] >= 2 {
                continue;
            }
            if sig.topic && !*topic.get_or_insert_with(|| topic_near(doc, sents, i, set)) {
                continue;
            }
            out.total += if counts[k] == 0 {
                sig.weight
            } else {
                sig.weight / 2.0
            };
            counts[k] += 1;
            credited = true;
        }
        if credited {
            out.spans.push((s.start, s.end));
        }
    }
    out
}

/// An [`AreaResult`] from a set score.
pub fn area_result(doc: &Document, score: &SetScore) -> AreaResult {
    AreaResult {
        present: score.present(),
        strength: score.strength(),
        evidence: score
            .spans
            .iter()
            .take(MAX_EVIDENCE)
            .map(|(s, e)| quote(doc, *s, *e))
            .collect(),
    }
}

/// Scores a set over a standalone piece of text (the rule-file examples).
pub fn score_text(text: &str, set: &PatternSet, rules: &Rulebook) -> SetScore {
    let doc = super::document_from_text(text);
    let sents = super::sentences::split(&doc);
    score_set(&doc, &sents, set, rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example sentence in `rules/patterns.toml` behaves as written.
    #[test]
    fn rule_file_examples_hold() {
        let rules = Rulebook::embedded().unwrap();
        let mut failures = Vec::new();
        for set in rules.sets() {
            for ex in &set.examples.matches {
                let s = score_text(ex, set, &rules);
                if !s.present() {
                    failures.push(format!(
                        "{} ({}): should match: {ex:?} (total {})",
                        set.id, set.file, s.total
                    ));
                }
            }
            for ex in &set.examples.no_match {
                let s = score_text(ex, set, &rules);
                if s.present() {
                    failures.push(format!(
                        "{} ({}): should not match: {ex:?} (total {})",
                        set.id, set.file, s.total
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn every_scored_set_has_examples_both_ways() {
        let rules = Rulebook::embedded().unwrap();
        for set in rules.sets() {
            assert!(
                !set.examples.matches.is_empty(),
                "{} has no match example",
                set.id
            );
            assert!(
                !set.examples.no_match.is_empty(),
                "{} has no no_match example",
                set.id
            );
        }
    }
}

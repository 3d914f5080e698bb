//! [`Document`] → [`Assessment`]: the detectors and the scoring. Pure and
//! deterministic; the rules (patterns, messages, forces, weights) come from
//! the rulebook in `rules/*.toml` (see [`crate::rules`]).
//!
//! One module per detector: [`sentences`] (splitting with offsets),
//! [`dates`] (UK day-first dates), [`fy`] (the financial year), [`areas`]
//! (pattern sets: the six s.54(5) areas and other text evidence),
//! [`approval`], [`signature`], [`entity`] and [`group`]. [`assess`] runs them
//! and turns what they found into findings: the statute findings alone
//! decide the verdict; guidance findings give the 0–100 score and proposed
//! ones the readiness, never mixed.

pub mod approval;
pub mod areas;
pub mod dates;
pub mod entity;
mod facts;
mod findings;
pub mod fy;
pub mod group;
pub mod message;
pub mod ocr;
pub mod officers;
pub mod sentences;
pub mod signature;
mod table;

use crate::domain::{
    Area, Assessment, BlockKind, CHECK_SCHEMA, Document, EntityType, Extracted, Finding,
    FindingStatus, Force, RawBlock, SourceInfo, SourceKind, Verdict, VerdictBasis,
};
use crate::rules::Rulebook;
use chrono::NaiveDate;
use findings::Findings;

/// Note added when a document has (almost) no text, scanned or not.
pub const NOTE_UNREADABLE: &str = "no readable text";

/// A member a group statement must cover (`--members FILE.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub company_number: Option<String>,
}

/// What the caller knows about the statement beyond its text.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// `--entity`: which s.54(6) limb applies; inferred from the text when `None`.
    pub entity: Option<EntityType>,
    /// `--fy-end`: the financial year end, when the caller knows it.
    pub fy_end: Option<NaiveDate>,
    /// `--published`: when the statement was published (or first seen).
    pub published: Option<NaiveDate>,
    /// `--members`: organisations a group statement must cover.
    pub members: Vec<Member>,
    /// Rules profile name (`current` by default, or `reform-2026`).
    pub profile: Option<String>,
    /// The date to judge deadlines against (today when `None`).
    pub today: Option<NaiveDate>,
}

/// A document made from plain text (tests, benches, rule examples).
pub fn document_from_text(text: &str) -> Document {
    let blocks = text
        .split("\n\n")
        .map(|b| RawBlock::new(BlockKind::Paragraph, b))
        .collect();
    Document::from_extracted(
        SourceInfo {
            kind: SourceKind::Text,
            name: "text".into(),
            bytes: text.len() as u64,
            sha256: crate::extract::sha256_hex(text.as_bytes()),
        },
        Extracted {
            blocks,
            ..Default::default()
        },
    )
}

/// Whether a role is a director (or equivalent) for a body corporate.
pub(crate) fn is_director(role: &str, rules: &Rulebook) -> bool {
    let (Some(dir), Some(not_dir)) = (
        rules.lexicon("director_roles"),
        rules.lexicon("not_director_roles"),
    ) else {
        return false;
    };
    let bad: Vec<(usize, usize)> = not_dir
        .find_iter(role)
        .map(|m| (m.start(), m.end()))
        .collect();
    dir.find_iter(role)
        .any(|m| !bad.iter().any(|b| b.0 <= m.start() && m.end() <= b.1))
}

/// The words of a sentence (whitespace-separated, with a letter) and their
/// approximate syllables: vowel groups, a final silent `e` dropped.
fn words_and_syllables(sentence: &str) -> (usize, usize) {
    if sentence.is_ascii() {
        ascii_words_and_syllables(sentence.as_bytes())
    } else {
        unicode_words_and_syllables(sentence)
    }
}

/// `text.split_whitespace().count()` without an iterator step per word:
/// ASCII bytes are classified directly, other characters decoded.
fn word_count(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut count, mut in_word, mut i) = (0, false, 0);
    while let Some(&b) = bytes.get(i) {
        let (space, len) = if b.is_ascii() {
            (is_ascii_space(b), 1)
        } else {
            match text.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => (c.is_whitespace(), c.len_utf8()),
                None => (false, 1),
            }
        };
        count += usize::from(!space && !in_word);
        in_word = !space;
        i += len;
    }
    count
}

/// The ASCII characters `char::is_whitespace` accepts: tab to carriage
/// return, and space.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// [`words_and_syllables`] of most sentences: whole words as bytes, without
/// decoding or the Unicode whitespace table (same answer on ASCII).
fn ascii_words_and_syllables(sentence: &[u8]) -> (usize, usize) {
    sentence
        .split(|&b| is_ascii_space(b))
        .filter(|w| w.iter().any(u8::is_ascii_alphabetic))
        .fold((0, 0), |(w, sy), word| {
            let groups = ascii_vowel_groups(word);
            (w + 1, sy + syllables(groups, word.last() == Some(&b'e')))
        })
}

/// [`vowel_groups`] of an ASCII word.
fn ascii_vowel_groups(word: &[u8]) -> usize {
    let mut groups = 0;
    let mut prev = false;
    for &b in word {
        let v = is_ascii_vowel(b);
        groups += usize::from(v && !prev);
        prev = v;
    }
    groups
}

/// `a e i o u y` in either case, by a bit mask rather than six compares.
fn is_ascii_vowel(b: u8) -> bool {
    const VOWELS: u32 = 1
        | 1 << (b'e' - b'a')
        | 1 << (b'i' - b'a')
        | 1 << (b'o' - b'a')
        | 1 << (b'u' - b'a')
        | 1 << (b'y' - b'a');
    // Only ASCII letters land in `a..=z` when the case bit is set.
    let i = (b | 0x20).wrapping_sub(b'a');
    i < 26 && VOWELS >> i & 1 == 1
}

fn unicode_words_and_syllables(sentence: &str) -> (usize, usize) {
    sentence
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphabetic()))
        .fold((0, 0), |(w, sy), word| {
            let groups = vowel_groups(word.chars());
            (w + 1, sy + syllables(groups, word.ends_with('e')))
        })
}

/// Runs of vowels (`y` counts) in a word.
fn vowel_groups(word: impl Iterator<Item = char>) -> usize {
    let mut groups = 0;
    let mut prev = false;
    for c in word.map(|c| c.to_ascii_lowercase()) {
        let v = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
        if v && !prev {
            groups += 1;
        }
        prev = v;
    }
    groups
}

/// A word's syllables from its vowel groups: a final `e` is silent unless
/// it is the only vowel group, and every word has one.
fn syllables(groups: usize, ends_with_e: bool) -> usize {
    let groups = if ends_with_e && groups > 1 {
        groups - 1
    } else {
        groups
    };
    groups.max(1)
}

/// Flesch reading ease (approximate syllables), and words per sentence.
fn readability(doc: &Document, sents: &[sentences::Sentence]) -> Option<(f32, f32)> {
    let mut words = 0usize;
    let mut syll = 0usize;
    let mut n = 0usize;
    for s in sents.iter().filter(|s| !s.heading_like) {
        // One pass per sentence: its words and their syllables count only
        // if it has three words or more.
        let (w, sy) = words_and_syllables(s.text(doc));
        if w < 3 {
            continue;
        }
        n += 1;
        words += w;
        syll += sy;
    }
    if n == 0 || words == 0 {
        return None;
    }
    let wps = words as f32 / n as f32;
    let spw = syll as f32 / words as f32;
    Some((206.835 - 1.015 * wps - 84.6 * spw, wps))
}

/// Scores one document against the rulebook: the detectors' facts, then
/// every rule of [`table::TABLE`] in turn.
pub fn assess(doc: &Document, opts: &CheckOptions, rules: &Rulebook) -> Assessment {
    let profile_name = opts
        .profile
        .clone()
        .unwrap_or_else(|| "current".to_string());
    let x = facts::Facts::of(doc, opts, rules);
    let mut f = Findings {
        rules,
        entity: x.entity,
        is_group: x.group.is_group,
        unreadable: x.scanned,
        out: Vec::new(),
    };
    for entry in table::TABLE {
        if let Some(o) = table::evaluate(entry, &x) {
            f.push(entry.rule, o.status, o.vars, o.evidence);
        }
    }
    let mut findings = f.out;
    let (score, readiness) = scores(&x, &findings);
    let promoted: &[String] = match rules.profile(&profile_name) {
        Ok(profile) => &profile.promote,
        Err(_) => &[],
    };
    let (verdict, verdict_basis) = readiness_or_law(promoted, doc, &mut findings);
    let mut notes = doc.notes.clone();
    // Idempotent: re-scoring a stored version must give the same notes.
    if !doc.is_scanned() && !x.readable && !notes.iter().any(|n| n == NOTE_UNREADABLE) {
        notes.push(NOTE_UNREADABLE.to_string());
    }
    Assessment {
        schema: CHECK_SCHEMA.to_string(),
        source: doc.source.clone(),
        text_chars: doc.char_len(),
        entity_type: x.entity,
        no_steps_declared: x.sets.no_steps.present(),
        financial_year: x.financial_year,
        approval: x.approval,
        signature: x.signature,
        areas: x.areas,
        group: x.group,
        findings,
        score,
        verdict,
        verdict_basis,
        readiness,
        profile: profile_name,
        notes,
        ocr: doc.ocr.clone(),
    }
}

/// The guidance score and the readiness (0–100), from the findings'
/// weights, before any profile changes forces.
fn scores(x: &facts::Facts, findings: &[Finding]) -> (u8, u8) {
    let credit = |fi: &Finding| -> Option<f32> {
        match fi.status {
            FindingStatus::Pass => Some(1.0),
            FindingStatus::Warn | FindingStatus::Fail => {
                let area = Area::ALL.into_iter().find(|a| a.rule_id() == fi.rule);
                Some(
                    area.map(|a| x.areas.get(a).strength.min(0.49))
                        .unwrap_or(0.0),
                )
            }
            FindingStatus::Review => Some(0.5),
            _ => None,
        }
    };
    let weighted = |force: Force| -> u8 {
        let (mut num, mut den) = (0.0f32, 0.0f32);
        for fi in findings.iter().filter(|f| f.force == force) {
            let w = x.rules.rule(&fi.rule).map(|r| r.weight).unwrap_or(0.0);
            if let Some(c) = credit(fi).filter(|_| w > 0.0) {
                num += w * c;
                den += w;
            }
        }
        if den <= 0.0 {
            0
        } else {
            (100.0 * num / den).round().clamp(0.0, 100.0) as u8
        }
    };
    if x.scanned {
        return (0, 0);
    }
    let mut score = weighted(Force::Guidance);
    if x.sets.no_steps.present() && x.content_areas() == 0 {
        score = 0;
    }
    (score, weighted(Force::Proposed))
}

/// The verdict, and what decided it. Under a profile that promotes
/// proposals, it is readiness for them as if they were in force: a promoted
/// proposal keeps its force (`proposed`: it is not law) and its shortfall
/// becomes a failure that decides the readiness verdict.
fn readiness_or_law(
    promoted: &[String],
    doc: &Document,
    findings: &mut [Finding],
) -> (Verdict, VerdictBasis) {
    for fi in findings.iter_mut() {
        if promoted.contains(&fi.rule) && fi.status == FindingStatus::Warn {
            fi.status = FindingStatus::Fail;
        }
    }
    // A failure read off doubtful OCR is an accusation on a guess.
    ocr::review_doubtful(doc, findings);
    let verdict = Verdict::decided_by(findings.iter(), |f| {
        f.force == Force::Statute || promoted.contains(&f.rule)
    });
    let basis = if promoted.is_empty() {
        VerdictBasis::Law
    } else {
        VerdictBasis::Readiness
    };
    (verdict, basis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use findings::Vars;
    use message::single_spaced;

    #[test]
    fn no_message_shows_an_empty_value() {
        // Every rule's every message, rendered with none of its values.
        let rules = Rulebook::embedded().expect("rules compile");
        for status in [
            FindingStatus::Pass,
            FindingStatus::Fail,
            FindingStatus::Warn,
            FindingStatus::Review,
            FindingStatus::Info,
            FindingStatus::CannotVerify,
        ] {
            let mut f = Findings {
                rules: &rules,
                entity: EntityType::Company,
                is_group: true,
                unreadable: false,
                out: Vec::new(),
            };
            for r in rules.rules() {
                f.push(&r.id, status, Vars::default(), vec![]);
                f.push(&r.id, status, Vars::default().set("found", " "), vec![]);
            }
            assert_eq!(f.out.len(), 2 * rules.rules().len());
            for x in &f.out {
                let m = &x.message;
                for hole in ["()", "{", " .", " ,", "  ", "by .", "is months"] {
                    assert!(!m.contains(hole), "{} {:?}: {m:?}", x.rule, status);
                }
                assert!(m.matches("cannot be evaluated").count() <= 1, "{m}");
            }
        }
    }

    #[test]
    fn single_spaced_joins_words_with_one_space() {
        for s in [
            "",
            "   ",
            "a",
            " a  b\n\tc ",
            "x\u{a0}y — z\u{3000}",
            "end ",
        ] {
            let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(single_spaced(s), joined, "{s:?}");
        }
    }

    #[test]
    fn ascii_vowels_are_the_lowercased_vowels() {
        for b in 0u8..=127 {
            let expected = matches!(
                char::from(b).to_ascii_lowercase(),
                'a' | 'e' | 'i' | 'o' | 'u' | 'y'
            );
            assert_eq!(is_ascii_vowel(b), expected, "byte {b}");
            assert_eq!(is_ascii_space(b), char::from(b).is_whitespace(), "byte {b}");
        }
    }

    #[test]
    fn word_count_is_split_whitespace_count() {
        for s in [
            "",
            "  one ",
            "two words",
            "a\u{a0}b\u{2003}c\u{3000}d\u{85}e — £5 café\x0Bx\x0Cy\r\n\tz",
        ] {
            assert_eq!(word_count(s), s.split_whitespace().count(), "{s:?}");
        }
    }

    #[test]
    fn ascii_word_counts_match_the_unicode_path() {
        for s in [
            "",
            "We make the statement.",
            "  Staff\ttrained\x0Bon\x0Cthe\rcode \n of conduct  ",
            "Policy: 2024 -- 12 % (see p. 4); type-e made e",
            "A b c, queue rhythm eye EYE Free FREE",
        ] {
            assert_eq!(
                ascii_words_and_syllables(s.as_bytes()),
                unicode_words_and_syllables(s),
                "{s:?}"
            );
        }
    }
}

//! The rulebook: `rules/*.toml` parsed and compiled (regexes built once).
//!
//! The files are plain data a lawyer can read and change: one `[[rule]]` per
//! rule of rules.md §6 (id, title, force, who it applies to, source, the
//! messages and the fix), `[[set]]` pattern sets for the s.54(5) areas and
//! other text evidence (signals with weights, look-alikes that must not
//! count, and example sentences that a test runs), a `[lexicon]` of word
//! lists (approver bodies, signatory roles, entity suffixes), and
//! `[profile.NAME]` tables. The files are embedded in the binary, so `s54`
//! runs anywhere; a directory given by `--rules DIR` or `S54_RULES_DIR`
//! replaces them. Every error names the file and the line.

mod load;
pub mod matcher;
mod scan;

use crate::domain::{Area, Force};
pub use matcher::Pattern;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}, line {line}: {message}")]
    At {
        file: String,
        line: usize,
        message: String,
    },
    #[error("cannot read rules directory '{dir}': {source}")]
    Io { dir: String, source: std::io::Error },
    #[error("unknown rules profile '{name}' (known: {known})")]
    UnknownProfile { name: String, known: String },
}

/// The embedded rule files, in load order.
const EMBEDDED: &[(&str, &str)] = &[
    ("statute.toml", include_str!("../../rules/statute.toml")),
    ("guidance.toml", include_str!("../../rules/guidance.toml")),
    ("proposed.toml", include_str!("../../rules/proposed.toml")),
    ("patterns.toml", include_str!("../../rules/patterns.toml")),
    ("lexicon.toml", include_str!("../../rules/lexicon.toml")),
    ("profiles.toml", include_str!("../../rules/profiles.toml")),
];

/// Rule ids the checker emits: each must be defined by the rulebook.
pub const REQUIRED_RULES: &[&str] = &[
    "MSA-54-1-fy-identified",
    "MSA-54-4-steps-or-none",
    "MSA-54-4-scope-both",
    "MSA-54-4-no-steps-declared",
    "MSA-54-6a-board-approval",
    "MSA-54-6a-director-signature",
    "MSA-54-6b-llp-approval",
    "MSA-54-6b-llp-signature",
    "MSA-54-6c-lp-signature",
    "MSA-54-6d-partnership-signature",
    "MSA-54-11-enforcement-info",
    "MSA-54-5a-structure",
    "MSA-54-5b-policies",
    "MSA-54-5c-due-diligence",
    "MSA-54-5d-risk",
    "MSA-54-5e-effectiveness",
    "MSA-54-5f-training",
    "GUID-six-areas-coverage",
    "GUID-2025-remediation",
    "GUID-no-slavery-free-claim",
    "GUID-approval-date",
    "GOVUK-approval-stated",
    "GOVUK-signoff-name-title-date",
    "REG-approval-after-period",
    "GUID-fye-date",
    "REG-period-12-18-months",
    "GUID-deadline-6-months",
    "GUID-progress",
    "GUID-plain-language",
    "GUID-english",
    "GUID-group-coverage",
    "GUID-group-name-entities",
    "GUID-group-approval",
    "GOV2020-mandatory-areas",
    "GOV2020-entities-named",
    "GOV2020-approval-dates",
    "GOV2020-single-deadline",
    "GOV2020-public-signoff",
    "GOV2020-public-approval",
    "GOV2020-public-group",
    "GOV2020-civil-penalties-info",
];

/// Pattern sets the checker uses.
pub const REQUIRED_SETS: &[&str] = &[
    "PAT-STRUCTURE",
    "PAT-POLICY",
    "PAT-DD",
    "PAT-RISK",
    "PAT-KPI",
    "PAT-TRAINING",
    "PAT-STEPS",
    "PAT-NO-STEPS",
    "PAT-FUTURE",
    "PAT-POLICY-DOC",
    "PAT-SLAVERY-FREE",
    "PAT-REMEDIATION",
    "PAT-PROGRESS",
    "PAT-SUPPLY-CHAIN",
    "PAT-OWN-BUSINESS",
];

/// Lexicon entries the checker uses.
pub const REQUIRED_LEXICON: &[&str] = &[
    "approval_verbs",
    "weak_approval_verbs",
    "delegation",
    "board_bodies",
    "committee_bodies",
    "executive_bodies",
    "statement_self",
    "self_reference",
    "other_document",
    "signing_words",
    "signature_labels",
    "on_behalf",
    "roles",
    "director_roles",
    "not_director_roles",
    "ceo_roles",
    "llp_designated",
    "lp_general_partner",
    "partner_roles",
    "public_signoff_roles",
    "public_approval_bodies",
    "not_name_words",
    "entity_llp",
    "entity_lp",
    "entity_partnership",
    "entity_public",
    "entity_company",
    "english_words",
];

/// Who a rule applies to (rules.md §6 "Applies to").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesTo {
    All,
    Company,
    Llp,
    LimitedPartnership,
    Partnership,
    PublicBody,
    Group,
}

/// Example sentences that must (or must not) match.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(default, rename = "match")]
    pub matches: Vec<String>,
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub force: Force,
    pub applies_to: Vec<AppliesTo>,
    pub source: String,
    /// Weight in the guidance score (guidance rules) or readiness (proposed).
    pub weight: f32,
    pub pass: String,
    pub message: String,
    pub review: Option<String>,
    pub fix: Option<String>,
    pub file: String,
    pub line: usize,
}

/// One weighted signal of a pattern set.
#[derive(Debug, Clone)]
pub struct Signal {
    pub name: String,
    /// The pattern as written (it is matched through the set's one pass).
    pub pattern: String,
    pub weight: f32,
    /// Counts only when the sentence (or a neighbour) is about slavery.
    pub topic: bool,
}

/// A compiled pattern set (e.g. `PAT-TRAINING`).
#[derive(Debug, Clone)]
pub struct PatternSet {
    pub id: String,
    pub description: String,
    pub area: Option<Area>,
    /// Total weight needed for the evidence to count as present.
    pub threshold: f32,
    pub topic: Option<Pattern>,
    pub signals: Vec<Signal>,
    /// Look-alikes: a sentence matching any of these gives this set nothing.
    /// (name, pattern as written).
    pub nots: Vec<(String, String)>,
    /// Other sets whose look-alikes also apply (e.g. `PAT-FUTURE`).
    pub exclude_sets: Vec<String>,
    /// Where this set's members are in the rulebook's scan of all sets
    /// ([`Rulebook::scan`]): signals first, then look-alikes.
    part: scan::Part,
    pub examples: Examples,
    pub file: String,
}

impl PatternSet {
    /// This set's part of a [`Rulebook::scan`] result (`members` ascending):
    /// (signal indexes, any look-alike matched).
    pub fn split(&self, members: &[usize]) -> (Vec<usize>, bool) {
        let (sig, not) = self.signal_hits(members);
        (sig.collect(), not)
    }

    /// [`PatternSet::split`] without collecting the signal indexes.
    pub fn signal_hits<'m>(
        &self,
        members: &'m [usize],
    ) -> (impl ExactSizeIterator<Item = usize> + use<'m>, bool) {
        let (first, n, end) = (self.part.first, self.part.signals, self.part.end());
        let lo = members.partition_point(|m| *m < first);
        let mid = lo + members[lo..].partition_point(|m| *m < first + n);
        let not = members.get(mid).is_some_and(|m| *m < end);
        (members[lo..mid].iter().map(move |m| m - first), not)
    }

    /// True when any signal matches and no look-alike does.
    pub fn hits_in(&self, members: &[usize]) -> bool {
        let (s, not) = self.signal_hits(members);
        s.len() > 0 && !not
    }
}

/// A rules profile (`current`, `reform-2026`).
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// Proposed rules treated as law under this profile.
    pub promote: Vec<String>,
}

/// The compiled rulebook.
#[derive(Debug, Clone)]
pub struct Rulebook {
    rules: Vec<Rule>,
    index: HashMap<String, usize>,
    sets: HashMap<String, PatternSet>,
    lexicon: HashMap<String, Pattern>,
    profiles: BTreeMap<String, Profile>,
    /// Every member of every set in one multi-pattern regex: one call
    /// scans a sentence for all sets.
    scan: scan::Scan,
}

impl Rulebook {
    /// The rules compiled into the binary.
    pub fn embedded() -> Result<Rulebook, RulesError> {
        Rulebook::from_sources(embedded_sources())
    }

    /// Every `*.toml` file of `dir` (in name order) replaces the built-in rules.
    pub fn from_dir(dir: &Path) -> Result<Rulebook, RulesError> {
        let io = |source| RulesError::Io {
            dir: dir.display().to_string(),
            source,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut sources = Vec::with_capacity(files.len());
        for p in files {
            let text = std::fs::read_to_string(&p).map_err(|e| RulesError::Invalid {
                file: p.display().to_string(),
                message: format!("cannot read: {e}"),
            })?;
            sources.push((p.display().to_string(), text));
        }
        Rulebook::from_sources(sources)
    }

    /// Compiles rule files given as `(file name, text)` pairs.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Rulebook, RulesError> {
        load::build(sources.into_iter().collect())
    }

    /// A rule by id (every id of [`REQUIRED_RULES`] is guaranteed).
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.index.get(id).map(|i| &self.rules[*i])
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// A pattern set by id.
    pub fn set(&self, id: &str) -> Option<&PatternSet> {
        self.sets.get(id)
    }

    pub fn sets(&self) -> impl Iterator<Item = &PatternSet> {
        self.sets.values()
    }

    /// Ids of the set members (signals and look-alikes of every set) that
    /// match somewhere in `sentence`, ascending: one call for all sets.
    /// Each set reads its part with [`PatternSet::split`].
    pub fn scan(&self, sentence: &str) -> Vec<usize> {
        self.scan.matches(sentence)
    }

    /// A lexicon entry (word list compiled to one regex).
    pub fn lexicon(&self, key: &str) -> Option<&Pattern> {
        self.lexicon.get(key)
    }

    /// The named profile, or an error listing the known ones.
    pub fn profile(&self, name: &str) -> Result<&Profile, RulesError> {
        self.profiles
            .get(name)
            .ok_or_else(|| RulesError::UnknownProfile {
                name: name.to_string(),
                known: self.profiles.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    pub fn profiles(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }
}

fn embedded_sources() -> Vec<(String, String)> {
    EMBEDDED
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rulebook_compiles() {
        let book = Rulebook::embedded().unwrap();
        assert!(book.rule("MSA-54-6a-board-approval").is_some());
        assert_eq!(
            book.rule("MSA-54-6a-board-approval").unwrap().force,
            Force::Statute
        );
        assert!(book.profile("current").is_ok());
        assert!(book.profile("reform-2026").is_ok());
        assert!(matches!(
            book.profile("nonsense"),
            Err(RulesError::UnknownProfile { .. })
        ));
    }

    fn with_replaced(file: &str, text: &str) -> Result<Rulebook, RulesError> {
        Rulebook::from_sources(EMBEDDED.iter().map(|(n, s)| {
            if *n == file {
                (n.to_string(), text.to_string())
            } else {
                (n.to_string(), s.to_string())
            }
        }))
    }

    #[test]
    fn toml_syntax_error_names_file_and_line() {
        let bad = format!(
            "{}\n[[rule]]\nid = \"X\"\ntitle = oops\n",
            include_str!("../../rules/statute.toml")
        );
        let lines = bad.lines().count();
        let err = with_replaced("statute.toml", &bad).unwrap_err().to_string();
        assert!(err.starts_with("statute.toml, line "), "{err}");
        assert!(err.contains(&format!("line {lines}")), "{err}");
    }

    #[test]
    fn bad_lexicon_word_names_file_and_line() {
        // Word lists build on several threads; the error still names the
        // bad word's own line.
        let src = include_str!("../../rules/lexicon.toml");
        let bad = format!("{src}\nbroken_words = [\n  'fine',\n  '(unclosed',\n]\n");
        let line = bad.lines().count() - 1;
        let err = with_replaced("lexicon.toml", &bad).unwrap_err().to_string();
        assert!(err.contains(&format!("lexicon.toml, line {line}")), "{err}");
        assert!(err.contains("broken_words"), "{err}");
    }

    #[test]
    fn bad_regex_names_file_and_line() {
        let src = include_str!("../../rules/patterns.toml");
        let bad = format!(
            "{src}\n[[set]]\nid = \"PAT-BROKEN\"\n[[set.signal]]\npattern = '''(unclosed'''\n"
        );
        let line = bad.lines().count();
        let err = with_replaced("patterns.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("patterns.toml, line {line}")),
            "{err}"
        );
        assert!(err.contains("invalid pattern"), "{err}");
    }

    #[test]
    fn unknown_force_names_rule_and_line() {
        let src = include_str!("../../rules/guidance.toml");
        let bad = format!(
            "{src}\n[[rule]]\nid = \"GUID-extra\"\ntitle = \"t\"\nforce = \"binding\"\napplies_to = [\"all\"]\nsource = \"s\"\nmessage = \"m\"\n"
        );
        let line = bad.lines().count() - 3;
        let err = with_replaced("guidance.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("guidance.toml, line {line}")),
            "{err}"
        );
        assert!(
            err.contains("GUID-extra") && err.contains("binding"),
            "{err}"
        );
    }

    /// What one set's own members say of `text`, compiled alone.
    fn alone(set: &PatternSet, text: &str) -> Option<(Vec<usize>, bool)> {
        // A proximity signal is written as its terms, not a pattern: such
        // a set is not compiled alone here.
        let members = set
            .signals
            .iter()
            .map(|s| s.pattern.as_str())
            .chain(set.nots.iter().map(|(_, p)| p.as_str()))
            .map(|p| scan::parse(p).ok().map(scan::Member::Pattern))
            .collect::<Option<Vec<_>>>()?;
        let m = scan::Scan::build(members).unwrap().matches(text);
        let n = set.signals.len();
        Some((
            m.iter().copied().filter(|i| *i < n).collect(),
            m.iter().any(|i| *i >= n),
        ))
    }

    #[test]
    fn one_scan_reports_what_each_set_alone_does() {
        let book = Rulebook::embedded().unwrap();
        let mut texts: Vec<String> = vec![
            "We have not taken any steps to date; we will introduce training next year.".into(),
            "Our supply chain is audited; all buyers were trained on modern slavery and human trafficking risks.".into(),
            "The Board approved this statement on 1 June 2025 and it is signed by a director.".into(),
            "Nothing here at all.".into(),
            "Risk — the “cotton” we buy (£5m) is low risk because of our KPIs and remediation plans.".into(),
            String::new(),
        ];
        for set in book.sets() {
            texts.extend(set.examples.matches.iter().cloned());
            texts.extend(set.examples.no_match.iter().cloned());
        }
        // Every sentence joined too, so that many sets match one text.
        texts.push(texts.join(" "));
        let mut matched = 0;
        for text in &texts {
            let members = book.scan(text);
            for set in book.sets() {
                let got = set.split(&members);
                if let Some(own) = alone(set, text) {
                    assert_eq!(got, own, "{} on {text:?}", set.id);
                }
                assert_eq!(set.hits_in(&members), !got.0.is_empty() && !got.1);
                matched += got.0.len();
            }
        }
        assert!(matched > 100, "the sentences match too little: {matched}");
    }

    #[test]
    fn a_rule_file_edit_is_read_at_the_next_load() {
        // No compiled copy of the rules exists to go stale: the rulebook
        // is the TOML, compiled when loaded.
        let src = include_str!("../../rules/patterns.toml");
        // A signal added to the first set, PAT-FUTURE, before its look-alike.
        let signal =
            "[[set.signal]]\nname = \"test\"\npattern = '''\\bzebra\\s+crossing\\b'''\n[[set.not]]";
        let edited = src.replacen("\n[[set.not]]", &format!("\n{signal}"), 1);
        let book = with_replaced("patterns.toml", &edited).unwrap();
        let hits = |b: &Rulebook| {
            b.set("PAT-FUTURE")
                .unwrap()
                .hits_in(&b.scan("Mind the zebra crossing."))
        };
        assert!(hits(&book));
        assert!(!hits(&Rulebook::embedded().unwrap()));
    }

    #[test]
    fn a_near_signal_reads_from_toml_and_a_bad_one_names_the_line() {
        let src = include_str!("../../rules/patterns.toml");
        let set = |near: &str| {
            format!(
                "{src}\n[[set]]\nid = \"PAT-NEAR\"\n[[set.signal]]\nname = \"n\"\nnear = {near}\nwithin = 5\n"
            )
        };
        let book = with_replaced("patterns.toml", &set(r"['\bapproved\b', '\bboard\b']")).unwrap();
        let near = book.set("PAT-NEAR").unwrap();
        assert!(near.hits_in(&book.scan("The board has approved it.")));
        let far = "approved after a long and careful review by the board";
        assert!(!near.hits_in(&book.scan(far)));
        assert!(near.signals[0].pattern.contains("within 5 words"));
        let bad = set(r"['\bapproved\b']");
        let line = bad.lines().count() - 1;
        let err = with_replaced("patterns.toml", &bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("two or more terms"), "{err}");
        assert!(
            err.contains(&format!("patterns.toml, line {line}")),
            "{err}"
        );
    }

    #[test]
    fn missing_rule_is_an_error() {
        let err = with_replaced("guidance.toml", "").unwrap_err().to_string();
        assert!(err.contains("missing rule 'MSA-54-5a-structure'"), "{err}");
        // A profile naming a rule that does not exist names the file and line.
        let err = with_replaced("proposed.toml", "").unwrap_err().to_string();
        assert!(
            err.contains("profiles.toml, line ") && err.contains("GOV2020-"),
            "{err}"
        );
    }
}

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

pub mod pattern;
pub mod sentence_set;

use crate::domain::{Area, Force};
pub use pattern::RulePattern;
use sentence_set::SentenceSet;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use toml::Spanned;

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
    pub topic: Option<RulePattern>,
    pub signals: Vec<Signal>,
    /// Look-alikes: a sentence matching any of these gives this set nothing.
    /// (name, pattern as written).
    pub nots: Vec<(String, String)>,
    /// Other sets whose look-alikes also apply (e.g. `PAT-FUTURE`).
    pub exclude_sets: Vec<String>,
    /// One pass over a sentence: signals first, then look-alikes.
    pub(crate) regex_set: SentenceSet,
    pub examples: Examples,
    pub file: String,
}

impl PatternSet {
    /// Which signals and look-alikes match `sentence`: (signal indexes,
    /// any look-alike matched).
    pub fn matches(&self, sentence: &str) -> (Vec<usize>, bool) {
        // Most sentences match nothing: the early-exit test is much cheaper
        // than the overlapping search that says which patterns matched.
        let bytes = sentence.as_bytes();
        if !self.regex_set.is_match(bytes) {
            return (Vec::new(), false);
        }
        let m = self.regex_set.matches(bytes);
        let n = self.signals.len();
        let not = m.iter().any(|i| *i >= n);
        let mut sig = m;
        sig.retain(|i| *i < n);
        (sig, not)
    }

    /// True when any signal matches and no look-alike does.
    pub fn hits(&self, sentence: &str) -> bool {
        let (s, not) = self.matches(sentence);
        !s.is_empty() && !not
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
    lexicon: HashMap<String, RulePattern>,
    profiles: BTreeMap<String, Profile>,
}

// ----- raw file shapes -----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    set: Vec<RawSet>,
    #[serde(default)]
    lexicon: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    profile: BTreeMap<String, RawProfile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: String,
    force: Spanned<String>,
    applies_to: Spanned<Vec<String>>,
    source: String,
    #[serde(default)]
    weight: f32,
    #[serde(default)]
    pass: Option<String>,
    message: String,
    #[serde(default)]
    review: Option<String>,
    #[serde(default)]
    fix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    area: Option<Spanned<String>>,
    #[serde(default = "one")]
    threshold: f32,
    #[serde(default)]
    topic: Option<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    signal: Vec<RawSignal>,
    #[serde(default, rename = "not")]
    nots: Vec<RawNot>,
    #[serde(default)]
    examples: Examples,
}

fn one() -> f32 {
    1.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignal {
    #[serde(default)]
    name: String,
    pattern: Spanned<String>,
    #[serde(default = "one")]
    weight: f32,
    #[serde(default)]
    topic: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNot {
    #[serde(default)]
    name: String,
    pattern: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    #[serde(default)]
    description: String,
    #[serde(default)]
    promote: Vec<Spanned<String>>,
}

fn line_of(src: &str, byte: usize) -> usize {
    src[..byte.min(src.len())].matches('\n').count() + 1
}

struct Ctx<'a> {
    file: &'a str,
    src: &'a str,
}

impl Ctx<'_> {
    fn err<T>(&self, at: usize, message: impl Into<String>) -> Result<T, RulesError> {
        Err(RulesError::At {
            file: self.file.to_string(),
            line: line_of(self.src, at),
            message: message.into(),
        })
    }

    /// Checks a pattern's syntax without building it (the set or the joined
    /// lexicon entry it belongs to is built once): an error names its line.
    fn check(&self, pat: &Spanned<String>, what: &str) -> Result<(), RulesError> {
        pattern::check(pat.get_ref()).or_else(|e| {
            self.err(
                pat.span().start,
                format!("{what}: invalid pattern {:?}: {e}", pat.get_ref()),
            )
        })
    }

    fn regex(&self, pat: &Spanned<String>, what: &str) -> Result<RulePattern, RulesError> {
        compile(pat.get_ref()).or_else(|e| {
            self.err(
                pat.span().start,
                format!("{what}: invalid pattern {:?}: {e}", pat.get_ref()),
            )
        })
    }
}

/// Patterns are case-insensitive unless they say `(?-i)`.
fn compile(pat: &str) -> Result<RulePattern, regex_automata::meta::BuildError> {
    pattern::compile(pat)
}

fn parse_force(s: &str) -> Option<Force> {
    match s {
        "statute" => Some(Force::Statute),
        "guidance" | "govuk" | "registry" => Some(Force::Guidance),
        "proposed" => Some(Force::Proposed),
        _ => None,
    }
}

fn parse_area(s: &str) -> Option<Area> {
    Area::ALL.into_iter().find(|a| a.key() == s)
}

fn parse_applies(s: &str) -> Option<AppliesTo> {
    Some(match s {
        "all" => AppliesTo::All,
        "company" => AppliesTo::Company,
        "llp" => AppliesTo::Llp,
        "limited_partnership" => AppliesTo::LimitedPartnership,
        "partnership" => AppliesTo::Partnership,
        "public_body" => AppliesTo::PublicBody,
        "group" => AppliesTo::Group,
        _ => return None,
    })
}

impl Rulebook {
    /// The rules compiled into the binary.
    pub fn embedded() -> Result<Rulebook, RulesError> {
        Rulebook::from_sources(EMBEDDED.iter().map(|(n, s)| (n.to_string(), s.to_string())))
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
        let mut book = Rulebook {
            rules: Vec::new(),
            index: HashMap::new(),
            sets: HashMap::new(),
            lexicon: HashMap::new(),
            profiles: BTreeMap::new(),
        };
        let mut pending_excludes: Vec<(String, String, usize, String)> = Vec::new();
        let mut pending_promotes: Vec<(String, usize, String)> = Vec::new();
        for (file, src) in sources {
            let ctx = Ctx {
                file: &file,
                src: &src,
            };
            let raw: RawFile = toml::from_str(&src).map_err(|e| {
                let line = e.span().map(|s| line_of(&src, s.start)).unwrap_or(1);
                RulesError::At {
                    file: file.clone(),
                    line,
                    message: e.message().to_string(),
                }
            })?;
            for r in raw.rule {
                book.add_rule(&ctx, r)?;
            }
            let mut raw_sets: Vec<RawSet> = Vec::with_capacity(raw.set.len());
            for s in raw.set {
                let id = s.id.get_ref().clone();
                if book.sets.contains_key(&id) || raw_sets.iter().any(|r| *r.id.get_ref() == id) {
                    return ctx.err(
                        s.id.span().start,
                        format!("pattern set '{id}' defined twice"),
                    );
                }
                for ex in &s.exclude {
                    pending_excludes.push((
                        file.clone(),
                        id.clone(),
                        line_of(&src, ex.span().start),
                        ex.get_ref().clone(),
                    ));
                }
                raw_sets.push(s);
            }
            for set in compile_sets(&ctx, raw_sets)? {
                book.sets.insert(set.id.clone(), set);
            }
            for (key, list) in raw.lexicon {
                if book.lexicon.contains_key(&key) {
                    return ctx.err(
                        list.span().start,
                        format!("lexicon entry '{key}' defined twice"),
                    );
                }
                let alts: Vec<String> = list
                    .get_ref()
                    .iter()
                    .map(|p| format!("(?:{})", p.get_ref()))
                    .collect();
                let joined = format!(r"\b(?:{})\b", alts.join("|"));
                let re = match compile(&joined) {
                    Ok(re) => re,
                    Err(e) => {
                        // Name the bad word's line when parsing alone finds it.
                        for p in list.get_ref() {
                            ctx.check(p, &format!("lexicon '{key}'"))?;
                        }
                        return ctx.err(list.span().start, format!("lexicon '{key}': {e}"));
                    }
                };
                book.lexicon.insert(key, re);
            }
            for (name, p) in raw.profile {
                for r in &p.promote {
                    pending_promotes.push((
                        file.clone(),
                        line_of(&src, r.span().start),
                        r.get_ref().clone(),
                    ));
                }
                book.profiles.insert(
                    name.clone(),
                    Profile {
                        name,
                        description: p.description,
                        promote: p.promote.into_iter().map(|s| s.into_inner()).collect(),
                    },
                );
            }
        }
        for (file, set, line, ex) in pending_excludes {
            if !book.sets.contains_key(&ex) {
                return Err(RulesError::At {
                    file,
                    line,
                    message: format!("pattern set '{set}' excludes unknown set '{ex}'"),
                });
            }
        }
        for (file, line, id) in pending_promotes {
            if !book.index.contains_key(&id) {
                return Err(RulesError::At {
                    file,
                    line,
                    message: format!("profile promotes unknown rule '{id}'"),
                });
            }
        }
        let missing = |kind: &str, what: &str| RulesError::Invalid {
            file: "rules".to_string(),
            message: format!("missing {kind} '{what}' (the checker needs it)"),
        };
        for id in REQUIRED_RULES {
            if !book.index.contains_key(*id) {
                return Err(missing("rule", id));
            }
        }
        for id in REQUIRED_SETS {
            if !book.sets.contains_key(*id) {
                return Err(missing("pattern set", id));
            }
        }
        for id in REQUIRED_LEXICON {
            if !book.lexicon.contains_key(*id) {
                return Err(missing("lexicon entry", id));
            }
        }
        if !book.profiles.contains_key("current") {
            return Err(missing("profile", "current"));
        }
        Ok(book)
    }

    fn add_rule(&mut self, ctx: &Ctx<'_>, r: RawRule) -> Result<(), RulesError> {
        let id = r.id.get_ref().clone();
        if id.trim().is_empty() {
            return ctx.err(r.id.span().start, "rule id is empty");
        }
        if self.index.contains_key(&id) {
            return ctx.err(r.id.span().start, format!("rule '{id}' defined twice"));
        }
        let Some(force) = parse_force(r.force.get_ref()) else {
            return ctx.err(
                r.force.span().start,
                format!(
                    "rule '{id}': unknown force '{}' (expected statute, guidance or proposed)",
                    r.force.get_ref()
                ),
            );
        };
        let mut applies = Vec::new();
        for a in r.applies_to.get_ref() {
            match parse_applies(a) {
                Some(x) => applies.push(x),
                None => {
                    return ctx.err(
                        r.applies_to.span().start,
                        format!(
                            "rule '{id}': unknown applies_to '{a}' (expected all, company, llp, limited_partnership, partnership, public_body or group)"
                        ),
                    );
                }
            }
        }
        let line = line_of(ctx.src, r.id.span().start);
        let rule = Rule {
            pass: r.pass.unwrap_or_else(|| format!("{}: met.", r.title)),
            id: id.clone(),
            title: r.title,
            force,
            applies_to: applies,
            source: r.source,
            weight: r.weight.max(0.0),
            message: r.message,
            review: r.review,
            fix: r.fix,
            file: ctx.file.to_string(),
            line,
        };
        self.index.insert(id, self.rules.len());
        self.rules.push(rule);
        Ok(())
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

    /// A lexicon entry (word list compiled to one regex).
    pub fn lexicon(&self, key: &str) -> Option<&RulePattern> {
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

/// Compiles a file's pattern sets, several at once when the machine has the
/// cores: building the sets is most of a one-shot `s54 check`'s start-up.
/// Results (and the first error) come back in file order.
fn compile_sets(ctx: &Ctx<'_>, raw: Vec<RawSet>) -> Result<Vec<PatternSet>, RulesError> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(raw.len());
    if threads <= 1 {
        return raw.into_iter().map(|s| compile_set(ctx, s)).collect();
    }
    let n = raw.len();
    let work: Vec<Mutex<Option<RawSet>>> = raw.into_iter().map(|s| Mutex::new(Some(s))).collect();
    let done: Vec<Mutex<Option<Result<PatternSet, RulesError>>>> =
        (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = work.get(i) else { break };
                    let taken = slot.lock().map(|mut g| g.take()).unwrap_or(None);
                    if let Some(s) = taken {
                        let built = compile_set(ctx, s);
                        if let Ok(mut g) = done[i].lock() {
                            *g = Some(built);
                        }
                    }
                }
            });
        }
    });
    done.into_iter()
        .map(|m| match m.into_inner() {
            Ok(Some(built)) => built,
            // Only if a build thread panicked.
            _ => ctx.err(0, "a pattern set could not be built"),
        })
        .collect()
}

fn compile_set(ctx: &Ctx<'_>, s: RawSet) -> Result<PatternSet, RulesError> {
    let id = s.id.get_ref().clone();
    let area = match &s.area {
        None => None,
        Some(a) => match parse_area(a.get_ref()) {
            Some(x) => Some(x),
            None => {
                return ctx.err(
                    a.span().start,
                    format!("set '{id}': unknown area '{}'", a.get_ref()),
                );
            }
        },
    };
    let topic = match &s.topic {
        Some(t) => Some(ctx.regex(t, &format!("set '{id}' topic"))?),
        None => None,
    };
    let mut signals = Vec::new();
    let mut all_pats = Vec::new();
    for sig in &s.signal {
        if sig.topic && topic.is_none() {
            return ctx.err(
                sig.pattern.span().start,
                format!("set '{id}': a signal needs the topic but the set has no `topic`"),
            );
        }
        all_pats.push(sig.pattern.get_ref().clone());
        signals.push(Signal {
            name: sig.name.clone(),
            pattern: sig.pattern.get_ref().clone(),
            weight: sig.weight,
            topic: sig.topic,
        });
    }
    let mut nots = Vec::new();
    for n in &s.nots {
        all_pats.push(n.pattern.get_ref().clone());
        nots.push((n.name.clone(), n.pattern.get_ref().clone()));
    }
    let escaped: Vec<String> = all_pats.iter().map(|p| pattern::ascii_escapes(p)).collect();
    let regex_set = match SentenceSet::new(&escaped) {
        Ok(set) => set,
        Err(e) => {
            // Building the set is the validation; only when it fails is each
            // pattern parsed alone, so the error can name the bad one's line.
            let patterns = s.signal.iter().map(|g| (&g.pattern, "signal"));
            for (p, what) in patterns.chain(s.nots.iter().map(|n| (&n.pattern, "look-alike"))) {
                ctx.check(p, &format!("set '{id}' {what}"))?;
            }
            return ctx.err(s.id.span().start, format!("set '{id}': {e}"));
        }
    };
    Ok(PatternSet {
        id,
        description: s.description,
        area,
        threshold: s.threshold,
        topic,
        signals,
        nots,
        exclude_sets: s.exclude.into_iter().map(|e| e.into_inner()).collect(),
        regex_set,
        examples: s.examples,
        file: ctx.file.to_string(),
    })
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

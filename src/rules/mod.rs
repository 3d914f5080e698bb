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

pub mod builtin;
mod chain;
pub mod frozen;
mod gate;
pub mod pattern;
mod raw;
mod scan;
pub mod sentence_set;
mod thaw;

use crate::domain::{Area, Force};
pub use pattern::RulePattern;
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

/// The embedded rules' patterns already compiled: the NFAs of the pattern
/// sets' scan, the lexicon and the set topics (`thaw`), sealed
/// with a fingerprint of [`EMBEDDED`] (`frozen::seal`). Parsing and
/// compiling them was most of a one-shot `s54 check`; when the rule files
/// change, the fingerprint no longer matches and the sets are compiled at
/// start-up as before, until the file is made again with
/// `cargo run --release --example freeze_rules` (a test fails until then).
const FROZEN: &[u8] = include_bytes!("frozen.bin");

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
    /// Where this set's members are in the rulebook's scan of all sets
    /// ([`Rulebook::scan`]): signals first, then look-alikes.
    part: scan::Part,
    pub examples: Examples,
    pub file: String,
}

impl PatternSet {
    /// Which signals and look-alikes match `sentence`: (signal indexes,
    /// any look-alike matched). To score several sets, scan once with
    /// [`Rulebook::scan`] and use [`PatternSet::split`].
    pub fn matches(&self, sentence: &str) -> (Vec<usize>, bool) {
        let ids = self.part.matches(sentence.as_bytes());
        self.split(&ids)
    }

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
        let (first, n) = (self.part.first, self.signals.len());
        let end = first + n + self.nots.len();
        let lo = members.partition_point(|m| *m < first);
        let mid = lo + members[lo..].partition_point(|m| *m < first + n);
        let not = members.get(mid).is_some_and(|m| *m < end);
        (members[lo..mid].iter().map(move |m| m - first), not)
    }

    /// True when any signal matches and no look-alike does.
    pub fn hits(&self, sentence: &str) -> bool {
        let (s, not) = self.matches(sentence);
        !s.is_empty() && !not
    }

    /// [`PatternSet::hits`] on a [`Rulebook::scan`] result.
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
    lexicon: HashMap<String, RulePattern>,
    profiles: BTreeMap<String, Profile>,
    /// Every member of every set, in as few lazy DFAs as their shapes
    /// allow (see `scan`): one call scans a sentence for all sets.
    scan: scan::Scan,
    /// True when `scan` was read from a frozen file, not compiled.
    thawed: bool,
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
    // Every rule and set asks, at start-up: counted in chunks of at most
    // 255 bytes whose `u8` sums the compiler turns into vector adds.
    let lines: usize = src.as_bytes()[..byte.min(src.len())]
        .chunks(255)
        .map(|c| usize::from(c.iter().map(|b| u8::from(*b == b'\n')).sum::<u8>()))
        .sum();
    lines + 1
}

struct Ctx<'a> {
    file: &'a str,
    src: &'a str,
    /// The frozen rules, when they were made from these sources.
    thawed: Option<&'a thaw::Thawed>,
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

    /// Patterns are case-insensitive unless they say `(?-i)`; a frozen
    /// one is read back rather than compiled.
    fn compile(&self, pat: &str) -> Result<RulePattern, pattern::PatternError> {
        let source = pattern::ascii_escapes(pat);
        if let Some(p) = self.thawed.and_then(|t| t.pattern(&source)) {
            return Ok(p);
        }
        pattern::compile_escaped(&source)
    }

    fn regex(&self, pat: &Spanned<String>, what: &str) -> Result<RulePattern, RulesError> {
        self.compile(pat.get_ref()).or_else(|e| {
            self.err(
                pat.span().start,
                format!("{what}: invalid pattern {:?}: {e}", pat.get_ref()),
            )
        })
    }
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
        Rulebook::build(embedded_sources(), Some(FROZEN))
    }

    /// The embedded rules' pattern sets, word lists and topics compiled now
    /// and frozen: the bytes
    /// `src/rules/frozen.bin` should hold.
    pub fn freeze_embedded() -> Result<Vec<u8>, RulesError> {
        let sources = embedded_sources();
        let fingerprint = sources_fingerprint(&sources);
        let book = Rulebook::build(sources, None)?;
        let mut patterns: Vec<&RulePattern> = book
            .lexicon
            .values()
            .chain(book.sets.values().filter_map(|s| s.topic.as_ref()))
            .collect();
        patterns.sort_by(|a, b| a.source().cmp(b.source()));
        patterns.dedup_by(|a, b| a.source() == b.source());
        let cannot = |e: frozen::FrozenError| RulesError::Invalid {
            file: "rules".to_string(),
            message: format!("cannot freeze the rules: {e}"),
        };
        // `build` parsed them all already: these parse.
        let files = embedded_sources()
            .iter()
            .map(|(_, src)| {
                let file: RawFile = toml::from_str(src).map_err(|e| RulesError::Invalid {
                    file: "rules".to_string(),
                    message: e.to_string(),
                })?;
                raw::write(&file).map_err(cannot)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let payload = thaw::freeze(&book.scan, &patterns, &files).map_err(cannot)?;
        Ok(frozen::seal(fingerprint, &payload))
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
        Rulebook::build(sources.into_iter().collect(), None)
    }

    /// Compiles rule files, reading the pattern sets from `frozen` instead
    /// when it was sealed for exactly these sources.
    fn build(
        sources: Vec<(String, String)>,
        frozen: Option<&'static [u8]>,
    ) -> Result<Rulebook, RulesError> {
        let thaw = frozen
            .and_then(|f| frozen::open(f, sources_fingerprint(&sources)))
            .and_then(|payload| match thaw::Thawed::new(payload) {
                Ok(t) => Some(t),
                Err(e) => {
                    tracing::warn!("frozen rules unusable ({e}); compiling them");
                    None
                }
            });
        let mut book = Rulebook {
            rules: Vec::new(),
            index: HashMap::new(),
            sets: HashMap::new(),
            lexicon: HashMap::new(),
            profiles: BTreeMap::new(),
            // Built once every file's sets are read.
            scan: scan::Scan::default(),
            thawed: false,
        };
        let mut drafts: Vec<Draft> = Vec::new();
        let mut pending_excludes: Vec<(String, String, usize, String)> = Vec::new();
        let mut pending_promotes: Vec<(String, usize, String)> = Vec::new();
        for (i, (file, src)) in sources.into_iter().enumerate() {
            let ctx = Ctx {
                file: &file,
                src: &src,
                thawed: thaw.as_ref(),
            };
            // Frozen with the sets, a file is read back, not parsed.
            let parsed = thaw.as_ref().and_then(|t| t.file(i));
            let raw: RawFile = match parsed {
                Some(raw) => raw,
                None => toml::from_str(&src).map_err(|e| {
                    let line = e.span().map(|s| line_of(&src, s.start)).unwrap_or(1);
                    RulesError::At {
                        file: file.clone(),
                        line,
                        message: e.message().to_string(),
                    }
                })?,
            };
            for r in raw.rule {
                book.add_rule(&ctx, r)?;
            }
            let mut raw_sets: Vec<RawSet> = Vec::with_capacity(raw.set.len());
            for s in raw.set {
                let id = s.id.get_ref().clone();
                if drafts.iter().any(|d| d.id == id)
                    || raw_sets.iter().any(|r| *r.id.get_ref() == id)
                {
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
            drafts.extend(compile_sets(&ctx, raw_sets, thaw.is_none())?);
            for (key, list) in &raw.lexicon {
                if book.lexicon.contains_key(key) {
                    return ctx.err(
                        list.span().start,
                        format!("lexicon entry '{key}' defined twice"),
                    );
                }
            }
            // Each word list is one regex; they build on all cores, like the
            // sets, as a one-shot check waits for them.
            let entries: Vec<_> = raw.lexicon.into_iter().collect();
            let joined: Vec<String> = entries
                .iter()
                .map(|(_, list)| {
                    let alts: Vec<String> = list
                        .get_ref()
                        .iter()
                        .map(|p| format!("(?:{})", p.get_ref()))
                        .collect();
                    format!(r"\b(?:{})\b", alts.join("|"))
                })
                .collect();
            // Thawed, an entry is only looked up: threads would cost more.
            let built = if thaw.is_some() {
                joined.iter().map(|pat| Some(ctx.compile(pat))).collect()
            } else {
                build_in_parallel(joined, |pat| ctx.compile(&pat))
            };
            for ((key, list), re) in entries.into_iter().zip(built) {
                let re = match re {
                    Some(Ok(re)) => re,
                    Some(Err(e)) => {
                        // Name the bad word's line when parsing alone finds it.
                        for p in list.get_ref() {
                            ctx.check(p, &format!("lexicon '{key}'"))?;
                        }
                        return ctx.err(list.span().start, format!("lexicon '{key}': {e}"));
                    }
                    // Only if a build thread panicked.
                    None => {
                        return ctx.err(
                            list.span().start,
                            format!("lexicon '{key}' could not be built"),
                        );
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
        (book.scan, book.thawed) = build_scan(drafts, &mut book.sets, thaw.map(|t| t.scan))?;
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

    /// Ids of the set members (signals and look-alikes of every set) that
    /// match somewhere in `sentence`, ascending: one call for all sets.
    /// Each set reads its part with [`PatternSet::split`].
    /// Starts reading back, on another thread, the frozen automata the
    /// sentences of `text` may need (see `Scan::prepare`): call before the
    /// detectors that run ahead of [`Rulebook::scan`]. True if some were
    /// still frozen (the first statement of a process).
    pub fn prepare(&self, text: &str) -> bool {
        self.scan.prepare(text.as_bytes())
    }

    pub fn scan(&self, sentence: &str) -> Vec<usize> {
        self.scan.matches(sentence.as_bytes())
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
fn compile_sets(ctx: &Ctx<'_>, raw: Vec<RawSet>, parse: bool) -> Result<Vec<Draft>, RulesError> {
    // Unparsed (to be thawed), a set is only read: threads would cost more.
    let built: Vec<Option<_>> = if parse {
        build_in_parallel(raw, |s| compile_set(ctx, s, parse))
    } else {
        raw.into_iter()
            .map(|s| Some(compile_set(ctx, s, parse)))
            .collect()
    };
    built
        .into_iter()
        .map(|built| match built {
            Some(built) => built,
            // Only if a build thread panicked.
            None => ctx.err(0, "a pattern set could not be built"),
        })
        .collect()
}

/// The cores this process may use, asked once: each asking reads the
/// cgroup files under `/proc` and `/sys` again.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `build` applied to every item, on as many threads as there are cores
/// (and items); results in the items' order, `None` where a build thread
/// panicked.
pub(crate) fn build_in_parallel<T: Send, R: Send>(
    items: Vec<T>,
    build: impl Fn(T) -> R + Sync,
) -> Vec<Option<R>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = cores().min(items.len());
    if threads <= 1 {
        return items.into_iter().map(|item| Some(build(item))).collect();
    }
    let n = items.len();
    let work: Vec<Mutex<Option<T>>> = items.into_iter().map(|s| Mutex::new(Some(s))).collect();
    let done: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = work.get(i) else { break };
                    let taken = slot.lock().map(|mut g| g.take()).unwrap_or(None);
                    if let Some(item) = taken {
                        let built = build(item);
                        if let Ok(mut g) = done[i].lock() {
                            *g = Some(built);
                        }
                    }
                }
            });
        }
    });
    done.into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect()
}

/// A parsed pattern set waiting for the rulebook's one scan to be built.
struct Draft {
    id: String,
    file: String,
    line: usize,
    members: scan::Members,
    finish: Box<dyn FnOnce(scan::Part) -> PatternSet + Send>,
}

/// Builds the scan of every set's members (read from `thaw` when it is
/// given and fits the sets) and files the finished sets under their ids;
/// says whether the scan was thawed.
fn build_scan(
    drafts: Vec<Draft>,
    sets: &mut HashMap<String, PatternSet>,
    thaw: Option<&'static [u8]>,
) -> Result<(scan::Scan, bool), RulesError> {
    let mut members = Vec::with_capacity(drafts.len());
    let mut rest = Vec::with_capacity(drafts.len());
    for d in drafts {
        members.push(d.members);
        rest.push((d.id, d.file, d.line, d.finish));
    }
    // Kept by a thawed scan, to compile an engine whose NFA does not read
    // back.
    let sources: Option<Vec<Vec<String>>> = members
        .iter()
        .map(|m| m.unparsed().map(<[String]>::to_vec))
        .collect();
    let thawed =
        thaw.zip(sources)
            .and_then(|(bytes, sources)| match scan::Scan::thaw(bytes, sources) {
                Ok(thawed) => Some(thawed),
                Err(e) => {
                    // Sealed for these very sources, so only a defect gets here:
                    // compiling is slower but gives the same scan.
                    tracing::warn!("frozen pattern sets unusable ({e}); compiling them");
                    None
                }
            });
    let was_thawed = thawed.is_some();
    let built = match thawed {
        Some(t) => Ok(t),
        None => scan::Scan::build(members),
    };
    let (scan, parts) = built.map_err(|e| match e.set {
        Some(i) => RulesError::At {
            file: rest[i].1.clone(),
            line: rest[i].2,
            message: format!("set '{}': {}", rest[i].0, e.error),
        },
        None => RulesError::Invalid {
            file: "rules".to_string(),
            message: format!("the pattern sets together: {}", e.error),
        },
    })?;
    for ((id, _, _, finish), part) in rest.into_iter().zip(parts) {
        sets.insert(id, finish(part));
    }
    Ok((scan, was_thawed))
}

fn embedded_sources() -> Vec<(String, String)> {
    EMBEDDED
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect()
}

/// Which rule sources (names and texts, in order) a frozen scan is for.
fn sources_fingerprint(sources: &[(String, String)]) -> u64 {
    frozen::fingerprint(
        sources
            .iter()
            .flat_map(|(name, text)| [name.as_bytes(), text.as_bytes()]),
    )
}

/// Parses a set's patterns (unless `parse` is false: its scan is to be
/// thawed) and gets the rest of it ready.
fn compile_set(ctx: &Ctx<'_>, s: RawSet, parse: bool) -> Result<Draft, RulesError> {
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
    let parsed = if parse {
        sentence_set::parse(&escaped).and_then(scan::Members::new)
    } else {
        Ok(scan::Members::Unparsed(escaped))
    };
    let members = match parsed {
        Ok(members) => members,
        Err(e) => {
            // Parsing (and, for a set with gaps, building) the set is the
            // validation; only when it fails is each pattern parsed alone,
            // so the error can name the bad one's line.
            let patterns = s.signal.iter().map(|g| (&g.pattern, "signal"));
            for (p, what) in patterns.chain(s.nots.iter().map(|n| (&n.pattern, "look-alike"))) {
                ctx.check(p, &format!("set '{id}' {what}"))?;
            }
            return ctx.err(s.id.span().start, format!("set '{id}': {e}"));
        }
    };
    let file = ctx.file.to_string();
    let (description, threshold, examples) = (s.description, s.threshold, s.examples);
    let exclude_sets: Vec<String> = s.exclude.into_iter().map(|e| e.into_inner()).collect();
    let (set_id, set_file) = (id.clone(), file.clone());
    Ok(Draft {
        id,
        file,
        line: line_of(ctx.src, s.id.span().start),
        members,
        finish: Box::new(move |part| PatternSet {
            id: set_id,
            description,
            area,
            threshold,
            topic,
            signals,
            nots,
            exclude_sets,
            part,
            examples,
            file: set_file,
        }),
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

    /// What one set's own lazy DFA says of `text`, the way sets were
    /// matched before the rulebook scanned all sets in one pass.
    fn alone(set: &PatternSet, text: &str) -> (Vec<usize>, bool) {
        use sentence_set::SentenceSet;
        let pats: Vec<String> = set
            .signals
            .iter()
            .map(|s| s.pattern.as_str())
            .chain(set.nots.iter().map(|(_, p)| p.as_str()))
            .map(pattern::ascii_escapes)
            .collect();
        let m = SentenceSet::new(&pats).unwrap().matches(text.as_bytes());
        let n = set.signals.len();
        (
            m.iter().copied().filter(|i| *i < n).collect(),
            m.iter().any(|i| *i >= n),
        )
    }

    #[test]
    fn one_scan_reports_what_each_set_alone_does() {
        let book = Rulebook::embedded().unwrap();
        // Some sets share a DFA, others give each member its own, and some
        // members are matched in gapless pieces: every way is tested.
        let (dfas, split) = (book.scan.dfas(), book.scan.split_members());
        assert!(
            dfas > book.sets.len() && split > 10 && split < dfas,
            "{dfas} {split}"
        );
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
                assert_eq!(got, alone(set, text), "{} on {text:?}", set.id);
                assert_eq!(set.matches(text), got, "{} on {text:?}", set.id);
                assert_eq!(set.hits_in(&members), set.hits(text));
                matched += got.0.len();
            }
        }
        assert!(matched > 100, "the sentences match too little: {matched}");
    }

    #[test]
    fn the_frozen_sets_are_the_embedded_rules_compiled() {
        // Fails when rules/*.toml (or the regex compiler) changed and the
        // frozen file was not made again: `cargo run --release --example
        // freeze_rules`. Until then `s54` still works, compiling the sets.
        let fresh = Rulebook::freeze_embedded().unwrap();
        assert!(
            fresh == FROZEN,
            "src/rules/frozen.bin is stale: run `cargo run --release --example freeze_rules`"
        );
        assert!(Rulebook::embedded().unwrap().thawed);
    }

    #[test]
    fn thawed_and_compiled_sets_agree() {
        let thawed = Rulebook::embedded().unwrap();
        let compiled = Rulebook::build(embedded_sources(), None).unwrap();
        assert!(thawed.thawed && !compiled.thawed);
        let mut texts: Vec<String> = Vec::new();
        for set in thawed.sets() {
            texts.extend(set.examples.matches.iter().cloned());
            texts.extend(set.examples.no_match.iter().cloned());
        }
        texts.push(texts.join(" "));
        for text in &texts {
            assert_eq!(thawed.scan(text), compiled.scan(text), "{text:?}");
        }
    }

    #[test]
    fn changed_rules_are_compiled_not_thawed() {
        let mut sources = embedded_sources();
        for (name, text) in &mut sources {
            if name == "patterns.toml" {
                *text = text.replacen("modern slavery", "modern  slavery", 1);
            }
        }
        let book = Rulebook::build(sources, Some(FROZEN)).unwrap();
        assert!(!book.thawed);
        // A file sealed for these sources but holding other sets' scan is
        // refused, and the sets are compiled.
        let sources = embedded_sources();
        let fp = sources_fingerprint(&sources);
        let one = scan::Members::new(sentence_set::parse(&["x".to_string()]).unwrap()).unwrap();
        let payload = thaw::freeze(&scan::Scan::build(vec![one]).unwrap().0, &[], &[]).unwrap();
        let sealed = frozen::seal(fp, &payload);
        let book = Rulebook::build(sources, Some(sealed.leak())).unwrap();
        assert!(!book.thawed);
        assert!(book.set("PAT-TRAINING").is_some());
    }

    /// What a rulebook says, in a form two rulebooks can be compared by.
    fn described(book: &Rulebook) -> String {
        let mut sets: Vec<_> = book.sets.keys().collect();
        sets.sort();
        let mut lexicon: Vec<_> = book.lexicon.iter().map(|(k, v)| (k, v.source())).collect();
        lexicon.sort();
        format!(
            "{:?}\n{:?}\n{sets:?}\n{lexicon:?}",
            book.rules, book.profiles
        )
    }

    #[test]
    fn rule_files_read_back_parsed_give_the_same_rulebook() {
        let parsed = Rulebook::build(embedded_sources(), None).unwrap();
        let thawed = Rulebook::embedded().unwrap();
        assert!(thawed.thawed);
        assert_eq!(described(&thawed), described(&parsed));
        // Parsed files that do not read back are parsed from the TOML.
        let sources = embedded_sources();
        let scan = frozen::open(FROZEN, sources_fingerprint(&sources)).unwrap();
        let garbage: Vec<Vec<u8>> = sources.iter().map(|_| b"not a file".to_vec()).collect();
        let thawed_scan = thaw::Thawed::new(scan).unwrap();
        assert!(thawed_scan.file(0).is_some());
        let payload = thaw::freeze(&parsed.scan, &[], &garbage).unwrap();
        let sealed = frozen::seal(sources_fingerprint(&sources), &payload);
        let book = Rulebook::build(sources, Some(sealed.leak())).unwrap();
        assert_eq!(described(&book), described(&parsed));
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

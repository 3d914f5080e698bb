//! Rule files → [`Rulebook`]: the TOML shapes, their validation (every
//! error names the file and the line) and the compilation of patterns.

use super::matcher::{self, Pattern};
use super::{
    AppliesTo, Examples, PatternSet, Profile, REQUIRED_LEXICON, REQUIRED_RULES, REQUIRED_SETS,
    Rule, Rulebook, RulesError, Signal, scan,
};
use crate::domain::{Area, Force};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use toml::Spanned;

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
    /// A regular expression, or else…
    #[serde(default)]
    pattern: Option<Spanned<String>>,
    /// …terms that must all occur within `within` words of each other.
    #[serde(default)]
    near: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    within: Option<usize>,
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
    src.as_bytes()[..byte.min(src.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The file being read, for errors that name it and the line.
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

    fn invalid<T>(
        &self,
        pat: &Spanned<String>,
        what: &str,
        e: impl std::fmt::Display,
    ) -> Result<T, RulesError> {
        self.err(
            pat.span().start,
            format!("{what}: invalid pattern {:?}: {e}", pat.get_ref()),
        )
    }

    /// Patterns are case-insensitive unless they say `(?-i)`.
    fn regex(&self, pat: &Spanned<String>, what: &str) -> Result<Pattern, RulesError> {
        matcher::compile(pat.get_ref()).or_else(|e| self.invalid(pat, what, e))
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

/// References to other entries, checked once every file is read.
#[derive(Default)]
struct Pending {
    /// (file, set, line, excluded set)
    excludes: Vec<(String, String, usize, String)>,
    /// (file, line, promoted rule)
    promotes: Vec<(String, usize, String)>,
}

/// Compiles rule files, in order, into a rulebook.
pub(super) fn build(sources: Vec<(String, String)>) -> Result<Rulebook, RulesError> {
    let mut book = Rulebook {
        rules: Vec::new(),
        index: HashMap::new(),
        sets: HashMap::new(),
        lexicon: HashMap::new(),
        profiles: BTreeMap::new(),
        scan: scan::Scan::default(),
    };
    let mut members: Vec<scan::Member> = Vec::new();
    let mut pending = Pending::default();
    for (file, src) in &sources {
        let ctx = Ctx { file, src };
        let raw: RawFile = toml::from_str(src).map_err(|e| RulesError::At {
            file: file.clone(),
            line: e.span().map(|s| line_of(src, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
        for r in raw.rule {
            add_rule(&mut book, &ctx, r)?;
        }
        for s in raw.set {
            add_set(&mut book, &ctx, s, &mut members, &mut pending)?;
        }
        for (key, list) in raw.lexicon {
            add_lexicon(&mut book, &ctx, key, list)?;
        }
        for (name, p) in raw.profile {
            for r in &p.promote {
                let line = line_of(src, r.span().start);
                pending
                    .promotes
                    .push((file.clone(), line, r.get_ref().clone()));
            }
            let promote = p.promote.into_iter().map(|s| s.into_inner()).collect();
            let profile = Profile {
                name: name.clone(),
                description: p.description,
                promote,
            };
            book.profiles.insert(name, profile);
        }
    }
    book.scan = scan::Scan::build(members).map_err(|e| RulesError::Invalid {
        file: "rules".to_string(),
        message: format!("the pattern sets together: {e}"),
    })?;
    check_references(&book, pending)?;
    check_required(&book)?;
    Ok(book)
}

fn add_rule(book: &mut Rulebook, ctx: &Ctx<'_>, r: RawRule) -> Result<(), RulesError> {
    let id = r.id.get_ref().clone();
    if id.trim().is_empty() {
        return ctx.err(r.id.span().start, "rule id is empty");
    }
    if book.index.contains_key(&id) {
        return ctx.err(r.id.span().start, format!("rule '{id}' defined twice"));
    }
    let Some(force) = parse_force(r.force.get_ref()) else {
        let message = format!(
            "rule '{id}': unknown force '{}' (expected statute, guidance or proposed)",
            r.force.get_ref()
        );
        return ctx.err(r.force.span().start, message);
    };
    let mut applies = Vec::new();
    for a in r.applies_to.get_ref() {
        let Some(x) = parse_applies(a) else {
            let message = format!(
                "rule '{id}': unknown applies_to '{a}' (expected all, company, llp, limited_partnership, partnership, public_body or group)"
            );
            return ctx.err(r.applies_to.span().start, message);
        };
        applies.push(x);
    }
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
        line: line_of(ctx.src, r.id.span().start),
    };
    book.index.insert(id, book.rules.len());
    book.rules.push(rule);
    Ok(())
}

/// Adds a pattern set; its signals and look-alikes join `members`, the
/// rulebook's one scan.
fn add_set(
    book: &mut Rulebook,
    ctx: &Ctx<'_>,
    s: RawSet,
    members: &mut Vec<scan::Member>,
    pending: &mut Pending,
) -> Result<(), RulesError> {
    let id = s.id.get_ref().clone();
    if book.sets.contains_key(&id) {
        return ctx.err(
            s.id.span().start,
            format!("pattern set '{id}' defined twice"),
        );
    }
    let area = match &s.area {
        None => None,
        Some(a) => match parse_area(a.get_ref()) {
            Some(x) => Some(x),
            None => {
                let message = format!("set '{id}': unknown area '{}'", a.get_ref());
                return ctx.err(a.span().start, message);
            }
        },
    };
    let topic = match &s.topic {
        Some(t) => Some(ctx.regex(t, &format!("set '{id}' topic"))?),
        None => None,
    };
    let first = members.len();
    let mut signals = Vec::new();
    for sig in &s.signal {
        let at = s.id.span().start;
        if sig.topic && topic.is_none() {
            let message =
                format!("set '{id}': a signal needs the topic but the set has no `topic`");
            return ctx.err(at, message);
        }
        let (member, written) = signal_member(ctx, (&id, at), sig)?;
        members.push(member);
        signals.push(Signal {
            name: sig.name.clone(),
            pattern: written,
            weight: sig.weight,
            topic: sig.topic,
        });
    }
    let mut nots = Vec::new();
    for n in &s.nots {
        let what = format!("set '{id}' look-alike");
        let hir =
            scan::parse(n.pattern.get_ref()).or_else(|e| ctx.invalid(&n.pattern, &what, e))?;
        members.push(scan::Member::Pattern(hir));
        nots.push((n.name.clone(), n.pattern.get_ref().clone()));
    }
    for ex in &s.exclude {
        let line = line_of(ctx.src, ex.span().start);
        pending
            .excludes
            .push((ctx.file.to_string(), id.clone(), line, ex.get_ref().clone()));
    }
    let part = scan::Part {
        first,
        signals: signals.len(),
        nots: nots.len(),
    };
    let set = PatternSet {
        id: id.clone(),
        description: s.description,
        area,
        threshold: s.threshold,
        topic,
        signals,
        nots,
        exclude_sets: s.exclude.into_iter().map(|e| e.into_inner()).collect(),
        part,
        examples: s.examples,
        file: ctx.file.to_string(),
    };
    book.sets.insert(id, set);
    Ok(())
}

/// A signal's member of the scan, and how it is written (for reports).
fn signal_member(
    ctx: &Ctx<'_>,
    (id, at): (&str, usize),
    sig: &RawSignal,
) -> Result<(scan::Member, String), RulesError> {
    let what = format!("set '{id}' signal '{}'", sig.name);
    match (&sig.pattern, &sig.near, sig.within) {
        (Some(p), None, None) => {
            let hir = scan::parse(p.get_ref()).or_else(|e| ctx.invalid(p, &what, e))?;
            Ok((scan::Member::Pattern(hir), p.get_ref().clone()))
        }
        (None, Some(terms), Some(within)) if terms.get_ref().len() >= 2 && within >= 1 => {
            let near = scan::Near::new(terms.get_ref(), within)
                .or_else(|e| ctx.err(terms.span().start, format!("{what}: invalid term: {e}")))?;
            let written = format!("{} within {within} words", terms.get_ref().join(" + "));
            Ok((scan::Member::Near(near), written))
        }
        (None, Some(terms), _) => ctx.err(
            terms.span().start,
            format!(
                "{what}: `near` needs two or more terms and `within` (a number of words, 1 or more)"
            ),
        ),
        (Some(p), Some(_), _) | (Some(p), _, Some(_)) => ctx.err(
            p.span().start,
            format!("{what}: give either `pattern` or `near` with `within`, not both"),
        ),
        (None, None, _) => ctx.err(
            at,
            format!("{what}: needs a `pattern` or `near` terms with `within`"),
        ),
    }
}

/// Adds a word list, compiled to one regex of whole words.
fn add_lexicon(
    book: &mut Rulebook,
    ctx: &Ctx<'_>,
    key: String,
    list: Spanned<Vec<Spanned<String>>>,
) -> Result<(), RulesError> {
    if book.lexicon.contains_key(&key) {
        return ctx.err(
            list.span().start,
            format!("lexicon entry '{key}' defined twice"),
        );
    }
    for p in list.get_ref() {
        matcher::check(p.get_ref()).or_else(|e| ctx.invalid(p, &format!("lexicon '{key}'"), e))?;
    }
    let alts: Vec<String> = list
        .get_ref()
        .iter()
        .map(|p| format!("(?:{})", p.get_ref()))
        .collect();
    let joined = format!(r"\b(?:{})\b", alts.join("|"));
    let re = matcher::compile(&joined)
        .or_else(|e| ctx.err(list.span().start, format!("lexicon '{key}': {e}")))?;
    book.lexicon.insert(key, re);
    Ok(())
}

fn check_references(book: &Rulebook, pending: Pending) -> Result<(), RulesError> {
    for (file, set, line, ex) in pending.excludes {
        if !book.sets.contains_key(&ex) {
            let message = format!("pattern set '{set}' excludes unknown set '{ex}'");
            return Err(RulesError::At {
                file,
                line,
                message,
            });
        }
    }
    for (file, line, id) in pending.promotes {
        if !book.index.contains_key(&id) {
            let message = format!("profile promotes unknown rule '{id}'");
            return Err(RulesError::At {
                file,
                line,
                message,
            });
        }
    }
    Ok(())
}

/// Every rule, set and word list the checker uses must be defined.
fn check_required(book: &Rulebook) -> Result<(), RulesError> {
    let missing = |kind: &str, what: &str| RulesError::Invalid {
        file: "rules".to_string(),
        message: format!("missing {kind} '{what}' (the checker needs it)"),
    };
    if let Some(id) = REQUIRED_RULES
        .iter()
        .find(|id| !book.index.contains_key(**id))
    {
        return Err(missing("rule", id));
    }
    if let Some(id) = REQUIRED_SETS
        .iter()
        .find(|id| !book.sets.contains_key(**id))
    {
        return Err(missing("pattern set", id));
    }
    if let Some(id) = REQUIRED_LEXICON
        .iter()
        .find(|id| !book.lexicon.contains_key(**id))
    {
        return Err(missing("lexicon entry", id));
    }
    if !book.profiles.contains_key("current") {
        return Err(missing("profile", "current"));
    }
    Ok(())
}

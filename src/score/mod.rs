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
pub mod fy;
pub mod group;
pub mod officers;
pub mod sentences;
pub mod signature;

/// Builds the scorer's own fixed patterns (dates, financial years,
/// signatures, groups) ahead of the first statement. A one-shot `s54 check`
/// calls this on a second thread while it loads the rulebook and extracts
/// the text, so the two start-up costs overlap.
pub fn warm_up() {
    dates::warm_up();
    fy::warm_up();
    signature::warm_up();
    group::warm_up();
}

use crate::domain::{
    Approval, Area, Areas, Assessment, BlockKind, CHECK_SCHEMA, Document, EntityType, Evidence,
    Extracted, FinancialYear, Finding, FindingStatus, Force, Group, RawBlock, Signature,
    SourceInfo, SourceKind, Verdict, VerdictBasis,
};
use crate::rules::{AppliesTo, Rule, Rulebook};
use approval::ApproverKind;
use chrono::NaiveDate;
use std::collections::HashMap;

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

/// Values substituted into a rule's message (`{found}`, `{body}`, …).
#[derive(Default)]
struct Vars(HashMap<&'static str, String>);

impl Vars {
    fn set(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.0.insert(k, v.into());
        self
    }
    fn fill(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (k, v) in &self.0 {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        // Placeholders with no value are dropped, then spacing tidied.
        let mut clean = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(p) = rest.find('{') {
            match rest[p..].find('}') {
                Some(q)
                    if rest[p + 1..p + q]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_') =>
                {
                    clean.push_str(&rest[..p]);
                    rest = &rest[p + q + 1..];
                }
                _ => {
                    clean.push_str(&rest[..=p]);
                    rest = &rest[p + 1..];
                }
            }
        }
        clean.push_str(rest);
        single_spaced(&clean)
    }
}

/// `s` with its words joined by single spaces (no words collected first).
fn single_spaced(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Builds findings from rule metadata.
struct Findings<'a> {
    rules: &'a Rulebook,
    entity: EntityType,
    is_group: bool,
    /// The document has no readable text: "cannot verify" says why.
    unreadable: bool,
    out: Vec<Finding>,
}

impl Findings<'_> {
    fn applies(&self, rule: &Rule) -> bool {
        rule.applies_to.iter().any(|a| match a {
            AppliesTo::All => true,
            AppliesTo::Group => self.is_group,
            AppliesTo::Company => matches!(self.entity, EntityType::Company | EntityType::Unknown),
            AppliesTo::Llp => self.entity == EntityType::Llp,
            AppliesTo::LimitedPartnership => self.entity == EntityType::LimitedPartnership,
            AppliesTo::Partnership => self.entity == EntityType::Partnership,
            AppliesTo::PublicBody => self.entity == EntityType::PublicBody,
        })
    }

    fn push(&mut self, id: &str, status: FindingStatus, vars: Vars, evidence: Vec<Evidence>) {
        let Some(rule) = self.rules.rule(id) else {
            return;
        };
        let (status, template) = if !self.applies(rule) {
            (FindingStatus::NotApplicable, None)
        } else {
            let t = match status {
                FindingStatus::Pass => &rule.pass,
                FindingStatus::Review | FindingStatus::CannotVerify => {
                    rule.review.as_ref().unwrap_or(&rule.message)
                }
                FindingStatus::Info if rule.force != Force::Statute || id.ends_with("-info") => {
                    &rule.pass
                }
                _ => &rule.message,
            };
            (status, Some(t))
        };
        let message = match template {
            Some(_) if self.unreadable && status == FindingStatus::CannotVerify => format!(
                "{}: no text could be read from this document (a scanned image without a text layer?), so this cannot be checked automatically; a person must read it.",
                rule.title
            ),
            Some(t) => vars.fill(t),
            None => format!("{}: does not apply to this statement.", rule.title),
        };
        let fix = match status {
            FindingStatus::Pass | FindingStatus::NotApplicable | FindingStatus::Info => None,
            _ => rule.fix.clone(),
        };
        self.out.push(Finding {
            rule: id.to_string(),
            status,
            force: rule.force,
            message,
            evidence: if status == FindingStatus::NotApplicable {
                Vec::new()
            } else {
                evidence
            },
            fix,
        });
    }
}

fn fmt_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn ev(doc: &Document, span: (usize, usize)) -> Evidence {
    areas::quote(doc, span.0, span.1)
}

/// Whether a role is a director (or equivalent) for a body corporate.
fn is_director(role: &str, rules: &Rulebook) -> bool {
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

fn lex_match(rules: &Rulebook, key: &str, text: &str) -> bool {
    rules.lexicon(key).is_some_and(|re| re.is_match(text))
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

/// Scores one document against the rulebook.
pub fn assess(doc: &Document, opts: &CheckOptions, rules: &Rulebook) -> Assessment {
    let profile_name = opts
        .profile
        .clone()
        .unwrap_or_else(|| "current".to_string());
    // The first statement a process checks meets the rulebook's automata
    // still frozen: they are read back, and their lazy DFAs fill, on other
    // threads while the detectors run (BENCHMARKS.md, "Whole-process",
    // stop 16). Later statements run on one thread.
    let cold = rules.prepare(&doc.text);
    let sents = sentences::split(doc);
    // Stops at the 40th letter or digit, not at the end of the text.
    let readable = doc
        .text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .nth(39)
        .is_some();
    let scanned = doc.is_scanned() || !readable;

    // ---- detectors ----
    let detect = || {
        let entity_type = opts.entity.unwrap_or_else(|| entity::infer(doc, rules));
        let fyf = fy::detect(&doc.text);
        let appr = approval::detect(doc, &sents, rules);
        let approval_spans: Vec<(usize, usize)> = appr.all.iter().map(|c| c.span).collect();
        let sig = signature::detect(doc, &sents, rules, &approval_spans);
        let group_analysis = group::analyse(doc, &opts.members);
        (entity_type, fyf, appr, sig, group_analysis)
    };
    let ((entity_type, fyf, appr, sig, group_analysis), hits) = if cold {
        std::thread::scope(|s| {
            // Without a thread to spare, one after the other.
            let scan = std::thread::Builder::new()
                .spawn_scoped(s, || areas::scan(doc, &sents, rules))
                .ok();
            let detected = detect();
            let hits = match scan {
                Some(t) => t
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => areas::scan(doc, &sents, rules),
            };
            (detected, hits)
        })
    } else {
        (detect(), areas::scan(doc, &sents, rules))
    };
    let per_entity_approval = group_analysis.per_entity_approval.clone();
    let group: Group = group_analysis.group;

    let set_score = |id: &str| {
        rules
            .set(id)
            .map(|set| areas::score_scanned(doc, &sents, &hits, set, rules))
            .unwrap_or_default()
    };
    let mut area_results = Areas::default();
    let set_for = |a: Area| match a {
        Area::Structure => "PAT-STRUCTURE",
        Area::Policies => "PAT-POLICY",
        Area::DueDiligence => "PAT-DD",
        Area::Risk => "PAT-RISK",
        Area::Effectiveness => "PAT-KPI",
        Area::Training => "PAT-TRAINING",
    };
    let mut area_scores = HashMap::new();
    for a in Area::ALL {
        let sc = set_score(set_for(a));
        *area_results.get_mut(a) = areas::area_result(doc, &sc);
        area_scores.insert(a, sc);
    }
    let steps = set_score("PAT-STEPS");
    let no_steps = set_score("PAT-NO-STEPS");
    let future = set_score("PAT-FUTURE");
    let policy_doc = set_score("PAT-POLICY-DOC");
    let slavery_free = set_score("PAT-SLAVERY-FREE");
    let remediation = set_score("PAT-REMEDIATION");
    let progress = set_score("PAT-PROGRESS");
    let supply = set_score("PAT-SUPPLY-CHAIN");
    let own = set_score("PAT-OWN-BUSINESS");
    let no_steps_declared = no_steps.present();
    let self_reference = lex_match(rules, "self_reference", &doc.text);

    // ---- financial year ----
    let mut financial_year = FinancialYear {
        start: fyf.start,
        end: fyf.end,
        evidence: fyf
            .span
            .or(fyf.year_only)
            .map(|s| vec![doc.evidence(s.0, s.1)])
            .unwrap_or_default(),
    };
    if let Some(fe) = opts.fy_end
        && financial_year.end.is_none()
    {
        financial_year.end = Some(fe);
    }

    // ---- approval ----
    let best_appr = appr.best.clone();
    let approval_date = approval::any_date(&appr);
    let approval = Approval {
        present: best_appr.as_ref().is_some_and(|c| c.present()),
        body: best_appr.as_ref().and_then(|c| c.body.clone()),
        date: approval_date.map(|(d, _)| d.first_day()),
        evidence: {
            let mut e: Vec<Evidence> = best_appr.iter().map(|c| ev(doc, c.span)).collect();
            if let Some((_, a)) = approval_date
                && !best_appr
                    .as_ref()
                    .is_some_and(|c| c.span.0 <= a.0 && a.1 <= c.span.1)
            {
                e.push(doc.evidence(a.0, a.1));
            }
            e
        },
    };

    // ---- signature ----
    let best_sig = sig.best.clone();
    let signature = Signature {
        present: best_sig.is_some(),
        name: best_sig.as_ref().and_then(|c| c.name.clone()),
        role: best_sig.as_ref().and_then(|c| c.role.clone()),
        date: best_sig
            .as_ref()
            .and_then(|c| c.date)
            .map(|d| d.first_day()),
        evidence: best_sig
            .as_ref()
            .map(|c| {
                let mut e: Vec<Evidence> = c.spans.iter().take(3).map(|s| ev(doc, *s)).collect();
                if let Some(a) = c.date_abs
                    && !c.spans.iter().any(|s| s.0 <= a.0 && a.1 <= s.1)
                {
                    e.push(doc.evidence(a.0, a.1));
                }
                e
            })
            .unwrap_or_default(),
    };

    // ---- findings ----
    let mut f = Findings {
        rules,
        entity: entity_type,
        is_group: group.is_group,
        unreadable: scanned,
        out: Vec::new(),
    };
    let st = |b: bool| {
        if b {
            FindingStatus::Pass
        } else {
            FindingStatus::Fail
        }
    };

    // MSA-54-1-fy-identified
    if scanned {
        f.push(
            "MSA-54-1-fy-identified",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        );
    } else if financial_year.end.is_some() || fyf.year_only.is_some() {
        let found = match (financial_year.end, fyf.year_only, opts.fy_end) {
            (Some(e), _, _) if fyf.end.is_some() => format!("year ending {}", fmt_date(e)),
            (_, Some(y), _) => format!("\"{}\"", &doc.text[y.0..y.1]),
            (Some(e), _, Some(_)) => format!("given by the caller: year ending {}", fmt_date(e)),
            _ => String::new(),
        };
        f.push(
            "MSA-54-1-fy-identified",
            FindingStatus::Pass,
            Vars::default().set("found", found),
            financial_year.evidence.clone(),
        );
    } else {
        f.push(
            "MSA-54-1-fy-identified",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        );
    }

    // MSA-54-4-steps-or-none
    let content_areas = [
        Area::Policies,
        Area::DueDiligence,
        Area::Risk,
        Area::Effectiveness,
        Area::Training,
    ]
    .into_iter()
    .filter(|a| area_results.get(*a).present)
    .count();
    let is_policy_doc = policy_doc.present() && !self_reference;
    let steps_evidence: Vec<Evidence> = steps.spans.iter().take(2).map(|s| ev(doc, *s)).collect();
    if scanned {
        f.push(
            "MSA-54-4-steps-or-none",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        );
    } else if no_steps_declared {
        let e: Vec<Evidence> = no_steps.spans.iter().take(1).map(|s| ev(doc, *s)).collect();
        f.push(
            "MSA-54-4-steps-or-none",
            FindingStatus::Pass,
            Vars::default().set(
                "found",
                "it states that no steps were taken, as s.54(4)(b) allows",
            ),
            e,
        );
    } else if is_policy_doc {
        let e: Vec<Evidence> = policy_doc
            .spans
            .iter()
            .take(2)
            .map(|s| ev(doc, *s))
            .collect();
        f.push(
            "MSA-54-4-steps-or-none",
            FindingStatus::Fail,
            Vars::default().set("found", "It reads as a policy (rules for the future), not a statement of steps taken during a financial year."),
            e,
        );
    } else if steps.present() || content_areas >= 1 {
        let mut found = Vec::new();
        for a in Area::ALL {
            if area_results.get(a).present && a != Area::Structure {
                found.push(a.in_sentence());
            }
        }
        let found = if found.is_empty() {
            "actions described in the past or present tense".to_string()
        } else {
            found.join(", ")
        };
        f.push(
            "MSA-54-4-steps-or-none",
            FindingStatus::Pass,
            Vars::default().set("found", found),
            steps_evidence,
        );
    } else if future.spans.len() >= 2 {
        let e: Vec<Evidence> = future.spans.iter().take(2).map(|s| ev(doc, *s)).collect();
        f.push(
            "MSA-54-4-steps-or-none",
            FindingStatus::Fail,
            Vars::default().set(
                "found",
                "Its actions are all plans (\"we will\", \"we intend to\"), not steps taken.",
            ),
            e,
        );
    } else {
        f.push(
            "MSA-54-4-steps-or-none",
            FindingStatus::Fail,
            Vars::default(),
            steps_evidence,
        );
    }

    // MSA-54-4-scope-both (a warning, never a failure)
    if !scanned {
        let (s_ok, o_ok) = (supply.present(), own.present());
        let status = if s_ok && o_ok {
            FindingStatus::Pass
        } else {
            FindingStatus::Warn
        };
        let found = match (s_ok, o_ok) {
            (true, false) => "its supply chains, not its own business",
            (false, true) => "its own business, not its supply chains",
            _ => "neither its supply chains nor its own business",
        };
        let mut e: Vec<Evidence> = supply.spans.iter().take(1).map(|s| ev(doc, *s)).collect();
        e.extend(own.spans.iter().take(1).map(|s| ev(doc, *s)));
        f.push(
            "MSA-54-4-scope-both",
            status,
            Vars::default().set("found", found),
            e,
        );
    }

    // MSA-54-4-no-steps-declared (info)
    if no_steps_declared {
        let e: Vec<Evidence> = no_steps.spans.iter().take(1).map(|s| ev(doc, *s)).collect();
        f.push(
            "MSA-54-4-no-steps-declared",
            FindingStatus::Info,
            Vars::default(),
            e,
        );
    }

    // s.54(6): approval and signature by entity type.
    let appr_vars = |found: String| {
        Vars::default()
            .set(
                "body",
                approval.body.clone().unwrap_or_else(|| "the board".into()),
            )
            .set("found", found)
    };
    let appr_found = match best_appr.as_ref() {
        None => match sig.on_behalf_of_board {
            Some(_) => {
                "It is signed on behalf of the board, but does not say the board approved it."
                    .to_string()
            }
            None => "No approval wording was found.".to_string(),
        },
        Some(c) => {
            let body = c
                .body
                .clone()
                .unwrap_or_else(|| "an unnamed approver".into());
            match c.kind {
                ApproverKind::Board => String::new(),
                ApproverKind::Weak => format!("Found: '{body}' reviewed or received it, which is not approval."),
                ApproverKind::Committee => format!("Found: approval by '{body}', a committee, not the board itself."),
                ApproverKind::Executive => format!("Found: approval by '{body}', an executive or management team, not the board."),
                ApproverKind::Delegated => "Found: the board delegated approval to someone else; the statute asks for the board's own approval.".to_string(),
                ApproverKind::Individual => format!("Found: approval by '{body}', one person, not the board."),
                ApproverKind::Unnamed => "Found: an approval with no approver named.".to_string(),
            }
        }
    };
    let mut appr_ev = approval.evidence.clone();
    if appr_ev.is_empty()
        && let Some(s) = sig.on_behalf_of_board
    {
        appr_ev.push(ev(doc, s));
    }
    let appr_status = if scanned {
        FindingStatus::CannotVerify
    } else {
        match best_appr.as_ref().map(|c| c.kind) {
            Some(ApproverKind::Board) => FindingStatus::Pass,
            Some(ApproverKind::Executive) | Some(ApproverKind::Individual) => FindingStatus::Fail,
            Some(ApproverKind::Weak)
            | Some(ApproverKind::Committee)
            | Some(ApproverKind::Delegated) => FindingStatus::Review,
            // No approval wording: approval may have happened; the text gives no evidence.
            Some(ApproverKind::Unnamed) | None => FindingStatus::CannotVerify,
        }
    };
    f.push(
        "MSA-54-6a-board-approval",
        appr_status,
        appr_vars(appr_found.clone()),
        appr_ev.clone(),
    );
    f.push(
        "MSA-54-6b-llp-approval",
        appr_status,
        appr_vars(appr_found),
        appr_ev,
    );

    let sig_name = signature
        .name
        .clone()
        .unwrap_or_else(|| "an unnamed signatory".into());
    let sig_role = signature
        .role
        .clone()
        .unwrap_or_else(|| "no job title given".into());
    let sig_vars = |found: &str| {
        Vars::default()
            .set("name", sig_name.clone())
            .set("role", sig_role.clone())
            .set("found", found.to_string())
    };
    let roles_all: Vec<String> = sig.roles().into_iter().map(|s| s.to_string()).collect();
    let any_role = |pred: &dyn Fn(&str) -> bool| roles_all.iter().any(|r| pred(r));
    let sig_text_all: String = sig
        .all
        .iter()
        .flat_map(|c| c.spans.iter())
        .map(|s| &doc.text[s.0..s.1])
        .collect::<Vec<_>>()
        .join(" ");
    let sig_status = |ok: bool| -> FindingStatus {
        if scanned {
            FindingStatus::CannotVerify
        } else if !signature.present {
            FindingStatus::Fail
        } else if ok {
            FindingStatus::Pass
        } else {
            FindingStatus::Review
        }
    };
    let no_sig = if signature.present {
        ""
    } else {
        "No signature, signatory or signature block was found."
    };
    let director_ok = any_role(&|r| is_director(r, rules));
    f.push(
        "MSA-54-6a-director-signature",
        sig_status(director_ok),
        sig_vars(no_sig),
        signature.evidence.clone(),
    );
    let designated_ok = any_role(&|r| lex_match(rules, "llp_designated", r));
    f.push(
        "MSA-54-6b-llp-signature",
        sig_status(designated_ok),
        sig_vars(no_sig),
        signature.evidence.clone(),
    );
    let gp_ok = any_role(&|r| lex_match(rules, "lp_general_partner", r))
        || lex_match(rules, "lp_general_partner", &sig_text_all);
    f.push(
        "MSA-54-6c-lp-signature",
        sig_status(gp_ok),
        sig_vars(no_sig),
        signature.evidence.clone(),
    );
    let partner_ok = any_role(&|r| lex_match(rules, "partner_roles", r));
    f.push(
        "MSA-54-6d-partnership-signature",
        sig_status(partner_ok),
        sig_vars(no_sig),
        signature.evidence.clone(),
    );

    f.push(
        "MSA-54-11-enforcement-info",
        FindingStatus::Info,
        Vars::default(),
        vec![],
    );

    // ---- guidance: the six areas first ----
    for a in Area::ALL {
        let r = area_results.get(a);
        let status = if scanned {
            FindingStatus::CannotVerify
        } else if r.present {
            FindingStatus::Pass
        } else {
            FindingStatus::Warn
        };
        f.push(a.rule_id(), status, Vars::default(), r.evidence.clone());
    }
    let covered = area_results.covered();
    let missing: Vec<String> = Area::ALL
        .into_iter()
        .filter(|a| !covered.contains(a))
        .map(|a| a.in_sentence())
        .collect();
    let n_vars = || {
        Vars::default()
            .set("n", covered.len().to_string())
            .set("missing", missing.join("; "))
    };
    f.push(
        "GUID-six-areas-coverage",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(covered.len() == 6).warnish()
        },
        n_vars(),
        vec![],
    );
    let text_rule =
        |f: &mut Findings<'_>, id: &str, ok: bool, spans: &[(usize, usize)], vars: Vars| {
            let status = if scanned {
                FindingStatus::CannotVerify
            } else if ok {
                FindingStatus::Pass
            } else {
                FindingStatus::Warn
            };
            f.push(
                id,
                status,
                vars,
                spans.iter().take(2).map(|s| ev(doc, *s)).collect(),
            );
        };
    text_rule(
        &mut f,
        "GUID-2025-remediation",
        remediation.present(),
        &remediation.spans,
        Vars::default(),
    );
    let claim = slavery_free
        .spans
        .first()
        .map(|s| format!("\"{}\"", ev(doc, *s).quote))
        .unwrap_or_default();
    text_rule(
        &mut f,
        "GUID-no-slavery-free-claim",
        !slavery_free.present(),
        &slavery_free.spans,
        Vars::default().set("found", claim),
    );

    // Approval quality.
    let date_str = |d: Option<NaiveDate>| d.map(fmt_date).unwrap_or_default();
    let appr_date_ok = approval.present && approval.date.is_some();
    f.push(
        "GUID-approval-date",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(appr_date_ok).warnish()
        },
        Vars::default().set("date", date_str(approval.date)),
        approval.evidence.clone(),
    );
    f.push(
        "GOVUK-approval-stated",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(approval.present).warnish()
        },
        Vars::default(),
        approval.evidence.clone(),
    );
    let mut sig_missing = Vec::new();
    if signature.name.is_none() {
        sig_missing.push("name");
    }
    if signature.role.is_none() {
        sig_missing.push("job title");
    }
    if signature.date.is_none() {
        sig_missing.push("date");
    }
    let sig_missing_s = if signature.present {
        sig_missing.join(", ")
    } else {
        "a sign-off (name, job title and date)".to_string()
    };
    f.push(
        "GOVUK-signoff-name-title-date",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(signature.present && sig_missing.is_empty()).warnish()
        },
        Vars::default().set("missing", sig_missing_s),
        signature.evidence.clone(),
    );
    let fye = financial_year.end;
    let signoff_date = approval.date.or(signature.date);
    match (signoff_date, fye) {
        (Some(d), Some(e)) => {
            // A month-only date ("June 2024") counts as the month's end.
            let d_cmp =
                dates::last_of_month(chrono::Datelike::year(&d), chrono::Datelike::month(&d));
            let d_cmp =
                if approval.date.is_some() && approval_date.is_some_and(|x| x.0.day.is_some()) {
                    d
                } else {
                    d_cmp
                };
            f.push(
                "REG-approval-after-period",
                st(d_cmp > e).warnish(),
                Vars::default()
                    .set("date", fmt_date(d))
                    .set("fye", fmt_date(e)),
                approval
                    .evidence
                    .iter()
                    .chain(signature.evidence.iter())
                    .take(1)
                    .cloned()
                    .collect(),
            );
        }
        _ => f.push(
            "REG-approval-after-period",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        ),
    }

    // Timing and the period.
    let fye_found = match (fyf.end, fyf.year_only) {
        (None, Some(y)) => format!(
            "Only the year is given (\"{}\"), not the date it ended.",
            &doc.text[y.0..y.1]
        ),
        _ => String::new(),
    };
    f.push(
        "GUID-fye-date",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(fyf.end.is_some()).warnish()
        },
        Vars::default()
            .set("fye", date_str(fyf.end))
            .set("found", fye_found),
        financial_year.evidence.clone(),
    );
    match (fyf.start, fyf.end) {
        (Some(s), Some(e)) => {
            let m = fy::period_months(s, e);
            f.push(
                "REG-period-12-18-months",
                st((12..=18).contains(&m)).warnish(),
                Vars::default().set("n", m.to_string()),
                financial_year.evidence.clone(),
            );
        }
        _ => f.push(
            "REG-period-12-18-months",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        ),
    }
    match fye {
        Some(e) => {
            let expected = fy::six_months_after(e);
            let today = opts
                .today
                .unwrap_or_else(|| chrono::Utc::now().date_naive());
            let (status, found) = match (opts.published, signoff_date) {
                (Some(p), _) => (
                    st(p <= expected).warnish(),
                    format!("Published {}.", fmt_date(p)),
                ),
                (None, Some(d)) => (
                    st(d <= expected).warnish(),
                    format!("Approved or signed {}.", fmt_date(d)),
                ),
                (None, None) if today <= expected => (FindingStatus::Pass, String::new()),
                (None, None) => (
                    FindingStatus::CannotVerify,
                    "The publication date is not known.".to_string(),
                ),
            };
            f.push(
                "GUID-deadline-6-months",
                status,
                Vars::default()
                    .set("fye", fmt_date(e))
                    .set("expected_by", fmt_date(expected))
                    .set("found", found),
                vec![],
            );
        }
        None => f.push(
            "GUID-deadline-6-months",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        ),
    }
    text_rule(
        &mut f,
        "GUID-progress",
        progress.present(),
        &progress.spans,
        Vars::default(),
    );
    match readability(doc, &sents) {
        Some((ease, wps)) if !scanned => {
            let found =
                format!("reading ease {ease:.0} of 100, {wps:.0} words a sentence on average");
            f.push(
                "GUID-plain-language",
                st(ease >= 25.0 && wps <= 30.0).warnish(),
                Vars::default().set("found", found),
                vec![],
            );
        }
        _ => f.push(
            "GUID-plain-language",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        ),
    }
    let words = word_count(&doc.text);
    if scanned || words < 20 {
        f.push(
            "GUID-english",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        );
    } else {
        // English when at least 8 words in 100 are common English words:
        // counting stops there.
        let enough = (words * 8).div_ceil(100);
        let english = rules
            .lexicon("english_words")
            .map_or(0, |re| re.count(&doc.text, enough));
        f.push(
            "GUID-english",
            st(english >= enough).warnish(),
            Vars::default(),
            vec![],
        );
    }

    // Groups (detection by the group module).
    // A group statement names its entities when it names more than the parent.
    let named = group.entities.len() >= 2;
    let entities_found = group.entities.join("; ");
    f.push(
        "GUID-group-name-entities",
        st(named).warnish(),
        Vars::default().set("found", entities_found.clone()),
        vec![],
    );
    if opts.members.is_empty() {
        f.push(
            "GUID-group-coverage",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        );
    } else {
        let missing: Vec<&str> = group
            .coverage
            .iter()
            .filter(|c| !c.named)
            .map(|c| c.name.as_str())
            .collect();
        let e: Vec<Evidence> = group
            .coverage
            .iter()
            .flat_map(|c| c.evidence.iter().take(1).cloned())
            .take(3)
            .collect();
        f.push(
            "GUID-group-coverage",
            st(missing.is_empty() && !group.coverage.is_empty()),
            Vars::default().set("found", missing.join(", ")),
            e,
        );
    }
    f.push(
        "GUID-group-approval",
        match (approval.present, &per_entity_approval) {
            // Each covered entity's board approved or adopted it.
            (true, Some(_)) => FindingStatus::Pass,
            // Only the parent's board: an open question, so review, never fail.
            (true, None) => FindingStatus::Review,
            (false, _) => FindingStatus::CannotVerify,
        },
        Vars::default(),
        match &per_entity_approval {
            Some(ev) if approval.present => vec![ev.clone()],
            _ => approval.evidence.clone(),
        },
    );

    // ---- proposed (readiness) ----
    f.push(
        "GOV2020-mandatory-areas",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(covered.len() == 6).warnish()
        },
        Vars::default()
            .set("n", (6 - covered.len()).to_string())
            .set("missing", missing.join("; ")),
        vec![],
    );
    f.push(
        "GOV2020-entities-named",
        st(named).warnish(),
        Vars::default(),
        vec![],
    );
    let mut ad_missing = Vec::new();
    if approval.date.is_none() || !approval.present {
        ad_missing.push("the date of board approval");
    }
    if signature.date.is_none() {
        ad_missing.push("the date of the director's sign-off");
    }
    f.push(
        "GOV2020-approval-dates",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(ad_missing.is_empty()).warnish()
        },
        Vars::default().set("missing", ad_missing.join(" and ")),
        vec![],
    );
    match fye {
        Some(e) => {
            use chrono::Datelike;
            let march = e.month() == 3 && e.day() == 31;
            let by = NaiveDate::from_ymd_opt(e.year(), 9, 30);
            let in_time = match (opts.published, by) {
                (Some(p), Some(b)) => p <= b,
                _ => true,
            };
            let found = opts
                .published
                .map(|p| format!(", published {}", fmt_date(p)))
                .unwrap_or_default();
            f.push(
                "GOV2020-single-deadline",
                st(march && in_time).warnish(),
                Vars::default().set("fye", fmt_date(e)).set("found", found),
                vec![],
            );
        }
        None => f.push(
            "GOV2020-single-deadline",
            FindingStatus::CannotVerify,
            Vars::default(),
            vec![],
        ),
    }
    let public_sign_ok =
        signature.present && (any_role(&|r| lex_match(rules, "public_signoff_roles", r)));
    f.push(
        "GOV2020-public-signoff",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(public_sign_ok).warnish()
        },
        sig_vars(if signature.present {
            "The signatory's title is not accounting officer, chief executive or equivalent."
        } else {
            no_sig
        }),
        signature.evidence.clone(),
    );
    let public_appr_ok = appr.all.iter().any(|c| {
        matches!(c.kind, ApproverKind::Board | ApproverKind::Executive)
            && c.body.as_deref().is_some_and(|b| {
                lex_match(rules, "public_approval_bodies", b)
                    || lex_match(rules, "executive_bodies", b)
            })
    });
    f.push(
        "GOV2020-public-approval",
        if scanned {
            FindingStatus::CannotVerify
        } else {
            st(public_appr_ok).warnish()
        },
        Vars::default()
            .set("body", approval.body.clone().unwrap_or_default())
            .set(
                "found",
                if approval.body.is_none() {
                    "No approval wording was found."
                } else {
                    ""
                },
            ),
        approval.evidence.clone(),
    );
    if group.is_group {
        f.push(
            "GOV2020-public-group",
            st(named).warnish(),
            Vars::default(),
            vec![],
        );
    } else {
        f.push(
            "GOV2020-public-group",
            FindingStatus::NotApplicable,
            Vars::default(),
            vec![],
        );
    }
    f.push(
        "GOV2020-civil-penalties-info",
        FindingStatus::Info,
        Vars::default(),
        vec![],
    );

    let mut findings = f.out;

    // ---- scores (before any profile changes forces) ----
    let credit = |fi: &Finding| -> Option<f32> {
        match fi.status {
            FindingStatus::Pass => Some(1.0),
            FindingStatus::Warn | FindingStatus::Fail => {
                let area = Area::ALL.into_iter().find(|a| a.rule_id() == fi.rule);
                Some(
                    area.map(|a| area_results.get(a).strength.min(0.49))
                        .unwrap_or(0.0),
                )
            }
            FindingStatus::Review => Some(0.5),
            _ => None,
        }
    };
    let weighted = |force: Force| -> u8 {
        let mut num = 0.0f32;
        let mut den = 0.0f32;
        for fi in findings.iter().filter(|x| x.force == force) {
            let w = rules.rule(&fi.rule).map(|r| r.weight).unwrap_or(0.0);
            if w <= 0.0 {
                continue;
            }
            if let Some(c) = credit(fi) {
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
    let mut score = if scanned {
        0
    } else {
        weighted(Force::Guidance)
    };
    if no_steps_declared && content_areas == 0 {
        score = 0;
    }
    let readiness = if scanned {
        0
    } else {
        weighted(Force::Proposed)
    };

    // ---- profile: readiness for proposals, as if they were in force ----
    // A promoted proposal keeps its force (`proposed`: it is not law); its
    // shortfall becomes a failure that decides the readiness verdict.
    let promoted: &[String] = match rules.profile(&profile_name) {
        Ok(profile) => &profile.promote,
        Err(_) => &[],
    };
    for fi in findings.iter_mut() {
        if promoted.contains(&fi.rule) && fi.status == FindingStatus::Warn {
            fi.status = FindingStatus::Fail;
        }
    }
    let verdict = Verdict::decided_by(findings.iter(), |f| {
        f.force == Force::Statute || promoted.contains(&f.rule)
    });
    let verdict_basis = if promoted.is_empty() {
        VerdictBasis::Law
    } else {
        VerdictBasis::Readiness
    };

    let mut notes = doc.notes.clone();
    // Idempotent: re-scoring a stored version must give the same notes.
    if !doc.is_scanned() && !readable && !notes.iter().any(|n| n == NOTE_UNREADABLE) {
        notes.push(NOTE_UNREADABLE.to_string());
    }
    Assessment {
        schema: CHECK_SCHEMA.to_string(),
        source: doc.source.clone(),
        text_chars: doc.char_len(),
        entity_type,
        financial_year,
        approval,
        signature,
        areas: area_results,
        group,
        no_steps_declared,
        findings,
        score,
        verdict,
        verdict_basis,
        readiness,
        profile: profile_name,
        notes,
    }
}

trait Warnish {
    /// Guidance and proposal shortfalls are warnings, never failures.
    fn warnish(self) -> FindingStatus;
}

impl Warnish for FindingStatus {
    fn warnish(self) -> FindingStatus {
        if self == FindingStatus::Fail {
            FindingStatus::Warn
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

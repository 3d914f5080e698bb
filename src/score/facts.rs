//! What the detectors found in one document, worked out once: every rule
//! evaluation ([`super::table`]) reads these facts and nothing else.

use super::approval::{self, ApprovalFound, ApproverKind};
use super::areas::{self, SetScore};
use super::fy::{self, FyFound};
use super::signature::{self, SignatureFound};
use super::{CheckOptions, entity, group, sentences};
use crate::domain::{
    Approval, Area, Areas, Document, EntityType, Evidence, FinancialYear, Group, Signature,
};
use crate::rules::Rulebook;
use chrono::NaiveDate;

/// The facts of one document.
pub(super) struct Facts<'a> {
    pub doc: &'a Document,
    pub opts: &'a CheckOptions,
    pub rules: &'a Rulebook,
    pub sents: Vec<sentences::Sentence>,
    /// No readable text: text rules cannot be verified.
    pub scanned: bool,
    /// Fewer than 40 letters or digits.
    pub readable: bool,
    pub entity: EntityType,
    pub fyf: FyFound,
    pub appr: ApprovalFound,
    pub approval_date: Option<(super::dates::FoundDate, (usize, usize))>,
    pub sig: SignatureFound,
    pub group: Group,
    pub per_entity_approval: Option<Evidence>,
    pub areas: Areas,
    pub sets: Sets,
    pub self_reference: bool,
    pub financial_year: FinancialYear,
    pub approval: Approval,
    pub signature: Signature,
    /// Every role the signature blocks give.
    pub roles: Vec<String>,
}

/// The scores of the pattern sets other than the six areas.
#[derive(Default)]
pub(super) struct Sets {
    pub steps: SetScore,
    pub no_steps: SetScore,
    pub future: SetScore,
    pub policy_doc: SetScore,
    pub slavery_free: SetScore,
    pub remediation: SetScore,
    pub progress: SetScore,
    pub supply: SetScore,
    pub own: SetScore,
}

/// The pattern set that evidences each area.
fn set_for(a: Area) -> &'static str {
    match a {
        Area::Structure => "PAT-STRUCTURE",
        Area::Policies => "PAT-POLICY",
        Area::DueDiligence => "PAT-DD",
        Area::Risk => "PAT-RISK",
        Area::Effectiveness => "PAT-KPI",
        Area::Training => "PAT-TRAINING",
    }
}

impl<'a> Facts<'a> {
    /// Runs every detector over `doc` once.
    pub fn of(doc: &'a Document, opts: &'a CheckOptions, rules: &'a Rulebook) -> Facts<'a> {
        let sents = sentences::split(doc);
        // Stops at the 40th letter or digit, not at the end of the text.
        let readable = doc
            .text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .nth(39)
            .is_some();
        let entity = opts.entity.unwrap_or_else(|| entity::infer(doc, rules));
        let fyf = fy::detect(&doc.text);
        let appr = approval::detect(doc, &sents, rules);
        let approval_spans: Vec<(usize, usize)> = appr.all.iter().map(|c| c.span).collect();
        let sig = signature::detect(doc, &sents, rules, &approval_spans);
        let mut analysis = group::analyse(doc, &opts.members);
        // A caller who lists members has said it is a group statement.
        analysis.group.is_group |= !opts.members.is_empty();
        let hits = areas::scan(doc, &sents, rules);
        let score = |id: &str| {
            rules
                .set(id)
                .map(|set| areas::score_scanned(doc, &sents, &hits, set, rules))
                .unwrap_or_default()
        };
        let mut area_results = Areas::default();
        for a in Area::ALL {
            *area_results.get_mut(a) = areas::area_result(doc, &score(set_for(a)));
        }
        let sets = Sets {
            steps: score("PAT-STEPS"),
            no_steps: score("PAT-NO-STEPS"),
            future: score("PAT-FUTURE"),
            policy_doc: score("PAT-POLICY-DOC"),
            slavery_free: score("PAT-SLAVERY-FREE"),
            remediation: score("PAT-REMEDIATION"),
            progress: score("PAT-PROGRESS"),
            supply: score("PAT-SUPPLY-CHAIN"),
            own: score("PAT-OWN-BUSINESS"),
        };
        let approval_date = approval::any_date(&appr);
        let approval = approval_of(doc, &appr, approval_date);
        let signature = signature_of(doc, &sig);
        let roles = sig.roles().into_iter().map(str::to_string).collect();
        Facts {
            financial_year: financial_year_of(doc, &fyf, opts.fy_end),
            self_reference: lex_match(rules, "self_reference", &doc.text),
            scanned: doc.is_scanned() || !readable,
            readable,
            entity,
            fyf,
            appr,
            approval_date,
            sig,
            group: analysis.group,
            per_entity_approval: analysis.per_entity_approval,
            areas: area_results,
            sets,
            approval,
            signature,
            roles,
            sents,
            doc,
            opts,
            rules,
        }
    }

    /// A quote of `span`.
    pub fn ev(&self, span: (usize, usize)) -> Evidence {
        areas::quote(self.doc, span.0, span.1)
    }

    /// Quotes of the first `n` spans.
    pub fn quotes(&self, spans: &[(usize, usize)], n: usize) -> Vec<Evidence> {
        spans.iter().take(n).map(|s| self.ev(*s)).collect()
    }

    /// Whether any signatory's role satisfies `pred`.
    pub fn any_role(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.roles.iter().any(|r| pred(r))
    }

    /// Whether a word list of the rulebook matches `text`.
    pub fn lex(&self, key: &str, text: &str) -> bool {
        lex_match(self.rules, key, text)
    }

    /// The date it was approved, else signed.
    pub fn signoff_date(&self) -> Option<NaiveDate> {
        self.approval.date.or(self.signature.date)
    }

    /// The five areas that describe steps (all but the structure).
    pub fn content_areas(&self) -> usize {
        [
            Area::Policies,
            Area::DueDiligence,
            Area::Risk,
            Area::Effectiveness,
            Area::Training,
        ]
        .into_iter()
        .filter(|a| self.areas.get(*a).present)
        .count()
    }

    /// The titles of the areas not covered, lower-cased.
    pub fn missing_areas(&self) -> Vec<String> {
        let covered = self.areas.covered();
        Area::ALL
            .into_iter()
            .filter(|a| !covered.contains(a))
            .map(|a| a.in_sentence())
            .collect()
    }

    /// A group statement names its entities when it names more than the
    /// parent.
    pub fn entities_named(&self) -> bool {
        self.group.entities.len() >= 2
    }

    /// The best approval's kind, if any was found.
    pub fn approver(&self) -> Option<ApproverKind> {
        self.appr.best.as_ref().map(|c| c.kind)
    }
}

pub(super) fn lex_match(rules: &Rulebook, key: &str, text: &str) -> bool {
    rules.lexicon(key).is_some_and(|re| re.is_match(text))
}

fn financial_year_of(doc: &Document, fyf: &FyFound, given: Option<NaiveDate>) -> FinancialYear {
    let mut financial_year = FinancialYear {
        start: fyf.start,
        end: fyf.end,
        evidence: fyf
            .span
            .or(fyf.year_only)
            .map(|s| vec![doc.evidence(s.0, s.1)])
            .unwrap_or_default(),
    };
    if financial_year.end.is_none() {
        financial_year.end = given;
    }
    financial_year
}

fn approval_of(
    doc: &Document,
    appr: &ApprovalFound,
    date: Option<(super::dates::FoundDate, (usize, usize))>,
) -> Approval {
    let best = appr.best.as_ref();
    let mut evidence: Vec<Evidence> = best
        .iter()
        .map(|c| areas::quote(doc, c.span.0, c.span.1))
        .collect();
    if let Some((_, a)) = date
        && !best.is_some_and(|c| c.span.0 <= a.0 && a.1 <= c.span.1)
    {
        evidence.push(doc.evidence(a.0, a.1));
    }
    Approval {
        present: best.is_some_and(|c| c.present()),
        body: best.and_then(|c| c.body.clone()),
        date: date.map(|(d, _)| d.first_day()),
        evidence,
    }
}

fn signature_of(doc: &Document, sig: &SignatureFound) -> Signature {
    let best = sig.best.as_ref();
    let evidence = best
        .map(|c| {
            let mut e: Vec<Evidence> = c
                .spans
                .iter()
                .take(3)
                .map(|s| areas::quote(doc, s.0, s.1))
                .collect();
            if let Some(a) = c.date_abs
                && !c.spans.iter().any(|s| s.0 <= a.0 && a.1 <= s.1)
            {
                e.push(doc.evidence(a.0, a.1));
            }
            e
        })
        .unwrap_or_default();
    Signature {
        present: best.is_some(),
        name: best.and_then(|c| c.name.clone()),
        role: best.and_then(|c| c.role.clone()),
        date: best.and_then(|c| c.date).map(|d| d.first_day()),
        evidence,
    }
}

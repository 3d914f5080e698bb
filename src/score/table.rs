//! The rules as a table: one entry per rule id of `rules/*.toml`, in the
//! order findings are reported, each with a small evaluation over the
//! document's [`Facts`]. The rulebook gives each rule its force, who it
//! applies to, its messages and its fix; this table gives only what the
//! text says. Adding a rule is one TOML entry and one entry here.

use super::approval::ApproverKind;
use super::facts::Facts;
use super::findings::{Vars, Warnish, fmt_date, pass_if};
use super::{dates, fy, readability, word_count};
use crate::domain::{Area, Evidence, FindingStatus};
use chrono::NaiveDate;

/// What a rule found: its status, the values for its message, the quotes.
pub(super) struct Outcome {
    pub status: FindingStatus,
    pub vars: Vars,
    pub evidence: Vec<Evidence>,
}

impl Outcome {
    fn new(status: FindingStatus) -> Outcome {
        Outcome {
            status,
            vars: Vars::default(),
            evidence: Vec::new(),
        }
    }

    fn set(mut self, key: &'static str, value: impl Into<String>) -> Outcome {
        self.vars = self.vars.set(key, value);
        self
    }

    fn quoting(mut self, evidence: Vec<Evidence>) -> Outcome {
        self.evidence = evidence;
        self
    }

    fn cannot_verify() -> Option<Outcome> {
        Some(Outcome::new(FindingStatus::CannotVerify))
    }
}

/// What a rule does with a document that has no readable text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unreadable {
    /// Cannot verify, with nothing quoted.
    Blank,
    /// Evaluated, but reported as cannot verify.
    Mark,
    /// Not reported at all.
    Skip,
    /// Evaluated as any other document (its evaluation says what it can).
    Evaluate,
}

/// One rule of the table.
pub(super) struct Entry {
    pub rule: &'static str,
    pub unreadable: Unreadable,
    /// `None`: the rule has nothing to report for this document.
    pub eval: fn(&Facts) -> Option<Outcome>,
}

const fn entry(
    rule: &'static str,
    unreadable: Unreadable,
    eval: fn(&Facts) -> Option<Outcome>,
) -> Entry {
    Entry {
        rule,
        unreadable,
        eval,
    }
}

use Unreadable::{Blank, Evaluate, Mark, Skip};

pub(super) const TABLE: &[Entry] = &[
    entry("MSA-54-1-fy-identified", Blank, fy_identified),
    entry("MSA-54-4-steps-or-none", Blank, steps_or_none),
    entry("MSA-54-4-scope-both", Skip, scope_both),
    entry("MSA-54-4-no-steps-declared", Evaluate, no_steps_declared),
    entry("MSA-54-6a-board-approval", Mark, board_approval),
    entry("MSA-54-6b-llp-approval", Mark, board_approval),
    entry("MSA-54-6a-director-signature", Mark, director_signature),
    entry("MSA-54-6b-llp-signature", Mark, llp_signature),
    entry("MSA-54-6c-lp-signature", Mark, lp_signature),
    entry(
        "MSA-54-6d-partnership-signature",
        Mark,
        partnership_signature,
    ),
    entry("MSA-54-11-enforcement-info", Evaluate, info),
    entry("MSA-54-5a-structure", Mark, |x| area(x, Area::Structure)),
    entry("MSA-54-5b-policies", Mark, |x| area(x, Area::Policies)),
    entry("MSA-54-5c-due-diligence", Mark, |x| {
        area(x, Area::DueDiligence)
    }),
    entry("MSA-54-5d-risk", Mark, |x| area(x, Area::Risk)),
    entry("MSA-54-5e-effectiveness", Mark, |x| {
        area(x, Area::Effectiveness)
    }),
    entry("MSA-54-5f-training", Mark, |x| area(x, Area::Training)),
    entry("GUID-six-areas-coverage", Mark, six_areas),
    entry("GUID-2025-remediation", Mark, remediation),
    entry("GUID-no-slavery-free-claim", Mark, no_slavery_free_claim),
    entry("GUID-approval-date", Mark, approval_date),
    entry("GOVUK-approval-stated", Mark, approval_stated),
    entry("GOVUK-signoff-name-title-date", Mark, signoff_complete),
    entry("REG-approval-after-period", Evaluate, approval_after_period),
    entry("GUID-fye-date", Mark, fye_date),
    entry("REG-period-12-18-months", Evaluate, period_length),
    entry("GUID-deadline-6-months", Evaluate, deadline),
    entry("GUID-progress", Mark, progress),
    entry("GUID-plain-language", Blank, plain_language),
    entry("GUID-english", Blank, english),
    entry("GUID-group-name-entities", Evaluate, group_names_entities),
    entry("GUID-group-coverage", Evaluate, group_coverage),
    entry("GUID-group-approval", Evaluate, group_approval),
    entry("GOV2020-mandatory-areas", Mark, mandatory_areas),
    entry("GOV2020-entities-named", Evaluate, entities_named),
    entry("GOV2020-approval-dates", Mark, approval_dates),
    entry("GOV2020-single-deadline", Evaluate, single_deadline),
    entry("GOV2020-public-signoff", Mark, public_signoff),
    entry("GOV2020-public-approval", Mark, public_approval),
    entry("GOV2020-public-group", Evaluate, public_group),
    entry("GOV2020-civil-penalties-info", Evaluate, info),
];

/// The outcome of `entry` for the document, as reported.
pub(super) fn evaluate(entry: &Entry, x: &Facts) -> Option<Outcome> {
    if !x.scanned {
        return (entry.eval)(x);
    }
    match entry.unreadable {
        Blank => Outcome::cannot_verify(),
        Skip => None,
        Evaluate => (entry.eval)(x),
        Mark => (entry.eval)(x).map(|o| Outcome {
            status: FindingStatus::CannotVerify,
            ..o
        }),
    }
}

fn info(_: &Facts) -> Option<Outcome> {
    Some(Outcome::new(FindingStatus::Info))
}

// ---- statute ----

fn fy_identified(x: &Facts) -> Option<Outcome> {
    let (end, year_only, given) = (x.financial_year.end, x.fyf.year_only, x.opts.fy_end);
    if end.is_none() && year_only.is_none() {
        return Outcome::cannot_verify();
    }
    let found = match (end, year_only, given) {
        (Some(e), _, _) if x.fyf.end.is_some() => format!("year ending {}", fmt_date(e)),
        (_, Some(y), _) => format!("\"{}\"", &x.doc.text[y.0..y.1]),
        (Some(e), _, Some(_)) => format!("given by the caller: year ending {}", fmt_date(e)),
        _ => String::new(),
    };
    let evidence = x.financial_year.evidence.clone();
    Some(
        Outcome::new(FindingStatus::Pass)
            .set("found", found)
            .quoting(evidence),
    )
}

fn steps_or_none(x: &Facts) -> Option<Outcome> {
    let s = &x.sets;
    let steps_evidence = x.quotes(&s.steps.spans, 2);
    let is_policy_doc = s.policy_doc.present() && !x.self_reference;
    let outcome = if s.no_steps.present() {
        Outcome::new(FindingStatus::Pass)
            .set(
                "found",
                "it states that no steps were taken, as s.54(4)(b) allows",
            )
            .quoting(x.quotes(&s.no_steps.spans, 1))
    } else if is_policy_doc {
        Outcome::new(FindingStatus::Fail)
            .set("found", "It reads as a policy (rules for the future), not a statement of steps taken during a financial year.")
            .quoting(x.quotes(&s.policy_doc.spans, 2))
    } else if s.steps.present() || x.content_areas() >= 1 {
        let found: Vec<String> = Area::ALL
            .into_iter()
            .filter(|a| x.areas.get(*a).present && *a != Area::Structure)
            .map(|a| a.in_sentence())
            .collect();
        let found = if found.is_empty() {
            "actions described in the past or present tense".to_string()
        } else {
            found.join(", ")
        };
        Outcome::new(FindingStatus::Pass)
            .set("found", found)
            .quoting(steps_evidence)
    } else if s.future.spans.len() >= 2 {
        Outcome::new(FindingStatus::Fail)
            .set(
                "found",
                "Its actions are all plans (\"we will\", \"we intend to\"), not steps taken.",
            )
            .quoting(x.quotes(&s.future.spans, 2))
    } else {
        Outcome::new(FindingStatus::Fail).quoting(steps_evidence)
    };
    Some(outcome)
}

fn scope_both(x: &Facts) -> Option<Outcome> {
    let (supply, own) = (&x.sets.supply, &x.sets.own);
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
    let mut e = x.quotes(&supply.spans, 1);
    e.extend(x.quotes(&own.spans, 1));
    Some(Outcome::new(status).set("found", found).quoting(e))
}

fn no_steps_declared(x: &Facts) -> Option<Outcome> {
    let no_steps = &x.sets.no_steps;
    no_steps
        .present()
        .then(|| Outcome::new(FindingStatus::Info).quoting(x.quotes(&no_steps.spans, 1)))
}

/// s.54(6): what the approval wording says, for the message.
fn approval_found(x: &Facts) -> String {
    let Some(c) = x.appr.best.as_ref() else {
        return match x.sig.on_behalf_of_board {
            Some(_) => {
                "It is signed on behalf of the board, but does not say the board approved it."
                    .to_string()
            }
            None => "No approval wording was found.".to_string(),
        };
    };
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

fn board_approval(x: &Facts) -> Option<Outcome> {
    let mut evidence = x.approval.evidence.clone();
    if evidence.is_empty()
        && let Some(s) = x.sig.on_behalf_of_board
    {
        evidence.push(x.ev(s));
    }
    let status = match x.approver() {
        Some(ApproverKind::Board) => FindingStatus::Pass,
        Some(ApproverKind::Executive) | Some(ApproverKind::Individual) => FindingStatus::Fail,
        Some(ApproverKind::Weak)
        | Some(ApproverKind::Committee)
        | Some(ApproverKind::Delegated) => FindingStatus::Review,
        // No approval wording: approval may have happened; the text gives no evidence.
        Some(ApproverKind::Unnamed) | None => FindingStatus::CannotVerify,
    };
    let body = x.approval.body.clone();
    Some(
        Outcome::new(status)
            .set("body", body.unwrap_or_else(|| "the board".into()))
            .set("found", approval_found(x))
            .quoting(evidence),
    )
}

/// A signature rule: fails without a signature, passes when a signatory's
/// role satisfies the rule, else needs review.
fn signature_rule(x: &Facts, ok: bool, found_when_signed: &str) -> Option<Outcome> {
    let sig = &x.signature;
    let status = if !sig.present {
        FindingStatus::Fail
    } else if ok {
        FindingStatus::Pass
    } else {
        FindingStatus::Review
    };
    let found = if sig.present {
        found_when_signed
    } else {
        "No signature, signatory or signature block was found."
    };
    let name = sig.name.clone();
    let role = sig.role.clone();
    Some(
        Outcome::new(status)
            .set(
                "name",
                name.unwrap_or_else(|| "an unnamed signatory".into()),
            )
            .set("role", role.unwrap_or_else(|| "no job title given".into()))
            .set("found", found)
            .quoting(sig.evidence.clone()),
    )
}

fn director_signature(x: &Facts) -> Option<Outcome> {
    let ok = x.any_role(|r| super::is_director(r, x.rules));
    signature_rule(x, ok, "")
}

fn llp_signature(x: &Facts) -> Option<Outcome> {
    signature_rule(x, x.any_role(|r| x.lex("llp_designated", r)), "")
}

fn lp_signature(x: &Facts) -> Option<Outcome> {
    let spans = x.sig.all.iter().flat_map(|c| c.spans.iter());
    let all_text: Vec<&str> = spans.map(|s| &x.doc.text[s.0..s.1]).collect();
    let ok = x.any_role(|r| x.lex("lp_general_partner", r))
        || x.lex("lp_general_partner", &all_text.join(" "));
    signature_rule(x, ok, "")
}

fn partnership_signature(x: &Facts) -> Option<Outcome> {
    signature_rule(x, x.any_role(|r| x.lex("partner_roles", r)), "")
}

fn area(x: &Facts, a: Area) -> Option<Outcome> {
    let r = x.areas.get(a);
    let status = if r.present {
        FindingStatus::Pass
    } else {
        FindingStatus::Warn
    };
    Some(Outcome::new(status).quoting(r.evidence.clone()))
}

// ---- guidance ----

fn six_areas(x: &Facts) -> Option<Outcome> {
    let covered = x.areas.covered().len();
    Some(
        Outcome::new(pass_if(covered == 6).warnish())
            .set("n", covered.to_string())
            .set("missing", x.missing_areas().join("; ")),
    )
}

/// A guidance point shown by wording: pass when `ok`, quoting up to two
/// of `spans`.
fn text_rule(x: &Facts, ok: bool, spans: &[(usize, usize)]) -> Outcome {
    let status = if ok {
        FindingStatus::Pass
    } else {
        FindingStatus::Warn
    };
    Outcome::new(status).quoting(x.quotes(spans, 2))
}

fn remediation(x: &Facts) -> Option<Outcome> {
    let r = &x.sets.remediation;
    Some(text_rule(x, r.present(), &r.spans))
}

fn no_slavery_free_claim(x: &Facts) -> Option<Outcome> {
    let claims = &x.sets.slavery_free;
    let claim = claims
        .spans
        .first()
        .map(|s| format!("\"{}\"", x.ev(*s).quote))
        .unwrap_or_default();
    Some(text_rule(x, !claims.present(), &claims.spans).set("found", claim))
}

fn progress(x: &Facts) -> Option<Outcome> {
    let p = &x.sets.progress;
    Some(text_rule(x, p.present(), &p.spans))
}

fn date_str(d: Option<NaiveDate>) -> String {
    d.map(fmt_date).unwrap_or_default()
}

fn approval_date(x: &Facts) -> Option<Outcome> {
    let a = &x.approval;
    let ok = a.present && a.date.is_some();
    Some(
        Outcome::new(pass_if(ok).warnish())
            .set("date", date_str(a.date))
            .quoting(a.evidence.clone()),
    )
}

fn approval_stated(x: &Facts) -> Option<Outcome> {
    let a = &x.approval;
    Some(Outcome::new(pass_if(a.present).warnish()).quoting(a.evidence.clone()))
}

fn signoff_complete(x: &Facts) -> Option<Outcome> {
    let sig = &x.signature;
    let mut missing = Vec::new();
    if sig.name.is_none() {
        missing.push("name");
    }
    if sig.role.is_none() {
        missing.push("job title");
    }
    if sig.date.is_none() {
        missing.push("date");
    }
    let said = if sig.present {
        missing.join(", ")
    } else {
        "a sign-off (name, job title and date)".to_string()
    };
    let ok = sig.present && missing.is_empty();
    Some(
        Outcome::new(pass_if(ok).warnish())
            .set("missing", said)
            .quoting(sig.evidence.clone()),
    )
}

fn approval_after_period(x: &Facts) -> Option<Outcome> {
    let (Some(d), Some(e)) = (x.signoff_date(), x.financial_year.end) else {
        return Outcome::cannot_verify();
    };
    // A month-only date ("June 2024") counts as the month's end.
    let exact = x.approval.date.is_some() && x.approval_date.is_some_and(|a| a.0.day.is_some());
    let compared = if exact {
        d
    } else {
        dates::last_of_month(chrono::Datelike::year(&d), chrono::Datelike::month(&d))
    };
    let evidence = x
        .approval
        .evidence
        .iter()
        .chain(x.signature.evidence.iter())
        .take(1)
        .cloned()
        .collect();
    Some(
        Outcome::new(pass_if(compared > e).warnish())
            .set("date", fmt_date(d))
            .set("fye", fmt_date(e))
            .quoting(evidence),
    )
}

fn fye_date(x: &Facts) -> Option<Outcome> {
    let found = match (x.fyf.end, x.fyf.year_only) {
        (None, Some(y)) => format!(
            "Only the year is given (\"{}\"), not the date it ended.",
            &x.doc.text[y.0..y.1]
        ),
        _ => String::new(),
    };
    Some(
        Outcome::new(pass_if(x.fyf.end.is_some()).warnish())
            .set("fye", date_str(x.fyf.end))
            .set("found", found)
            .quoting(x.financial_year.evidence.clone()),
    )
}

fn period_length(x: &Facts) -> Option<Outcome> {
    let (Some(s), Some(e)) = (x.fyf.start, x.fyf.end) else {
        return Outcome::cannot_verify();
    };
    let m = fy::period_months(s, e);
    Some(
        Outcome::new(pass_if((12..=18).contains(&m)).warnish())
            .set("n", m.to_string())
            .quoting(x.financial_year.evidence.clone()),
    )
}

fn deadline(x: &Facts) -> Option<Outcome> {
    let Some(e) = x.financial_year.end else {
        return Outcome::cannot_verify();
    };
    let expected = fy::six_months_after(e);
    let today = x
        .opts
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let (status, found) = match (x.opts.published, x.signoff_date()) {
        (Some(p), _) => (
            pass_if(p <= expected).warnish(),
            format!("Published {}.", fmt_date(p)),
        ),
        (None, Some(d)) => (
            pass_if(d <= expected).warnish(),
            format!("Approved or signed {}.", fmt_date(d)),
        ),
        (None, None) if today <= expected => (FindingStatus::Pass, String::new()),
        (None, None) => (
            FindingStatus::CannotVerify,
            "The publication date is not known.".to_string(),
        ),
    };
    Some(
        Outcome::new(status)
            .set("fye", fmt_date(e))
            .set("expected_by", fmt_date(expected))
            .set("found", found),
    )
}

fn plain_language(x: &Facts) -> Option<Outcome> {
    let Some((ease, wps)) = readability(x.doc, &x.sents) else {
        return Outcome::cannot_verify();
    };
    let found = format!("reading ease {ease:.0} of 100, {wps:.0} words a sentence on average");
    let ok = ease >= 25.0 && wps <= 30.0;
    Some(Outcome::new(pass_if(ok).warnish()).set("found", found))
}

fn english(x: &Facts) -> Option<Outcome> {
    let words = word_count(&x.doc.text);
    if words < 20 {
        return Outcome::cannot_verify();
    }
    // English when at least 8 words in 100 are common English words:
    // counting stops there.
    let enough = (words * 8).div_ceil(100);
    let english = x
        .rules
        .lexicon("english_words")
        .map_or(0, |re| re.count(&x.doc.text, enough));
    Some(Outcome::new(pass_if(english >= enough).warnish()))
}

fn group_names_entities(x: &Facts) -> Option<Outcome> {
    let found = x.group.entities.join("; ");
    Some(Outcome::new(pass_if(x.entities_named()).warnish()).set("found", found))
}

fn group_coverage(x: &Facts) -> Option<Outcome> {
    if x.opts.members.is_empty() {
        return Outcome::cannot_verify();
    }
    let coverage = &x.group.coverage;
    let missing: Vec<&str> = coverage
        .iter()
        .filter(|c| !c.named)
        .map(|c| c.name.as_str())
        .collect();
    let evidence = coverage
        .iter()
        .flat_map(|c| c.evidence.iter().take(1).cloned())
        .take(3)
        .collect();
    let ok = missing.is_empty() && !coverage.is_empty();
    Some(
        Outcome::new(pass_if(ok))
            .set("found", missing.join(", "))
            .quoting(evidence),
    )
}

fn group_approval(x: &Facts) -> Option<Outcome> {
    let present = x.approval.present;
    let status = match (present, &x.per_entity_approval) {
        // Each covered entity's board approved or adopted it.
        (true, Some(_)) => FindingStatus::Pass,
        // Only the parent's board: an open question, so review, never fail.
        (true, None) => FindingStatus::Review,
        (false, _) => FindingStatus::CannotVerify,
    };
    let evidence = match &x.per_entity_approval {
        Some(ev) if present => vec![ev.clone()],
        _ => x.approval.evidence.clone(),
    };
    Some(Outcome::new(status).quoting(evidence))
}

// ---- proposed (readiness) ----

fn mandatory_areas(x: &Facts) -> Option<Outcome> {
    let covered = x.areas.covered().len();
    Some(
        Outcome::new(pass_if(covered == 6).warnish())
            .set("n", (6 - covered).to_string())
            .set("missing", x.missing_areas().join("; ")),
    )
}

fn entities_named(x: &Facts) -> Option<Outcome> {
    Some(Outcome::new(pass_if(x.entities_named()).warnish()))
}

fn approval_dates(x: &Facts) -> Option<Outcome> {
    let mut missing = Vec::new();
    if x.approval.date.is_none() || !x.approval.present {
        missing.push("the date of board approval");
    }
    if x.signature.date.is_none() {
        missing.push("the date of the director's sign-off");
    }
    Some(Outcome::new(pass_if(missing.is_empty()).warnish()).set("missing", missing.join(" and ")))
}

fn single_deadline(x: &Facts) -> Option<Outcome> {
    use chrono::Datelike;
    let Some(e) = x.financial_year.end else {
        return Outcome::cannot_verify();
    };
    let march = e.month() == 3 && e.day() == 31;
    let by = NaiveDate::from_ymd_opt(e.year(), 9, 30);
    let in_time = match (x.opts.published, by) {
        (Some(p), Some(b)) => p <= b,
        _ => true,
    };
    let found = x
        .opts
        .published
        .map(|p| format!(", published {}", fmt_date(p)))
        .unwrap_or_default();
    Some(
        Outcome::new(pass_if(march && in_time).warnish())
            .set("fye", fmt_date(e))
            .set("found", found),
    )
}

fn public_signoff(x: &Facts) -> Option<Outcome> {
    let present = x.signature.present;
    let ok = present && x.any_role(|r| x.lex("public_signoff_roles", r));
    let found = "The signatory's title is not accounting officer, chief executive or equivalent.";
    let mut outcome = signature_rule(x, ok, found)?;
    outcome.status = pass_if(ok).warnish();
    Some(outcome)
}

fn public_approval(x: &Facts) -> Option<Outcome> {
    let ok = x.appr.all.iter().any(|c| {
        matches!(c.kind, ApproverKind::Board | ApproverKind::Executive)
            && c.body
                .as_deref()
                .is_some_and(|b| x.lex("public_approval_bodies", b) || x.lex("executive_bodies", b))
    });
    let found = if x.approval.body.is_none() {
        "No approval wording was found."
    } else {
        ""
    };
    Some(
        Outcome::new(pass_if(ok).warnish())
            .set("body", x.approval.body.clone().unwrap_or_default())
            .set("found", found)
            .quoting(x.approval.evidence.clone()),
    )
}

fn public_group(x: &Facts) -> Option<Outcome> {
    if !x.group.is_group {
        return Some(Outcome::new(FindingStatus::NotApplicable));
    }
    Some(Outcome::new(pass_if(x.entities_named()).warnish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_rule_the_checker_emits_once() {
        let ids: Vec<&str> = TABLE.iter().map(|e| e.rule).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "a rule is in the table twice");
        let mut required: Vec<&str> = crate::rules::REQUIRED_RULES.to_vec();
        required.sort_unstable();
        assert_eq!(sorted, required);
        let book = crate::rules::Rulebook::embedded().unwrap();
        for rule in book.rules() {
            assert!(
                ids.contains(&rule.id.as_str()),
                "{} ({}:{}) has no evaluation in score::table",
                rule.id,
                rule.file,
                rule.line
            );
        }
    }
}

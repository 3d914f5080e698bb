//! The checker end to end on fixture statements written for these tests
//! (tests/fixtures/statements/README.md): verdicts, key findings, dates and
//! evidence offsets; rule directories (`Rulebook::from_dir`) and profiles.

use s54::domain::{Assessment, EntityType, FindingStatus, Force, Verdict};
use s54::extract::{Limits, extract};
use s54::rules::Rulebook;
use s54::score::{CheckOptions, assess};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/statements")
        .join(name)
}

fn check_with(name: &str, opts: CheckOptions) -> (Assessment, String) {
    let bytes = std::fs::read(fixture(name)).expect("fixture exists");
    let doc = extract(&bytes, name, &Limits::default()).expect("fixture extracts");
    let rules = Rulebook::embedded().expect("rules compile");
    (assess(&doc, &opts, &rules), doc.text)
}

fn check(name: &str) -> (Assessment, String) {
    check_with(name, CheckOptions::default())
}

fn status(a: &Assessment, rule: &str) -> FindingStatus {
    a.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no finding {rule}"))
        .status
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Every evidence quote is exactly the text at its character offsets.
fn assert_offsets(a: &Assessment, text: &str) {
    let chars: Vec<char> = text.chars().collect();
    let mut all: Vec<&s54::domain::Evidence> =
        a.findings.iter().flat_map(|f| f.evidence.iter()).collect();
    all.extend(a.approval.evidence.iter());
    all.extend(a.signature.evidence.iter());
    all.extend(a.financial_year.evidence.iter());
    for e in all {
        let got: String = chars[e.start..e.end].iter().collect();
        assert_eq!(got, e.quote, "evidence offsets {}..{}", e.start, e.end);
    }
}

#[test]
fn good_company_statement_meets_the_minimum() {
    let (a, text) = check("good_company.txt");
    assert_eq!(a.verdict, Verdict::MeetsMinimum, "{:#?}", a.findings);
    assert_eq!(a.entity_type, EntityType::Company);
    assert_eq!(a.financial_year.end, Some(date(2024, 3, 31)));
    assert!(a.approval.present);
    assert_eq!(a.approval.date, Some(date(2024, 6, 12)));
    assert!(
        a.approval
            .body
            .as_deref()
            .unwrap()
            .contains("Board of Directors")
    );
    assert!(a.signature.present);
    assert_eq!(a.signature.name.as_deref(), Some("Jane Halloran"));
    assert_eq!(a.signature.role.as_deref(), Some("Managing Director"));
    assert_eq!(a.signature.date, Some(date(2024, 6, 12)));
    assert_eq!(a.areas.covered().len(), 6, "{:#?}", a.areas);
    for rule in [
        "MSA-54-1-fy-identified",
        "MSA-54-4-steps-or-none",
        "MSA-54-4-scope-both",
        "MSA-54-6a-board-approval",
        "MSA-54-6a-director-signature",
        "GUID-approval-date",
        "GOVUK-signoff-name-title-date",
        "REG-approval-after-period",
        "GUID-fye-date",
        "GUID-2025-remediation",
        "GUID-progress",
        "GUID-no-slavery-free-claim",
    ] {
        assert_eq!(status(&a, rule), FindingStatus::Pass, "{rule}");
    }
    assert_eq!(
        status(&a, "MSA-54-6b-llp-signature"),
        FindingStatus::NotApplicable
    );
    assert!(a.score >= 85, "score {}", a.score);
    // The approval evidence quotes the approval sentence.
    assert!(
        a.approval.evidence[0]
            .quote
            .starts_with("This statement was approved by the Board")
    );
    assert_offsets(&a, &text);
    // Every finding has a message; failures and warnings say how to fix them.
    for f in &a.findings {
        assert!(
            !f.message.is_empty() && !f.message.contains('{'),
            "{}: {}",
            f.rule,
            f.message
        );
    }
}

#[test]
fn weak_statement_scores_low_but_areas_are_absent() {
    let (a, text) = check("weak_company.txt");
    assert!(a.areas.covered().is_empty(), "{:#?}", a.areas);
    assert_eq!(status(&a, "MSA-54-5c-due-diligence"), FindingStatus::Warn);
    assert_eq!(status(&a, "MSA-54-5b-policies"), FindingStatus::Warn);
    assert_eq!(status(&a, "MSA-54-4-steps-or-none"), FindingStatus::Fail);
    assert_eq!(status(&a, "GUID-approval-date"), FindingStatus::Warn);
    assert!(a.approval.present);
    assert_eq!(a.signature.role.as_deref(), Some("Director"));
    assert_eq!(a.verdict, Verdict::FallsShort);
    assert!(a.score < 30, "score {}", a.score);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "MSA-54-5c-due-diligence")
        .unwrap();
    assert!(f.fix.is_some());
    assert_offsets(&a, &text);
}

#[test]
fn unsigned_statement_falls_short() {
    let (a, _) = check("unsigned.txt");
    assert!(!a.signature.present);
    assert!(a.approval.present);
    assert_eq!(a.approval.date, Some(date(2024, 5, 20)));
    assert_eq!(a.financial_year.end, Some(date(2023, 12, 31)));
    assert_eq!(
        status(&a, "MSA-54-6a-director-signature"),
        FindingStatus::Fail
    );
    assert_eq!(a.verdict, Verdict::FallsShort);
}

#[test]
fn ceo_only_signature_needs_review() {
    let (a, _) = check("ceo_only.txt");
    assert!(a.signature.present);
    assert_eq!(a.signature.name.as_deref(), Some("Amara Okafor"));
    assert_eq!(a.signature.role.as_deref(), Some("Chief Executive Officer"));
    assert_eq!(a.signature.date, Some(date(2024, 1, 15)));
    assert_eq!(a.financial_year.end, Some(date(2023, 9, 30)));
    assert_eq!(
        status(&a, "MSA-54-6a-director-signature"),
        FindingStatus::Review
    );
    assert_eq!(a.verdict, Verdict::NeedsReview);
}

#[test]
fn llp_approved_by_members_and_signed_by_designated_member() {
    let (a, _) = check("llp.txt");
    assert_eq!(a.entity_type, EntityType::Llp);
    assert!(a.approval.present, "{:?}", a.approval);
    assert_eq!(status(&a, "MSA-54-6b-llp-approval"), FindingStatus::Pass);
    assert_eq!(status(&a, "MSA-54-6b-llp-signature"), FindingStatus::Pass);
    assert_eq!(
        status(&a, "MSA-54-6a-board-approval"),
        FindingStatus::NotApplicable
    );
    assert_eq!(a.signature.name.as_deref(), Some("Priya Nair"));
    assert_eq!(a.signature.date, Some(date(2024, 10, 3)));
    assert_eq!(a.verdict, Verdict::MeetsMinimum, "{:#?}", a.findings);
}

#[test]
fn limited_partnership_signed_for_the_general_partner() {
    let (a, _) = check("lp.txt");
    assert_eq!(a.entity_type, EntityType::LimitedPartnership);
    assert_eq!(status(&a, "MSA-54-6c-lp-signature"), FindingStatus::Pass);
    // No approval rule for a limited partnership.
    assert_eq!(
        status(&a, "MSA-54-6a-board-approval"),
        FindingStatus::NotApplicable
    );
    assert_eq!(a.signature.date, Some(date(2024, 4, 30)));
    assert_eq!(a.verdict, Verdict::MeetsMinimum, "{:#?}", a.findings);
}

#[test]
fn no_steps_statement_is_lawful_but_scores_zero() {
    let (a, text) = check("no_steps.txt");
    assert!(a.no_steps_declared);
    assert_eq!(status(&a, "MSA-54-4-steps-or-none"), FindingStatus::Pass);
    assert_eq!(
        status(&a, "MSA-54-4-no-steps-declared"),
        FindingStatus::Info
    );
    assert_eq!(a.score, 0);
    assert_eq!(a.verdict, Verdict::MeetsMinimum, "{:#?}", a.findings);
    assert_eq!(a.signature.name.as_deref(), Some("Owen Price"));
    assert_offsets(&a, &text);
}

#[test]
fn policy_is_not_a_statement() {
    let (a, _) = check("policy_not_statement.txt");
    assert_eq!(status(&a, "MSA-54-4-steps-or-none"), FindingStatus::Fail);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "MSA-54-4-steps-or-none")
        .unwrap();
    assert!(f.message.contains("policy"), "{}", f.message);
    assert_eq!(a.verdict, Verdict::FallsShort);
}

#[test]
fn future_only_statement_has_no_steps() {
    let (a, _) = check("future_only.txt");
    assert_eq!(status(&a, "MSA-54-4-steps-or-none"), FindingStatus::Fail);
    assert!(!a.areas.training.present && !a.areas.due_diligence.present);
    assert_eq!(a.verdict, Verdict::FallsShort);
}

#[test]
fn slavery_free_claim_is_warned() {
    let (a, text) = check("slavery_free.txt");
    assert_eq!(
        status(&a, "GUID-no-slavery-free-claim"),
        FindingStatus::Warn
    );
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "GUID-no-slavery-free-claim")
        .unwrap();
    assert!(f.evidence[0].quote.contains("slavery-free"));
    assert_eq!(f.force, Force::Guidance);
    assert_offsets(&a, &text);
}

#[test]
fn committee_executive_and_reviewed_are_not_approval() {
    let (a, _) = check("committee_approval.txt");
    assert!(!a.approval.present);
    assert_eq!(a.approval.body.as_deref(), Some("ESG Committee"));
    assert_eq!(
        status(&a, "MSA-54-6a-board-approval"),
        FindingStatus::Review
    );
    assert_eq!(a.verdict, Verdict::NeedsReview);

    let (a, _) = check("executive_approval.txt");
    assert!(!a.approval.present);
    assert_eq!(a.approval.body.as_deref(), Some("Senior Leadership Team"));
    assert_eq!(status(&a, "MSA-54-6a-board-approval"), FindingStatus::Fail);
    assert_eq!(a.verdict, Verdict::FallsShort);

    let (a, _) = check("reviewed_by_board.txt");
    assert!(!a.approval.present);
    assert_eq!(
        status(&a, "MSA-54-6a-board-approval"),
        FindingStatus::Review
    );
}

#[test]
fn public_body_gets_proposed_rules_only() {
    let (a, _) = check("public_body.txt");
    assert_eq!(a.entity_type, EntityType::PublicBody);
    assert_eq!(
        status(&a, "MSA-54-6a-board-approval"),
        FindingStatus::NotApplicable
    );
    let signoff = a
        .findings
        .iter()
        .find(|f| f.rule == "GOV2020-public-signoff")
        .unwrap();
    assert_eq!(signoff.status, FindingStatus::Pass);
    assert_eq!(signoff.force, Force::Proposed);
    assert_eq!(status(&a, "GOV2020-public-approval"), FindingStatus::Pass);
    assert!(a.areas.training.present);
}

#[test]
fn entity_option_overrides_inference() {
    let opts = CheckOptions {
        entity: Some(EntityType::Partnership),
        ..Default::default()
    };
    let (a, _) = check_with("good_company.txt", opts);
    assert_eq!(a.entity_type, EntityType::Partnership);
    assert_eq!(
        status(&a, "MSA-54-6a-board-approval"),
        FindingStatus::NotApplicable
    );
    assert_eq!(
        status(&a, "MSA-54-6d-partnership-signature"),
        FindingStatus::Review
    );
}

#[test]
fn reform_profile_checks_readiness_and_never_calls_a_proposal_law() {
    let opts = CheckOptions {
        profile: Some("reform-2026".into()),
        ..Default::default()
    };
    // Only 0 of 6 areas: under the reform profile the statement is not ready.
    let (a, _) = check_with("weak_company.txt", opts);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "GOV2020-mandatory-areas")
        .unwrap();
    assert_eq!(f.force, Force::Proposed);
    assert_eq!(f.status, FindingStatus::Fail);
    assert_eq!(a.profile, "reform-2026");
    assert_eq!(a.verdict_basis, s54::domain::VerdictBasis::Readiness);
    assert_eq!(a.verdict, Verdict::FallsShort);
    let (cur, _) = check("weak_company.txt");
    let f = cur
        .findings
        .iter()
        .find(|f| f.rule == "GOV2020-mandatory-areas")
        .unwrap();
    assert_eq!((f.force, f.status), (Force::Proposed, FindingStatus::Warn));
    assert_eq!(cur.readiness, a.readiness);
}

#[test]
fn deadline_uses_published_date() {
    let late = CheckOptions {
        published: Some(date(2024, 12, 1)),
        ..Default::default()
    };
    let (a, _) = check_with("good_company.txt", late);
    assert_eq!(status(&a, "GUID-deadline-6-months"), FindingStatus::Warn);
    let on_time = CheckOptions {
        published: Some(date(2024, 7, 1)),
        ..Default::default()
    };
    let (a, _) = check_with("good_company.txt", on_time);
    assert_eq!(status(&a, "GUID-deadline-6-months"), FindingStatus::Pass);
}

#[test]
fn empty_or_scanned_document_cannot_be_verified() {
    let rules = Rulebook::embedded().unwrap();
    let mut doc = s54::score::document_from_text("");
    doc.notes.push(s54::domain::NOTE_SCANNED.to_string());
    let a = assess(&doc, &CheckOptions::default(), &rules);
    assert_eq!(a.verdict, Verdict::NeedsReview);
    assert_eq!(a.score, 0);
    assert_eq!(
        status(&a, "MSA-54-6a-director-signature"),
        FindingStatus::CannotVerify
    );
    assert!(a.findings.iter().all(|f| f.status != FindingStatus::Fail));
}

#[test]
fn rules_directory_replaces_the_builtin_rules_and_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    // A lawyer edits a message: the checker uses it.
    let statute = dir.path().join("statute.toml");
    let text = std::fs::read_to_string(&statute).unwrap();
    std::fs::write(
        &statute,
        text.replace(
            "The statement is not signed by a director (or equivalent), which s.54(6)(a) requires.",
            "EDITED: no director signed.",
        ),
    )
    .unwrap();
    let rules = Rulebook::from_dir(dir.path()).unwrap();
    let bytes = std::fs::read(fixture("unsigned.txt")).unwrap();
    let doc = extract(&bytes, "unsigned.txt", &Limits::default()).unwrap();
    let a = assess(&doc, &CheckOptions::default(), &rules);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "MSA-54-6a-director-signature")
        .unwrap();
    assert!(
        f.message.starts_with("EDITED: no director signed."),
        "{}",
        f.message
    );

    // A malformed file: the error names the file and the line.
    let bad = dir.path().join("guidance.toml");
    let mut g = std::fs::read_to_string(&bad).unwrap();
    let line = g.lines().count() + 3;
    g.push_str("\n[[rule]]\nid = \"X\" title = \"no newline\"\n");
    std::fs::write(&bad, g).unwrap();
    let err = Rulebook::from_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("guidance.toml, line "), "{err}");
    assert!(err.contains(&format!("line {line}")), "{err}");
}

#[test]
fn signed_by_label_with_date_on_the_same_line() {
    // "Signed by: Name, Role Date: …" then a web page's footer: the label's
    // line gives name, role (without the date) and date; footer lines are
    // not a signatory.
    let (a, _) = check("signed_by_label_footer.txt");
    assert_eq!(a.signature.name.as_deref(), Some("Rosa Delgado"));
    assert_eq!(a.signature.role.as_deref(), Some("Ethics Director"));
    assert_eq!(a.signature.date, Some(date(2024, 3, 14)));
}

#[test]
fn signature_date_on_a_short_line_of_the_title_block() {
    // Name, two long title lines and "Signed in November 2023" form one
    // sentence; the date is read from its short last line.
    let (a, text) = check("signed_in_month.txt");
    assert_eq!(a.signature.name.as_deref(), Some("Tobias Renner"));
    assert_eq!(a.signature.date, Some(date(2023, 11, 1)));
    let quotes: Vec<&str> = a
        .signature
        .evidence
        .iter()
        .map(|e| e.quote.as_str())
        .collect();
    assert!(quotes.contains(&"November 2023"), "{quotes:?}");
    assert_offsets(&a, &text);
}

#[test]
fn template_risk_wording_names_no_risk() {
    // The common template's aims ("identify and assess potential risk
    // areas", "we have in place systems to:"), a generic "potential risk of
    // modern slavery" and a low risk put down to "the nature of our
    // business" alone: no part of the business is named as at risk and no
    // method is described (rules.md §2.2 (d)).
    let (a, _) = check("template_risk_claims.txt");
    assert!(!a.areas.risk.present, "{:#?}", a.areas.risk);
    assert!(a.areas.risk.evidence.is_empty(), "{:#?}", a.areas.risk);
    // The same text still describes the business and a policy.
    assert!(a.areas.structure.present && a.areas.policies.present);
}

#[test]
fn the_first_statement_of_a_process_scores_as_every_later_one() {
    // The embedded rules and the same files read from `rules/` give the
    // same rulebook; a fresh one (cold lazy DFAs) and a used one agree.
    let thawed = Rulebook::embedded().expect("rules compile");
    let rules_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
    let compiled = Rulebook::from_dir(&rules_dir).expect("rules compile");
    let mut names: Vec<String> = std::fs::read_dir(fixture(""))
        .expect("fixtures")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    // Each fixture first on a fresh (cold) rulebook, then on the warm one.
    for name in &names {
        let bytes = std::fs::read(fixture(name)).expect("fixture");
        let doc = extract(&bytes, name, &Limits::default()).expect("extracts");
        let opts = CheckOptions::default();
        let cold = assess(&doc, &opts, &Rulebook::embedded().expect("rules"));
        let warm = assess(&doc, &opts, &thawed);
        let reference = assess(&doc, &opts, &compiled);
        assert_eq!(cold, warm, "{name}");
        assert_eq!(cold, reference, "{name}");
    }
}

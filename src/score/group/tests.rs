use super::*;
use crate::domain::{
    BlockKind, Extracted, Finding, FindingStatus, Force, RawBlock, SourceInfo, SourceKind,
};

fn doc(text: &str) -> Document {
    Document::from_extracted(
        SourceInfo {
            kind: SourceKind::Text,
            name: "t.txt".into(),
            bytes: text.len() as u64,
            sha256: String::new(),
        },
        Extracted {
            blocks: text
                .split("\n\n")
                .map(|b| RawBlock::new(BlockKind::Paragraph, b))
                .collect(),
            ..Default::default()
        },
    )
}

fn member(name: &str) -> Member {
    Member {
        name: name.into(),
        company_number: None,
    }
}

fn named(text: &str, names: &[&str]) -> Vec<bool> {
    let members: Vec<Member> = names.iter().map(|n| member(n)).collect();
    detect(&doc(text), &members)
        .coverage
        .iter()
        .map(|c| c.named)
        .collect()
}

#[test]
fn normalise_folds_the_usual_variants() {
    let same = [
        ("Acme Foods Limited", "ACME FOODS LTD"),
        ("Acme Foods Ltd.", "acme foods ltd"),
        ("The Acme Group plc", "Acme Group Public Limited Company"),
        ("Smith & Sons LLP", "Smith and Sons L.L.P."),
        ("I.I.R. Limited", "IIR Ltd"),
        ("Acme  Foods\nLtd", "Acme Foods Ltd"),
        ("Acme Foods Cyfyngedig", "Acme Foods Ltd"),
        ("Sainsbury’s Stores Ltd", "Sainsbury's Stores Limited"),
        ("Acme-Foods Ltd", "Acme Foods Ltd"),
    ];
    for (a, b) in same {
        assert_eq!(normalise_name(a), normalise_name(b), "{a} vs {b}");
    }
    assert_eq!(normalise_name("The Acme & Co. Limited"), "acme and co ltd");
    assert_ne!(
        normalise_name("Acme Foods Ltd"),
        normalise_name("Acme Food Ltd")
    );
    assert_ne!(
        normalise_name("Bank of Northshire"),
        normalise_name("Northshire Bank")
    );
}

#[test]
fn members_match_legal_names_and_variants() {
    let text = "This statement is made on behalf of Brackenridge Holdings PLC and its \
                subsidiaries, including BRACKENRIDGE FOODS LIMITED, Brackenridge Farms Ltd. \
                and Mossgate & Tarn Logistics Ltd.\n\nThe Kestrel Dairy Company Limited is \
                also covered.";
    assert_eq!(
        named(
            text,
            &[
                "Brackenridge Holdings public limited company",
                "Brackenridge Foods Ltd",
                "Brackenridge Farms Limited",
                "Mossgate and Tarn Logistics Limited",
                "Kestrel Dairy Co Ltd",
            ]
        ),
        vec![true; 5]
    );
}

#[test]
fn look_alikes_do_not_match() {
    let text = "This statement covers Acme Food Services Ltd, Northern Acme Foods Ltd, \
                Acme Foods (UK) Ltd, Acme Foods plc and the X Bank Ltd.\n\nAcme Foods Group \
                supplies us.";
    assert_eq!(
        named(
            text,
            &[
                "Acme Foods Ltd",
                "Bank of X Ltd",
                "Acme Ltd",
                "Food Services Ltd",
                "Foods Ltd"
            ]
        ),
        vec![false; 5]
    );
    // And the bank the other way round.
    assert_eq!(
        named("We are Bank of Westmoor Ltd.", &["Westmoor Bank Ltd"]),
        vec![false]
    );
}

#[test]
fn trading_names_without_the_legal_form() {
    // Written without "Ltd", standing alone: named.
    let text = "Harbourlight Cinemas operates 40 venues. Our brand Pixel & Pine serves food.";
    assert_eq!(
        named(
            text,
            &["Harbourlight Cinemas Limited", "Pixel and Pine Ltd"]
        ),
        vec![true, true]
    );
    // Lower case words are not a name; another legal form is another company.
    assert_eq!(
        named(
            "we sell harbourlight cinemas tickets",
            &["Harbourlight Cinemas Ltd"]
        ),
        vec![false]
    );
    assert_eq!(
        named(
            "Harbourlight Cinemas LLP is our partner.",
            &["Harbourlight Cinemas Ltd"]
        ),
        vec![false]
    );
}

#[test]
fn public_sector_members_without_legal_forms() {
    let text = "This statement is made by Eastmere Borough Council and its arm's-length \
                companies, Eastmere Homes Ltd and Eastmere Leisure Trust.";
    assert_eq!(
        named(
            text,
            &[
                "Eastmere Borough Council",
                "Eastmere Homes Limited",
                "Eastmere Leisure Trust",
                "Eastmere Borough Council Pension Fund"
            ]
        ),
        vec![true, true, true, false]
    );
    let g = detect(&doc(text), &[]);
    assert!(g.is_group);
}

#[test]
fn company_number_names_a_member() {
    let d = doc("Registered in England and Wales, company number 01234567.");
    let m = Member {
        name: "Quillon Estates Limited".into(),
        company_number: Some("1234567".into()),
    };
    let g = detect(&d, &[m]);
    assert!(g.coverage[0].named);
    assert_eq!(g.coverage[0].evidence[0].quote, "01234567");
}

#[test]
fn evidence_points_into_the_text() {
    let text = "Intro é.\n\nWe are Brackenridge Foods Limited.";
    let d = doc(text);
    let g = detect(&d, &[member("Brackenridge Foods Ltd")]);
    let e = &g.coverage[0].evidence[0];
    assert_eq!(e.quote, "Brackenridge Foods Limited");
    let sliced: String = d.text.chars().skip(e.start).take(e.end - e.start).collect();
    assert_eq!(sliced, e.quote);
}

#[test]
fn group_cues() {
    let yes = [
        "This statement is made on behalf of Fernvale Ltd and its subsidiaries.",
        "Fernvale plc and all its UK subsidiaries (together, the “Group”) ...",
        "This statement covers Fernvale Group plc (together Fernvale, or the Group).",
        "The statement is made by Fernvale University and its wholly owned subsidiary companies.",
        "This statement is made on behalf of Fernvale Ltd, its subsidiary companies and brands.",
        "This statement is made by Fernvale LLP on behalf of itself and those entities which operate as part of the firm.",
        "This statement applies to the following companies: Fernvale Ltd; Birchwood Ltd.",
        "This statement is made on behalf of Fernvale Ltd and Birchwood Trading Ltd.",
        "The Trust and its wholly owned subsidiary, Fernvale Estates Ltd, have taken these steps.",
        "This statement is issued on behalf of the Fernvale Group.",
        "This is our group statement for 2024.",
    ];
    for t in yes {
        assert!(detect(&doc(t), &[]).is_group, "{t}");
    }
    let no = [
        "Fernvale Medical (UK) Ltd is a wholly owned subsidiary of Fernvale Instruments.",
        "We provide consultancy services to affiliates and subsidiaries (group companies).",
        "This statement is made pursuant to section 54(1) of the Modern Slavery Act 2015.",
        "Fernvale Ltd has no subsidiaries.",
        "Fernvale Ltd and its suppliers work together.",
        "For and on behalf of the Board of Fernvale Ltd.",
        "We buy from Oakridge Ltd and Birchwood Ltd.",
    ];
    for t in no {
        assert!(!detect(&doc(t), &[]).is_group, "{t}");
    }
}

#[test]
fn entities_are_found_and_deduplicated() {
    let text = "This statement is made on behalf of Brackenridge Holdings plc and its \
                subsidiaries, including Brackenridge Foods Limited and BRACKENRIDGE FOODS LTD. \
                During 2024 Brackenridge Farms Ltd. opened. Signed by Jo Bloggs, Director, \
                Brackenridge Holdings PLC.\n\nEastmere Borough Council (the Council) buys \
                from a limited number of suppliers.";
    let g = detect(&doc(text), &[]);
    assert_eq!(
        g.entities,
        vec![
            "Brackenridge Holdings plc",
            "Brackenridge Foods Limited",
            "Brackenridge Farms Ltd.",
            "Eastmere Borough Council"
        ]
    );
}

#[test]
fn hundreds_of_entities_stay_bounded() {
    let mut text = String::from("This statement covers the following companies:\n\n");
    for i in 0..2000 {
        text.push_str(&format!("Entity Number{i} Trading Ltd\n\n"));
    }
    let members: Vec<Member> = (0..3000)
        .map(|i| member(&format!("Entity Number{i} Trading Limited")))
        .collect();
    let started = std::time::Instant::now();
    let g = detect(&doc(&text), &members);
    assert!(started.elapsed().as_secs() < 10);
    assert!(g.is_group);
    assert_eq!(g.entities.len(), MAX_ENTITIES);
    assert_eq!(g.coverage.len(), 3000);
    assert_eq!(g.coverage.iter().filter(|c| c.named).count(), 2000);
    assert!(!g.coverage[2500].named);
}

/// The group findings as `assess` gives them (rules.md §6.4): all guidance.
fn group_findings(text: &str, members: &[Member]) -> Vec<Finding> {
    let rules = crate::rules::Rulebook::embedded().unwrap();
    let opts = crate::score::CheckOptions {
        members: members.to_vec(),
        ..Default::default()
    };
    crate::score::assess(&doc(text), &opts, &rules)
        .findings
        .into_iter()
        .filter(|f| f.rule.starts_with("GUID-group-"))
        .collect()
}

#[test]
fn findings_follow_rules_md() {
    let f = group_findings(
        "This statement is made on behalf of Fernvale plc and its subsidiaries. It was \
         approved by the Board of Fernvale plc.",
        &[member("Fernvale plc"), member("Fernvale Retail Ltd")],
    );
    let by = |r: &str| f.iter().find(|x| x.rule == r).map(|x| x.status);
    assert_eq!(
        by("GUID-group-coverage"),
        Some(FindingStatus::Fail),
        "{f:#?}"
    );
    assert!(
        f.iter()
            .any(|x| x.rule == "GUID-group-coverage" && x.message.contains("Fernvale Retail Ltd")),
        "{f:#?}"
    );
    assert_eq!(
        by("GUID-group-name-entities"),
        Some(FindingStatus::Warn),
        "{f:#?}"
    );
    assert_eq!(
        by("GUID-group-approval"),
        Some(FindingStatus::Review),
        "{f:#?}"
    );
    assert!(f.iter().all(|x| x.force == Force::Guidance));

    let adopted = group_findings(
        "This statement is made on behalf of Fernvale plc and its subsidiaries, \
         Fernvale Retail Ltd and Fernvale Farms Ltd, and was approved by the boards of \
         each of those companies.",
        &[],
    );
    let by = |r: &str| adopted.iter().find(|x| x.rule == r).map(|x| x.status);
    assert_eq!(
        by("GUID-group-approval"),
        Some(FindingStatus::Pass),
        "{adopted:#?}"
    );
    assert_eq!(
        by("GUID-group-name-entities"),
        Some(FindingStatus::Pass),
        "{adopted:#?}"
    );
}

#[test]
fn never_panics_on_odd_text() {
    for t in [
        "",
        "Ltd",
        "& & &",
        "(the Company)",
        "ÉÉ Ltd. Inc. plc",
        "’s's",
        "A.B.C.D.E.F. Ltd",
        "\n\n\n",
        "Ltd Ltd Ltd",
    ] {
        let _ = detect(&doc(t), &[member("A"), member("Ltd"), member("’")]);
    }
}

#[test]
fn trading_names_given_by_the_user() {
    assert_eq!(
        member_names("Pixel and Pine Restaurants Ltd t/a Pixel & Pine; P&P Grill"),
        vec![
            "Pixel and Pine Restaurants Ltd",
            "Pixel & Pine",
            "P&P Grill"
        ]
    );
    assert_eq!(
        member_names("QB Leisure Ltd (trading as Quayside Bowl)"),
        vec!["QB Leisure Ltd", "Quayside Bowl"]
    );
    let text = "Our businesses trade as Pixel & Pine and Quayside Bowl.";
    assert_eq!(
        named(
            text,
            &[
                "Pixel and Pine Restaurants Ltd t/a Pixel & Pine",
                "QB Leisure Ltd T/A Quayside Bowl",
                "QB Leisure Ltd"
            ]
        ),
        vec![true, true, false]
    );
}

#[test]
fn short_names_of_other_entities_do_not_name_a_member() {
    // "Fenwick" is the short name of Fenwick Group plc here, not of Fenwick plc
    // or Fenwick Ltd; "Orrin" is short for Orrin Ltd, not Orrin plc.
    let text = "This statement is made on behalf of Fenwick Group plc and its subsidiaries. \
                Fenwick employs 900 people. Orrin Ltd is a subsidiary. Orrin runs two depots.";
    assert_eq!(
        named(
            text,
            &[
                "Fenwick plc",
                "Fenwick Ltd",
                "Orrin plc",
                "Orrin Ltd",
                "Fenwick Group Ltd"
            ]
        ),
        vec![false, false, false, true, false]
    );
}

#[test]
fn entity_names_with_brackets_commas_and_initials() {
    let text = "This statement is made on behalf of Tallis Labs, Inc., Tallis Labs (Europe) Ltd., \
                K.L.M. Limited and Smith & Co. Ltd, and their subsidiaries. Tallis Labs is a \
                wholly owned subsidiary of Oberon Inc. Our advisers, Quill LLP, helped.";
    let g = detect(&doc(text), &[]);
    assert!(g.is_group);
    assert_eq!(
        g.entities,
        vec![
            "Tallis Labs, Inc.",
            "Tallis Labs (Europe) Ltd.",
            "K.L.M. Limited",
            "Smith & Co. Ltd"
        ]
    );
    assert_eq!(
        named(
            text,
            &[
                "Tallis Labs (Europe) Limited",
                "KLM Ltd",
                "Smith and Co Ltd",
                "Tallis Labs Inc"
            ]
        ),
        vec![true, true, true, true]
    );
}

#[test]
fn single_organisation_statements_list_no_entities() {
    let g = detect(
        &doc("This statement is made by Ferncombe Ltd for the year."),
        &[],
    );
    assert!(!g.is_group);
    assert!(g.entities.is_empty());
    let g = detect(&doc("For and on behalf of Ferncombe Group Ltd"), &[]);
    assert!(!g.is_group);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn detect_on_any_text(
            text in "(?s)[A-Za-z&.,()' \n’é0-9]{0,300}",
            names in proptest::collection::vec("[A-Za-z&.,() ’]{0,30}", 0..5),
        ) {
            let members: Vec<Member> = names.iter().map(|n| member(n)).collect();
            let g = detect(&doc(&text), &members);
            prop_assert_eq!(g.coverage.len(), members.len());
            let d = doc(&text);
            for c in &g.coverage {
                for e in &c.evidence {
                    let sliced: String = d.text.chars().skip(e.start).take(e.end - e.start).collect();
                    prop_assert_eq!(&sliced, &e.quote);
                }
            }
        }

        #[test]
        fn members_csv_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_members_csv(&bytes, "");
        }
    }
}

#[test]
fn public_bodies_are_entities() {
    let text = "This statement applies to Wrenford Hospitals NHS Foundation Trust and its wholly \
                owned subsidiary. The Board of Directors of Wrenford Hospitals NHS Foundation \
                Trust approved it. The University of Corriemoor and Eastmere Borough Council \
                Cabinet also work with Tarnside Police Authority. The Trust is large.";
    let g = detect(&doc(text), &[]);
    assert!(g.is_group);
    assert_eq!(
        g.entities,
        vec![
            "Wrenford Hospitals NHS Foundation Trust",
            "University of Corriemoor"
        ]
    );
}

#[test]
fn every_legal_form_phrase_starts_with_a_word_the_tokeniser_checks() {
    for (phrase, _) in PHRASES {
        assert!(
            starts_phrase(phrase[0]),
            "{phrase:?}: add its first word to starts_phrase"
        );
    }
    assert!(!starts_phrase("limit") && !starts_phrase("publicly"));
}

#[test]
fn tokens_keep_apostrophes_inside_words_and_drop_possessives() {
    let text = "O’Brien & Sons’ Acme's LIMITED";
    let lower = text.to_ascii_lowercase();
    let toks = name_tokens(text, &lower);
    let norms: Vec<&str> = toks.iter().map(|t| t.norm.as_ref()).collect();
    assert_eq!(norms, ["obrien", "and", "sons", "acme", "ltd"]);
    assert_eq!(
        &"O’Brien & Sons’ Acme's LIMITED"[toks[0].start..toks[0].end],
        "O’Brien"
    );
}

#[test]
fn ascii_run_accepts_exactly_what_is_alphanumeric_accepts() {
    for b in 0u8..=127 {
        let expected = usize::from((b as char).is_alphanumeric());
        assert_eq!(ascii_alphanumeric_run(&[b, b'!']), expected, "byte {b}");
    }
    // Non-ASCII bytes end the run: the caller decodes them.
    assert_eq!(ascii_alphanumeric_run("abé".as_bytes()), 2);
    assert_eq!(ascii_alphanumeric_run(b"Acme2024"), 8);
    assert_eq!(ascii_alphanumeric_run(b""), 0);
}

#[test]
fn tokens_are_unchanged_by_the_ascii_run() {
    let text = "Zoë’s café & O'Brien's Public Limited Company, ACME2 Ltd.";
    let lower = text.to_ascii_lowercase();
    let toks = name_tokens(text, &lower);
    let norms: Vec<&str> = toks.iter().map(|t| t.norm.as_ref()).collect();
    assert_eq!(
        norms,
        ["zoë", "café", "and", "obrien", "plc", "acme2", "ltd"]
    );
}

#[test]
fn cues_after_wide_characters_do_not_panic() {
    // The 30 bytes before a cue may start inside a character (icon fonts,
    // curly quotes): found by `s54 eval --perturb`.
    for pad in 0..40 {
        let t = format!(
            "\u{eacf}{} This statement is made on behalf of Fernvale Ltd and its subsidiaries.",
            "x".repeat(pad)
        );
        assert!(detect(&doc(&t), &[]).is_group, "{pad}");
    }
}

//! The `s54.check/1` JSON: the [`Assessment`] serialised as it is (its field
//! names are the contract), pretty-printed for people reading a terminal.

use crate::domain::Assessment;

/// Renders the assessment as pretty-printed `s54.check/1` JSON with a final newline.
pub fn render(a: &Assessment) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(a)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests_support::sample;
    use serde_json::Value;

    /// Every key and type `shared/spec/interface.md` promises.
    pub(crate) fn assert_contract(v: &Value) {
        fn evidence_list(v: &Value, at: &str) {
            let list = v
                .as_array()
                .unwrap_or_else(|| panic!("{at}: evidence not a list"));
            for e in list {
                assert!(e["quote"].is_string(), "{at}.quote");
                assert!(e["start"].is_u64(), "{at}.start");
                assert!(e["end"].is_u64(), "{at}.end");
            }
        }
        fn opt_date(v: &Value, at: &str) {
            assert!(
                v.is_null() || v.as_str().is_some_and(|s| s.len() == 10 && &s[4..5] == "-"),
                "{at}: {v}"
            );
        }
        assert_eq!(v["schema"], "s54.check/1");
        let src = &v["source"];
        assert!(["pdf", "html", "docx", "text"].contains(&src["kind"].as_str().unwrap_or("")));
        assert!(src["name"].is_string());
        assert!(src["bytes"].is_u64());
        assert!(src["sha256"].is_string());
        assert!(v["text_chars"].is_u64());
        assert!(
            [
                "company",
                "llp",
                "limited_partnership",
                "partnership",
                "public_body",
                "unknown"
            ]
            .contains(&v["entity_type"].as_str().unwrap_or(""))
        );
        let fy = &v["financial_year"];
        opt_date(&fy["start"], "financial_year.start");
        opt_date(&fy["end"], "financial_year.end");
        evidence_list(&fy["evidence"], "financial_year");
        let ap = &v["approval"];
        assert!(ap["present"].is_boolean());
        assert!(ap["body"].is_null() || ap["body"].is_string());
        opt_date(&ap["date"], "approval.date");
        evidence_list(&ap["evidence"], "approval");
        let sg = &v["signature"];
        assert!(sg["present"].is_boolean());
        assert!(sg["name"].is_null() || sg["name"].is_string());
        assert!(sg["role"].is_null() || sg["role"].is_string());
        opt_date(&sg["date"], "signature.date");
        evidence_list(&sg["evidence"], "signature");
        for area in [
            "structure",
            "policies",
            "due_diligence",
            "risk",
            "effectiveness",
            "training",
        ] {
            let r = &v["areas"][area];
            assert!(r["present"].is_boolean(), "{area}");
            let s = r["strength"].as_f64().unwrap_or(-1.0);
            assert!((0.0..=1.0).contains(&s), "{area}.strength {s}");
            evidence_list(&r["evidence"], area);
        }
        let g = &v["group"];
        assert!(g["is_group"].is_boolean());
        assert!(
            g["entities"]
                .as_array()
                .is_some_and(|l| l.iter().all(Value::is_string))
        );
        for c in g["coverage"].as_array().unwrap_or(&vec![]) {
            assert!(c["name"].is_string());
            assert!(c["named"].is_boolean());
            evidence_list(&c["evidence"], "coverage");
        }
        assert!(g["coverage"].is_array());
        assert!(v["no_steps_declared"].is_boolean());
        for f in v["findings"].as_array().unwrap_or(&vec![]) {
            assert!(f["rule"].is_string());
            assert!(
                [
                    "pass",
                    "fail",
                    "warn",
                    "review",
                    "info",
                    "not_applicable",
                    "cannot_verify"
                ]
                .contains(&f["status"].as_str().unwrap_or(""))
            );
            assert!(
                ["statute", "guidance", "proposed"].contains(&f["force"].as_str().unwrap_or(""))
            );
            assert!(f["message"].is_string());
            evidence_list(&f["evidence"], "finding");
        }
        assert!(v["findings"].is_array());
        assert!(v["score"].as_u64().is_some_and(|s| s <= 100));
        assert!(
            ["meets_minimum", "falls_short", "needs_review"]
                .contains(&v["verdict"].as_str().unwrap_or(""))
        );
    }

    #[test]
    fn json_has_every_contract_key_and_type() {
        let a = sample();
        let s = render(&a).expect("serialises");
        let v: Value = serde_json::from_str(&s).expect("valid JSON");
        assert_contract(&v);
        assert_eq!(v["verdict"], "falls_short");
        assert_eq!(v["findings"][1]["status"], "fail");
        assert_eq!(v["approval"]["date"], "2024-09-12");
        // And it reads back as the same assessment.
        let back: Assessment = serde_json::from_str(&s).expect("round trip");
        assert_eq!(back, a);
    }
}

//! `s54 check` end to end: the real binary on fixture statements written for
//! these tests (tests/fixtures/check, tests/fixtures/groups; invented
//! organisations), checking exit codes, the three formats and the error lines.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn s54(args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_s54"));
    cmd.arg("check")
        .args(args)
        .env_remove("S54_RULES_DIR")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the s54 binary runs");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin piped");
        pipe.write_all(bytes).expect("write stdin");
    }
    let out = child.wait_with_output().expect("s54 finishes");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Exit 2 with exactly one line on stderr that starts with `s54: `.
fn assert_unreadable(out: &Out, contains: &str) {
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.is_empty(),
        "no report on failure: {}",
        out.stdout
    );
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {:?}", out.stderr);
    assert!(lines[0].starts_with("s54: "), "{}", lines[0]);
    assert!(
        lines[0].contains(contains),
        "expected {contains:?} in {:?}",
        lines[0]
    );
}

fn json(out: &Out) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

/// Every key and type of `s54.check/1` (shared/spec/interface.md).
fn assert_contract(v: &Value) {
    let evidence = |v: &Value, at: &str| {
        let list = v.as_array().unwrap_or_else(|| panic!("{at}: not a list"));
        for e in list {
            assert!(e["quote"].is_string(), "{at}.quote");
            assert!(e["start"].is_u64() && e["end"].is_u64(), "{at} offsets");
            assert!(
                e["start"].as_u64() <= e["end"].as_u64(),
                "{at} start <= end"
            );
        }
    };
    let date = |v: &Value, at: &str| {
        assert!(
            v.is_null()
                || v.as_str()
                    .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()),
            "{at}: {v}"
        );
    };
    let one_of = |v: &Value, allowed: &[&str], at: &str| {
        assert!(allowed.contains(&v.as_str().unwrap_or("?")), "{at}: {v}");
    };
    assert_eq!(v["schema"], "s54.check/1");
    one_of(
        &v["source"]["kind"],
        &["pdf", "html", "docx", "text"],
        "source.kind",
    );
    assert!(v["source"]["name"].is_string());
    assert!(v["source"]["bytes"].is_u64());
    assert_eq!(v["source"]["sha256"].as_str().map(str::len), Some(64));
    assert!(v["text_chars"].is_u64());
    one_of(
        &v["entity_type"],
        &[
            "company",
            "llp",
            "limited_partnership",
            "partnership",
            "public_body",
            "unknown",
        ],
        "entity_type",
    );
    date(&v["financial_year"]["start"], "financial_year.start");
    date(&v["financial_year"]["end"], "financial_year.end");
    evidence(&v["financial_year"]["evidence"], "financial_year");
    assert!(v["approval"]["present"].is_boolean());
    assert!(v["approval"]["body"].is_null() || v["approval"]["body"].is_string());
    date(&v["approval"]["date"], "approval.date");
    evidence(&v["approval"]["evidence"], "approval");
    assert!(v["signature"]["present"].is_boolean());
    for k in ["name", "role"] {
        assert!(
            v["signature"][k].is_null() || v["signature"][k].is_string(),
            "{k}"
        );
    }
    date(&v["signature"]["date"], "signature.date");
    evidence(&v["signature"]["evidence"], "signature");
    for area in [
        "structure",
        "policies",
        "due_diligence",
        "risk",
        "effectiveness",
        "training",
    ] {
        let a = &v["areas"][area];
        assert!(a["present"].is_boolean(), "{area}");
        assert!(
            a["strength"]
                .as_f64()
                .is_some_and(|s| (0.0..=1.0).contains(&s)),
            "{area}.strength"
        );
        evidence(&a["evidence"], area);
    }
    assert!(v["group"]["is_group"].is_boolean());
    assert!(
        v["group"]["entities"]
            .as_array()
            .is_some_and(|l| l.iter().all(Value::is_string))
    );
    let coverage = v["group"]["coverage"].as_array().expect("coverage list");
    for c in coverage {
        assert!(c["name"].is_string() && c["named"].is_boolean());
        evidence(&c["evidence"], "coverage");
    }
    assert!(v["no_steps_declared"].is_boolean());
    for f in v["findings"].as_array().expect("findings list") {
        assert!(f["rule"].is_string() && f["message"].is_string());
        one_of(
            &f["status"],
            &[
                "pass",
                "fail",
                "warn",
                "review",
                "info",
                "not_applicable",
                "cannot_verify",
            ],
            "status",
        );
        one_of(&f["force"], &["statute", "guidance", "proposed"], "force");
        evidence(&f["evidence"], "finding");
    }
    assert!(v["score"].as_u64().is_some_and(|s| s <= 100));
    one_of(
        &v["verdict"],
        &["meets_minimum", "falls_short", "needs_review"],
        "verdict",
    );
}

// --- verdicts and exit codes ------------------------------------------------

#[test]
fn text_report_reads_in_order() {
    let out = s54(&[&fixture("check/compliant.txt"), "--format", "text"], None);
    let t = &out.stdout;
    assert!(!t.contains('\x1b'), "no colour when not a terminal");
    let law = t.find("The law: section 54").expect("law section");
    let guidance = t.find("Guidance: recommended").expect("guidance section");
    let proposals = t
        .find("Proposals: proposed, not law")
        .expect("proposals section");
    assert!(law < guidance && guidance < proposals);
    assert!(t.contains("of 6 recommended areas"));
}

#[test]
fn json_report_follows_the_contract() {
    let out = s54(&[&fixture("check/compliant.txt"), "--format", "json"], None);
    let v = json(&out);
    assert_contract(&v);
    assert_eq!(v["source"]["kind"], "text");
    assert_eq!(v["source"]["name"], "compliant.txt");
    let verdict = v["verdict"].as_str().unwrap_or("");
    let code = match verdict {
        "meets_minimum" => 0,
        "falls_short" => 1,
        _ => 3,
    };
    assert_eq!(out.code, code, "exit code follows the verdict");
}

#[test]
fn html_report_escapes_everything() {
    let out = s54(&[&fixture("check/script.txt"), "--format", "html"], None);
    assert_ne!(out.code, 2, "{}", out.stderr);
    let page = &out.stdout;
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        !page.contains("<script"),
        "script tag leaked into the report"
    );
    assert!(!page.contains("<img"), "img tag leaked into the report");
    assert!(!page.contains("<b>bold"), "markup leaked into the report");
    assert!(!page.contains("src="), "external resource");
    assert!(page.contains("<h1"));
}

#[test]
fn stdin_dash_is_read() {
    let bytes = std::fs::read(fixture("check/compliant.txt")).expect("fixture");
    let out = s54(&["-", "--format", "json"], Some(&bytes));
    let v = json(&out);
    assert_contract(&v);
    assert_eq!(v["source"]["name"], "stdin");
    assert_eq!(v["source"]["bytes"].as_u64(), Some(bytes.len() as u64));
}

// --- unreadable input and bad arguments: exit 2, one line ----------------------

#[test]
fn missing_file_exits_2() {
    let out = s54(&[&fixture("check/no-such-file.pdf")], None);
    assert_unreadable(&out, "no such file");
}

#[test]
fn empty_file_exits_2() {
    let out = s54(&[&fixture("check/empty.txt")], None);
    assert_unreadable(&out, "empty input");
    let out = s54(&["-"], Some(b""));
    assert_unreadable(&out, "empty input");
}

#[test]
fn broken_and_encrypted_pdfs_exit_2() {
    let out = s54(&[&fixture("check/broken.pdf")], None);
    assert_unreadable(&out, "cannot read '");
    let out = s54(&[&fixture("check/encrypted.pdf")], None);
    assert_unreadable(&out, "PDF is encrypted with a password");
}

#[test]
fn oversized_file_is_refused_without_reading_it() {
    // A sparse file: 1 byte over the limit, costs nothing on disk.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.txt");
    let f = std::fs::File::create(&path).expect("create");
    let limit = s54::extract::Limits::default().max_input_bytes as u64;
    f.set_len(limit + 1).expect("set_len");
    let out = s54(&[path.to_str().unwrap_or("")], None);
    assert_unreadable(&out, "over the");
}

#[test]
fn rules_directory_is_used_and_checked() {
    // The shipped rules as a directory give the same verdict as the built-in ones.
    let rules = format!("{}/rules", env!("CARGO_MANIFEST_DIR"));
    let out = s54(
        &[
            &fixture("check/compliant.txt"),
            "--rules",
            &rules,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = s54(
        &[
            &fixture("check/compliant.txt"),
            "--rules",
            &fixture("check/no-such-rules"),
        ],
        None,
    );
    assert_unreadable(&out, "--rules: ");
}

#[test]
fn a_rules_error_is_reported_before_an_input_error() {
    // The input is read while the rulebook loads; the rules' error still
    // comes first, as when the two ran one after the other.
    let out = s54(
        &[
            &fixture("check/no-such-statement.txt"),
            "--rules",
            &fixture("check/no-such-rules"),
        ],
        None,
    );
    assert_unreadable(&out, "--rules: ");
    let out = s54(&[&fixture("check/no-such-statement.txt")], None);
    assert_unreadable(&out, "no-such-statement.txt");
}

#[test]
fn an_empty_directory_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = s54(&[&dir.path().display().to_string()], None);
    assert_unreadable(&out, "directory is empty");
}

#[test]
fn a_directory_is_checked_file_by_file_in_name_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["compliant.txt", "ceo_signed.txt"] {
        std::fs::copy(fixture(&format!("check/{name}")), dir.path().join(name)).expect("copy");
    }
    let out = s54(
        &[&dir.path().display().to_string(), "--format", "json"],
        None,
    );
    // Needs review (3) outranks meets the minimum (0).
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let inputs: Vec<String> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("one JSON object a line"))
        .map(|v| v["input"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(inputs.len(), 2, "{}", out.stdout);
    assert!(inputs[0].ends_with("ceo_signed.txt") && inputs[1].ends_with("compliant.txt"));
}

#[test]
fn several_inputs_give_one_json_line_each_and_the_most_severe_exit() {
    let files = [
        "check/compliant.txt",
        "check/failing.txt",
        "check/ceo_signed.txt",
    ];
    let paths: Vec<String> = files.iter().map(|f| fixture(f)).collect();
    let mut args: Vec<&str> = paths.iter().map(String::as_str).collect();
    args.extend(["--format", "json"]);
    let out = s54(&args, None);
    // Falls short (1) outranks needs review (3) and meets the minimum (0).
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 3);
    for (v, path) in lines.iter().zip(&paths) {
        assert_contract(v);
        assert_eq!(v["input"], path.as_str(), "reports keep the inputs' order");
    }
    let verdicts: Vec<&str> = lines.iter().filter_map(|v| v["verdict"].as_str()).collect();
    assert_eq!(verdicts, ["meets_minimum", "falls_short", "needs_review"]);
}

#[test]
fn an_unreadable_input_among_several_exits_2_and_the_rest_are_checked() {
    let good = fixture("check/compliant.txt");
    let out = s54(&[&good, "no-such-statement.txt"], None);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("Verdict: Meets the legal minimum"));
    assert_eq!(out.stderr.matches("s54: ").count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("no-such-statement.txt"));
    // Text reports one after another: one verdict line for the one readable input.
    assert_eq!(out.stdout.matches("Verdict: ").count(), 1);
}

#[test]
fn bad_entity_exits_2() {
    let out = s54(
        &[&fixture("check/compliant.txt"), "--entity", "charity"],
        None,
    );
    assert_unreadable(&out, "unknown entity type 'charity'");
}

#[test]
fn bad_dates_exit_2() {
    let out = s54(
        &[&fixture("check/compliant.txt"), "--fy-end", "31/03/2024"],
        None,
    );
    assert_unreadable(&out, "--fy-end: invalid date '31/03/2024'");
    let out = s54(
        &[&fixture("check/compliant.txt"), "--published", "2024-02-30"],
        None,
    );
    assert_unreadable(&out, "--published: invalid date");
}

#[test]
fn bad_profile_exits_2() {
    let out = s54(
        &[&fixture("check/compliant.txt"), "--profile", "tomorrow"],
        None,
    );
    assert_unreadable(&out, "--profile: unknown rules profile 'tomorrow'");
}

/// A loopback HTTP server answering every request with `body`; counts requests.
fn serve(body: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body);
        }
    });
    (format!("http://{addr}/statement.txt"), hits)
}

#[test]
fn loopback_url_is_refused_without_allow_private() {
    let (url, hits) = serve(b"Modern slavery statement.");
    let out = s54(&[&url], None);
    assert_unreadable(&out, &format!("cannot fetch '{url}'"));
    // robots.txt or the statement: the guard refuses before connecting.
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "connected to a private address"
    );
}

#[test]
fn loopback_url_is_checked_with_allow_private() {
    static BODY: &[u8] = include_bytes!("../fixtures/check/compliant.txt");
    let (url, _hits) = serve(BODY);
    let out = s54(&[&url, "--allow-private", "--format", "json"], None);
    assert_ne!(out.code, 2, "{}", out.stderr);
    let v = json(&out);
    assert_contract(&v);
    assert_eq!(v["source"]["bytes"].as_u64(), Some(BODY.len() as u64));
}

// --- groups and --members -------------------------------------------------------

#[test]
fn members_file_errors_exit_2() {
    let run = |csv: &str| {
        s54(
            &[
                &fixture("groups/company_group.txt"),
                "--members",
                &fixture(&format!("groups/{csv}")),
            ],
            None,
        )
    };
    assert_unreadable(&run("header_only.csv"), "is empty");
    assert_unreadable(&run("no_name_column.csv"), "no 'name' column");
    assert_unreadable(&run("blank_names.csv"), "blank name on lines 3, 5");
    assert_unreadable(&run("no-such.csv"), "no such file");
}
fn coverage(v: &Value) -> Vec<(String, bool)> {
    v["group"]["coverage"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap_or("").to_string(),
                        c["named"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn finding_status(v: &Value, rule: &str) -> Option<String> {
    v["findings"].as_array().and_then(|l| {
        l.iter()
            .find(|f| f["rule"] == rule)
            .and_then(|f| f["status"].as_str().map(str::to_string))
    })
}

fn check_group(statement: &str, members: &str) -> Value {
    let out = s54(
        &[
            &fixture(&format!("groups/{statement}")),
            "--members",
            &fixture(&format!("groups/{members}")),
            "--format",
            "json",
        ],
        None,
    );
    assert_ne!(out.code, 2, "{}", out.stderr);
    let v = json(&out);
    assert_contract(&v);
    v
}

#[test]
fn compliant_statement_exits_0() {
    let out = s54(&[&fixture("check/compliant.txt")], None);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("Verdict: Meets the legal minimum"));
}

#[test]
fn failing_statement_exits_1() {
    let out = s54(&[&fixture("check/failing.txt")], None);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("Verdict: Falls short of section 54"));
    assert!(out.stdout.contains("FAIL"));
}

#[test]
fn ceo_signed_statement_exits_3() {
    let out = s54(&[&fixture("check/ceo_signed.txt")], None);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("Verdict: Needs a human check"));
}

// --- formats ------------------------------------------------------------------

#[test]
fn good_options_are_accepted() {
    let out = s54(
        &[
            &fixture("check/compliant.txt"),
            "--entity",
            "company",
            "--fy-end",
            "2024-03-31",
            "--published",
            "2024-09-20",
            "--format",
            "json",
        ],
        None,
    );
    let v = json(&out);
    assert_eq!(v["entity_type"], "company");
}

#[test]
fn company_group_names_every_member_in_any_spelling() {
    let v = check_group("company_group.txt", "company_members.csv");
    assert_eq!(v["group"]["is_group"], true);
    let cov = coverage(&v);
    assert_eq!(cov.len(), 5);
    assert!(cov.iter().all(|(_, named)| *named), "{cov:?}");
    assert_eq!(
        finding_status(&v, "GUID-group-coverage").as_deref(),
        Some("pass")
    );
    let entities = v["group"]["entities"].as_array().map(Vec::len).unwrap_or(0);
    assert!(entities >= 5, "{}", v["group"]["entities"]);
}

#[test]
fn missing_members_fail_group_coverage() {
    let v = check_group("company_group.txt", "company_members_missing.csv");
    assert_eq!(
        coverage(&v),
        vec![
            ("Brackenridge Holdings plc".to_string(), true),
            ("Brackenridge Foods Limited".to_string(), true),
            ("Brackenridge Pet Care Limited".to_string(), false),
            ("Kilbride Cold Stores Ltd".to_string(), false),
        ]
    );
    assert_eq!(
        finding_status(&v, "GUID-group-coverage").as_deref(),
        Some("fail")
    );
    // Guidance never decides the verdict.
    let f = v["findings"]
        .as_array()
        .and_then(|l| l.iter().find(|f| f["rule"] == "GUID-group-coverage"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(f["force"], "guidance");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("Kilbride Cold Stores Ltd")
    );
}

#[test]
fn look_alike_members_are_not_named() {
    let v = check_group("company_group.txt", "lookalikes.csv");
    let cov = coverage(&v);
    assert_eq!(cov.len(), 5);
    assert!(cov.iter().all(|(_, named)| !named), "{cov:?}");
}

#[test]
fn council_with_arms_length_bodies() {
    let v = check_group("council.txt", "council_members.csv");
    assert_eq!(v["group"]["is_group"], true);
    assert_eq!(
        coverage(&v),
        vec![
            ("Eastmere Borough Council".to_string(), true),
            ("Eastmere Homes Ltd".to_string(), true),
            ("Eastmere Leisure Trust".to_string(), true),
            ("Eastmere Energy Company Limited".to_string(), false),
        ]
    );
}

#[test]
fn nhs_trust_with_subsidiary_company() {
    let v = check_group("nhs_trust.txt", "nhs_members.csv");
    assert_eq!(v["group"]["is_group"], true);
    assert!(coverage(&v).iter().all(|(_, n)| *n), "{:?}", coverage(&v));
}

#[test]
fn university_group() {
    let v = check_group("university.txt", "university_members.csv");
    assert_eq!(v["group"]["is_group"], true);
    assert!(coverage(&v).iter().all(|(_, n)| *n), "{:?}", coverage(&v));
}

#[test]
fn members_named_only_by_trading_name() {
    let v = check_group("trading_names.txt", "trading_members.csv");
    assert_eq!(
        coverage(&v),
        vec![
            ("Harbourlight Leisure Group plc".to_string(), true),
            ("Harbourlight Cinemas Limited".to_string(), true),
            (
                "Pixel and Pine Restaurants Ltd t/a Pixel & Pine".to_string(),
                true
            ),
            ("QB Leisure Ltd t/a Quayside Bowl".to_string(), true),
        ]
    );
    // Only the parent board approved a statement covering subsidiaries.
    assert_eq!(
        finding_status(&v, "GUID-group-approval").as_deref(),
        Some("review")
    );
}

#[test]
fn duplicate_members_are_counted_once_with_a_warning() {
    let out = s54(
        &[
            &fixture("groups/company_group.txt"),
            "--members",
            &fixture("groups/duplicates.csv"),
            "--format",
            "json",
        ],
        None,
    );
    assert_ne!(out.code, 2);
    assert!(out.stderr.contains("warning"), "{}", out.stderr);
    assert!(out.stderr.contains("line 3"), "{}", out.stderr);
    assert_eq!(coverage(&json(&out)).len(), 1);
}

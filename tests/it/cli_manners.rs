//! The command line's manners (issue 24): help that says what every option
//! takes, exit codes that mean something, read commands that never create a
//! database, import problems reported in full, no colour or progress bars
//! through a pipe, plain or JSON logs, and error lines said once.

use std::path::Path;
use std::process::{Command, Stdio};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `s54 ARGS` with stdout and stderr piped (not a terminal) and the
/// colour variables cleared, so the test sees what a script sees.
fn s54_env(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Out {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_s54"));
    cmd.args(args)
        .env_remove("S54_RULES_DIR")
        .env_remove("DATABASE_URL")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("S54_LOG")
        .env_remove("S54_LOG_FORMAT")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
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

fn s54(args: &[&str]) -> Out {
    s54_env(args, &[], None)
}

fn help(cmd: &str) -> String {
    let out = s54(&[cmd, "--help"]);
    assert_eq!(out.code, 0, "{cmd} --help: {}", out.stderr);
    out.stdout
}

#[test]
fn help_says_what_every_option_takes() {
    let check = help("check");
    for code in [
        "0  meets",
        "1  falls short",
        "3  needs review",
        "2  the input",
    ] {
        assert!(
            check.contains(code),
            "check --help lists exit {code}:\n{check}"
        );
    }
    assert!(
        check.contains("reform-2026") && check.contains("not law"),
        "{check}"
    );
    let export = help("export");
    for status in s54::registry::YearStatus::ALL.map(|s| s.as_str()) {
        assert!(
            export.contains(status),
            "export --status {status}:\n{export}"
        );
    }
    assert!(export.contains("limited_partnership") && export.contains("YYYY"));
    let crawl = help("crawl");
    for needle in [
        "loopback, private",
        "Crawl only the organisation",
        "at once",
    ] {
        assert!(crawl.contains(needle), "crawl --help {needle}:\n{crawl}");
    }
    assert!(help("serve").contains("HOST:PORT"));
    let import = help("import");
    assert!(import.contains("OrganisationName") && import.contains("1  some rows"));
    assert!(help("eval").contains("labelled corpus directory"));
    // Every option of every command has a description.
    for cmd in [
        "check", "import", "crawl", "rescore", "export", "serve", "demo", "eval",
    ] {
        let text = help(cmd);
        for line in text.lines().filter(|l| l.trim_start().starts_with("--")) {
            let described = line
                .trim()
                .splitn(2, "  ")
                .nth(1)
                .is_some_and(|d| !d.trim().is_empty());
            // clap puts a long description on the next line instead.
            let next_line = text
                .split(line)
                .nth(1)
                .and_then(|rest| rest.lines().nth(1))
                .is_some_and(|l| l.starts_with("          ") && !l.trim().is_empty());
            assert!(described || next_line, "{cmd}: undescribed option {line:?}");
        }
    }
}

#[test]
fn read_commands_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing-here.db");
    let db = format!("sqlite://{}", path.display());
    for args in [
        vec!["export", "--db", &db],
        vec!["rescore", "--db", &db],
        vec!["serve", "--db", &db, "--addr", "127.0.0.1:0"],
    ] {
        let out = s54(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("s54: no database at '")
                && out.stderr.contains("nothing-here.db"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
        assert!(!path.exists(), "{args:?} created the database");
    }
    // An import of a file that cannot be read creates nothing either.
    let out = s54(&["import", "/nonexistent/orgs.csv", "--db", &db]);
    assert_eq!(out.code, 2);
    assert!(!path.exists());
}

#[test]
fn import_exits_1_on_rejected_rows_and_lists_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("i.db").display());
    let csv = dir.path().join("orgs.csv");
    std::fs::write(
        &csv,
        "name,website,org_type,turnover_gbp,financial_year_end\n\
         Good Ltd,https://good.example,company,50000000,03-31\n\
         Worse Ltd,not a url,cooperative,lots,31-03\n",
    )
    .unwrap();
    let out = s54(&["import", csv.to_str().unwrap(), "--db", &db]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains(":3: rejected:"))
        .unwrap_or_else(|| panic!("line 3 rejected: {}", out.stderr));
    for problem in ["invalid website URL", "org_type", "turnover_gbp", "31-03"] {
        assert!(line.contains(problem), "{problem} in {line}");
    }
    assert!(
        out.stderr
            .contains("1 loaded, 0 updated, 0 unchanged, 1 rejected")
    );
    // The same file again with the bad row fixed: every row loads, exit 0.
    std::fs::write(
        &csv,
        "name,website,org_type,turnover_gbp,financial_year_end\n\
         Good Ltd,https://good.example,company,50000000,03-31\n",
    )
    .unwrap();
    let out = s54(&["import", csv.to_str().unwrap(), "--db", &db]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn piped_output_has_no_colour_unless_forced() {
    let file = fixture("check/failing.txt");
    let out = s54(&["check", &file]);
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains('\x1b'), "ANSI through a pipe");
    // The test can fail: forced colour does show up.
    let forced = s54_env(&["check", &file], &[("CLICOLOR_FORCE", "1")], None);
    assert!(
        forced.stdout.contains("\x1b["),
        "CLICOLOR_FORCE=1 forces colour"
    );
    let off = s54_env(
        &["check", &file],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        None,
    );
    assert!(!off.stdout.contains('\x1b'), "NO_COLOR wins");
}

#[test]
fn logs_are_plain_lines_or_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("l.db").display());
    let csv = fixture("csv/native.csv");
    let env = [("S54_LOG", "info")];
    let plain = s54_env(&["import", &csv, "--db", &db], &env, None);
    let logged: Vec<&str> = plain
        .stderr
        .lines()
        .filter(|l| l.contains(" INFO "))
        .collect();
    assert!(!logged.is_empty(), "info logs: {}", plain.stderr);
    assert!(!plain.stderr.contains('\x1b'), "no colour in piped logs");
    let json = s54_env(
        &["--log-format", "json", "import", &csv, "--db", &db],
        &env,
        None,
    );
    let events: Vec<serde_json::Value> = json
        .stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(!events.is_empty(), "JSON logs: {}", json.stderr);
    assert!(
        events
            .iter()
            .all(|e| e["level"].is_string() && e["fields"].is_object())
    );
    let bad = s54(&["--log-format", "xml", "export"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("plain") && bad.stderr.contains("json"));
}

#[test]
fn whitespace_only_input_is_empty_input() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, " \n\t\r\n  \n").unwrap();
    let empty = s54(&["check", &fixture("check/empty.txt")]);
    for out in [
        s54(&["check", blank.to_str().unwrap()]),
        s54_env(&["check", "-"], &[], Some(b"   \n\n ")),
        empty,
    ] {
        assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("empty input"), "{}", out.stderr);
        assert!(!out.stderr.contains("scanned"), "{}", out.stderr);
    }
}

#[test]
fn reform_profile_verdict_is_readiness_not_law() {
    let file = fixture("check/compliant.txt");
    let law = s54(&["check", &file]);
    assert_eq!(law.code, 0);
    let out = s54(&["check", &file, "--profile", "reform-2026"]);
    let first = out.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("Verdict: ")
            && first
                .to_lowercase()
                .contains("ready for the proposed reforms")
            && first.contains("not law"),
        "{first}"
    );
    assert!(!first.contains("Falls short of section 54"), "{first}");
    // The law section lists only the law.
    let law_section = out
        .stdout
        .split("The law: section 54")
        .nth(1)
        .and_then(|s| s.split("Guidance:").next())
        .unwrap_or_default();
    assert!(!law_section.contains("GOV2020"), "{law_section}");
    let json = s54(&[
        "check",
        &file,
        "--profile",
        "reform-2026",
        "--format",
        "json",
    ]);
    assert_eq!(json.code, out.code);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["verdict_basis"], "readiness");
    for f in v["findings"].as_array().unwrap() {
        if f["rule"].as_str().unwrap_or("").starts_with("GOV2020") {
            assert_eq!(f["force"], "proposed", "{f}");
        }
    }
    let current: serde_json::Value =
        serde_json::from_str(&s54(&["check", &file, "--format", "json"]).stdout).unwrap();
    assert_eq!(current["verdict_basis"], "law");
    let html = s54(&[
        "check",
        &file,
        "--profile",
        "reform-2026",
        "--format",
        "html",
    ]);
    let h1 = html.stdout.split("<h1").nth(1).unwrap_or_default();
    assert!(
        h1.to_lowercase().contains("ready for the proposed reforms"),
        "{h1}"
    );
}

#[test]
fn errors_are_said_once() {
    let out = s54(&["eval", "--corpus", "/nonexistent/corpus"]);
    assert_eq!(out.code, 2);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert_eq!(
        lines[0].matches("/nonexistent/corpus").count(),
        1,
        "{}",
        lines[0]
    );
    assert!(
        lines[0].to_lowercase().matches("no such file").count() <= 1,
        "{}",
        lines[0]
    );
}

/// A damaged PDF and a page whose table holds loose text: the parsers'
/// own notes on them ("Object load error", "foster parenting") are not
/// the user's business; s54's one-line reason or its report is.
#[test]
fn parser_notes_on_quirky_documents_stay_out_of_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("table.html");
    std::fs::write(
        &page,
        "<html><body><table>Loose text in a table<tr><td>Modern slavery statement</td></tr></table>\
         <p>This statement was approved by the Board of Directors.</p></body></html>",
    )
    .unwrap();
    let out = s54(&["check", &page.to_string_lossy()]);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let pdf = fixture("pdf/hostile/truncated.pdf");
    let out = s54(&["check", &pdf]);
    assert!(!out.stderr.contains("lopdf"), "{}", out.stderr);
    assert!(out.stderr.lines().count() <= 1, "{}", out.stderr);
}

#[test]
fn serve_says_where_to_go_and_how_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let db = format!("sqlite://{}", path.display());
    let csv = dir.path().join("one.csv");
    std::fs::write(&csv, "name\nOne Ltd\n").unwrap();
    assert_eq!(s54(&["import", csv.to_str().unwrap(), "--db", &db]).code, 0);
    assert!(Path::new(&path).exists());
    let mut child = Command::new(env!("CARGO_BIN_EXE_s54"))
        .args(["serve", "--db", &db, "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    {
        use std::io::BufRead;
        let stdout = child.stdout.take().unwrap();
        let _ = std::io::BufReader::new(stdout).read_line(&mut first);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("http://127.0.0.1:"), "{first}");
    assert!(first.contains("Ctrl+C to stop"), "{first}");
}

/// The README's first command, as a new user runs it: `s54 demo` starts the
/// demo websites, imports, crawls and scores them, says where to go, and the
/// dashboard, the API and the export answer there with the demo's
/// organisations and statements.
#[test]
fn the_demo_runs_end_to_end_and_serves_what_it_found() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_s54"))
        .args(["demo", "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("S54_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut said = Vec::new();
    let mut addr = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(rest) = line.split("serving on http://").nth(1) {
            addr = rest.split('/').next().map(str::to_string);
        }
        said.push(line);
        if addr.is_some() {
            break;
        }
    }
    let said = said.join("\n");
    let Some(addr) = addr else {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!(
            "no address said:\n{said}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let found: usize = said
        .lines()
        .find_map(|l| l.strip_prefix("Found ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("how many statements were found: {said}"));
    assert!(found > 0, "{said}");
    assert!(
        dir.path().join("s54-demo.db").exists(),
        "the demo database stays"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let get = |path: &str| {
        let url = format!("http://{addr}{path}");
        rt.block_on(async {
            let resp = reqwest::get(&url)
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            (
                resp.status().as_u16(),
                resp.text().await.unwrap_or_default(),
            )
        })
    };
    let (code, home) = get("/");
    assert_eq!(code, 200, "{home}");
    let (code, api) = get("/api/organisations");
    assert_eq!(code, 200, "{api}");
    let api: serde_json::Value = serde_json::from_str(&api).expect("JSON");
    assert!(api.to_string().contains("Harbourline Foods"), "{api}");
    let (code, csv) = get("/export.csv");
    assert_eq!(code, 200);
    assert!(csv.lines().count() > found, "a row per organisation: {csv}");
    let _ = child.kill();
    let _ = child.wait();
}

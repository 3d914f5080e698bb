//! `docs/` kept in step with the code: every rule id of `rules/` is
//! documented, every route the router serves is in `docs/http.md`, every
//! data route is in the OpenAPI document, and the README sends readers to
//! `docs/`, not to files outside the repository.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The rule ids the built-in rulebook holds.
fn rule_ids() -> Vec<String> {
    let book = s54::rules::Rulebook::embedded().expect("built-in rules");
    book.rules().iter().map(|r| r.id.clone()).collect()
}

#[test]
fn every_rule_is_documented_with_its_force_and_source() {
    let docs = read("docs/rules.md");
    let book = s54::rules::Rulebook::embedded().expect("built-in rules");
    let ids = rule_ids();
    assert!(ids.len() > 20, "{} rules", ids.len());
    for rule in book.rules() {
        let row = docs
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", rule.id)))
            .unwrap_or_else(|| panic!("docs/rules.md has no row for {}", rule.id));
        assert!(
            row.contains(&rule.source),
            "{}: source {}",
            rule.id,
            rule.source
        );
    }
    // And no row for a rule that no longer exists.
    for line in docs.lines().filter(|l| l.starts_with("| `")) {
        let id = line
            .trim_start_matches("| `")
            .split('`')
            .next()
            .unwrap_or_default();
        assert!(
            ids.iter().any(|i| i == id),
            "docs/rules.md documents unknown rule {id}"
        );
    }
}

/// Every `.route("…"` path of the router.
fn routes() -> BTreeSet<String> {
    let src = read("src/web/mod.rs");
    src.split(".route(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_route_is_documented_and_every_data_route_is_in_openapi() {
    let routes = routes();
    assert!(
        routes.contains("/api/check") && routes.len() > 15,
        "{routes:?}"
    );
    let http = read("docs/http.md");
    for r in &routes {
        assert!(http.contains(&format!(" {r}`")), "docs/http.md lacks {r}");
    }
    let openapi: serde_json::Value =
        serde_json::from_str(&read("templates/openapi.json")).expect("OpenAPI is JSON");
    let paths = openapi["paths"].as_object().expect("paths");
    for r in routes.iter().filter(|r| {
        (r.starts_with("/api/") || r.starts_with("/export") || *r == "/healthz")
            && *r != "/api/openapi.json"
    }) {
        assert!(paths.contains_key(r), "openapi.json lacks {r}");
    }
    for p in paths.keys() {
        assert!(
            routes.contains(p),
            "openapi.json documents {p}, which no route serves"
        );
    }
}

#[test]
fn cli_docs_cover_every_command_and_option() {
    use clap::CommandFactory;
    let cli = read("docs/cli.md");
    for cmd in s54::cli::Cli::command().get_subcommands() {
        if cmd.is_hide_set() {
            continue;
        }
        let name = cmd.get_name();
        assert!(
            cli.contains(&format!("## `s54 {name}")),
            "docs/cli.md lacks s54 {name}"
        );
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long().filter(|l| !matches!(*l, "help" | "version")) {
                assert!(
                    cli.contains(&format!("--{long}")),
                    "docs/cli.md lacks {name} --{long}"
                );
            }
        }
    }
}

#[test]
fn readme_links_to_docs_and_sets_up_anywhere() {
    let readme = read("README.md");
    assert!(
        !readme.contains("../shared"),
        "README points outside the repository"
    );
    for page in [
        "docs/cli.md",
        "docs/formats.md",
        "docs/http.md",
        "docs/rules.md",
    ] {
        assert!(readme.contains(page), "README links {page}");
        assert!(root().join(page).exists());
    }
    for needle in [
        "1.85",
        "rustup",
        "rustfmt",
        "--profile",
        "sudo",
        "snap",
        "s54-demo.db",
    ] {
        assert!(readme.contains(needle), "README mentions {needle}");
    }
    // The sample CSV the README offers imports cleanly.
    let sample = root().join("docs/sample-organisations.csv");
    assert!(readme.contains("docs/sample-organisations.csv"));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("sample.db").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s54"))
        .args(["import", sample.to_str().unwrap(), "--db", &db])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("4 loaded") && err.contains("0 rejected"),
        "{err}"
    );
    // Every Debian package the tests need is installed by .ci/run.
    let ci = read(".ci/run");
    for pkg in ["postgresql", "poppler-utils", "chromium", "chromium-driver"] {
        assert!(ci.contains(pkg), ".ci/run installs {pkg}");
        assert!(readme.contains(pkg), "README names {pkg}");
    }
}

//! The `s54` command line: clap definitions (the contract of
//! `shared/spec/interface.md`) and a thin dispatch into the library.

mod accounts;
mod check;
mod crawl;
mod demo;
mod eval;
mod export;
mod generate;
mod import;
mod officers;
mod rescore;
mod serve;
pub mod term;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "s54",
    version,
    about = "Compliance checker and public registry for UK modern slavery statements (MSA 2015 s.54)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How log lines on stderr look: `plain` (one line per event) or `json`
    /// (one JSON object per line). Colour only on a terminal, never with
    /// NO_COLOR set or CLICOLOR=0 (CLICOLOR_FORCE=1 forces it).
    #[arg(
        long = "log-format",
        global = true,
        value_enum,
        env = "S54_LOG_FORMAT",
        default_value_t = term::LogFormat::Plain
    )]
    pub log_format: term::LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Ndjson,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DbArg {
    /// Database URL: sqlite://FILE (default; `import` and `crawl` create the
    /// file, the other commands need it to exist) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = crate::config::DEFAULT_DB_URL)]
    pub db: String,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Files (.pdf, .html, .docx, .txt, .md), directories of them, `-` for
    /// stdin, or http(s):// URLs. Several are checked in one process.
    #[arg(required = true, num_args = 1..)]
    pub input: Vec<String>,
    /// Report format: `text` for people, `json` (schema s54.check/1; one object
    /// per line when several inputs are checked) for programs, `html` for a
    /// standalone page to save, mail or print.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// company, llp, limited_partnership, partnership or public_body (inferred when absent).
    #[arg(long)]
    pub entity: Option<String>,
    /// Financial year end, YYYY-MM-DD.
    #[arg(long = "fy-end")]
    pub fy_end: Option<String>,
    /// Publication date, YYYY-MM-DD.
    #[arg(long)]
    pub published: Option<String>,
    /// CSV of group members (header `name[,company_number]`).
    #[arg(long)]
    pub members: Option<PathBuf>,
    /// One Companies House officer-list response (JSON), to check the signatory against the register.
    #[arg(long)]
    pub officers: Option<PathBuf>,
    /// Rules profile: `current` (the law as it stands) or `reform-2026`
    /// (readiness for the proposed reforms, checked as if in force; a
    /// proposal is not law).
    #[arg(long, default_value = "current")]
    pub profile: String,
    /// Directory of rule files replacing the built-in rulebook.
    #[arg(long, env = "S54_RULES_DIR")]
    pub rules: Option<PathBuf>,
    /// Allow URLs that resolve to private or loopback addresses.
    #[arg(long)]
    pub allow_private: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check one statement and report whether it meets s.54.
    #[command(after_help = CHECK_EXIT_CODES)]
    Check(CheckArgs),
    /// Load organisations from the native CSV or the Government registry CSV.
    #[command(after_help = IMPORT_EXIT_CODES)]
    Import {
        /// A CSV file: the native organisations CSV (header with `name`,
        /// `website`, `org_type`, …) or the Government registry's export
        /// (header with `OrganisationName`, `StatementURL`), told apart by
        /// the header. Creates the database when it does not exist.
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Companies House accounts: find the organisations over £36m.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Crawl organisations' websites for their statements.
    Crawl {
        #[command(flatten)]
        db: DbArg,
        /// Sites crawled at once, 1 or more (each host still gets one
        /// request at a time).
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Milliseconds to wait between two requests to the same host.
        #[arg(long = "per-host-delay-ms", default_value_t = 1000)]
        per_host_delay_ms: u64,
        /// Also connect to loopback, private and link-local addresses
        /// (refused by default, after DNS and after every redirect). For
        /// tests and intranets only.
        #[arg(long)]
        allow_private: bool,
        /// Crawl only the organisation with this id (as in `export` and the
        /// web pages); repeat for several. Default: every in-scope one.
        #[arg(long = "org", value_name = "ID")]
        org: Vec<i64>,
    },
    /// Re-score every stored statement version with the current rules.
    Rescore {
        #[command(flatten)]
        db: DbArg,
    },
    /// Write the registry (one row per organisation and year) to stdout.
    Export {
        #[command(flatten)]
        db: DbArg,
        /// Output format: `csv` (with a header row), `json` (one array) or
        /// `ndjson` (one object per line).
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// Only rows with this status: compliant, noncompliant, review,
        /// missing, unchecked, out_of_scope, or all.
        #[arg(long, default_value = "all")]
        status: String,
        /// Only this reporting year (YYYY: the year the statement fell due).
        #[arg(long)]
        year: Option<i32>,
        /// Only organisations in this sector (exact name, as imported).
        #[arg(long)]
        sector: Option<String>,
        /// Only this organisation type: company, llp, limited_partnership,
        /// partnership, charity, university, nhs, local_authority or
        /// public_body.
        #[arg(long = "org-type")]
        org_type: Option<String>,
        /// Add a `group_id` column after the contract's columns (a `group_id`
        /// key in JSON): the group parent's id, or the organisation's own
        /// when it is a parent with members.
        #[arg(long = "with-group")]
        with_group: bool,
        /// Only organisations with no known website (e.g. found from their
        /// accounts: a person has to find it).
        #[arg(long = "no-website")]
        no_website: bool,
        /// Add `declared_areas` and `declared_mismatch` after the contract's
        /// columns: the areas declared on the Government registry, and those
        /// the statement's text does not support.
        #[arg(long = "with-declared")]
        with_declared: bool,
    },
    /// Load directors and other officers from Companies House.
    #[command(subcommand)]
    Officers(OfficersCommand),
    /// Serve the web dashboard and JSON API.
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address and port to listen on, HOST:PORT (`0.0.0.0:8054` for
        /// every interface; port 0 picks a free one).
        #[arg(long, default_value = crate::config::DEFAULT_ADDR)]
        addr: String,
    },
    /// Run the whole pipeline on the bundled demo websites and serve it.
    Demo {
        /// Address and port of the dashboard, HOST:PORT.
        #[arg(long, default_value = crate::config::DEFAULT_ADDR)]
        addr: String,
    },
    /// Measure the detectors on a labelled corpus (and its labelled sub-folders).
    Eval {
        /// A labelled corpus directory: statement files with their labels
        /// (the layout of the shared corpus; see docs/cli.md).
        #[arg(long)]
        corpus: PathBuf,
        /// Keep only the fixed `tune` or `check` part (by a hash of the id).
        #[arg(long, value_parser = eval::parse_split)]
        split: Option<crate::eval::Split>,
        /// Also re-check every statement re-laid-out and count changed fields.
        #[arg(long)]
        perturb: bool,
        /// Print the numbers as JSON (schema `s54.eval/1`).
        #[arg(long)]
        json: bool,
        /// Directory of rule files replacing the built-in rulebook.
        #[arg(long, env = "S54_RULES_DIR")]
        rules: Option<PathBuf>,
    },
    /// Fill a registry with synthetic organisations and statements (load tests).
    #[command(hide = true)]
    Generate {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value_t = 1000)]
        orgs: u64,
        #[arg(long, default_value_t = 3000)]
        versions: u64,
        #[arg(long, default_value_t = 54)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Read a Companies House Accounts Data Product zip (or a folder of its
    /// members): turnover per organisation and year; organisations over
    /// £36m that the registry does not know are added.
    Import {
        /// The product's zip, or a folder of its members.
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum OfficersCommand {
    /// Fetch the officers of every organisation with a company number from the Companies House API.
    Fetch {
        #[command(flatten)]
        db: DbArg,
        /// Companies House API key (sent as HTTP basic auth).
        #[arg(long = "api-key", env = "S54_CH_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        #[arg(long = "base-url", default_value = crate::registry::officers::DEFAULT_BASE_URL)]
        base_url: String,
    },
    /// Load saved officer-list responses, one JSON body per line.
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Runs a parsed command line, returning the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Check(args) => return check::run(args),
        Command::Import { file, db } => import::run(&file, &db.db),
        Command::Accounts(AccountsCommand::Import { file, db }) => accounts::run(&file, &db.db),
        Command::Crawl {
            db,
            concurrency,
            per_host_delay_ms,
            allow_private,
            org,
        } => crawl::run(&db.db, concurrency, per_host_delay_ms, allow_private, &org),
        Command::Rescore { db } => existing_db(&db.db).and_then(|()| rescore::run(&db.db)),
        Command::Export {
            db,
            format,
            status,
            year,
            sector,
            org_type,
            with_group,
            no_website,
            with_declared,
        } => existing_db(&db.db).and_then(|()| {
            export::run(
                &db.db,
                format,
                &status,
                year,
                sector,
                org_type,
                with_group,
                no_website,
                with_declared,
            )
        }),
        Command::Officers(c) => officers::run(c),
        Command::Serve { db, addr } => existing_db(&db.db).and_then(|()| serve::run(&db.db, &addr)),
        Command::Demo { addr } => demo::run(&addr),
        Command::Eval {
            corpus,
            split,
            perturb,
            json,
            rules,
        } => eval::run(
            &corpus,
            json,
            rules.as_deref(),
            crate::eval::EvalOptions { split, perturb },
        ),
        Command::Generate {
            db,
            orgs,
            versions,
            seed,
        } => generate::run(&db.db, orgs, versions, seed),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("s54: {}", error_line(&err));
            ExitCode::from(2)
        }
    }
}

/// `s54 check --help`: what each exit code means.
const CHECK_EXIT_CODES: &str = "Exit codes:
  0  meets the minimum: every legal requirement that can be judged is met
  1  falls short: at least one legal requirement is not met
  3  needs review: nothing fails, but a legal point could not be confirmed
  2  the input or an argument could not be used (one line on stderr says why)
Under --profile reform-2026 the same codes answer readiness for the proposals.";

/// `s54 import --help`: what each exit code means.
const IMPORT_EXIT_CODES: &str = "Exit codes:
  0  every row loaded
  1  some rows were rejected (each is listed on stderr with its line number
     and all of its problems); the good rows loaded
  2  the file could not be read or recognised, or the database failed";

/// A read command's SQLite database must exist: opening a missing one would
/// create an empty registry and answer from it as if all were well.
fn existing_db(url: &str) -> anyhow::Result<()> {
    match sqlite_file(url) {
        Some(path) if !path.exists() => anyhow::bail!(
            "no database at '{}' (this command does not create one: run `s54 import FILE.csv` \
             or `s54 crawl` first, or give the right --db / DATABASE_URL)",
            path.display()
        ),
        _ => Ok(()),
    }
}

/// The file a `sqlite:` URL names; `None` for other databases and in-memory ones.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// The error and its causes on one line, each said once: a cause whose
/// text its context already quotes is not repeated.
fn error_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://s54.db"),
            Some(PathBuf::from("s54.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/x.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(sqlite_file("sqlite:rel.db"), Some(PathBuf::from("rel.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
    }

    #[test]
    fn causes_are_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        #[derive(Debug, thiserror::Error)]
        #[error("cannot read 'x': {source}")]
        struct E {
            source: std::io::Error,
        }
        let err = anyhow::Error::new(E { source: io }).context("evaluating corpus 'x'");
        let line = error_line(&err);
        assert_eq!(
            line,
            "evaluating corpus 'x': cannot read 'x': No such file or directory"
        );
        assert_eq!(line.matches("No such file").count(), 1);
    }
}

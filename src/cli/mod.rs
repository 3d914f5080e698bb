//! The `s54` command line: clap definitions (the contract of
//! `shared/spec/interface.md`) and a thin dispatch into the library.

mod check;
mod crawl;
mod demo;
mod eval;
mod export;
mod generate;
mod import;
mod rescore;
mod serve;

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
    /// Database URL: sqlite://FILE (default) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = crate::config::DEFAULT_DB_URL)]
    pub db: String,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// A file (.pdf, .html, .docx, .txt, .md), `-` for stdin, or an http(s):// URL.
    pub input: String,
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
    /// Rules profile: `current` (the law as it stands) or `reform-2026`.
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
    Check(CheckArgs),
    /// Load organisations from the native CSV or the Government registry CSV.
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Crawl organisations' websites for their statements.
    Crawl {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long = "per-host-delay-ms", default_value_t = 1000)]
        per_host_delay_ms: u64,
        #[arg(long)]
        allow_private: bool,
        #[arg(long = "org")]
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
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        #[arg(long, default_value = "all")]
        status: String,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        sector: Option<String>,
        #[arg(long = "org-type")]
        org_type: Option<String>,
        /// Add a `group_id` column after the contract's columns (a `group_id`
        /// key in JSON): the group parent's id, or the organisation's own
        /// when it is a parent with members.
        #[arg(long = "with-group")]
        with_group: bool,
    },
    /// Serve the web dashboard and JSON API.
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value = crate::config::DEFAULT_ADDR)]
        addr: String,
    },
    /// Run the whole pipeline on the bundled demo websites and serve it.
    Demo {
        #[arg(long, default_value = crate::config::DEFAULT_ADDR)]
        addr: String,
    },
    /// Measure the detectors on a labelled corpus.
    Eval {
        #[arg(long)]
        corpus: PathBuf,
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

/// Runs a parsed command line, returning the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Check(args) => return check::run(args),
        Command::Import { file, db } => import::run(&file, &db.db),
        Command::Crawl {
            db,
            concurrency,
            per_host_delay_ms,
            allow_private,
            org,
        } => crawl::run(&db.db, concurrency, per_host_delay_ms, allow_private, &org),
        Command::Rescore { db } => rescore::run(&db.db),
        Command::Export {
            db,
            format,
            status,
            year,
            sector,
            org_type,
            with_group,
        } => export::run(&db.db, format, &status, year, sector, org_type, with_group),
        Command::Serve { db, addr } => serve::run(&db.db, &addr),
        Command::Demo { addr } => demo::run(&addr),
        Command::Eval {
            corpus,
            json,
            rules,
        } => eval::run(&corpus, json, rules.as_deref()),
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
            eprintln!("s54: {err:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}

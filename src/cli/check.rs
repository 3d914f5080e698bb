//! `s54 check`: one statement, one report. Exit codes: 0 meets the minimum,
//! 1 falls short, 3 needs review, 2 the input (or an argument) could not be
//! read, with a one-line reason on stderr.
//!
//! Everything the user typed is validated before the input is read, so a
//! typo in `--fy-end` costs nothing; then the bytes are read with a bound
//! (a 10 GB file is refused, never slurped), extracted, scored and rendered.

use super::{CheckArgs, CheckFormat};
use crate::domain::EntityType;
use crate::extract::{self, Limits};
use crate::report::{self, RenderOptions};
use crate::rules::Rulebook;
use crate::score::{self, CheckOptions, group};
use chrono::NaiveDate;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;

/// Exit code when the input or an argument cannot be used.
const EXIT_UNREADABLE: u8 = 2;

pub fn run(args: CheckArgs) -> ExitCode {
    match run_checked(&args) {
        Ok(code) => code,
        Err(reason) => {
            // One line, whatever the error text held.
            let line: String = reason
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            eprintln!("s54: {line}");
            ExitCode::from(EXIT_UNREADABLE)
        }
    }
}

/// The statement's bytes, bounded, and its text.
fn read_and_extract(args: &CheckArgs, limits: &Limits) -> Result<crate::domain::Document, String> {
    let (bytes, name) = match Input::parse(&args.input) {
        Input::Stdin => (
            read_bounded(std::io::stdin().lock(), limits.max_input_bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?,
            "stdin".to_string(),
        ),
        Input::Url(url) => fetch(url, args.allow_private, limits.max_input_bytes)?,
        Input::File(path) => (
            read_file(path, limits.max_input_bytes)
                .map_err(|e| format!("cannot read '{}': {e}", path.display()))?,
            display_name(path),
        ),
    };
    extract::extract(&bytes, &name, limits)
        .map_err(|e| format!("cannot read '{}': {e}", args.input))
}

/// Where the statement comes from.
enum Input<'a> {
    Stdin,
    Url(&'a str),
    File(&'a Path),
}

impl<'a> Input<'a> {
    fn parse(s: &'a str) -> Input<'a> {
        let lower = s.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
        if s == "-" {
            Input::Stdin
        } else if lower.starts_with("http://") || lower.starts_with("https://") {
            Input::Url(s)
        } else {
            Input::File(Path::new(s))
        }
    }
}

/// `--officers FILE.json`: one Companies House officer-list response.
fn read_officers(path: &Path) -> Result<Vec<crate::domain::Officer>, String> {
    let body = std::fs::read_to_string(path)
        .map_err(|e| format!("--officers: cannot read '{}': {e}", path.display()))?;
    crate::domain::OfficerListPage::parse(&body)
        .map(|p| p.items)
        .map_err(|e| format!("--officers: '{}': {e}", path.display()))
}

fn run_checked(args: &CheckArgs) -> Result<ExitCode, String> {
    // 1. Arguments → ready-to-run options (nothing is read yet).
    let entity = match &args.entity {
        Some(e) => Some(EntityType::from_str(e).map_err(|e| format!("--entity: {e}"))?),
        None => None,
    };
    let fy_end = args
        .fy_end
        .as_deref()
        .map(|s| parse_date("--fy-end", s))
        .transpose()?;
    let published = args
        .published
        .as_deref()
        .map(|s| parse_date("--published", s))
        .transpose()?;
    let members = match &args.members {
        Some(path) => {
            let list = group::read_members_file(path).map_err(|e| e.to_string())?;
            for w in &list.warnings {
                eprintln!("s54: warning: {w}");
            }
            list.members
        }
        None => Vec::new(),
    };
    let officers = match &args.officers {
        Some(path) => read_officers(path)?,
        None => Vec::new(),
    };
    // Overlaps the scorer's pattern builds with the rulebook's and the
    // extraction; a detached thread, as the statics it fills are global.
    // Without a thread to spare, each pattern is built at its first use.
    let _ = std::thread::Builder::new().spawn(score::warm_up);
    // 2. The rulebook, and the text read and extracted on a second thread
    // meanwhile: neither needs the other. A rules error is reported first.
    let limits = Limits::default();
    let (rules, doc) = std::thread::scope(|s| {
        // Without a thread to spare, one after the other.
        let reading = std::thread::Builder::new()
            .spawn_scoped(s, || read_and_extract(args, &limits))
            .ok();
        let rules = load_rules(args.rules.as_deref());
        let doc = match reading {
            Some(t) => t
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => read_and_extract(args, &limits),
        };
        (rules, doc)
    });
    let rules = rules?;
    rules
        .profile(&args.profile)
        .map_err(|e| format!("--profile: {e}"))?;
    let doc = doc?;
    let opts = CheckOptions {
        entity,
        fy_end,
        published,
        members,
        profile: Some(args.profile.clone()),
        today: None,
    };

    // 3. Score, render.
    let mut assessment = score::assess(&doc, &opts, &rules);
    let today = chrono::Utc::now().date_naive();
    score::officers::apply(&mut assessment, &officers, published.unwrap_or(today));
    let render_opts = RenderOptions {
        color: args.format == CheckFormat::Text && colour_wanted(),
        doc_text: Some(&doc.text),
    };
    let out = match args.format {
        CheckFormat::Text => report::text::render(&assessment, &render_opts),
        CheckFormat::Json => report::json::render(&assessment)
            .map_err(|e| format!("cannot write the JSON report: {e}"))?,
        // The web self-check's report, stylesheet inside: one product.
        CheckFormat::Html => crate::web::check::standalone_report(&assessment)
            .map_err(|e| format!("cannot write the HTML report: {e}"))?,
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`s54 check x | head`) is not the statement's fault: the
    // exit code still reports the verdict.
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush());
    // The process ends next: freeing the compiled rulebook (hundreds of
    // regexes) would cost more than a short statement's scoring.
    std::mem::forget(rules);
    Ok(ExitCode::from(assessment.verdict.exit_code()))
}

/// `YYYY-MM-DD`, strictly (no "12th June 2024" here: this is a flag).
fn parse_date(flag: &str, s: &str) -> Result<NaiveDate, String> {
    let bad = || format!("{flag}: invalid date '{s}' (expected YYYY-MM-DD)");
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())
}

fn load_rules(dir: Option<&Path>) -> Result<Rulebook, String> {
    match dir {
        Some(dir) => Rulebook::from_dir(dir).map_err(|e| format!("--rules: {e}")),
        None => Rulebook::embedded().map_err(|e| format!("built-in rules: {e}")),
    }
}

fn colour_wanted() -> bool {
    super::term::colour_wanted(std::io::stdout().is_terminal())
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads at most `limit` bytes; more is an error, not a truncation.
fn read_bounded(r: impl Read, limit: usize) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    r.take(cap)
        .read_to_end(&mut buf)
        .map_err(|e| io_reason(&e))?;
    if buf.len() > limit {
        return Err(format!("input is over the {limit}-byte limit"));
    }
    Ok(buf)
}

fn read_file(path: &Path, limit: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| io_reason(&e))?;
    let meta = file.metadata().map_err(|e| io_reason(&e))?;
    if meta.is_dir() {
        return Err("it is a directory".to_string());
    }
    if meta.len() > limit as u64 {
        return Err(format!(
            "file is {} bytes, over the {limit}-byte limit",
            meta.len()
        ));
    }
    read_bounded(file, limit)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => e.to_string(),
    }
}

/// Fetches a URL with the crawler's safety limits on a small runtime.
fn fetch(url: &str, allow_private: bool, limit: usize) -> Result<(Vec<u8>, String), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    let fetched = rt
        .block_on(crate::crawl::fetch_for_check(url, allow_private))
        .map_err(|e| format!("cannot fetch '{url}': {e}"))?;
    if !(200..300).contains(&fetched.status) {
        return Err(format!(
            "cannot fetch '{url}': HTTP status {}",
            fetched.status
        ));
    }
    if fetched.bytes.len() > limit {
        return Err(format!("cannot fetch '{url}': over the {limit}-byte limit"));
    }
    Ok((fetched.bytes, fetched.final_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            parse_date("--fy-end", "2024-03-31"),
            Ok(NaiveDate::from_ymd_opt(2024, 3, 31).unwrap_or_default())
        );
        for bad in [
            "2024-3-31",
            "31/03/2024",
            "2024-02-30",
            "",
            "2024-03-31x",
            "２０２４-03-31",
        ] {
            let e = parse_date("--fy-end", bad).unwrap_err();
            assert!(e.starts_with("--fy-end: invalid date"), "{bad}: {e}");
        }
    }

    #[test]
    fn bounded_read_refuses_more_than_the_limit() {
        assert_eq!(read_bounded(&b"abc"[..], 3), Ok(b"abc".to_vec()));
        assert!(read_bounded(&b"abcd"[..], 3).is_err());
    }

    #[test]
    fn input_kinds() {
        assert!(matches!(Input::parse("-"), Input::Stdin));
        assert!(matches!(Input::parse("HTTPS://x.test/a"), Input::Url(_)));
        assert!(matches!(Input::parse("http://127.0.0.1/"), Input::Url(_)));
        assert!(matches!(Input::parse("https.txt"), Input::File(_)));
        assert!(matches!(Input::parse("é"), Input::File(_)));
    }
}

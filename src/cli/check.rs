//! `s54 check`: statements in, reports out. Exit codes: 0 meets the
//! minimum, 1 falls short, 3 needs review, 2 the input (or an argument)
//! could not be read, with a one-line reason on stderr. Given several
//! inputs (or a directory), one process checks them all: text reports one
//! after another, JSON as one `s54.check/1` object per line with an
//! `input` field; the exit code is the most severe (2 > 1 > 3 > 0).
//!
//! Everything the user typed is validated before any input is read, so a
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
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

/// Exit code when the input or an argument cannot be used.
const EXIT_UNREADABLE: u8 = 2;

pub fn run(args: CheckArgs) -> ExitCode {
    match run_checked(&args) {
        Ok(code) => ExitCode::from(code),
        Err(reason) => {
            say_error(&reason);
            ExitCode::from(EXIT_UNREADABLE)
        }
    }
}

/// One line on stderr, whatever the error text held.
fn say_error(reason: &str) {
    let line: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    eprintln!("s54: {line}");
}

/// The statement's bytes, bounded, and its text.
fn read_and_extract(
    input: &str,
    allow_private: bool,
    limits: &Limits,
) -> Result<crate::domain::Document, String> {
    let (bytes, name) = match Input::parse(input) {
        Input::Stdin => (
            read_bounded(std::io::stdin().lock(), limits.max_input_bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?,
            "stdin".to_string(),
        ),
        Input::Url(url) => fetch(url, allow_private, limits.max_input_bytes)?,
        Input::File(path) => (
            read_file(path, limits.max_input_bytes)
                .map_err(|e| format!("cannot read '{}': {e}", path.display()))?,
            display_name(path),
        ),
    };
    extract::extract(&bytes, &name, limits).map_err(|e| format!("cannot read '{input}': {e}"))
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

/// The inputs to check: a directory stands for the files in it (in name
/// order, not recursing); everything else for itself.
fn expand_inputs(inputs: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        if !matches!(Input::parse(input), Input::File(_)) || !path.is_dir() {
            out.push(input.clone());
            continue;
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| format!("cannot read directory '{input}': {}", io_reason(&e)))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        out.extend(files.iter().map(|p| p.display().to_string()));
    }
    if out.iter().filter(|i| *i == "-").count() > 1 {
        return Err("standard input ('-') can be given only once".to_string());
    }
    Ok(out)
}

/// `--officers FILE.json`: one Companies House officer-list response.
fn read_officers(path: &Path) -> Result<Vec<crate::domain::Officer>, String> {
    let body = std::fs::read_to_string(path)
        .map_err(|e| format!("--officers: cannot read '{}': {e}", path.display()))?;
    crate::domain::OfficerListPage::parse(&body)
        .map(|p| p.items)
        .map_err(|e| format!("--officers: '{}': {e}", path.display()))
}

/// What the user typed, validated into check options.
fn options(args: &CheckArgs) -> Result<CheckOptions, String> {
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
    Ok(CheckOptions {
        entity,
        fy_end,
        published,
        members,
        profile: Some(args.profile.clone()),
        today: None,
    })
}

/// How bad an exit code is, for the batch's own: 2 > 1 > 3 > 0.
fn severity(code: u8) -> u8 {
    match code {
        EXIT_UNREADABLE => 3,
        1 => 2,
        3 => 1,
        _ => 0,
    }
}

fn run_checked(args: &CheckArgs) -> Result<u8, String> {
    // 1. Arguments → ready-to-run options (nothing is read yet).
    let opts = options(args)?;
    let inputs = expand_inputs(&args.input)?;
    if inputs.is_empty() {
        return Err("no input to check (the directory is empty)".to_string());
    }
    let rules = load_rules(args.rules.as_deref())?;
    rules
        .profile(&args.profile)
        .map_err(|e| format!("--profile: {e}"))?;
    let officers = match &args.officers {
        Some(path) => read_officers(path)?,
        None => Vec::new(),
    };
    let batch = args.input.len() > 1 || inputs.len() > 1;
    let job = Job {
        officers: &officers,
        args,
        opts: &opts,
        rules: &rules,
        limits: if batch {
            Limits::default()
        } else {
            with_ocr_progress(Limits::default())
        },
        batch,
    };
    // 2. Each input read, extracted, scored and rendered (several at once
    // on a multi-core machine); reports written in the inputs' order.
    let mut worst = 0u8;
    let mut stdout = std::io::stdout().lock();
    for_each_in_order(
        &inputs,
        |input| job.check_one(input),
        |result| {
            let code = match result {
                Ok((out, code)) => {
                    // A closed pipe (`s54 check x | head`) is not the statement's
                    // fault: the exit code still reports the verdict.
                    let _ = stdout
                        .write_all(out.as_bytes())
                        .and_then(|_| stdout.flush());
                    code
                }
                Err(reason) => {
                    say_error(&reason);
                    EXIT_UNREADABLE
                }
            };
            if severity(code) > severity(worst) {
                worst = code;
            }
        },
    );
    Ok(worst)
}

/// Everything one input's check needs.
struct Job<'a> {
    args: &'a CheckArgs,
    opts: &'a CheckOptions,
    rules: &'a Rulebook,
    /// The register's officers (`--officers`), whom the signatory should be.
    officers: &'a [crate::domain::Officer],
    limits: Limits,
    batch: bool,
}

impl Job<'_> {
    /// The rendered report of one input and its exit code.
    fn check_one(&self, input: &str) -> Result<(String, u8), String> {
        let doc = read_and_extract(input, self.args.allow_private, &self.limits)?;
        let mut assessment = score::assess(&doc, self.opts, self.rules);
        let on = self
            .opts
            .published
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        score::officers::apply(&mut assessment, self.officers, on);
        let render_opts = RenderOptions {
            color: self.args.format == CheckFormat::Text && colour_wanted(),
            doc_text: Some(&doc.text),
        };
        let out = match self.args.format {
            CheckFormat::Text => report::text::render(&assessment, &render_opts),
            CheckFormat::Json if self.batch => json_line(&assessment, input)?,
            CheckFormat::Json => report::json::render(&assessment)
                .map_err(|e| format!("cannot write the JSON report: {e}"))?,
            // The web self-check's report, stylesheet inside: one product.
            CheckFormat::Html => crate::web::check::standalone_report(&assessment)
                .map_err(|e| format!("cannot write the HTML report: {e}"))?,
        };
        Ok((out, assessment.verdict.exit_code()))
    }
}

/// One NDJSON line: the `s54.check/1` object with the input it is for.
fn json_line(a: &crate::domain::Assessment, input: &str) -> Result<String, String> {
    let cannot = |e: serde_json::Error| format!("cannot write the JSON report: {e}");
    let mut value: serde_json::Value =
        serde_json::from_str(&report::json::render(a).map_err(cannot)?).map_err(cannot)?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("input".to_string(), input.into());
    }
    let mut line = serde_json::to_string(&value).map_err(cannot)?;
    line.push('\n');
    Ok(line)
}

/// Runs `work` on every item, on as many threads as there are cores, and
/// hands each result to `done` in the items' order.
fn for_each_in_order<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(R),
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        items.iter().for_each(|item| done(work(item)));
        return;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, R)>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (tx, next, work) = (tx.clone(), &next, &work);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if tx.send((i, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting = std::collections::BTreeMap::new();
        let mut want = 0;
        for (i, r) in rx {
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&want) {
                done(r);
                want += 1;
            }
        }
    });
}

/// On a terminal, a progress bar while scanned pages are read by OCR
/// (a few seconds a page); nothing when stderr is a file or a pipe, or in a
/// batch, where several documents are read at once.
fn with_ocr_progress(mut limits: Limits) -> Limits {
    if !std::io::stderr().is_terminal() {
        return limits;
    }
    let bar = std::sync::Mutex::new(None::<indicatif::ProgressBar>);
    limits.ocr.progress = Some(extract::ocr::Progress(std::sync::Arc::new(
        move |done, total| {
            let mut bar = bar.lock().unwrap_or_else(|p| p.into_inner());
            let b = bar.get_or_insert_with(|| {
                let b = indicatif::ProgressBar::with_draw_target(
                    Some(u64::from(total)),
                    indicatif::ProgressDrawTarget::stderr(),
                );
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "OCR {bar:30} page {pos}/{len} {elapsed}",
                ) {
                    b.set_style(style);
                }
                b
            });
            b.set_position(u64::from(done));
            if done >= total {
                b.finish_and_clear();
            }
        },
    )));
    limits
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
    fn the_most_severe_exit_code_wins() {
        let worst = |codes: &[u8]| {
            codes
                .iter()
                .copied()
                .fold(0, |w, c| if severity(c) > severity(w) { c } else { w })
        };
        assert_eq!(worst(&[0, 3, 0]), 3);
        assert_eq!(worst(&[3, 1, 0]), 1);
        assert_eq!(worst(&[1, 2, 3]), 2);
        assert_eq!(worst(&[0, 0]), 0);
    }

    #[test]
    fn results_come_back_in_the_inputs_order() {
        let items: Vec<u64> = (0..50).collect();
        let mut seen = Vec::new();
        for_each_in_order(
            &items,
            |i| {
                std::thread::sleep(std::time::Duration::from_micros((50 - i) * 20));
                i * 2
            },
            |r| seen.push(r),
        );
        assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

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

//! Terminal manners: colour only for a person at a terminal (following the
//! NO_COLOR and CLICOLOR conventions), and log lines as plain text or JSON.

use std::ffi::OsString;
use std::io::IsTerminal;

/// The `--log-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text per event.
    Plain,
    /// One JSON object per line (for log collectors).
    Json,
}

/// Whether output to a stream should carry ANSI colour, given whether it is
/// a terminal and the environment: a non-empty `NO_COLOR` turns colour off;
/// `CLICOLOR_FORCE` other than `0` turns it on even through a pipe;
/// `CLICOLOR=0` turns it off; otherwise colour exactly when on a terminal.
pub fn colour_wanted(is_terminal: bool) -> bool {
    decide(
        is_terminal,
        std::env::var_os("NO_COLOR"),
        std::env::var_os("CLICOLOR"),
        std::env::var_os("CLICOLOR_FORCE"),
    )
}

fn decide(
    is_terminal: bool,
    no_color: Option<OsString>,
    clicolor: Option<OsString>,
    clicolor_force: Option<OsString>,
) -> bool {
    let set = |v: &Option<OsString>| v.as_ref().is_some_and(|v| !v.is_empty());
    if set(&no_color) {
        return false;
    }
    if set(&clicolor_force) && clicolor_force.as_deref() != Some("0".as_ref()) {
        return true;
    }
    if clicolor.as_deref() == Some("0".as_ref()) {
        return false;
    }
    is_terminal
}

/// What is logged without `S54_LOG`: warnings, but not the parsers' notes
/// on the quirks of a document (html5ever's "foster parenting not
/// implemented", lopdf's "Object load error"): s54 reads past them, or says
/// itself in one line why a document cannot be read.
pub const DEFAULT_LOG: &str = "warn,lopdf=off,html5ever=off";

/// Starts `tracing` on stderr: `S54_LOG` filters (default [`DEFAULT_LOG`]),
/// `format` shapes the lines, colour as [`colour_wanted`] decides for stderr.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("S54_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Plain => builder
            .with_ansi(colour_wanted(std::io::stderr().is_terminal()))
            .init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn colour_follows_the_conventions() {
        assert!(decide(true, None, None, None));
        assert!(!decide(false, None, None, None), "a pipe gets no colour");
        assert!(!decide(true, v("1"), None, None), "NO_COLOR");
        assert!(
            decide(true, v(""), None, None),
            "an empty NO_COLOR is unset"
        );
        assert!(!decide(true, None, v("0"), None), "CLICOLOR=0");
        assert!(decide(true, None, v("1"), None));
        assert!(decide(false, None, None, v("1")), "CLICOLOR_FORCE");
        assert!(!decide(false, None, None, v("0")));
        assert!(!decide(false, v("1"), None, v("1")), "NO_COLOR wins");
    }
}

//! Configuration in one place: defaults, then environment (`S54_*`,
//! `DATABASE_URL`), then command-line flags (clap reads the environment for us).

use std::fmt;

pub const DEFAULT_DB_URL: &str = "sqlite://s54.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8054";
/// The honest User-Agent the crawler and URL checks send.
pub const USER_AGENT: &str = concat!(
    "s54/",
    env!("CARGO_PKG_VERSION"),
    " (modern slavery statement checker; +https://github.com/s54-registry/s54)"
);

/// A database URL whose password is redacted when printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl(pub String);

impl DbUrl {
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                write!(f, "{u}")
            }
            _ => f.write_str(&self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn password_redacted() {
        let u = DbUrl("postgres://s54:secret@127.0.0.1/s54".into());
        assert!(!format!("{u:?}").contains("secret"));
        assert!(u.is_postgres());
    }
}

//! The rulebook: `rules/*.toml` parsed and compiled (regexes built once).
//! The files are embedded in the binary, so `s54` runs anywhere; a directory
//! given by `--rules DIR` or `S54_RULES_DIR` replaces them.

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("cannot read rules directory '{dir}': {source}")]
    Io { dir: String, source: std::io::Error },
}

/// The compiled rulebook (being built: issue 2).
#[derive(Debug, Clone, Default)]
pub struct Rulebook {}

impl Rulebook {
    /// The rules compiled into the binary.
    pub fn embedded() -> Result<Rulebook, RulesError> {
        Ok(Rulebook {})
    }
}

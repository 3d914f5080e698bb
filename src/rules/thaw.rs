//! What the frozen rules file holds, and reading it back: the scan of all
//! pattern sets (`Scan::freeze`), every rule pattern's two NFAs (the
//! lexicon's word lists and the sets' topics), keyed by the pattern as
//! compiled, and each rule file as parsed (`raw`). Layout of the sealed
//! payload (`frozen::seal`), little-endian: scan length and bytes, then the
//! pattern count and, for each, the key's length and bytes, the two NFAs'
//! length and bytes (forward, reverse); then the file count and each
//! parsed file's length and bytes, in the sources' order.

use super::frozen::{self, Cursor, FrozenError, len32, put, put_bytes};
use super::pattern::RulePattern;
use super::scan::Scan;
use std::collections::HashMap;

/// The payload for `scan` and `patterns` (in the order given; keys must
/// be unique).
pub(crate) fn freeze(
    scan: &Scan,
    patterns: &[&RulePattern],
    files: &[Vec<u8>],
) -> Result<Vec<u8>, FrozenError> {
    let mut out = Vec::new();
    let scan = scan.freeze()?;
    put_bytes(&mut out, &scan)?;
    put(&mut out, len32(patterns.len())?);
    for p in patterns {
        put_bytes(&mut out, p.source().as_bytes())?;
        let (fwd, rev) = p
            .nfa_pair()
            .ok_or(FrozenError::Malformed("a thawed pattern is frozen again"))?;
        let mut pair = Vec::new();
        frozen::encode(fwd, &mut pair)?;
        frozen::encode(rev, &mut pair)?;
        put_bytes(&mut out, &pair)?;
    }
    put(&mut out, len32(files.len())?);
    for file in files {
        put_bytes(&mut out, file)?;
    }
    Ok(out)
}

/// A frozen payload, split but not yet decoded: each part is decoded
/// only when first used.
pub(crate) struct Thawed {
    pub scan: &'static [u8],
    patterns: HashMap<&'static str, &'static [u8]>,
    files: Vec<&'static [u8]>,
}

impl Thawed {
    pub fn new(payload: &'static [u8]) -> Result<Thawed, FrozenError> {
        let mut cur = Cursor::new(payload);
        let scan = cur.take()?;
        let n = cur.u32()? as usize;
        let mut patterns = HashMap::with_capacity(n.min(4096));
        for _ in 0..n {
            let key = std::str::from_utf8(cur.take()?)
                .map_err(|_| FrozenError::Malformed("pattern key"))?;
            patterns.insert(key, cur.take()?);
        }
        let n = cur.u32()? as usize;
        let mut files = Vec::with_capacity(n.min(256));
        for _ in 0..n {
            files.push(cur.take()?);
        }
        if !cur.at_end() {
            return Err(FrozenError::Malformed("trailing bytes"));
        }
        Ok(Thawed {
            scan,
            patterns,
            files,
        })
    }

    /// Source file `i` as parsed, if it reads back (else it is parsed).
    pub(crate) fn file(&self, i: usize) -> Option<super::RawFile> {
        match super::raw::read(self.files.get(i)?) {
            Ok(file) => Some(file),
            Err(e) => {
                tracing::warn!("frozen rule file unusable ({e}); parsing it");
                None
            }
        }
    }

    /// The pattern compiled from `source` (after `ascii_escapes`), if it
    /// was frozen: its NFAs are read back when it is first searched.
    pub fn pattern(&self, source: &str) -> Option<RulePattern> {
        let pair = self.patterns.get(source)?;
        Some(RulePattern::deferred(source, pair))
    }
}

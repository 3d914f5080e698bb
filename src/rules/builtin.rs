//! The scorer's built-in patterns ([`Fixed`](super::pattern::Fixed))
//! compiled ahead of time. Parsing and compiling them was the largest
//! single cost of a one-shot `s54 check` (BENCHMARKS.md, "Whole-process",
//! stop 16); `src/rules/builtin.bin` holds, for each, its forward and
//! reverse NFAs (with its groups and their names) and the words every match
//! needs, and a run reads them back. It is made by `cargo run --release
//! --example freeze_rules`.
//!
//! Patterns are looked up by their text, so a pattern changed in code and
//! not frozen again is compiled at its first use, never mismatched; a test
//! fails while the file is stale. Layout of the sealed payload
//! (`frozen::seal`), little-endian: the entry count, then per entry the key
//! (one byte, 1 if case-insensitive, then the pattern as compiled), the two
//! NFAs (forward, reverse), and the words and the shape, each after its
//! length. The shape is a flags byte (1: anchored at the start, 2: at the
//! end) and the shortest and longest match lengths (`u32::MAX`: none).

use super::frozen::{self, Cursor, FrozenError, len32, put, put_bytes};
use super::gate::Factor;
use super::pattern::{Flavour, RulePattern, Shape, fixed_prefixes, fixed_words, read_pair};
use std::collections::{BTreeSet, HashMap};
use std::sync::{LazyLock, Mutex};

const BUILTIN: &[u8] = include_bytes!("builtin.bin");

/// What the seal says this file is: a change of layout changes it.
const FORMAT: &[u8] = b"s54 built-in patterns, layout 3";

/// A built-in pattern's frozen parts.
pub(crate) struct Frozen {
    /// Its forward and reverse NFAs, read when it is first searched.
    pub pair: &'static [u8],
    pub words: Vec<Factor>,
    pub shape: Shape,
    /// What every match starts with, for a pattern searched across whole
    /// texts (a literal prefilter); empty otherwise.
    pub prefixes: Vec<Vec<u8>>,
}

/// Case-insensitive?, searched across whole texts?, the pattern.
type Key = (bool, bool, &'static str);
/// Each pattern's NFA pair and words, still frozen.
type Table = HashMap<Key, (&'static [u8], &'static [u8])>;

/// The table, split but not decoded; empty if the file is damaged or of
/// another layout (every pattern is then compiled).
static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let read = frozen::open(BUILTIN, frozen::fingerprint([FORMAT]))
        .ok_or(FrozenError::Malformed("not sealed for this layout"))
        .and_then(split);
    read.unwrap_or_else(|e| {
        tracing::warn!("frozen built-in patterns unusable ({e}); compiling them");
        HashMap::new()
    })
});

fn split(payload: &'static [u8]) -> Result<Table, FrozenError> {
    let mut cur = Cursor::new(payload);
    let n = cur.u32()? as usize;
    let mut table = HashMap::with_capacity(n.min(1024));
    for _ in 0..n {
        let key = cur.take()?;
        let (&flag, source) = key
            .split_first()
            .ok_or(FrozenError::Malformed("empty key"))?;
        let source =
            std::str::from_utf8(source).map_err(|_| FrozenError::Malformed("pattern key"))?;
        if flag > 3 {
            return Err(FrozenError::Malformed("key flags"));
        }
        table.insert(
            (flag & 1 != 0, flag & 2 != 0, source),
            (cur.take()?, cur.take()?),
        );
    }
    if !cur.at_end() {
        return Err(FrozenError::Malformed("trailing bytes"));
    }
    Ok(table)
}

/// The frozen parts of the pattern `source` (as compiled), if it is in
/// the table and its words read back.
pub(crate) fn lookup(case_insensitive: bool, whole_text: bool, source: &str) -> Option<Frozen> {
    let (pair, words) = TABLE.get(&(case_insensitive, whole_text, source))?;
    match read_words(words) {
        Ok((words, shape, prefixes)) => Some(Frozen {
            pair,
            words,
            shape,
            prefixes,
        }),
        Err(e) => {
            tracing::warn!("frozen built-in pattern unusable ({e}); compiling it");
            None
        }
    }
}

/// Every built-in pattern built so far in this process, for [`freeze`].
static BUILT: Mutex<BTreeSet<(bool, bool, String)>> = Mutex::new(BTreeSet::new());

/// Notes that the pattern `source` was built.
pub(crate) fn record(case_insensitive: bool, whole_text: bool, source: &str) {
    BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert((case_insensitive, whole_text, source.to_string()));
}

/// Every built-in pattern built so far, compiled now and frozen: what
/// `src/rules/builtin.bin` should hold once every one has been built
/// (`score::warm_up`).
pub fn freeze() -> Result<Vec<u8>, FrozenError> {
    let built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let mut out = Vec::new();
    put(&mut out, len32(built.len())?);
    for (case_insensitive, whole_text, source) in &built {
        let flavour = Flavour::Fixed {
            case_insensitive: *case_insensitive,
        };
        let nfas = RulePattern::nfas(source, flavour)
            .map_err(|_| FrozenError::Malformed("a built-in pattern does not compile"))?;
        let (fwd, rev) = (&nfas.forward, &nfas.reverse);
        let mut pair = Vec::new();
        frozen::encode(fwd, &mut pair)?;
        frozen::encode(rev, &mut pair)?;
        // Groups must read back with their numbers and names.
        let (back, _) = read_pair(&pair)?;
        if back.states() != fwd.states() || !same_groups(&back, fwd) {
            return Err(FrozenError::Malformed("groups do not read back"));
        }
        let mut key = vec![u8::from(*case_insensitive) | (u8::from(*whole_text) << 1)];
        key.extend_from_slice(source.as_bytes());
        put_bytes(&mut out, &key)?;
        put_bytes(&mut out, &pair)?;
        let words = fixed_words(source, *case_insensitive);
        let prefixes = if *whole_text {
            fixed_prefixes(source, *case_insensitive)
        } else {
            Vec::new()
        };
        put_bytes(&mut out, &write_words(&words, &nfas.shape, &prefixes)?)?;
    }
    Ok(frozen::seal(frozen::fingerprint([FORMAT]), &out))
}

/// Every built-in pattern built so far (case-insensitive?, pattern as
/// compiled), in order.
pub fn built() -> Vec<(bool, bool, String)> {
    BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .cloned()
        .collect()
}

fn same_groups(
    a: &regex_automata::nfa::thompson::NFA,
    b: &regex_automata::nfa::thompson::NFA,
) -> bool {
    let (a, b) = (a.group_info(), b.group_info());
    a.pattern_len() == b.pattern_len()
        && a.all_group_len() == b.all_group_len()
        && a.all_names().eq(b.all_names())
}

fn write_words(
    words: &[Factor],
    shape: &Shape,
    prefixes: &[Vec<u8>],
) -> Result<Vec<u8>, FrozenError> {
    let mut out = Vec::new();
    put(&mut out, len32(words.len())?);
    for factor in words {
        put(&mut out, len32(factor.len())?);
        for word in factor {
            put_bytes(&mut out, word)?;
        }
    }
    out.push(u8::from(shape.anchored_start) | (u8::from(shape.anchored_end) << 1));
    put(&mut out, shape.min_len.unwrap_or(u32::MAX));
    put(&mut out, shape.max_len.unwrap_or(u32::MAX));
    put(&mut out, len32(prefixes.len())?);
    for prefix in prefixes {
        put_bytes(&mut out, prefix)?;
    }
    Ok(out)
}

/// Words, shape and prefixes, as [`write_words`] wrote them.
type Extras = (Vec<Factor>, Shape, Vec<Vec<u8>>);

fn read_words(bytes: &[u8]) -> Result<Extras, FrozenError> {
    let mut cur = Cursor::new(bytes);
    let n = cur.u32()? as usize;
    let mut words = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        let m = cur.u32()? as usize;
        let mut factor = Vec::with_capacity(m.min(64));
        for _ in 0..m {
            factor.push(cur.take()?.to_vec());
        }
        words.push(factor);
    }
    let flags = cur.u8()?;
    if flags > 3 {
        return Err(FrozenError::Malformed("shape flags"));
    }
    let len = |n: u32| (n != u32::MAX).then_some(n);
    let shape = Shape {
        anchored_start: flags & 1 != 0,
        anchored_end: flags & 2 != 0,
        min_len: len(cur.u32()?),
        max_len: len(cur.u32()?),
    };
    let n = cur.u32()? as usize;
    let mut prefixes = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        prefixes.push(cur.take()?.to_vec());
    }
    if !cur.at_end() {
        return Err(FrozenError::Malformed("trailing bytes"));
    }
    Ok((words, shape, prefixes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frozen_built_in_patterns_are_the_ones_in_the_code() {
        crate::score::warm_up();
        let fresh = freeze().unwrap();
        assert!(
            fresh == BUILTIN,
            "src/rules/builtin.bin is stale: run `cargo run --release --example freeze_rules`"
        );
        // And a run reads every one of them from it.
        for (case_insensitive, whole_text, source) in built() {
            assert!(
                lookup(case_insensitive, whole_text, &source).is_some(),
                "{source}"
            );
        }
    }

    #[test]
    fn a_damaged_table_is_refused_whole() {
        let payload = frozen::open(BUILTIN, frozen::fingerprint([FORMAT])).unwrap();
        assert!(split(payload).unwrap().len() >= 25);
        for cut in [0, 3, 4, 9, payload.len() / 2, payload.len() - 1] {
            assert!(split(&payload[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = payload.to_vec();
        longer.push(0);
        assert!(split(longer.leak()).is_err());
        assert!(
            frozen::open(BUILTIN, frozen::fingerprint([b"another layout".as_slice()])).is_none()
        );
    }

    #[test]
    fn words_and_shape_read_back() {
        let words: Vec<Factor> = vec![
            vec![b"board".to_vec(), b"trustees".to_vec()],
            vec![b"approved".to_vec()],
        ];
        let shape = Shape {
            min_len: Some(3),
            max_len: None,
            anchored_start: false,
            anchored_end: true,
        };
        let prefixes = vec![b"(".to_vec(), b"on behalf".to_vec()];
        let bytes = write_words(&words, &shape, &prefixes).unwrap();
        assert_eq!(read_words(&bytes).unwrap(), (words, shape, prefixes));
        for cut in 0..bytes.len() {
            assert!(read_words(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let none = write_words(&[], &Shape::default(), &[]).unwrap();
        assert_eq!(
            read_words(&none).unwrap(),
            (vec![], Shape::default(), vec![])
        );
    }
}

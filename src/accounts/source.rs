//! The members of an Accounts Data Product: a zip read as a stream (local
//! headers in order, so memory stays flat however many members it has), or
//! a folder of its members. Every member is read through a cap on its size
//! and on how far it expands against its compressed size, so a zip bomb or
//! a huge member costs a message, not the machine.

use super::ixbrl::{self, Filing, FilingError};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Caps on what one import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest member, uncompressed (bytes).
    pub max_member: u64,
    /// Largest expansion of a member (and of the whole archive) over its
    /// compressed size; accounts' XHTML compresses about 10:1.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_member: 100 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

/// Below this a member's expansion is not judged (tiny members compress oddly).
const RATIO_FLOOR: u64 = 1024 * 1024;

/// Why the input as a whole could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("cannot read '{path}': {reason}")]
    Open {
        path: String,
        reason: std::io::Error,
    },
    #[error("'{path}' is not a zip archive: {reason}")]
    NotZip { path: String, reason: String },
    #[error("'{path}' is broken after {after} members: {reason}")]
    Broken {
        path: String,
        after: u64,
        reason: String,
    },
    #[error(
        "'{path}' expands to more than {ratio} times its size: refusing it as a zip bomb (after {after} members)"
    )]
    Bomb {
        path: String,
        ratio: u64,
        after: u64,
    },
}

/// One member and what reading it gave.
#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub result: Result<Filing, FilingError>,
}

/// Counts what passes and fails once it passes `cap`.
struct Capped<R> {
    inner: R,
    read: u64,
    cap: u64,
    why: &'static str,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            return Err(std::io::Error::other(format!(
                "member is larger than {} bytes{}",
                self.cap, self.why
            )));
        }
        Ok(n)
    }
}

fn parse_capped<R: Read>(
    inner: R,
    cap: u64,
    why: &'static str,
    name: &str,
) -> (Result<Filing, FilingError>, u64) {
    let mut capped = Capped {
        inner,
        read: 0,
        cap,
        why,
    };
    let result = ixbrl::parse(BufReader::with_capacity(64 * 1024, &mut capped), name);
    (result, capped.read)
}

/// Reads every member of `path` (a zip or a folder), handing each to `sink`
/// in order; `sink` returns `false` to stop early.
pub fn read_members(
    path: &Path,
    limits: Limits,
    sink: &mut dyn FnMut(Member) -> bool,
) -> Result<(), SourceError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|reason| SourceError::Open {
        path: shown.clone(),
        reason,
    })?;
    if meta.is_dir() {
        return read_dir(path, limits, sink);
    }
    let file = File::open(path).map_err(|reason| SourceError::Open {
        path: shown.clone(),
        reason,
    })?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    if !reader.fill_buf().is_ok_and(|b| b.starts_with(b"PK")) {
        return Err(SourceError::NotZip {
            path: shown,
            reason: "it does not start with a zip header".into(),
        });
    }
    let archive_len = meta.len().max(1);
    let mut seen: u64 = 0;
    let mut expanded: u64 = 0;
    loop {
        let next = zip::read::read_zipfile_from_stream(&mut reader);
        let mut entry = match next {
            Ok(Some(e)) => e,
            Ok(None) => return Ok(()),
            // Members whose sizes are only in a trailing data descriptor
            // cannot be streamed: read the rest through the central directory.
            Err(zip::result::ZipError::UnsupportedArchive(why))
                if why.contains("length is not available") =>
            {
                return read_indexed(path, limits, seen, sink);
            }
            Err(e) if seen == 0 => {
                return Err(SourceError::NotZip {
                    path: shown,
                    reason: e.to_string(),
                });
            }
            Err(e) => {
                return Err(SourceError::Broken {
                    path: shown,
                    after: seen,
                    reason: e.to_string(),
                });
            }
        };
        seen += 1;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("member {seen}"));
        let (result, read) = read_entry(&mut entry, &name, limits);
        expanded += read;
        drop(entry);
        if expanded
            > archive_len
                .saturating_mul(limits.max_ratio)
                .max(RATIO_FLOOR)
        {
            return Err(SourceError::Bomb {
                path: shown,
                ratio: limits.max_ratio,
                after: seen,
            });
        }
        if !sink(Member { name, result }) {
            return Ok(());
        }
    }
}

/// Parses one zip member within the limits; returns what it gave and how
/// many bytes it expanded to.
fn read_entry<R: Read>(
    entry: &mut zip::read::ZipFile<'_, R>,
    name: &str,
    limits: Limits,
) -> (Result<Filing, FilingError>, u64) {
    if entry.size() > limits.max_member {
        let e = std::io::Error::other(format!(
            "member is {} bytes, larger than the {} allowed",
            entry.size(),
            limits.max_member
        ));
        return (Err(FilingError::Io(e)), 0);
    }
    let by_ratio = entry
        .compressed_size()
        .saturating_mul(limits.max_ratio)
        .max(RATIO_FLOOR);
    let (cap, why) = if by_ratio < limits.max_member {
        (
            by_ratio,
            " (expands too far for its compressed size: a zip bomb?)",
        )
    } else {
        (limits.max_member, "")
    };
    parse_capped(entry, cap, why, name)
}

/// The members from index `skip` on, found through the central directory
/// (the fallback for archives written with data descriptors).
fn read_indexed(
    path: &Path,
    limits: Limits,
    skip: u64,
    sink: &mut dyn FnMut(Member) -> bool,
) -> Result<(), SourceError> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|reason| SourceError::Open {
        path: shown.clone(),
        reason,
    })?;
    let mut archive =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| SourceError::NotZip {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    for i in (skip as usize)..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| SourceError::Broken {
            path: shown.clone(),
            after: i as u64,
            reason: e.to_string(),
        })?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("member {}", i + 1));
        let (result, _) = read_entry(&mut entry, &name, limits);
        drop(entry);
        if !sink(Member { name, result }) {
            break;
        }
    }
    Ok(())
}

/// A folder of members (an unpacked product: its `.html`, `.xhtml` and
/// `.xml` files), read in name order.
fn read_dir(
    path: &Path,
    limits: Limits,
    sink: &mut dyn FnMut(Member) -> bool,
) -> Result<(), SourceError> {
    let shown = path.display().to_string();
    let open_err = |reason| SourceError::Open {
        path: shown.clone(),
        reason,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(path).map_err(open_err)? {
        let entry = entry.map_err(open_err)?;
        let is_member = Path::new(&entry.file_name())
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| {
                ["html", "xhtml", "htm", "xml"]
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(e))
            });
        if is_member && entry.file_type().map_err(open_err)?.is_file() {
            names.push(entry.file_name());
        }
    }
    names.sort();
    for file_name in names {
        let name = file_name.to_string_lossy().into_owned();
        let result = match File::open(path.join(&file_name)) {
            Ok(f) => parse_capped(f, limits.max_member, "", &name).0,
            Err(e) => Err(FilingError::Io(e)),
        };
        if !sink(Member { name, result }) {
            break;
        }
    }
    Ok(())
}

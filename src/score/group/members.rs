//! The members CSV of `s54 check --members FILE.csv`: header
//! `name[,company_number]` (any order, case-insensitive, other columns
//! ignored).
//!
//! Trading names: a `trading_name` (or `trading_names`, several separated by
//! `;`) column, or "X Ltd t/a Y" / "X Ltd trading as Y" in the name cell. A
//! column's trading names are kept in the member's name as "X Ltd t/a Y", so
//! the report shows which names were looked for.
//!
//! Decisions: an empty file, a missing `name` column or blank names are
//! errors (blank names listed by line number, so the user can fix them all
//! at once); a name repeated (after the matcher's normalisation, e.g.
//! "Acme Ltd" and "ACME Limited") is kept once with a warning, because the
//! text cannot tell two identically named members apart anyway.

use super::super::Member;
use super::normalise_name;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Largest members file read, in bytes.
pub const MAX_MEMBERS_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most members accepted (a very large group has a few thousand).
pub const MAX_MEMBERS: usize = 100_000;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MembersError {
    #[error("cannot read members file '{path}': {reason}")]
    Io { path: String, reason: String },
    #[error("members file{at} is empty")]
    Empty { at: String },
    #[error("members file{at} has no 'name' column (header: {header})")]
    NoNameColumn { at: String, header: String },
    #[error("members file{at}: blank name on line{} {}", if lines.len() == 1 { "" } else { "s" }, join_lines(lines))]
    BlankNames { at: String, lines: Vec<u64> },
    #[error("members file{at}: line {line}: {reason}")]
    Csv {
        at: String,
        line: u64,
        reason: String,
    },
    #[error("members file{at} has more than {MAX_MEMBERS} members")]
    TooMany { at: String },
}

fn join_lines(lines: &[u64]) -> String {
    const SHOWN: usize = 20;
    let mut s: Vec<String> = lines.iter().take(SHOWN).map(u64::to_string).collect();
    if lines.len() > SHOWN {
        s.push(format!("and {} more", lines.len() - SHOWN));
    }
    s.join(", ")
}

/// The parsed members and any warnings (duplicates) to show the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembersList {
    pub members: Vec<Member>,
    pub warnings: Vec<String>,
}

/// Reads and parses a members file (bounded: a huge file is refused).
pub fn read_members_file(path: &Path) -> Result<MembersList, MembersError> {
    let io = |reason: String| MembersError::Io {
        path: path.display().to_string(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| {
        io(match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        })
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_MEMBERS_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(e.to_string()))?;
    if bytes.len() as u64 > MAX_MEMBERS_FILE_BYTES {
        return Err(io(format!("over the {MAX_MEMBERS_FILE_BYTES}-byte limit")));
    }
    parse_members_csv(&bytes, &format!(" '{}'", path.display()))
}

/// Parses members CSV bytes. `at` names the file in error messages (may be empty).
pub fn parse_members_csv(bytes: &[u8], at: &str) -> Result<MembersList, MembersError> {
    let at = at.to_string();
    // Spreadsheets save UTF-8 with a BOM, or windows-1252: decode like text.
    let text = crate::extract::text::decode(bytes);
    if text.trim().is_empty() {
        return Err(MembersError::Empty { at });
    }
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| MembersError::Csv {
            at: at.clone(),
            line: 1,
            reason: e.to_string(),
        })?
        .clone();
    let col = |want: &str| {
        header.iter().position(|h| {
            h.trim_start_matches('\u{feff}')
                .trim()
                .eq_ignore_ascii_case(want)
        })
    };
    let Some(name_col) = col("name") else {
        let shown: String = header
            .iter()
            .collect::<Vec<_>>()
            .join(",")
            .chars()
            .take(120)
            .collect();
        return Err(MembersError::NoNameColumn { at, header: shown });
    };
    let number_col = col("company_number");
    let trading_col = col("trading_name").or_else(|| col("trading_names"));

    let mut members = Vec::new();
    let mut warnings = Vec::new();
    let mut blank = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| MembersError::Csv {
            at: at.clone(),
            line: e.position().map(|p| p.line()).unwrap_or(0),
            reason: e.to_string(),
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.is_empty()) {
            continue; // a trailing empty row is not a member
        }
        let mut name = rec.get(name_col).unwrap_or("").to_string();
        if name.is_empty() {
            blank.push(line);
            continue;
        }
        let key = normalise_name(&name);
        if key.is_empty() {
            blank.push(line);
            continue;
        }
        if let Some(first) = seen.get(&key) {
            warnings.push(format!(
                "members file{at}: line {line}: '{name}' repeats line {first}; counted once"
            ));
            continue;
        }
        seen.insert(key, line);
        if let Some(trading) = trading_col
            .and_then(|c| rec.get(c))
            .filter(|s| !s.is_empty())
        {
            name = format!("{name} t/a {trading}");
        }
        if members.len() >= MAX_MEMBERS {
            return Err(MembersError::TooMany { at });
        }
        let company_number = number_col
            .and_then(|c| rec.get(c))
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        members.push(Member {
            name,
            company_number,
        });
    }
    if !blank.is_empty() {
        return Err(MembersError::BlankNames { at, lines: blank });
    }
    if members.is_empty() {
        return Err(MembersError::Empty { at });
    }
    Ok(MembersList { members, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_any_order_extra_columns_bom() {
        let csv = "\u{feff}Company_Number,Website,NAME\n01234567,x,Acme Foods Ltd\n,,Acme Farms Limited\n\n";
        let l = parse_members_csv(csv.as_bytes(), "").expect("parses");
        assert_eq!(l.members.len(), 2);
        assert_eq!(l.members[0].name, "Acme Foods Ltd");
        assert_eq!(l.members[0].company_number.as_deref(), Some("01234567"));
        assert_eq!(l.members[1].company_number, None);
        assert!(l.warnings.is_empty());
    }

    #[test]
    fn errors_are_clear() {
        assert!(matches!(
            parse_members_csv(b"", ""),
            Err(MembersError::Empty { .. })
        ));
        assert!(matches!(
            parse_members_csv(b"  \n", ""),
            Err(MembersError::Empty { .. })
        ));
        assert!(matches!(
            parse_members_csv(b"name\n", ""),
            Err(MembersError::Empty { .. })
        ));
        let e = parse_members_csv(b"company,number\nA,1\n", " 'm.csv'").unwrap_err();
        assert!(matches!(e, MembersError::NoNameColumn { .. }));
        assert!(e.to_string().contains("'m.csv'"), "{e}");
        let e = parse_members_csv(b"name,company_number\nA Ltd,1\n,2\nB Ltd,3\n  ,4\n", "")
            .unwrap_err();
        assert_eq!(e.to_string(), "members file: blank name on lines 3, 5");
    }

    #[test]
    fn duplicates_are_counted_once_with_a_warning() {
        let l = parse_members_csv(b"name\nAcme Ltd\nACME Limited\nOther plc\n", "").expect("ok");
        assert_eq!(l.members.len(), 2);
        assert_eq!(l.warnings.len(), 1);
        assert!(l.warnings[0].contains("line 3"), "{:?}", l.warnings);
    }

    #[test]
    fn trading_name_column_joins_the_name() {
        let l = parse_members_csv(
            b"name,trading_name\nQB Leisure Ltd,Quayside Bowl\nAcme Ltd,\n",
            "",
        )
        .expect("ok");
        assert_eq!(l.members[0].name, "QB Leisure Ltd t/a Quayside Bowl");
        assert_eq!(l.members[1].name, "Acme Ltd");
    }

    #[test]
    fn thousands_of_rows() {
        let mut s = String::from("name,company_number\n");
        for i in 0..5000 {
            s.push_str(&format!("Member {i} Holdings Ltd,{i:08}\n"));
        }
        let l = parse_members_csv(s.as_bytes(), "").expect("ok");
        assert_eq!(l.members.len(), 5000);
    }
}

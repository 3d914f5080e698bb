//! A paragraph diff of two statement versions (longest common subsequence),
//! for "what changed since last year". Unchanged runs are folded to one
//! paragraph of context either side of each change.

/// One line of the rendered diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// `same`, `ins`, `del` or `gap` (folded unchanged paragraphs).
    pub kind: &'static str,
    pub text: String,
}

/// Above this many paragraphs on either side the table would be too large;
/// the versions are then shown as not comparable.
pub const MAX_PARAGRAPHS: usize = 3000;

fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The diff from `old` to `new`, or `None` when either is too long.
pub fn diff(old: &str, new: &str) -> Option<Vec<DiffLine>> {
    let a = paragraphs(old);
    let b = paragraphs(new);
    if a.len() > MAX_PARAGRAPHS || b.len() > MAX_PARAGRAPHS {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    // lcs[i][j] = LCS length of a[i..] and b[j..], as one flat table.
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if a[i] == b[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let mut raw: Vec<(&'static str, &str)> = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            raw.push(("same", a[i]));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
            raw.push(("del", a[i]));
            i += 1;
        } else {
            raw.push(("ins", b[j]));
            j += 1;
        }
    }
    raw.extend(a[i..].iter().map(|p| ("del", *p)));
    raw.extend(b[j..].iter().map(|p| ("ins", *p)));
    Some(fold(&raw))
}

/// Keeps one unchanged paragraph either side of a change; longer unchanged
/// runs become a `gap` line saying how many were folded.
fn fold(raw: &[(&'static str, &str)]) -> Vec<DiffLine> {
    let changed: Vec<bool> = raw.iter().map(|(k, _)| *k != "same").collect();
    let near_change = |idx: usize| {
        (idx > 0 && changed[idx - 1]) || changed.get(idx + 1).copied().unwrap_or(false)
    };
    let mut out = vec![];
    let mut folded = 0usize;
    for (idx, (kind, text)) in raw.iter().enumerate() {
        if *kind == "same" && !near_change(idx) {
            folded += 1;
            continue;
        }
        if folded > 0 {
            out.push(gap(folded));
            folded = 0;
        }
        out.push(DiffLine {
            kind,
            text: text.to_string(),
        });
    }
    if folded > 0 {
        out.push(gap(folded));
    }
    out
}

fn gap(n: usize) -> DiffLine {
    DiffLine {
        kind: "gap",
        text: if n == 1 {
            "1 unchanged paragraph".to_string()
        } else {
            format!("{n} unchanged paragraphs")
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_changes_with_context() {
        let old = "Intro\n\nA\n\nB\n\nC\n\nD\n\nOld ending";
        let new = "Intro\n\nA\n\nB\n\nC\n\nD\n\nNew ending\n\nSigned";
        let d = diff(old, new).unwrap();
        let kinds: Vec<&str> = d.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, ["gap", "same", "del", "ins", "ins"]);
        assert_eq!(d[0].text, "4 unchanged paragraphs");
        assert_eq!(d[1].text, "D");
        assert_eq!(d[2].text, "Old ending");
    }

    #[test]
    fn identical_and_empty() {
        assert_eq!(diff("a\n\nb", "a\n\nb").unwrap(), vec![gap(2)]);
        assert!(diff("", "").unwrap().is_empty());
        let d = diff("", "new").unwrap();
        assert_eq!(
            d,
            vec![DiffLine {
                kind: "ins",
                text: "new".into()
            }]
        );
    }
}

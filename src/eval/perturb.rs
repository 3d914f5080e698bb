//! Re-layouts of a statement's text, as other extractors lay it out
//! (`s54 eval --perturb`): the findings should not depend on them.

/// One re-layout: its name and the transformation.
pub struct Layout {
    pub name: &'static str,
    pub apply: fn(&str) -> String,
}

/// Every re-layout `--perturb` applies, each on its own.
pub const LAYOUTS: [Layout; 7] = [
    Layout {
        name: "no_final_stops",
        apply: no_final_stops,
    },
    Layout {
        name: "sentence_per_line",
        apply: sentence_per_line,
    },
    Layout {
        name: "hard_wrapped",
        apply: hard_wrapped,
    },
    Layout {
        name: "page_furniture",
        apply: page_furniture,
    },
    Layout {
        name: "crlf_nbsp_quotes",
        apply: crlf_nbsp_quotes,
    },
    Layout {
        name: "bullets_alone",
        apply: bullets_alone,
    },
    Layout {
        name: "all_together",
        apply: all_together,
    },
];

/// Every line's final full stop dropped (sentence datasets, bullet lists).
pub fn no_final_stops(text: &str) -> String {
    map_lines(text, |l| {
        let t = l.trim_end();
        t.strip_suffix('.').unwrap_or(t).to_string()
    })
}

/// One sentence per line, without its final full stop (the layout of
/// sentence datasets), paragraphs no longer separated.
pub fn sentence_per_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        for s in split_sentences(line.trim()) {
            out.push_str(s.strip_suffix('.').unwrap_or(s));
            out.push('\n');
        }
    }
    out
}

/// Sentence ends inside a line: `. ` before a capital letter or a digit.
fn split_sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = line.as_bytes();
    for i in 0..b.len().saturating_sub(2) {
        if matches!(b[i], b'.' | b'!' | b'?')
            && b[i + 1] == b' '
            && (b[i + 2].is_ascii_uppercase() || b[i + 2].is_ascii_digit())
            // "Mr. Smith", "No. 3": a short word before the stop is kept.
            && line[start..i].rsplit(' ').next().is_some_and(|w| w.len() > 3)
        {
            out.push(line[start..=i].trim());
            start = i + 2;
        }
    }
    out.push(line[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

/// Lines hard-wrapped at 72 columns (PDF text, e-mail), paragraphs kept.
pub fn hard_wrapped(text: &str) -> String {
    map_lines(text, |l| {
        let mut out = String::new();
        let mut col = 0;
        for w in l.split(' ').filter(|w| !w.is_empty()) {
            let n = w.chars().count();
            if col > 0 && col + 1 + n > 72 {
                out.push('\n');
                col = 0;
            } else if col > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(w);
            col += n;
        }
        out
    })
}

/// A running header and a page footer every 35 lines (PDF text).
pub fn page_furniture(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut page = 1;
    out.push_str("Modern Slavery Statement\n\n");
    for (i, line) in text.lines().enumerate() {
        if i > 0 && i % 35 == 0 {
            out.push_str(&format!("\nPage {page}\n\nModern Slavery Statement\n\n"));
            page += 1;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("\nPage {page}\n"));
    out
}

/// Windows line ends, non-breaking spaces next to digits and after short
/// words, and curly quotes and apostrophes (word processors).
pub fn crlf_nbsp_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut double_open = true;
    let mut prev = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied().unwrap_or(' ');
        match c {
            '\n' => out.push_str("\r\n"),
            ' ' if prev.is_ascii_digit() || next.is_ascii_digit() => out.push('\u{a0}'),
            '\'' => out.push(if prev.is_alphanumeric() {
                '\u{2019}'
            } else {
                '\u{2018}'
            }),
            '"' => {
                out.push(if double_open { '\u{201c}' } else { '\u{201d}' });
                double_open = !double_open;
            }
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

/// List markers on a line of their own, the item on the next (PDF text).
pub fn bullets_alone(text: &str) -> String {
    map_lines(text, |l| {
        let t = l.trim_start();
        for marker in ["• ", "- ", "* ", "· ", "– ", "o "] {
            if let Some(rest) = t.strip_prefix(marker) {
                return format!("•\n{rest}");
            }
        }
        l.to_string()
    })
}

/// All of them at once.
pub fn all_together(text: &str) -> String {
    crlf_nbsp_quotes(&page_furniture(&hard_wrapped(&bullets_alone(
        &sentence_per_line(text),
    ))))
}

fn map_lines(text: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.lines() {
        out.push_str(&f(line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layout_does_what_it_says() {
        let t = "Our board approved this statement. It covers 2024.\n\n- Audits of suppliers.\nJane Doe, Chief Executive";
        assert_eq!(
            no_final_stops(t),
            "Our board approved this statement. It covers 2024\n\n- Audits of suppliers\nJane Doe, Chief Executive\n"
        );
        assert_eq!(
            sentence_per_line(t),
            "Our board approved this statement\nIt covers 2024\n- Audits of suppliers\nJane Doe, Chief Executive\n"
        );
        let long = "word ".repeat(40);
        assert!(hard_wrapped(&long).lines().all(|l| l.chars().count() <= 72));
        assert_eq!(hard_wrapped(&long).lines().count(), 3);
        let many: String = (0..80).map(|i| format!("line {i}\n")).collect();
        assert_eq!(page_furniture(&many).matches("Page ").count(), 3);
        let q = crlf_nbsp_quotes("the \"board's\" 2 May\n");
        assert_eq!(q, "the \u{201c}board\u{2019}s\u{201d}\u{a0}2\u{a0}May\r\n");
        assert!(bullets_alone(t).contains("•\nAudits of suppliers."));
        assert!(all_together(t).contains("\r\n"));
    }
}

//! The terminal report: verdict first, then the law, guidance and proposals,
//! each finding with its status, message, quotes (with where they are) and
//! what to add to fix it. ANSI colour only when the caller asks for it.

use super::{
    Locator, RenderOptions, areas_summary, fix_for, sections, status_label, trim_quote,
    verdict_explanation, verdict_headline,
};
use crate::domain::{Area, Assessment, Finding, FindingStatus, Force, Verdict};
use std::fmt::Write;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";

struct Painter {
    on: bool,
}

impl Painter {
    fn paint(&self, style: &str, s: &str) -> String {
        if self.on {
            format!("{style}{s}{RESET}")
        } else {
            s.to_string()
        }
    }
}

fn status_style(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Pass => GREEN,
        FindingStatus::Fail => RED,
        FindingStatus::Warn | FindingStatus::Review | FindingStatus::CannotVerify => YELLOW,
        FindingStatus::Info | FindingStatus::NotApplicable => DIM,
    }
}

/// Renders the whole report as text ending with a newline.
pub fn render(a: &Assessment, opts: &RenderOptions<'_>) -> String {
    let p = Painter { on: opts.color };
    let loc = Locator::new(opts.doc_text);
    let mut out = String::new();
    let verdict_style = match a.verdict {
        Verdict::MeetsMinimum => GREEN,
        Verdict::FallsShort => RED,
        Verdict::NeedsReview => YELLOW,
    };
    let _ = writeln!(
        out,
        "{}",
        p.paint(
            &format!("{BOLD}{verdict_style}"),
            &format!("Verdict: {}", verdict_headline(a))
        )
    );
    let _ = writeln!(out, "{}", verdict_explanation(a));
    let _ = writeln!(out);

    let _ = writeln!(
        out,
        "Document:       {} ({}, {} bytes, {} characters of text)",
        a.source.name, a.source.kind, a.source.bytes, a.text_chars
    );
    let _ = writeln!(out, "Entity type:    {}", a.entity_type);
    let fy = match (a.financial_year.start, a.financial_year.end) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        (None, Some(e)) => format!("ending {e}"),
        (Some(s), None) => format!("starting {s}"),
        (None, None) => "not stated".to_string(),
    };
    let _ = writeln!(out, "Financial year: {fy}");
    let approval = if a.approval.present {
        let mut s = format!(
            "yes, by {}",
            a.approval.body.as_deref().unwrap_or("the board")
        );
        if let Some(d) = a.approval.date {
            let _ = write!(s, " on {d}");
        }
        s
    } else if let Some(body) = &a.approval.body {
        format!("not by the board or equivalent (found: {body})")
    } else {
        "not stated".to_string()
    };
    let _ = writeln!(out, "Approval:       {approval}");
    let signature = if a.signature.present {
        let mut s = a
            .signature
            .name
            .clone()
            .unwrap_or_else(|| "signature block, no name".to_string());
        if let Some(r) = &a.signature.role {
            let _ = write!(s, ", {r}");
        }
        if let Some(d) = a.signature.date {
            let _ = write!(s, " ({d})");
        }
        s
    } else {
        "not signed".to_string()
    };
    let _ = writeln!(out, "Signed by:      {signature}");
    if a.no_steps_declared {
        let _ = writeln!(
            out,
            "Declares that no steps were taken (lawful under s.54(4)(b))."
        );
    }
    for note in &a.notes {
        let _ = writeln!(out, "Note:           {note}");
    }

    for section in sections(a) {
        let _ = writeln!(out);
        let heading = match section.force {
            Force::Guidance => format!(
                "{} ({}; quality score {}/100)",
                section.title,
                areas_summary(a),
                a.score
            ),
            Force::Proposed => format!("{} (readiness {}/100)", section.title, a.readiness),
            Force::Statute => section.title.to_string(),
        };
        let _ = writeln!(out, "{}", p.paint(BOLD, &heading));
        let _ = writeln!(out, "{}", "=".repeat(heading.chars().count()));
        if section.force == Force::Guidance {
            for area in Area::ALL {
                let r = a.areas.get(area);
                let mark = if r.present {
                    p.paint(GREEN, "[x]")
                } else {
                    p.paint(DIM, "[ ]")
                };
                let _ = writeln!(out, "  {mark} {}", area.title());
            }
            let _ = writeln!(out);
        }
        if section.findings.is_empty() {
            let _ = writeln!(out, "  (no findings)");
        }
        // Rules that do not apply are listed in one line, not one block each.
        let (na, shown): (Vec<&Finding>, Vec<&Finding>) = section
            .findings
            .iter()
            .partition(|f| f.status == FindingStatus::NotApplicable);
        for f in shown {
            render_finding(&mut out, f, &p, &loc);
        }
        if !na.is_empty() {
            let ids: Vec<&str> = na.iter().map(|f| f.rule.as_str()).collect();
            let mut first = true;
            for line in wrap(&ids.join(", "), 80) {
                if first {
                    let _ = writeln!(out, "  {} {line}", p.paint(DIM, "Not applicable:"));
                    first = false;
                } else {
                    let _ = writeln!(out, "                  {line}");
                }
            }
        }
    }

    if a.group.is_group || !a.group.entities.is_empty() || !a.group.coverage.is_empty() {
        let _ = writeln!(out);
        let heading = "Group statement";
        let _ = writeln!(out, "{}", p.paint(BOLD, heading));
        let _ = writeln!(out, "{}", "=".repeat(heading.len()));
        let _ = writeln!(
            out,
            "  Made for more than one entity: {}",
            if a.group.is_group { "yes" } else { "no" }
        );
        if !a.group.entities.is_empty() {
            let _ = writeln!(out, "  Entities named: {}", a.group.entities.join("; "));
        }
        for c in &a.group.coverage {
            let mark = if c.named {
                p.paint(GREEN, "named    ")
            } else {
                p.paint(RED, "NOT NAMED")
            };
            let _ = writeln!(out, "  {mark} {}", c.name);
            for e in c.evidence.iter().take(1) {
                let _ = writeln!(
                    out,
                    "            \"{}\" ({})",
                    trim_quote(&e.quote),
                    loc.locate(e)
                );
            }
        }
    }
    out
}

fn render_finding(out: &mut String, f: &Finding, p: &Painter, loc: &Locator) {
    let tag = format!("{:<13}", status_label(f.status));
    let _ = writeln!(
        out,
        "  {} {}",
        p.paint(status_style(f.status), &tag),
        f.rule
    );
    let indent = " ".repeat(16);
    for line in wrap(&f.message, 84) {
        let _ = writeln!(out, "{indent}{line}");
    }
    let evidence = super::distinct_evidence(&f.evidence);
    for e in evidence.iter().take(super::MAX_QUOTES) {
        let _ = writeln!(
            out,
            "{indent}{} \"{}\" ({})",
            p.paint(DIM, "Quote:"),
            trim_quote(&e.quote),
            loc.locate(e)
        );
    }
    if evidence.len() > super::MAX_QUOTES {
        let _ = writeln!(
            out,
            "{indent}({})",
            super::more_quotes(evidence.len() - super::MAX_QUOTES)
        );
    }
    if let Some(fix) = fix_for(f) {
        let mut first = true;
        for line in wrap(&fix, 78) {
            if first {
                let _ = writeln!(out, "{indent}{} {line}", p.paint(BOLD, "To fix:"));
                first = false;
            } else {
                let _ = writeln!(out, "{indent}        {line}");
            }
        }
    }
}

/// Greedy word wrap (messages are prose; quotes are not wrapped).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests_support::sample;

    #[test]
    fn verdict_comes_first_and_sections_in_order() {
        let a = sample();
        let out = render(&a, &RenderOptions::default());
        assert!(
            out.starts_with("Verdict: Falls short of section 54\n"),
            "{out}"
        );
        let law = out.find("The law: section 54").unwrap_or(usize::MAX);
        let guid = out.find("Guidance: recommended").unwrap_or(usize::MAX);
        let prop = out
            .find("Proposals: proposed, not law")
            .unwrap_or(usize::MAX);
        assert!(law < guid && guid < prop, "{out}");
        assert!(out.contains("covers 2 of 6 recommended areas"));
        assert!(out.contains("FAIL"));
        assert!(out.contains("To fix:"));
        assert!(out.contains("(paragraph 2)") || out.contains("characters"));
        assert!(!out.contains('\x1b'), "no colour unless asked");
        let coloured = render(
            &a,
            &RenderOptions {
                color: true,
                doc_text: None,
            },
        );
        assert!(coloured.contains("\x1b[31m"));
    }

    #[test]
    fn wrap_keeps_words() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert!(wrap("", 10).is_empty());
    }
}

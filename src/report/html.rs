//! A standalone HTML report: one page, inline CSS, no scripts and no external
//! resources (it is saved, mailed and printed), headings in order for screen
//! readers. Every value from the document is escaped with [`escape`].

use super::{
    Locator, RenderOptions, areas_summary, fix_for, sections, status_label, trim_quote,
    verdict_explanation, verdict_headline,
};
use crate::domain::{Area, Assessment, Finding, FindingStatus, Force, VerdictBasis};
use std::borrow::Cow;
use std::fmt::Write;

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The report's stylesheet (inline in the page; the web app may reuse it).
pub const CSS: &str = r#"
.s54-report{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1b1b1b;max-width:52rem;margin:0 auto;padding:1rem}
.s54-report h1{font-size:1.6rem;margin:.2rem 0}
.s54-report h2{font-size:1.25rem;border-bottom:2px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
.s54-report h3{font-size:1rem;margin:0 0 .3rem 0}
.s54-verdict{padding:.8rem 1rem;border-left:.5rem solid;margin:1rem 0}
.s54-verdict.meets_minimum{border-color:#00703c;background:#e6f4ec}
.s54-verdict.falls_short{border-color:#d4351c;background:#fbe9e6}
.s54-verdict.needs_review{border-color:#b58100;background:#fff7e0}
.s54-facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
.s54-facts dt{font-weight:600}
.s54-facts dd{margin:0}
.s54-finding{border:1px solid #ddd;border-radius:4px;padding:.6rem .8rem;margin:.6rem 0;break-inside:avoid}
.s54-status{display:inline-block;font-weight:700;font-size:.8rem;padding:.05rem .4rem;border-radius:3px;margin-right:.4rem;color:#fff;background:#505a5f}
.s54-status.pass{background:#00703c}.s54-status.fail{background:#d4351c}
.s54-status.warn,.s54-status.review,.s54-status.cannot_verify{background:#8a5d00}
.s54-rule{font-family:ui-monospace,monospace;font-size:.85rem;color:#505a5f}
.s54-report blockquote{margin:.4rem 0;padding:.2rem .6rem;border-left:3px solid #b1b4b6;background:#f3f2f1}
.s54-report mark{background:#fff2a8}
.s54-where{font-size:.8rem;color:#505a5f}
.s54-fix{margin:.4rem 0 0 0}
.s54-areas{list-style:none;padding:0}
.s54-areas li::before{content:"\2717  ";color:#d4351c}
.s54-areas li.present::before{content:"\2713  ";color:#00703c}
.s54-proposed{font-style:italic}
@media print{.s54-report{max-width:none;padding:0}.s54-finding{border-color:#999}}
"#;

/// A complete HTML document for the report.
pub fn render_page(a: &Assessment, opts: &RenderOptions<'_>) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Modern slavery statement check: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&a.source.name)
    );
    out.push_str(&render_fragment(a, opts));
    out.push_str("</body>\n</html>\n");
    out
}

/// The report as an HTML fragment (`<main class="s54-report">…</main>`),
/// for embedding in another page that includes [`CSS`].
pub fn render_fragment(a: &Assessment, opts: &RenderOptions<'_>) -> String {
    let loc = Locator::new(opts.doc_text);
    let mut o = String::with_capacity(8 * 1024);
    let _ = writeln!(o, "<main class=\"s54-report\">");
    let _ = writeln!(
        o,
        "<p class=\"s54-where\">Modern slavery statement check (Modern Slavery Act 2015, s.54): {}</p>",
        escape(&a.source.name)
    );
    let _ = writeln!(
        o,
        "<section class=\"s54-verdict {}\" aria-labelledby=\"s54-verdict\">\n<h1 id=\"s54-verdict\">{}</h1>\n<p>{}</p>\n</section>",
        a.verdict.as_str(),
        escape(&verdict_headline(a)),
        escape(&verdict_explanation(a))
    );

    let _ = writeln!(o, "<h2>About this statement</h2>\n<dl class=\"s54-facts\">");
    let fact = |o: &mut String, k: &str, v: &str| {
        let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(v));
    };
    fact(
        &mut o,
        "Document",
        &format!(
            "{} ({}, {} bytes, {} characters of text)",
            a.source.name, a.source.kind, a.source.bytes, a.text_chars
        ),
    );
    fact(&mut o, "Entity type", a.entity_type.as_str());
    let fy = match (a.financial_year.start, a.financial_year.end) {
        (Some(s), Some(e)) => format!("{s} to {e}"),
        (None, Some(e)) => format!("ending {e}"),
        (Some(s), None) => format!("starting {s}"),
        (None, None) => "not stated".to_string(),
    };
    fact(&mut o, "Financial year", &fy);
    let approval = match (a.approval.present, &a.approval.body, a.approval.date) {
        (true, body, date) => format!(
            "yes, by {}{}",
            body.as_deref().unwrap_or("the board"),
            date.map(|d| format!(" on {d}")).unwrap_or_default()
        ),
        (false, Some(body), _) => format!("not by the board or equivalent (found: {body})"),
        (false, None, _) => "not stated".to_string(),
    };
    fact(&mut o, "Approval", &approval);
    let signature = if a.signature.present {
        format!(
            "{}{}{}",
            a.signature
                .name
                .as_deref()
                .unwrap_or("signature block, no name"),
            a.signature
                .role
                .as_deref()
                .map(|r| format!(", {r}"))
                .unwrap_or_default(),
            a.signature
                .date
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        )
    } else {
        "not signed".to_string()
    };
    fact(&mut o, "Signed by", &signature);
    fact(&mut o, "Guidance score", &format!("{}/100", a.score));
    fact(&mut o, "Rules profile", &a.profile);
    for note in &a.notes {
        fact(&mut o, "Note", note);
    }
    let _ = writeln!(o, "</dl>");
    if a.no_steps_declared {
        let _ = writeln!(
            o,
            "<p>The statement declares that no steps were taken. That is lawful under s.54(4)(b).</p>"
        );
    }

    for section in sections(a) {
        let _ = writeln!(o, "<section>");
        let _ = writeln!(o, "<h2>{}</h2>", escape(&section.title));
        match section.force {
            Force::Statute if a.verdict_basis == VerdictBasis::Readiness => {
                let _ = writeln!(
                    o,
                    "<p>These rules and the proposals below decide the readiness verdict.</p>"
                );
            }
            Force::Statute => {
                let _ = writeln!(o, "<p>Only these rules decide the verdict.</p>");
            }
            Force::Guidance => {
                let _ = writeln!(
                    o,
                    "<p>The statement {} (quality score {}/100).</p>\n<ul class=\"s54-areas\">",
                    areas_summary(a),
                    a.score
                );
                for area in Area::ALL {
                    let present = a.areas.get(area).present;
                    let _ = writeln!(
                        o,
                        "<li{}>{} <span class=\"s54-where\">({})</span></li>",
                        if present { " class=\"present\"" } else { "" },
                        escape(area.title()),
                        if present { "covered" } else { "not covered" }
                    );
                }
                let _ = writeln!(o, "</ul>");
            }
            Force::Proposed => {
                let _ = writeln!(
                    o,
                    "<p class=\"s54-proposed\">Proposed, not law: these show readiness for reforms the \
                     Government has proposed (readiness {}/100). {}</p>",
                    a.readiness,
                    match a.verdict_basis {
                        VerdictBasis::Law => "They never decide the verdict.",
                        VerdictBasis::Readiness =>
                            "Under this profile they decide the readiness verdict; they are still not law.",
                    }
                );
            }
        }
        if section.findings.is_empty() {
            let _ = writeln!(o, "<p>No findings.</p>");
        }
        let (na, shown): (Vec<&Finding>, Vec<&Finding>) = section
            .findings
            .iter()
            .partition(|f| f.status == FindingStatus::NotApplicable);
        for f in shown {
            render_finding(&mut o, f, &loc);
        }
        if !na.is_empty() {
            let ids: Vec<String> = na.iter().map(|f| escape(&f.rule).into_owned()).collect();
            let _ = writeln!(
                o,
                "<p class=\"s54-where\">Not applicable to this statement: {}</p>",
                ids.join(", ")
            );
        }
        let _ = writeln!(o, "</section>");
    }

    if a.group.is_group || !a.group.entities.is_empty() || !a.group.coverage.is_empty() {
        let _ = writeln!(o, "<section>\n<h2>Group statement</h2>");
        let _ = writeln!(
            o,
            "<p>Made for more than one legal entity: {}.</p>",
            if a.group.is_group { "yes" } else { "no" }
        );
        if !a.group.entities.is_empty() {
            let _ = writeln!(o, "<h3>Entities named</h3>\n<ul>");
            for e in &a.group.entities {
                let _ = writeln!(o, "<li>{}</li>", escape(e));
            }
            let _ = writeln!(o, "</ul>");
        }
        if !a.group.coverage.is_empty() {
            let _ = writeln!(
                o,
                "<h3>Members</h3>\n<table>\n<thead><tr><th scope=\"col\">Member</th><th scope=\"col\">Named</th><th scope=\"col\">Where</th></tr></thead>\n<tbody>"
            );
            for c in &a.group.coverage {
                let quote = c
                    .evidence
                    .first()
                    .map(|e| {
                        format!(
                            "<mark>{}</mark> <span class=\"s54-where\">({})</span>",
                            escape(&trim_quote(&e.quote)),
                            escape(&loc.locate(e))
                        )
                    })
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{quote}</td></tr>",
                    escape(&c.name),
                    if c.named {
                        "yes"
                    } else {
                        "<strong>no</strong>"
                    }
                );
            }
            let _ = writeln!(o, "</tbody>\n</table>");
        }
        let _ = writeln!(o, "</section>");
    }
    let _ = writeln!(
        o,
        "<p class=\"s54-where\">Checked by s54. This is an automated reading of the text, not legal advice.</p>\n</main>"
    );
    o
}

fn render_finding(o: &mut String, f: &Finding, loc: &Locator) {
    let status = f.status.as_str();
    let _ = writeln!(
        o,
        "<article class=\"s54-finding {status}\">\n<h3><span class=\"s54-status {status}\">{}</span><span class=\"s54-rule\">{}</span></h3>\n<p>{}</p>",
        escape(status_label(f.status)),
        escape(&f.rule),
        escape(&f.message)
    );
    let evidence = super::distinct_evidence(&f.evidence);
    for e in evidence.iter().take(super::MAX_QUOTES) {
        let _ = writeln!(
            o,
            "<blockquote><mark>{}</mark> <span class=\"s54-where\">({})</span></blockquote>",
            escape(&trim_quote(&e.quote)),
            escape(&loc.locate(e))
        );
    }
    if evidence.len() > super::MAX_QUOTES {
        let _ = writeln!(
            o,
            "<p class=\"s54-where\">{}</p>",
            super::more_quotes(evidence.len() - super::MAX_QUOTES)
        );
    }
    if let Some(fix) = fix_for(f) {
        let _ = writeln!(
            o,
            "<p class=\"s54-fix\"><strong>To fix:</strong> {}</p>",
            escape(&fix)
        );
    }
    let _ = writeln!(o, "</article>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests_support::{ev, sample};

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn page_is_standalone_and_escaped() {
        let mut a = sample();
        let evil = "<script>alert('x')</script>";
        a.source.name = format!("{evil}.txt");
        a.findings[0].message = format!("bad {evil}");
        a.findings[1]
            .evidence
            .push(ev(&format!("quote {evil} & more"), 10));
        a.group.entities.push(format!("{evil} Ltd"));
        a.group.coverage[0].name = format!("{evil} Foods Ltd");
        a.approval.body = Some(evil.to_string());
        a.notes.push(evil.to_string());
        let page = render_page(&a, &RenderOptions::default());
        assert!(!page.contains("<script"), "unescaped script tag in page");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<style>"));
        // No external resources.
        for needle in ["src=", "href=", "@import", "url("] {
            assert!(!page.contains(needle), "found {needle}");
        }
        // Headings in order: one h1 (the verdict), then h2 sections.
        let h1 = page.find("<h1").unwrap_or(usize::MAX);
        let h2 = page.find("<h2").unwrap_or(0);
        assert!(h1 < h2);
        assert!(page.contains("Falls short of section 54"));
        assert!(page.contains("Proposed, not law"));
        assert!(page.contains("covers 2 of 6 recommended areas"));
    }
}

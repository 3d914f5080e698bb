//! Charts drawn on the server: an HTML list of rows, each a label in HTML
//! text (body size, wrapping instead of being cut) and a bar in SVG whose
//! segments are sized in percent, so a narrow screen never shrinks the text.
//! No script, works under the CSP, every bar segment links to the filtered
//! list behind it, and each chart is shown beside a table with the same
//! numbers (its text alternative). Colours and patterns: [`super::palette`].

/// Counts by registry status for one group (a year, a sector, a type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub compliant: i64,
    pub noncompliant: i64,
    pub review: i64,
    pub missing: i64,
    pub unchecked: i64,
}

impl StatusCounts {
    pub fn total(&self) -> i64 {
        self.values().iter().sum()
    }
    /// The counts in [`STATUSES`] order.
    pub fn values(&self) -> Vec<i64> {
        vec![
            self.compliant,
            self.noncompliant,
            self.review,
            self.missing,
            self.unchecked,
        ]
    }
}

/// The statuses a chart stacks, in order: (status, words in a sentence).
/// Their colours and patterns are in [`super::palette`].
pub const STATUSES: [(&str, &str); 5] = [
    ("compliant", "compliant"),
    ("noncompliant", "non-compliant"),
    ("review", "needs review"),
    ("missing", "missing"),
    ("unchecked", "not yet checked"),
];

/// One status in a chart's legend and table header.
#[derive(Debug, Clone)]
pub struct Series {
    pub status: &'static str,
    pub label: &'static str,
}

/// The chart series, labelled as the palette labels them.
pub fn series() -> Vec<Series> {
    STATUSES
        .iter()
        .map(|(status, words)| Series {
            status,
            label: super::palette::style(status).map_or(*words, |s| s.label),
        })
        .collect()
}

/// One bar segment; `x` and `width` are percentages of the bar.
#[derive(Debug, Clone)]
pub struct Segment {
    pub class: &'static str,
    pub x: f64,
    pub width: f64,
    pub count: i64,
    pub share: String,
    pub href: String,
    pub title: String,
}

/// One row of a chart: its label (HTML text at body size, never cut),
/// segments and total.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub segments: Vec<Segment>,
    pub total: i64,
    /// The link for the whole row (the label).
    pub href: String,
    /// The bar in words, for screen readers.
    pub summary: String,
    /// (count, share) per status, for the table beside the chart.
    pub cells: Vec<(i64, String)>,
}

/// A horizontal stacked bar chart.
#[derive(Debug, Clone)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub series: Vec<Series>,
    pub rows: Vec<Row>,
}

/// Builds a status chart: each row's bar is split by status, 100% wide.
/// `href(row_index, Some(status))` links a segment; `None` links the row.
pub fn status_chart(
    id: &str,
    title: &str,
    rows: Vec<(String, StatusCounts)>,
    href: &dyn Fn(usize, Option<&str>) -> String,
) -> Chart {
    let mut out = vec![];
    for (i, (label, c)) in rows.into_iter().enumerate() {
        let total = c.total();
        let values = c.values();
        let mut x = 0.0;
        let mut segments = vec![];
        let mut said = vec![];
        let mut cells = vec![];
        for (k, (class, words)) in STATUSES.iter().enumerate() {
            let v = values.get(k).copied().unwrap_or(0);
            let share = super::page::percent(v, total);
            cells.push((v, share.clone()));
            if v == 0 || total == 0 {
                continue;
            }
            let w = 100.0 * v as f64 / total as f64;
            said.push(format!("{v} {words} ({share})"));
            segments.push(Segment {
                class,
                x: round2(x),
                width: round2(w),
                count: v,
                share: share.clone(),
                href: href(i, Some(class)),
                title: format!("{label}: {v} {words} ({share})"),
            });
            x += w;
        }
        out.push(Row {
            href: href(i, None),
            summary: if said.is_empty() {
                format!("{label}: no organisations")
            } else {
                format!("{label}: {}", said.join(", "))
            },
            label,
            segments,
            total,
            cells,
        });
    }
    let desc = format!(
        "Stacked bars: for each {title_lower}, the share of organisations that are compliant, non-compliant, need review, have no statement or are not yet checked. The table below gives the same numbers.",
        title_lower = title.to_lowercase()
    );
    Chart {
        id: id.to_string(),
        title: title.to_string(),
        desc,
        series: series(),
        rows: out,
    }
}

/// A simple bar per item (e.g. area coverage), `value` of `of`.
#[derive(Debug, Clone)]
pub struct SimpleBar {
    pub label: String,
    /// Percentage of the bar.
    pub width: f64,
    pub value: i64,
    pub of: i64,
    pub share: String,
    pub href: String,
    pub missing_href: String,
}

#[derive(Debug, Clone)]
pub struct SimpleChart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub bars: Vec<SimpleBar>,
}

/// `items`: (label, value, of, link, link to the ones missing it).
pub fn simple_chart(
    id: &str,
    title: &str,
    desc: &str,
    items: Vec<(String, i64, i64, String, String)>,
) -> SimpleChart {
    let bars = items
        .into_iter()
        .map(|(label, value, of, href, missing_href)| SimpleBar {
            label,
            width: if of > 0 {
                round2(100.0 * value as f64 / of as f64)
            } else {
                0.0
            },
            value,
            of,
            share: super::page::percent(value, of),
            href,
            missing_href,
        })
        .collect::<Vec<_>>();
    SimpleChart {
        id: id.to_string(),
        title: title.to_string(),
        desc: desc.to_string(),
        bars,
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_fill_the_bar_and_link() {
        let c = status_chart(
            "y",
            "Registry year",
            vec![
                (
                    "2025".into(),
                    StatusCounts {
                        compliant: 1,
                        noncompliant: 1,
                        review: 0,
                        missing: 2,
                        unchecked: 0,
                    },
                ),
                ("2026".into(), StatusCounts::default()),
            ],
            &|i, s| format!("/organisations?row={i}&status={}", s.unwrap_or("")),
        );
        let r = &c.rows[0];
        assert_eq!(r.segments.len(), 3);
        let sum: f64 = r.segments.iter().map(|s| s.width).sum();
        assert!((sum - 100.0).abs() < 0.1);
        assert_eq!(r.cells.len(), STATUSES.len());
        assert!(r.summary.contains("2 missing (50%)"), "{}", r.summary);
        assert_eq!(r.segments[2].href, "/organisations?row=0&status=missing");
        assert_eq!(r.segments[2].share, "50%");
        assert!(c.rows[1].segments.is_empty());
    }
}

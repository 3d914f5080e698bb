//! Charts drawn on the server as SVG: no script, works under the CSP, and
//! every bar segment links to the filtered list behind it. Each chart is
//! shown beside a table with the same numbers (its text alternative).

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
        self.compliant + self.noncompliant + self.review + self.missing + self.unchecked
    }
}

/// One bar segment.
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

/// One row of a chart: label, segments, total.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub y: f64,
    pub text_y: f64,
    pub segments: Vec<Segment>,
    pub total: i64,
    /// The link for the whole row (the label).
    pub href: String,
    /// The same counts, for the table beside the chart.
    pub counts: StatusCounts,
    pub shares: [String; 5],
}

/// A horizontal stacked bar chart.
#[derive(Debug, Clone)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: f64,
    pub height: f64,
    pub label_w: f64,
    pub bar_w: f64,
    pub bar_h: f64,
    pub total_x: f64,
    pub rows: Vec<Row>,
}

pub const WIDTH: f64 = 720.0;
const LABEL_W: f64 = 210.0;
const BAR_W: f64 = 420.0;
const ROW_H: f64 = 34.0;
const BAR_H: f64 = 22.0;

pub const STATUSES: [(&str, &str); 5] = [
    ("compliant", "compliant"),
    ("noncompliant", "non-compliant"),
    ("review", "needs review"),
    ("missing", "missing"),
    ("unchecked", "not yet checked"),
];

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
        let values = [
            c.compliant,
            c.noncompliant,
            c.review,
            c.missing,
            c.unchecked,
        ];
        let mut x = LABEL_W;
        let mut segments = vec![];
        let shares = values.map(|v| super::page::percent(v, total));
        for (k, (class, words)) in STATUSES.iter().enumerate() {
            let v = values[k];
            if v == 0 || total == 0 {
                continue;
            }
            let w = BAR_W * v as f64 / total as f64;
            segments.push(Segment {
                class,
                x: round1(x),
                width: round1(w.max(1.0)),
                count: v,
                share: shares[k].clone(),
                href: href(i, Some(class)),
                title: format!("{label}: {v} {words} ({})", shares[k]),
            });
            x += w;
        }
        let y = 8.0 + i as f64 * ROW_H;
        out.push(Row {
            href: href(i, None),
            label: shorten_label(&label),
            y,
            text_y: y + BAR_H * 0.72,
            segments,
            total,
            counts: c,
            shares,
        });
    }
    let desc = format!(
        "Stacked bars: for each {title_lower}, the share of organisations that are compliant, non-compliant, need review, have no statement or have not been checked yet. The table below gives the same numbers.",
        title_lower = title.to_lowercase()
    );
    Chart {
        id: id.to_string(),
        title: title.to_string(),
        desc,
        width: WIDTH,
        height: 16.0 + out.len() as f64 * ROW_H,
        label_w: LABEL_W,
        bar_w: BAR_W,
        bar_h: BAR_H,
        total_x: LABEL_W + BAR_W + 10.0,
        rows: out,
    }
}

/// A simple bar per item (e.g. area coverage), `value` of `of`.
#[derive(Debug, Clone)]
pub struct SimpleBar {
    pub label: String,
    pub y: f64,
    pub text_y: f64,
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
    pub width: f64,
    pub height: f64,
    pub label_w: f64,
    pub bar_w: f64,
    pub bar_h: f64,
    pub total_x: f64,
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
        .enumerate()
        .map(|(i, (label, value, of, href, missing_href))| {
            let y = 8.0 + i as f64 * ROW_H;
            SimpleBar {
                label: shorten_label(&label),
                y,
                text_y: y + BAR_H * 0.72,
                width: if of > 0 {
                    round1(BAR_W * value as f64 / of as f64)
                } else {
                    0.0
                },
                value,
                of,
                share: super::page::percent(value, of),
                href,
                missing_href,
            }
        })
        .collect::<Vec<_>>();
    SimpleChart {
        id: id.to_string(),
        title: title.to_string(),
        desc: desc.to_string(),
        width: WIDTH,
        height: 16.0 + bars.len() as f64 * ROW_H,
        label_w: LABEL_W,
        bar_w: BAR_W,
        bar_h: BAR_H,
        total_x: LABEL_W + BAR_W + 10.0,
        bars,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn shorten_label(s: &str) -> String {
    super::view::shorten(s, 28)
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
        assert!((sum - BAR_W).abs() < 1.0);
        assert_eq!(r.segments[2].href, "/organisations?row=0&status=missing");
        assert_eq!(r.segments[2].share, "50%");
        assert!(c.rows[1].segments.is_empty());
    }
}

//! The status colours of the charts and tags, in one place, with the
//! arithmetic that checks them: WCAG 2 relative luminance and contrast
//! ratio, and protanopia/deuteranopia simulation (Viénot, Brettel and
//! Mollon 1999, in linear RGB).
//!
//! Fills are told apart by lightness, not hue, so they survive greyscale
//! printing and red-green colour blindness; two of them also carry a
//! pattern, every segment has a dark outline, and the status is always
//! written beside the colour. Six statuses fit (the registry has six); a
//! seventh would need a new pattern rather than a new hue.

/// A fill's pattern, drawn over its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    Solid,
    /// Light diagonal stripes.
    Hatch,
    /// Dark dots.
    Dots,
}

impl Pattern {
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::Solid => "solid",
            Pattern::Hatch => "hatch",
            Pattern::Dots => "dots",
        }
    }
}

/// How one registry status is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusStyle {
    pub status: &'static str,
    pub label: &'static str,
    /// Chart fill.
    pub fill: &'static str,
    pub pattern: Pattern,
    /// Tag background and text.
    pub tag_bg: &'static str,
    pub tag_fg: &'static str,
}

/// Segment outlines and the dots pattern.
pub const INK: &str = "#0b0c0c";

/// Every registry status, in the order the charts stack them.
pub const PALETTE: [StatusStyle; 6] = [
    StatusStyle {
        status: "compliant",
        label: "Compliant",
        fill: "#0b4f8c",
        pattern: Pattern::Solid,
        tag_bg: "#cce2d8",
        tag_fg: "#005a30",
    },
    StatusStyle {
        status: "noncompliant",
        label: "Non-compliant",
        fill: "#d6604d",
        pattern: Pattern::Hatch,
        tag_bg: "#f4cdc6",
        tag_fg: "#942514",
    },
    StatusStyle {
        status: "review",
        label: "Needs review",
        fill: "#f5c344",
        pattern: Pattern::Solid,
        tag_bg: "#fff1c2",
        tag_fg: "#594000",
    },
    StatusStyle {
        status: "missing",
        label: "Missing",
        fill: "#262626",
        pattern: Pattern::Solid,
        tag_bg: "#0b0c0c",
        tag_fg: "#ffffff",
    },
    StatusStyle {
        status: "unchecked",
        label: "Not yet checked",
        fill: "#ffffff",
        pattern: Pattern::Dots,
        tag_bg: "#ffffff",
        tag_fg: "#0b0c0c",
    },
    StatusStyle {
        status: "out_of_scope",
        label: "Out of scope",
        fill: "#9a9a9a",
        pattern: Pattern::Solid,
        tag_bg: "#e5e6e7",
        tag_fg: "#383f43",
    },
];

/// The style of a status, if it is one.
pub fn style(status: &str) -> Option<&'static StatusStyle> {
    PALETTE.iter().find(|s| s.status == status)
}

/// `#rrggbb` → linear-light RGB, 0..1.
pub fn linear_rgb(hex: &str) -> Option<[f64; 3]> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let mut out = [0.0; 3];
    for (i, o) in out.iter_mut().enumerate() {
        let c = f64::from(u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok()?) / 255.0;
        *o = if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        };
    }
    Some(out)
}

fn luminance_of(rgb: [f64; 3]) -> f64 {
    0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
}

/// WCAG 2 relative luminance of `#rrggbb` (0 black … 1 white).
pub fn luminance(hex: &str) -> Option<f64> {
    linear_rgb(hex).map(luminance_of)
}

/// WCAG 2 contrast ratio of two luminances, 1 … 21.
pub fn ratio(a: f64, b: f64) -> f64 {
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// WCAG 2 contrast ratio of two `#rrggbb` colours.
pub fn contrast(a: &str, b: &str) -> Option<f64> {
    Some(ratio(luminance(a)?, luminance(b)?))
}

/// How a colour looks to a reader without red (protanopia) or green
/// (deuteranopia) cones, as a luminance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vision {
    Typical,
    Protanopia,
    Deuteranopia,
}

pub fn seen_luminance(hex: &str, vision: Vision) -> Option<f64> {
    let c = linear_rgb(hex)?;
    let m: [[f64; 3]; 3] = match vision {
        Vision::Typical => return Some(luminance_of(c)),
        Vision::Protanopia => [
            [0.11238, 0.88762, 0.0],
            [0.11238, 0.88762, 0.0],
            [0.00401, -0.00401, 1.0],
        ],
        Vision::Deuteranopia => [
            [0.29275, 0.70725, 0.0],
            [0.29275, 0.70725, 0.0],
            [-0.02234, 0.02234, 1.0],
        ],
    };
    let sim = m.map(|row| (row[0] * c[0] + row[1] * c[1] + row[2] * c[2]).clamp(0.0, 1.0));
    Some(luminance_of(sim))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wcag_arithmetic_matches_known_values() {
        let bw = contrast("#000000", "#ffffff").unwrap();
        assert!((bw - 21.0).abs() < 1e-9);
        assert!((contrast("#777777", "#ffffff").unwrap() - 4.48).abs() < 0.01);
        assert_eq!(luminance("#fff"), None);
        assert_eq!(luminance("zzzzzz"), None);
    }

    #[test]
    fn every_registry_status_has_a_style() {
        for s in crate::registry::YearStatus::ALL {
            assert!(style(s.as_str()).is_some(), "{s:?}");
        }
        assert!(style("bogus").is_none());
    }
}

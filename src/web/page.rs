//! Small things every page template uses: the page metadata the layout reads,
//! and number formatting.

/// What the layout (`templates/base.html`) needs from every page.
#[derive(Debug, Clone)]
pub struct Meta {
    pub title: String,
    /// Which main navigation item is current: `dashboard`, `registry`, `check`, `api` or empty.
    pub nav: &'static str,
    /// The stylesheet inside the page instead of linked, for a page that is
    /// saved or printed (the response then allows that one stylesheet by
    /// its hash: [`super::assets::inline_css_csp`]).
    pub inline_css: Option<&'static str>,
}

impl Meta {
    pub fn new(title: impl Into<String>, nav: &'static str) -> Meta {
        Meta {
            title: title.into(),
            nav,
            inline_css: None,
        }
    }
    /// [`Meta::new`] for a page that carries its own stylesheet.
    pub fn standalone(title: impl Into<String>, nav: &'static str) -> Meta {
        Meta {
            inline_css: Some(super::assets::CSS),
            ..Meta::new(title, nav)
        }
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Share as a whole percentage; `0` of `0` is `0%`.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "0%".into();
    }
    format!(
        "{}%",
        ((part as f64) * 100.0 / (whole as f64)).round() as i64
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn formats_numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(5, 0), "0%");
    }
}

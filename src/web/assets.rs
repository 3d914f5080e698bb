//! Static assets, embedded in the binary (no CDN, works offline).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The one stylesheet of every page (and of the standalone reports).
pub const CSS: &str = include_str!("../../templates/s54.css");
const FAVICON: &str = include_str!("../../templates/favicon.svg");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub async fn favicon() -> Response {
    asset("image/svg+xml", FAVICON)
}

/// The Content-Security-Policy of a page that carries [`CSS`] inline (a
/// report meant to be saved or printed): the usual policy, with that one
/// stylesheet allowed by its SHA-256 hash and nothing else inline.
pub fn inline_css_csp() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        use sha2::Digest;
        let hash = base64(&sha2::Sha256::digest(CSS.as_bytes()));
        super::security::CSP.replace(
            "style-src 'self'",
            &format!("style-src 'self' 'sha256-{hash}'"),
        )
    })
}

/// Standard base64 with padding (the CSP hash format).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub async fn healthz() -> &'static str {
    "ok"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_inline_stylesheet_is_allowed_by_its_hash_only() {
        let csp = inline_css_csp();
        assert!(csp.contains("style-src 'self' 'sha256-"), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("default-src 'none'"));
    }
}

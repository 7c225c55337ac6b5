//! RSI's "page not found" page, which may come with status 200.
//!
//! The page (`<body id="missing">`, titled "404 - Roberts Space Industries", "POSITION STATUS CODE: 404 /
//! NAVIGATING UNCHARTED TERRITORY", "You are currently venturing unknown space") is what RSI serves for a handle or
//! SID it does not know.

use crate::dom::Document;

/// Whether `doc` is RSI's "page not found" page.
pub(crate) fn is_not_found_page(doc: &Document) -> bool {
    let root = doc.root();
    let body_missing = root.find_tag("body").is_some_and(|body| body.attr("id") == Some("missing"));
    let title_404 =
        root.find_tag("title").is_some_and(|title| title.text().starts_with("404 - Roberts Space Industries"));
    let status_404 =
        root.find_class("code").and_then(|code| code.find_class("num")).is_some_and(|num| num.text() == "404");
    body_missing || title_404 || status_404
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_saved_not_found_page() {
        let doc = Document::parse(include_str!("../tests/fixtures/not_found.html"));
        assert!(is_not_found_page(&doc));
    }

    #[test]
    fn recognises_each_sign_alone() {
        for html in [
            r#"<html><body id="missing"></body></html>"#,
            "<html><head><title>\n  404 - Roberts Space Industries\n</title></head><body></body></html>",
            r#"<div class="code"><span class="num">404</span><span class="desc">NAVIGATING UNCHARTED TERRITORY</span></div>"#,
        ] {
            assert!(is_not_found_page(&Document::parse(html)), "{html}");
        }
    }

    #[test]
    fn real_pages_are_not_taken_for_it() {
        for html in [
            include_str!("../tests/fixtures/citizen_full.html"),
            include_str!("../tests/fixtures/citizen_redacted_org.html"),
            include_str!("../tests/fixtures/citizen_no_org.html"),
            include_str!("../tests/fixtures/org.html"),
            include_str!("../tests/fixtures/unreadable.html"),
        ] {
            assert!(!is_not_found_page(&Document::parse(html)));
        }
    }
}

//! RSI's labelled values: `<p class="entry"><span class="label">Enlisted</span><strong class="value">…</strong></p>`.
//!
//! RSI adds obfuscating classes next to `label` and `value` (`class="value data9"`), varies the tags (`strong`,
//! `span`, `a`) and sometimes drops the label; matching is therefore by class token and label text only.

use crate::dom::El;

/// The `.value` of the first `.entry` below `scope` whose `.label` reads `label` (ignoring case and spacing).
pub(crate) fn labelled<'a>(scope: El<'a>, label: &str) -> Option<El<'a>> {
    scope
        .descendants()
        .filter(|el| el.has_class("entry"))
        .find(|entry| entry.find_class("label").is_some_and(|l| l.text().eq_ignore_ascii_case(label)))
        .and_then(|entry| entry.find_class("value"))
}

/// The `.value` of the first `.entry` below `scope` that has neither a `.label` nor an `.icon`.
pub(crate) fn unlabelled<'a>(scope: El<'a>) -> Option<El<'a>> {
    scope
        .descendants()
        .filter(|el| el.has_class("entry"))
        .find(|entry| entry.find_class("label").is_none() && entry.find_class("icon").is_none())
        .and_then(|entry| entry.find_class("value"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom::Document;

    const INFO: &str = r#"<div class="info">
        <p class="entry"><strong class="value">Kestrel Vane</strong></p>
        <p class="entry"><span class="label">Handle name</span><strong class="value">Kestrel_Vane</strong></p>
        <p class="entry"><span class="icon"><img src="x.png"/></span><span class="value">Civilian</span></p>
        <p class="entry"><span class="label data8">Spectrum  Identification (SID)</span>
            <strong class="value data9"> VGSL </strong></p>
    </div>"#;

    #[test]
    fn finds_values_by_label_text_whatever_the_extra_classes() {
        let doc = Document::parse(INFO);
        assert_eq!(labelled(doc.root(), "Handle name").unwrap().text(), "Kestrel_Vane");
        assert_eq!(labelled(doc.root(), "spectrum identification (sid)").unwrap().text(), "VGSL");
        assert!(labelled(doc.root(), "Enlisted").is_none());
    }

    #[test]
    fn the_unlabelled_entry_is_the_display_name_not_the_title() {
        let doc = Document::parse(INFO);
        assert_eq!(unlabelled(doc.root()).unwrap().text(), "Kestrel Vane");
    }
}

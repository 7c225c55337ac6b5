//! A small, forgiving document tree over `html5gum`'s tokens, and the few queries the page readers need.
//!
//! `html5gum` does the hard, spec-defined part: tokenising (attributes, character references, comments, and the
//! raw text of `<script>`/`<style>`, which RSI fills with HTML-looking templates). This module only nests the
//! tokens: void elements never open, an end tag closes the nearest open element of its name (stray end tags are
//! dropped), and a block start tag closes an open `<p>` as browsers do. That is enough for RSI's server-rendered
//! pages. Every walk below is iterative and nesting is capped at [`MAX_DEPTH`] (deeper elements become siblings, as
//! in browsers), so a hostile page can neither overflow the stack nor make building the tree quadratic.

use std::collections::HashMap;

use html5gum::{DefaultEmitter, Token, Tokenizer};

/// Elements that never have content.
const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// Elements whose text is code or markup for later, never page content.
const RAW: &[&str] = &["script", "style", "noscript", "iframe", "xmp", "noembed", "noframes", "template"];

/// Start tags that close an open `<p>` (HTML's "close a p element").
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
];

/// Elements a `<p>` or `<li>` is never closed across.
const SCOPE: &[&str] = &["html", "table", "td", "th", "caption", "button", "template", "object", "marquee", "applet"];

/// How deep elements nest; deeper start tags are added to the innermost open element without opening.
pub(crate) const MAX_DEPTH: usize = 512;

type NodeId = usize;

#[derive(Debug)]
enum Data {
    Root,
    Element { name: String, attrs: Vec<(String, String)> },
    Text(String),
}

#[derive(Debug)]
struct Node {
    data: Data,
    children: Vec<NodeId>,
}

/// A parsed page.
#[derive(Debug)]
pub(crate) struct Document {
    nodes: Vec<Node>,
}

impl Document {
    /// Parses `html`. Never fails: anything can be read as some tree.
    pub(crate) fn parse(html: &str) -> Self {
        let mut emitter = DefaultEmitter::default();
        emitter.naively_switch_states(true);
        let mut builder = Builder::new();
        for token in Tokenizer::new_with_emitter(html, emitter) {
            let Ok(token) = token;
            match token {
                Token::StartTag(tag) => {
                    let name = lossy(&tag.name);
                    let attrs = tag.attributes.iter().map(|(k, v)| (lossy(k), lossy(v))).collect();
                    builder.start(name, attrs, tag.self_closing);
                }
                Token::EndTag(tag) => builder.end(&lossy(&tag.name)),
                Token::String(text) => builder.text(&lossy(&text)),
                Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
            }
        }
        Document { nodes: builder.nodes }
    }

    /// The document itself, parent of the top-level elements.
    pub(crate) fn root(&self) -> El<'_> {
        El { doc: self, id: 0 }
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Builder {
    nodes: Vec<Node>,
    /// The open elements, outermost first; `open[0]` is the root and is never popped.
    open: Vec<Open>,
    /// How many elements of each name are open, so an end tag with nothing to close costs nothing.
    open_names: HashMap<String, usize>,
}

/// An open element, with where the `<p>` and `<li>` a new start tag may close are (so that is never a search).
#[derive(Debug, Clone, Copy)]
struct Open {
    id: NodeId,
    /// The index in `open` of the innermost `<p>` not behind a [`SCOPE`] element.
    p_at: Option<usize>,
    /// The index in `open` of the innermost `<li>` not behind a [`SCOPE`] element, `<ul>` or `<ol>`.
    li_at: Option<usize>,
}

impl Builder {
    fn new() -> Self {
        let root = Node { data: Data::Root, children: Vec::new() };
        Builder { nodes: vec![root], open: vec![Open { id: 0, p_at: None, li_at: None }], open_names: HashMap::new() }
    }

    fn start(&mut self, name: String, attrs: Vec<(String, String)>, self_closing: bool) {
        if CLOSES_P.contains(&name.as_str())
            && let Some(at) = self.top().p_at
        {
            self.close_from(at);
        }
        if name == "li"
            && let Some(at) = self.top().li_at
        {
            self.close_from(at);
        }
        let void = self_closing || VOID.contains(&name.as_str());
        let opens = !void && self.open.len() <= MAX_DEPTH;
        let at = self.open.len();
        let parent = self.top();
        let scope = SCOPE.contains(&name.as_str());
        let p_at = if name == "p" {
            Some(at)
        } else if scope {
            None
        } else {
            parent.p_at
        };
        let li_at = match name.as_str() {
            "li" => Some(at),
            "ul" | "ol" => None,
            _ if scope => None,
            _ => parent.li_at,
        };
        if opens {
            *self.open_names.entry(name.clone()).or_default() += 1;
        }
        let id = self.append(Data::Element { name, attrs });
        if opens {
            self.open.push(Open { id, p_at, li_at });
        }
    }

    fn end(&mut self, name: &str) {
        if self.open_names.get(name).is_none_or(|&count| count == 0) {
            return;
        }
        // Found within the elements this closes, so the search costs no more than the closing.
        if let Some(at) = self.open.iter().rposition(|open| open.id != 0 && self.name(open.id) == Some(name)) {
            self.close_from(at);
        }
    }

    fn text(&mut self, text: &str) {
        let parent = self.top().id;
        if self.name(parent).is_some_and(|name| RAW.contains(&name)) {
            return;
        }
        if let Some(&last) = self.nodes[parent].children.last()
            && let Data::Text(existing) = &mut self.nodes[last].data
        {
            existing.push_str(text);
            return;
        }
        self.append(Data::Text(text.to_owned()));
    }

    /// Closes `open[at]` and everything opened inside it.
    fn close_from(&mut self, at: usize) {
        let at = at.max(1);
        while self.open.len() > at {
            let Some(closed) = self.open.pop() else { break };
            let name = self.name(closed.id).unwrap_or_default().to_owned();
            if let Some(count) = self.open_names.get_mut(&name) {
                *count = count.saturating_sub(1);
            }
        }
    }

    fn top(&self) -> Open {
        self.open.last().copied().unwrap_or(Open { id: 0, p_at: None, li_at: None })
    }

    fn append(&mut self, data: Data) -> NodeId {
        let id = self.nodes.len();
        let parent = self.top().id;
        self.nodes.push(Node { data, children: Vec::new() });
        self.nodes[parent].children.push(id);
        id
    }

    fn name(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[id].data {
            Data::Element { name, .. } => Some(name),
            Data::Root | Data::Text(_) => None,
        }
    }
}

/// An element of a [`Document`] (or its root).
#[derive(Debug, Clone, Copy)]
pub(crate) struct El<'a> {
    doc: &'a Document,
    id: NodeId,
}

impl<'a> El<'a> {
    /// The tag name, lower case (`""` for the root).
    pub(crate) fn name(self) -> &'a str {
        match &self.doc.nodes[self.id].data {
            Data::Element { name, .. } => name,
            Data::Root | Data::Text(_) => "",
        }
    }

    /// The value of attribute `name`, if present.
    pub(crate) fn attr(self, name: &str) -> Option<&'a str> {
        match &self.doc.nodes[self.id].data {
            Data::Element { attrs, .. } => attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
            Data::Root | Data::Text(_) => None,
        }
    }

    /// Whether the `class` attribute lists `class` (exactly, as CSS's `.class` does).
    pub(crate) fn has_class(self, class: &str) -> bool {
        self.attr("class").is_some_and(|list| list.split_ascii_whitespace().any(|c| c == class))
    }

    /// Every element below this one, in document order.
    pub(crate) fn descendants(self) -> impl Iterator<Item = El<'a>> {
        let doc = self.doc;
        let mut stack: Vec<NodeId> = doc.nodes[self.id].children.iter().rev().copied().collect();
        std::iter::from_fn(move || {
            while let Some(id) = stack.pop() {
                stack.extend(doc.nodes[id].children.iter().rev());
                if matches!(doc.nodes[id].data, Data::Element { .. }) {
                    return Some(El { doc, id });
                }
            }
            None
        })
    }

    /// The first element below this one that matches.
    pub(crate) fn find(self, mut matches: impl FnMut(El<'a>) -> bool) -> Option<El<'a>> {
        self.descendants().find(|el| matches(*el))
    }

    /// The first element below this one with class `class`.
    pub(crate) fn find_class(self, class: &str) -> Option<El<'a>> {
        self.find(|el| el.has_class(class))
    }

    /// The first element below this one named `name`.
    pub(crate) fn find_tag(self, name: &str) -> Option<El<'a>> {
        self.find(|el| el.name() == name)
    }

    /// The first element below this one with id `id`.
    pub(crate) fn find_id(self, id: &str) -> Option<El<'a>> {
        self.find(|el| el.attr("id") == Some(id))
    }

    /// All text below this element (like the DOM's `textContent`), whitespace collapsed to single spaces and trimmed.
    pub(crate) fn text(self) -> String {
        let mut raw = String::new();
        let mut stack = vec![self.id];
        while let Some(id) = stack.pop() {
            if let Data::Text(text) = &self.doc.nodes[id].data {
                raw.push_str(text);
            }
            stack.extend(self.doc.nodes[id].children.iter().rev());
        }
        collapse(&raw)
    }

    /// The text directly inside this element, not inside its child elements; collapsed and trimmed.
    pub(crate) fn own_text(self) -> String {
        let mut raw = String::new();
        for &child in &self.doc.nodes[self.id].children {
            if let Data::Text(text) = &self.doc.nodes[child].data {
                raw.push_str(text);
                raw.push(' ');
            }
        }
        collapse(&raw)
    }
}

/// Collapses runs of whitespace (including no-break spaces) to one space and trims the ends.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes_of_all(doc: &Document) -> Vec<String> {
        doc.root().descendants().map(|el| format!("{}.{}", el.name(), el.attr("class").unwrap_or(""))).collect()
    }

    #[test]
    fn nests_and_queries_by_class_token() {
        let doc = Document::parse(
            r#"<div class="main-org right-col visibility-V"><p class="entry"><a class="value data3" href="/orgs/X">X &amp; Y</a></p></div>"#,
        );
        let org = doc.root().find_class("main-org").unwrap();
        assert!(org.has_class("visibility-V"));
        assert!(!org.has_class("visibility"));
        let value = org.find_class("value").unwrap();
        assert_eq!(value.name(), "a");
        assert_eq!(value.attr("href"), Some("/orgs/X"));
        assert_eq!(value.text(), "X & Y");
    }

    #[test]
    fn script_and_style_text_is_not_content_and_their_markup_is_not_elements() {
        let doc = Document::parse(
            r#"<body><script type="text/x-jsmart-tmpl"><div class="info">{$handle}</div></script><style>.info{}</style><p>real</p></body>"#,
        );
        assert!(doc.root().find_class("info").is_none());
        assert_eq!(doc.root().find_tag("body").unwrap().text(), "real");
    }

    #[test]
    fn void_and_self_closing_elements_do_not_swallow_siblings() {
        let doc = Document::parse(r#"<div class="thumb"><img src="a.png"><span class="deco"></span><br/>x</div>"#);
        let thumb = doc.root().find_class("thumb").unwrap();
        let img = thumb.find_tag("img").unwrap();
        assert!(img.descendants().next().is_none());
        assert!(thumb.find_class("deco").is_some());
        assert_eq!(thumb.text(), "x");
    }

    #[test]
    fn stray_end_tags_are_ignored_and_unclosed_tags_closed_by_their_ancestors_end() {
        let doc = Document::parse("<div id=a><span>one</b></div><div id=b>two</div>");
        assert_eq!(doc.root().find_id("a").unwrap().text(), "one");
        assert_eq!(doc.root().find_id("b").unwrap().text(), "two");
    }

    #[test]
    fn a_block_closes_an_open_paragraph_and_a_list_item_closes_the_previous_one() {
        let doc = Document::parse("<p>one<div>two</div><ul><li>a<li>b</ul>");
        assert_eq!(classes_of_all(&doc), ["p.", "div.", "ul.", "li.", "li."]);
        assert_eq!(doc.root().find_tag("p").unwrap().text(), "one");
    }

    #[test]
    fn text_collapses_whitespace_and_no_break_spaces() {
        let doc = Document::parse("<strong>  French,\n      English&nbsp; </strong><h1>Name / <span>SID</span></h1>");
        assert_eq!(doc.root().find_tag("strong").unwrap().text(), "French, English");
        let h1 = doc.root().find_tag("h1").unwrap();
        assert_eq!(h1.own_text(), "Name /");
        assert_eq!(h1.text(), "Name / SID");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = "<p><button>".to_owned() + &"<div>".repeat(200_000) + "deep";
        let doc = Document::parse(&html);
        assert_eq!(doc.root().text(), "deep");
        assert_eq!(doc.root().descendants().count(), 200_002);
    }
}

//! The record codec: `[key: value]` pairs on one line.
//!
//! A record is a sequence of pairs `[key: value]`. Keys are `[a-z_]+` (at most [`MAX_KEY_LEN`] bytes) and
//! unique within a record. Inside a value, `\\`, `\]`, `\[` and `\n` (a newline) are escaped; every other
//! character stands for itself. The separator after the colon is one optional space, so `[key:value]` and
//! `[key: value]` mean the same and `[key:  x]` has the value `" x"`. Spaces and tabs between pairs and around
//! the record are ignored. A line of only whitespace is no record at all.
//!
//! [`Record::format`] and [`Record::parse`] round-trip every record with valid keys, and `parse` never panics,
//! whatever bytes it is given.

use std::fmt;

/// The longest line, in bytes, not counting the `\n` that ends it.
pub const MAX_LINE: usize = 8 * 1024;

/// The longest key, in bytes.
pub const MAX_KEY_LEN: usize = 32;

/// One record: ordered `key → value` pairs with unique keys.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Record {
    pairs: Vec<(String, String)>,
}

/// Why a line is not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The line is not valid UTF-8.
    #[error("the line is not valid UTF-8 (at byte {at})")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        at: usize,
    },
    /// The line is longer than [`MAX_LINE`].
    #[error("the line is longer than {max} bytes")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Something other than `[` where a pair should start.
    #[error("expected '[' at byte {at}")]
    ExpectedOpen {
        /// Byte offset.
        at: usize,
    },
    /// The key is empty, too long or has characters outside `[a-z_]`.
    #[error("invalid key at byte {at}: keys are 1 to {MAX_KEY_LEN} characters of a-z and '_'")]
    BadKey {
        /// Byte offset of the key.
        at: usize,
    },
    /// The key is not followed by `:`.
    #[error("expected ':' after the key at byte {at}")]
    ExpectedColon {
        /// Byte offset.
        at: usize,
    },
    /// A backslash not followed by `\`, `]`, `[` or `n`.
    #[error("invalid escape at byte {at}: only \\\\, \\], \\[ and \\n are allowed")]
    BadEscape {
        /// Byte offset of the backslash.
        at: usize,
    },
    /// An unescaped `[` inside a value.
    #[error("unescaped '[' inside a value at byte {at}")]
    UnescapedOpen {
        /// Byte offset.
        at: usize,
    },
    /// The line ends inside a pair.
    #[error("the line ends inside a pair (missing ']')")]
    Unterminated,
    /// The same key twice.
    #[error("the key {key:?} appears more than once")]
    DuplicateKey {
        /// The key.
        key: String,
    },
}

/// Why a record cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// A key is empty, too long or has characters outside `[a-z_]`.
    #[error("invalid key {0:?}")]
    BadKey(String),
    /// The same key twice.
    #[error("the key {0:?} appears more than once")]
    DuplicateKey(String),
    /// The line would be longer than [`MAX_LINE`].
    #[error("the record needs {len} bytes, more than the {max} allowed")]
    TooLong {
        /// What it would take.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Whether `key` is a valid key: 1 to [`MAX_KEY_LEN`] bytes of `[a-z_]`.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// `text` cut to at most `max` bytes, at a character boundary.
pub(crate) fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Escapes a value for the wire.
pub fn escape(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ']' => out.push_str("\\]"),
            '[' => out.push_str("\\["),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

impl Record {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// A record whose first pair is `action`.
    pub fn action(action: &str) -> Self {
        Self::new().with("action", action)
    }

    /// Adds a pair (builder style). Keys are checked by [`Record::format`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(key, value);
        self
    }

    /// Adds a pair if there is a value (builder style).
    pub(crate) fn with_some(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// Adds a pair. Keys are checked by [`Record::format`].
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the record has no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The record as one line, without the terminating `\n`.
    pub fn format(&self) -> Result<String, FormatError> {
        let mut out = String::new();
        for (i, (key, value)) in self.pairs.iter().enumerate() {
            if !is_valid_key(key) {
                return Err(FormatError::BadKey(key.clone()));
            }
            if self.pairs[..i].iter().any(|(k, _)| k == key) {
                return Err(FormatError::DuplicateKey(key.clone()));
            }
            out.push('[');
            out.push_str(key);
            out.push_str(": ");
            escape(value, &mut out);
            out.push(']');
        }
        if out.len() > MAX_LINE {
            return Err(FormatError::TooLong { len: out.len(), max: MAX_LINE });
        }
        Ok(out)
    }

    /// Parses one line (without its `\n`; a trailing `\r` is allowed). `Ok(None)` for a blank line.
    pub fn parse(line: &[u8]) -> Result<Option<Self>, ParseError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE {
            return Err(ParseError::TooLong { max: MAX_LINE });
        }
        let text = std::str::from_utf8(line).map_err(|e| ParseError::NotUtf8 { at: e.valid_up_to() })?;
        Parser { text, pos: 0 }.record()
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn record(mut self) -> Result<Option<Record>, ParseError> {
        let mut record = Record::new();
        loop {
            self.skip_blanks();
            match self.peek() {
                None => break,
                Some(b'[') => self.pos += 1,
                Some(_) => return Err(ParseError::ExpectedOpen { at: self.pos }),
            }
            let (key, value) = self.pair()?;
            if record.get(key).is_some() {
                return Err(ParseError::DuplicateKey { key: key.to_owned() });
            }
            record.push(key, value);
        }
        Ok(if record.is_empty() { None } else { Some(record) })
    }

    /// After a `[`: `key: value]`.
    fn pair(&mut self) -> Result<(&str, String), ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_lowercase() || b == b'_') {
            self.pos += 1;
        }
        let key = &self.text[start..self.pos];
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(ParseError::BadKey { at: start });
        }
        match self.peek() {
            Some(b':') => self.pos += 1,
            None => return Err(ParseError::Unterminated),
            Some(_) => return Err(ParseError::ExpectedColon { at: self.pos }),
        }
        if self.peek() == Some(b' ') {
            self.pos += 1;
        }
        let mut value = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((offset, c)) = chars.next() {
            let at = self.pos + offset;
            match c {
                ']' => {
                    self.pos = at + 1;
                    return Ok((key, value));
                }
                '[' => return Err(ParseError::UnescapedOpen { at }),
                '\\' => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, ']')) => value.push(']'),
                    Some((_, '[')) => value.push('['),
                    Some((_, 'n')) => value.push('\n'),
                    Some(_) => return Err(ParseError::BadEscape { at }),
                    None => return Err(ParseError::Unterminated),
                },
                c => value.push(c),
            }
        }
        Err(ParseError::Unterminated)
    }
}

impl fmt::Debug for Record {
    /// Shows keys only: values may hold secrets, account ids and player messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Record").field("action", &self.get("action")).field("keys", &keys).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Option<Record>, ParseError> {
        Record::parse(line.as_bytes())
    }

    #[test]
    fn the_evidence_record_parses() {
        let record =
            parse("[action: ticket][account_id: 2000001][char_id: 150001][name: Foo Bar][message: my item vanished]")
                .unwrap()
                .unwrap();
        assert_eq!(record.get("action"), Some("ticket"));
        assert_eq!(record.get("account_id"), Some("2000001"));
        assert_eq!(record.get("char_id"), Some("150001"));
        assert_eq!(record.get("name"), Some("Foo Bar"));
        assert_eq!(record.get("message"), Some("my item vanished"));
        assert_eq!(record.get("source"), None);
    }

    #[test]
    fn escapes_round_trip() {
        let record = Record::action("whisper").with("message", "a]b[c\\d\ne").with("from", " GM ");
        let line = record.format().unwrap();
        assert_eq!(line, "[action: whisper][message: a\\]b\\[c\\\\d\\ne][from:  GM ]");
        assert_eq!(parse(&line).unwrap().unwrap(), record);
    }

    #[test]
    fn separators_and_blanks_are_tolerated() {
        let record = parse(" \t[action:ping]  [ref: 7]\t\r").unwrap().unwrap();
        assert_eq!(record.get("action"), Some("ping"));
        assert_eq!(record.get("ref"), Some("7"));
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("  \t\r").unwrap(), None);
        assert_eq!(parse("[message: ]").unwrap().unwrap().get("message"), Some(""));
    }

    #[test]
    fn malformed_lines_say_where() {
        assert_eq!(parse("action: ping"), Err(ParseError::ExpectedOpen { at: 0 }));
        assert_eq!(parse("[Action: ping]"), Err(ParseError::BadKey { at: 1 }));
        assert_eq!(parse("[: ping]"), Err(ParseError::BadKey { at: 1 }));
        assert_eq!(parse("[action ping]"), Err(ParseError::ExpectedColon { at: 7 }));
        assert_eq!(parse("[action: ping"), Err(ParseError::Unterminated));
        assert_eq!(parse("[action"), Err(ParseError::Unterminated));
        assert_eq!(parse("[action: p[ing]"), Err(ParseError::UnescapedOpen { at: 10 }));
        assert_eq!(parse("[action: p\\ting]"), Err(ParseError::BadEscape { at: 10 }));
        assert_eq!(parse("[action: ping\\"), Err(ParseError::Unterminated));
        assert_eq!(parse("[action: ping]x"), Err(ParseError::ExpectedOpen { at: 14 }));
        assert_eq!(parse("[action: a][action: b]"), Err(ParseError::DuplicateKey { key: "action".into() }));
        assert_eq!(parse(&format!("[{}: x]", "k".repeat(33))), Err(ParseError::BadKey { at: 1 }));
        assert_eq!(Record::parse(b"[action: \xff]"), Err(ParseError::NotUtf8 { at: 9 }));
        assert_eq!(
            Record::parse(format!("[message: {}]", "x".repeat(MAX_LINE)).as_bytes()),
            Err(ParseError::TooLong { max: MAX_LINE })
        );
    }

    #[test]
    fn format_refuses_what_cannot_be_parsed_back() {
        assert_eq!(Record::new().with("Bad", "x").format(), Err(FormatError::BadKey("Bad".into())));
        assert_eq!(Record::new().with("", "x").format(), Err(FormatError::BadKey(String::new())));
        assert_eq!(Record::action("a").with("action", "b").format(), Err(FormatError::DuplicateKey("action".into())));
        assert!(matches!(
            Record::action("x").with("message", "y".repeat(MAX_LINE)).format(),
            Err(FormatError::TooLong { .. })
        ));
    }

    #[test]
    fn chat_is_cut_at_character_boundaries() {
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("abcdef", 3), "abc");
        assert_eq!(cut("aé", 2), "a");
    }

    #[test]
    fn debug_never_shows_values() {
        let shown = format!("{:?}", Record::action("auth").with("secret", "hunter2"));
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("auth") && shown.contains("secret"));
    }

    mod properties {
        use proptest::collection::{btree_map, vec};
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn format_then_parse_round_trips(pairs in btree_map("[a-z_]{1,32}", any::<String>(), 1..8)) {
                let mut record = Record::new();
                for (k, v) in pairs {
                    record.push(k, v);
                }
                let line = record.format().unwrap();
                prop_assert!(!line.contains('\n'));
                prop_assert_eq!(Record::parse(line.as_bytes()).unwrap(), Some(record));
            }

            #[test]
            fn parse_never_panics_on_bytes(bytes in vec(any::<u8>(), 0..2048)) {
                let _ = Record::parse(&bytes);
            }

            #[test]
            fn parse_never_panics_on_bracket_soup(text in "[\\[\\]\\\\: a-z_n\\r\\t\u{e9}]{0,200}") {
                if let Ok(Some(record)) = Record::parse(text.as_bytes()) {
                    // Whatever parses formats back to something that parses to the same record.
                    let again = record.format().unwrap();
                    prop_assert_eq!(Record::parse(again.as_bytes()).unwrap(), Some(record));
                }
            }
        }

        #[test]
        fn a_one_mebibyte_line_is_refused_not_parsed() {
            let line = vec![b'['; 1 << 20];
            assert_eq!(Record::parse(&line), Err(ParseError::TooLong { max: MAX_LINE }));
        }
    }
}

//! The record codec: `[key: value]` pairs on one line.
//!
//! A record is a sequence of pairs `[key: value]`. Keys are `[a-z_]+` (at most [`MAX_KEY_LEN`] bytes) and
//! unique within a record. Inside a value, `\\`, `\]`, `\[` and `\n` (a newline) are escaped; every other
//! byte stands for itself. The separator after the colon is one optional space, so `[key:value]` and
//! `[key: value]` mean the same and `[key:  x]` has the value `" x"`. Spaces and tabs between pairs and around
//! the record are ignored. A line of only whitespace is no record at all.
//!
//! Lines are split and unescaped as **bytes**, then each value is decoded with the link's [`CodePage`];
//! writing encodes each value, then escapes its bytes. So the record structure is ASCII whatever the code page,
//! and a GBK or Shift_JIS character whose second byte is `[`, `]` or `\` round-trips.
//!
//! [`Record::encode`] and [`Record::decode`] round-trip every record with valid keys whose values the code
//! page can hold, and `decode` never panics, whatever bytes it is given.

use std::fmt;

use crate::codepage::CodePage;

/// The longest line, in bytes, not counting the `\n` that ends it (a `\r` before it counts).
pub const MAX_LINE: usize = 64 * 1024;

/// The longest key, in bytes.
pub const MAX_KEY_LEN: usize = 32;

/// One record: ordered `key → value` pairs with unique keys.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Record {
    pairs: Vec<(String, String)>,
    /// Keys whose bytes were not valid in the code page they were decoded with (U+FFFD stands in for them).
    lossy: Vec<String>,
}

/// Why a line is not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
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
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(is_key_byte)
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b == b'_'
}

/// `text` cut to at most `max` bytes, at a character boundary.
pub(crate) fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Escapes a value's bytes for the wire.
pub fn escape(value: &[u8], out: &mut Vec<u8>) {
    for &b in value {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b']' => out.extend_from_slice(b"\\]"),
            b'[' => out.extend_from_slice(b"\\["),
            b'\n' => out.extend_from_slice(b"\\n"),
            b => out.push(b),
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

    /// Adds a pair (builder style). Keys are checked by [`Record::encode`].
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

    /// Adds a pair. Keys are checked by [`Record::encode`].
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Whether the value of `key` had bytes that are not valid in the code page it was decoded with (each such
    /// sequence reads as U+FFFD).
    pub fn is_lossy(&self, key: &str) -> bool {
        self.lossy.iter().any(|k| k == key)
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

    /// The record as one line in `page`, without the terminating `\n`. Characters the code page cannot hold
    /// become [`SUBSTITUTE`](crate::codepage::SUBSTITUTE).
    pub fn encode(&self, page: CodePage) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::new();
        for (i, (key, value)) in self.pairs.iter().enumerate() {
            if !is_valid_key(key) {
                return Err(FormatError::BadKey(key.clone()));
            }
            if self.pairs[..i].iter().any(|(k, _)| k == key) {
                return Err(FormatError::DuplicateKey(key.clone()));
            }
            out.push(b'[');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b": ");
            escape(&page.encode(value).0, &mut out);
            out.push(b']');
        }
        if out.len() > MAX_LINE {
            return Err(FormatError::TooLong { len: out.len(), max: MAX_LINE });
        }
        Ok(out)
    }

    /// The record as one UTF-8 line, without the terminating `\n`.
    pub fn format(&self) -> Result<String, FormatError> {
        // UTF-8 text escaped byte by byte stays UTF-8: escapes are ASCII and never split a character.
        self.encode(CodePage::UTF_8).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Parses one line (without its `\n`; a trailing `\r` is allowed) and decodes its values from `page`.
    /// `Ok(None)` for a blank line. Bytes the code page does not know decode to U+FFFD and are flagged
    /// ([`Record::is_lossy`]): whether that is acceptable depends on the key.
    pub fn decode(line: &[u8], page: CodePage) -> Result<Option<Self>, ParseError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE {
            return Err(ParseError::TooLong { max: MAX_LINE });
        }
        let Some(pairs) = Parser { bytes: line, pos: 0 }.pairs()? else { return Ok(None) };
        let mut record = Record::new();
        for (key, value) in pairs {
            let (text, lossy) = page.decode(&value);
            if lossy {
                record.lossy.push(key.clone());
            }
            record.pairs.push((key, text.into_owned()));
        }
        Ok(Some(record))
    }

    /// [`Record::decode`] from UTF-8.
    pub fn parse(line: &[u8]) -> Result<Option<Self>, ParseError> {
        Self::decode(line, CodePage::UTF_8)
    }
}

/// The pairs that can still be read from a line that is not a record (too long, malformed): what the game
/// needs echoed to tell the right player their message was refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Salvage {
    /// The `action`, if a well-formed pair gave it.
    pub action: Option<String>,
    /// The `name`, likewise.
    pub name: Option<String>,
    /// The `ref`, likewise.
    pub reference: Option<String>,
}

impl Salvage {
    /// Reads every well-formed `[action: …]`, `[name: …]` and `[ref: …]` pair of `bytes` (the start of a line
    /// that was too long, or a malformed line), skipping what does not parse. The first of each key wins.
    pub fn scan(bytes: &[u8], page: CodePage) -> Self {
        let mut salvage = Self::default();
        let mut start = 0;
        while let Some(open) = bytes[start..].iter().position(|&b| b == b'[') {
            let mut parser = Parser { bytes, pos: start + open + 1 };
            match parser.pair() {
                Ok((key, value)) => {
                    let slot = match key.as_str() {
                        "action" => &mut salvage.action,
                        "name" => &mut salvage.name,
                        "ref" => &mut salvage.reference,
                        _ => {
                            start = parser.pos;
                            continue;
                        }
                    };
                    let (text, lossy) = page.decode(&value);
                    if slot.is_none() && !lossy {
                        *slot = Some(text.into_owned());
                    }
                    start = parser.pos;
                }
                Err(_) => start += open + 1,
            }
        }
        salvage
    }
}

/// Pairs as read from the wire: keys, and values still in the code page's bytes.
type RawPairs = Vec<(String, Vec<u8>)>;

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn pairs(mut self) -> Result<Option<RawPairs>, ParseError> {
        let mut pairs = RawPairs::new();
        loop {
            self.skip_blanks();
            match self.peek() {
                None => break,
                Some(b'[') => self.pos += 1,
                Some(_) => return Err(ParseError::ExpectedOpen { at: self.pos }),
            }
            let (key, value) = self.pair()?;
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(ParseError::DuplicateKey { key });
            }
            pairs.push((key, value));
        }
        Ok(if pairs.is_empty() { None } else { Some(pairs) })
    }

    /// After a `[`: `key: value]`.
    fn pair(&mut self) -> Result<(String, Vec<u8>), ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(is_key_byte) {
            self.pos += 1;
        }
        let key = &self.bytes[start..self.pos];
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(ParseError::BadKey { at: start });
        }
        // Only a-z and '_': ASCII.
        let key = String::from_utf8_lossy(key).into_owned();
        match self.peek() {
            Some(b':') => self.pos += 1,
            None => return Err(ParseError::Unterminated),
            Some(_) => return Err(ParseError::ExpectedColon { at: self.pos }),
        }
        if self.peek() == Some(b' ') {
            self.pos += 1;
        }
        let mut value = Vec::new();
        while let Some(b) = self.peek() {
            let at = self.pos;
            self.pos += 1;
            match b {
                b']' => return Ok((key, value)),
                b'[' => return Err(ParseError::UnescapedOpen { at }),
                b'\\' => {
                    let escaped = self.peek().ok_or(ParseError::Unterminated)?;
                    self.pos += 1;
                    value.push(match escaped {
                        b'\\' => b'\\',
                        b']' => b']',
                        b'[' => b'[',
                        b'n' => b'\n',
                        _ => return Err(ParseError::BadEscape { at }),
                    });
                }
                b => value.push(b),
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

    fn page(label: &str) -> CodePage {
        CodePage::from_label(label).unwrap()
    }

    /// Names and chat in each code page, with characters whose second byte is `[`, `\` or `]`.
    const SAMPLES: &[(&str, &str, &str)] = &[
        ("utf-8", "Zoë", "héllo [x] \\ 😀 안녕 乗"),
        ("windows-1252", "Zoë Ñandú", "ça coûte 5€ [vraiment] \\ ok"),
        ("euc-kr", "안녕하세요", "아이템이 사라졌어요 [정말] \\"),
        ("gbk", "乕乗乚", "癨 俒俓俔 [物品] \\ 丢了"),
        ("big5", "許功蓋", "︴﹏（ 兞兝兡 [物品] \\"),
        ("shift_jis", "ーソゾ表", "ゼ―ゾ 能申予 [アイテム] \\"),
    ];

    #[test]
    fn every_code_page_round_trips_at_the_byte_level() {
        for &(label, name, message) in SAMPLES {
            let page = page(label);
            let record = Record::action("ticket").with("name", name).with("message", message);
            let line = record.encode(page).unwrap();
            let (raw_name, _) = page.encode(name);
            let (raw_message, _) = page.encode(message);
            assert!(!raw_name.is_empty() && !raw_message.is_empty());
            let mut expected = b"[action: ticket][name: ".to_vec();
            escape(&raw_name, &mut expected);
            expected.extend_from_slice(b"][message: ");
            escape(&raw_message, &mut expected);
            expected.push(b']');
            assert_eq!(line, expected, "{label}: the values are escaped as bytes of the code page");
            let back = Record::decode(&line, page).unwrap().unwrap();
            assert_eq!(back, record, "{label}");
            assert!(!back.is_lossy("name") && !back.is_lossy("message"), "{label}");
        }
    }

    #[test]
    fn second_bytes_that_look_like_brackets_are_escaped() {
        // GBK 乕 乗 乚 are 81 5B, 81 5C, 81 5D; Shift_JIS ソ is 83 5C; Big5 許 is B3 5C.
        let cases: [(&str, &str, &[u8]); 3] = [
            ("gbk", "乕乗乚", b"\x81\\[\x81\\\\\x81\\]"),
            ("shift_jis", "ソ", b"\x83\\\\"),
            ("big5", "許", b"\xb3\\\\"),
        ];
        for (label, text, escaped) in cases {
            let line = Record::new().with("m", text).encode(page(label)).unwrap();
            assert_eq!(&line[4..line.len() - 1], escaped, "{label}");
            assert_eq!(Record::decode(&line, page(label)).unwrap().unwrap().get("m"), Some(text));
        }
        // Read as UTF-8, the same bytes are not the same text, and say so.
        let line = Record::new().with("m", "乗").encode(page("gbk")).unwrap();
        let wrong = Record::decode(&line, CodePage::UTF_8).unwrap().unwrap();
        assert!(wrong.is_lossy("m"));
        assert_eq!(wrong.get("m"), Some("\u{fffd}\\"));
    }

    #[test]
    fn a_value_the_code_page_cannot_hold_is_substituted_not_refused() {
        let line = Record::action("whisper").with("message", "great 😀 job").encode(page("windows-1252")).unwrap();
        assert_eq!(line, b"[action: whisper][message: great ? job]");
    }

    #[test]
    fn the_line_limit_counts_encoded_bytes() {
        // 30 000 characters of Korean are 60 000 bytes in EUC-KR and 90 000 in UTF-8.
        let record = Record::new().with("message", "가".repeat(30_000));
        assert!(record.encode(page("euc-kr")).is_ok());
        assert!(matches!(record.encode(CodePage::UTF_8), Err(FormatError::TooLong { len: 90_011, .. })));
    }

    #[test]
    fn refused_lines_give_up_the_pairs_they_still_hold() {
        let scan = |line: &[u8]| Salvage::scan(line, CodePage::UTF_8);
        let head = format!("[action: ticket][source: request][name: Foo \\]Bar][ref: r1][message: {}", "x".repeat(100));
        assert_eq!(
            scan(head.as_bytes()),
            Salvage { action: Some("ticket".into()), name: Some("Foo ]Bar".into()), reference: Some("r1".into()) }
        );
        let malformed = b"[action: ticket][message: a [b][name: Foo][name: Bar]";
        assert_eq!(scan(malformed).name.as_deref(), Some("Foo"), "the first name that parses");
        assert_eq!(scan(b"garbage"), Salvage::default());
        assert_eq!(scan(b"[[[[[name"), Salvage::default());
        let gbk = Record::new().with("name", "乗").encode(page("gbk")).unwrap();
        assert_eq!(Salvage::scan(&gbk, page("gbk")).name.as_deref(), Some("乗"));
        assert_eq!(Salvage::scan(&gbk, CodePage::UTF_8).name, None, "a name that does not decode is not echoed");
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
                let _ = Record::decode(&bytes, CodePage::from_label("shift_jis").unwrap());
                let _ = Salvage::scan(&bytes, CodePage::UTF_8);
            }

            #[test]
            fn any_bytes_round_trip_through_a_single_byte_code_page(
                values in vec(vec(any::<u8>(), 0..64), 1..6),
            ) {
                // Every byte is a character in windows-1252 (the C1 bytes map to themselves): nothing is lost.
                let page = CodePage::from_label("windows-1252").unwrap();
                let mut record = Record::new();
                for (i, value) in values.iter().enumerate() {
                    record.push(format!("k{}", char::from(b'a' + i as u8)), page.decode(value).0.into_owned());
                }
                let line = record.encode(page).unwrap();
                prop_assert!(!line.contains(&b'\n'));
                let back = Record::decode(&line, page).unwrap().unwrap();
                for ((_, value), raw) in back.pairs().iter().zip(&values) {
                    prop_assert_eq!(&*page.encode(value).0, &raw[..]);
                }
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

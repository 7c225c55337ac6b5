//! Control-character stripping and game names.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Whether `c` must never reach a reader: C0/C1 controls other than newline and tab, bidi overrides and
/// isolates (they can make text read differently from what it is), and the byte-order mark.
fn is_hidden_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{200E}' | '\u{200F}')
}

/// Whether `c` takes no visible space of its own: zero-width and format characters, fillers, variation selectors,
/// tags, line and paragraph separators. A name made with them looks like another name, or like none.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Strips control characters, keeps newlines (a `\r\n` becomes `\n`), turns tabs into spaces.
pub fn clean_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\r' => Some('\n'),
            c if is_hidden_control(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Like [`clean_text`], and folds every line break into a space: for one-line places (whispers, labels).
pub fn clean_line(text: &str) -> String {
    clean_text(text).split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A game character name: 1 to 23 bytes of UTF-8 without control characters (tabs and newlines included) or
/// invisible ones (zero-width spaces, bidi marks, fillers…), and not only spaces (rAthena's `NAME_LENGTH` is 24
/// with the terminating NUL).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GameName(String);

/// Why a game name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a game name must be 1 to {max} bytes without control or invisible characters", max = GameName::MAX_BYTES)]
pub struct InvalidGameName;

impl GameName {
    /// rAthena's limit.
    pub const MAX_BYTES: usize = 23;

    /// Checks a name.
    pub fn new(raw: impl Into<String>) -> Result<Self, InvalidGameName> {
        let raw = raw.into();
        if raw.trim().is_empty()
            || raw.len() > Self::MAX_BYTES
            || raw.chars().any(|c| c.is_control() || is_hidden_control(c) || is_invisible(c))
        {
            return Err(InvalidGameName);
        }
        Ok(Self(raw))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GameName {
    type Error = InvalidGameName;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<GameName> for String {
    fn from(value: GameName) -> Self {
        value.0
    }
}

impl fmt::Debug for GameName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GameName({:?})", self.0)
    }
}

impl fmt::Display for GameName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_go_newlines_stay() {
        assert_eq!(clean_text("a\u{0}b\u{7}c\r\nd\te\u{202E}f\u{85}"), "abc\nd ef");
        assert_eq!(clean_line(" one\n\n two \r\nthree "), "one two three");
    }

    #[test]
    fn game_names_fit_rathena() {
        assert!(GameName::new("Foo Bar").is_ok());
        assert!(GameName::new("x".repeat(23)).is_ok());
        assert_eq!(GameName::new("x".repeat(24)), Err(InvalidGameName));
        assert_eq!(GameName::new("é".repeat(12)), Err(InvalidGameName));
        assert_eq!(GameName::new("  "), Err(InvalidGameName));
        assert_eq!(GameName::new("a\u{0}b"), Err(InvalidGameName));
        assert!(GameName::new("Zoë Ñandú").is_ok() && GameName::new("안녕하세요").is_ok());
    }

    #[test]
    fn game_names_have_no_tabs_or_invisible_characters() {
        for name in [
            "Foo\tBar",
            "Foo\u{200B}",
            "\u{200B}",
            "Fo\u{200D}o",
            "\u{2060}Foo",
            "Foo\u{FEFF}",
            "A\u{3164}",
            "Foo\u{E0041}",
        ] {
            assert_eq!(GameName::new(name), Err(InvalidGameName), "{name:?}");
        }
    }
}

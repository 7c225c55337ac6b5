//! The text encoding of a game server's link: its code page.
//!
//! rAthena passes its clients' bytes through, so names and chat arrive in the server's code page (Windows-1252
//! on most international servers; EUC-KR, GBK, Big5 or Shift_JIS elsewhere), and whispers must go back in it.
//! The record structure (`[`, `]`, `:`, `\`, the newline) is ASCII, and the codec splits and unescapes lines as
//! bytes before a [`CodePage`] decodes the values; it encodes values before escaping them. Because escaping
//! happens on bytes on both sides, a GBK or Shift_JIS character whose second byte is `[`, `]` or `\` survives.
//!
//! Encodings are [encoding_rs]'s (the WHATWG Encoding Standard, as browsers use it), named by any label it knows
//! (`"windows-1252"`, `"latin1"`, `"euc-kr"`, `"gbk"`, `"big5"`, `"shift_jis"`, `"utf-8"`…). Encodings that are
//! not ASCII-compatible (UTF-16, ISO-2022-JP) cannot carry the record structure and are refused.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{EncoderResult, Encoding, UTF_8};

/// What stands in for a character the code page cannot hold (an emoji a staff member typed, say).
pub const SUBSTITUTE: char = '?';

/// A game server's text encoding. The default is UTF-8.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CodePage(&'static Encoding);

/// Why an encoding label is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodePageError {
    /// Not a label of any encoding.
    #[error(
        "{label:?} is not an encoding label (use e.g. \"utf-8\", \"windows-1252\", \"euc-kr\", \"gbk\", \"big5\" or \"shift_jis\")"
    )]
    Unknown {
        /// The label given.
        label: String,
    },
    /// An encoding that cannot carry the link's ASCII record structure.
    #[error("{name} cannot carry the link's records: its ASCII characters are not single bytes")]
    NotAsciiCompatible {
        /// The encoding's name.
        name: &'static str,
    },
}

impl CodePage {
    /// UTF-8.
    pub const UTF_8: Self = Self(UTF_8);

    /// The encoding of a label (case and surrounding spaces do not matter).
    pub fn from_label(label: &str) -> Result<Self, CodePageError> {
        let encoding = Encoding::for_label_no_replacement(label.trim().as_bytes())
            .ok_or_else(|| CodePageError::Unknown { label: label.to_owned() })?;
        if !encoding.is_ascii_compatible() {
            return Err(CodePageError::NotAsciiCompatible { name: encoding.name() });
        }
        Ok(Self(encoding))
    }

    /// The encoding's canonical name (`windows-1252`, `EUC-KR`, `GBK`, `Big5`, `Shift_JIS`, `UTF-8`…).
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// Decodes a value. Bytes that are not valid in the code page become U+FFFD; the flag says whether any did.
    pub fn decode(self, bytes: &[u8]) -> (Cow<'_, str>, bool) {
        self.0.decode_without_bom_handling(bytes)
    }

    /// Encodes a value. Characters the code page cannot hold become [`SUBSTITUTE`]; the count says how many did.
    pub fn encode(self, text: &str) -> (Cow<'_, [u8]>, usize) {
        if self.0 == UTF_8 {
            return (Cow::Borrowed(text.as_bytes()), 0);
        }
        let mut encoder = self.0.new_encoder();
        let mut out = Vec::with_capacity(text.len() + 8);
        let mut rest = text;
        let mut substituted = 0;
        loop {
            let room =
                encoder.max_buffer_length_from_utf8_without_replacement(rest.len()).unwrap_or(rest.len() * 4 + 16);
            out.reserve(room);
            let (result, read) = encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
            rest = &rest[read..];
            match result {
                EncoderResult::InputEmpty => return (Cow::Owned(out), substituted),
                EncoderResult::OutputFull => {}
                EncoderResult::Unmappable(_) => {
                    substituted += 1;
                    out.push(SUBSTITUTE as u8);
                }
            }
        }
    }
}

impl Default for CodePage {
    fn default() -> Self {
        Self::UTF_8
    }
}

impl fmt::Debug for CodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CodePage({})", self.name())
    }
}

impl fmt::Display for CodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(label: &str) -> CodePage {
        CodePage::from_label(label).unwrap()
    }

    #[test]
    fn labels_are_those_of_the_encoding_standard() {
        assert_eq!(page("windows-1252").name(), "windows-1252");
        assert_eq!(page(" Latin1 ").name(), "windows-1252", "latin1 is windows-1252, as in browsers");
        assert_eq!(page("euc-kr").name(), "EUC-KR");
        assert_eq!(page("gbk").name(), "GBK");
        assert_eq!(page("big5").name(), "Big5");
        assert_eq!(page("shift_jis").name(), "Shift_JIS");
        assert_eq!(page("utf8"), CodePage::UTF_8);
        assert_eq!(CodePage::default(), CodePage::UTF_8);
        assert!(matches!(CodePage::from_label("klingon"), Err(CodePageError::Unknown { .. })));
        assert!(matches!(CodePage::from_label("replacement"), Err(CodePageError::Unknown { .. })));
        assert!(matches!(CodePage::from_label("utf-16le"), Err(CodePageError::NotAsciiCompatible { .. })));
        assert!(matches!(CodePage::from_label("iso-2022-jp"), Err(CodePageError::NotAsciiCompatible { .. })));
    }

    #[test]
    fn what_a_code_page_cannot_hold_becomes_a_visible_substitute() {
        let (bytes, substituted) = page("windows-1252").encode("Zoë 😀 ok €");
        assert_eq!(&*bytes, b"Zo\xeb ? ok \x80");
        assert_eq!(substituted, 1);
        let (bytes, substituted) = page("euc-kr").encode("안녕 😀😀");
        assert_eq!(page("euc-kr").decode(&bytes).0, "안녕 ??");
        assert_eq!(substituted, 2);
        let (bytes, substituted) = CodePage::UTF_8.encode("😀");
        assert_eq!((&*bytes, substituted), ("😀".as_bytes(), 0));
    }

    #[test]
    fn invalid_bytes_decode_to_replacement_characters_and_say_so() {
        assert_eq!(CodePage::UTF_8.decode(b"ok \xff"), (Cow::Owned("ok \u{fffd}".into()), true));
        assert_eq!(page("windows-1252").decode(b"Zo\xeb"), (Cow::Owned("Zoë".into()), false));
        assert!(page("shift_jis").decode(b"\x81").1, "a lead byte without its second byte");
    }

    #[test]
    fn a_long_text_encodes_whole() {
        let text = "é".repeat(10_000) + "😀";
        let (bytes, substituted) = page("windows-1252").encode(&text);
        assert_eq!(bytes.len(), 10_001);
        assert_eq!(substituted, 1);
    }
}

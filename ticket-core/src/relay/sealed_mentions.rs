//! People mentioned in stored text, sealed.
//!
//! Discord's client sends a typed mention of a person as `<@id>` (or `<@!id>`, the older nickname form): a raw
//! user id inside the text. Transcripts keep people's words, but no raw id may be stored, so before a text is
//! stored every user mention becomes `<@~…>`, the user id sealed with the deployment key (the same AES-SIV seal
//! as stored contacts: deterministic, so the same person reads the same, and reversible only with the key).
//! When a transcript is shown, [`open_user_mentions`] turns them back into `<@id>`, which the platform renders
//! as the person's current name.
//!
//! Role mentions (`<@&id>`) and channel mentions (`<#id>`) are kept as typed: they name the guild's roles and
//! channels, not people, and the guild itself lists them.

use crate::id::UserId;
use crate::pid::{PidKey, SealedUser};

/// Whether `text[at..]` starts a user mention; returns the id and the mention's length in bytes.
fn user_mention(text: &str, at: usize) -> Option<(u64, usize)> {
    let rest = text[at..].strip_prefix("<@")?;
    let (rest, lead) = match rest.strip_prefix('!') {
        Some(rest) => (rest, 3),
        None => (rest, 2),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=20).contains(&digits) || rest.as_bytes().get(digits) != Some(&b'>') {
        return None;
    }
    let id = rest[..digits].parse().ok()?;
    Some((id, lead + digits + 1))
}

/// Whether `text[at..]` starts a sealed mention; returns the sealed user and its length in bytes.
fn sealed_mention(text: &str, at: usize) -> Option<(SealedUser, usize)> {
    let rest = text[at..].strip_prefix("<@~")?;
    let hex = rest.get(..48)?;
    if rest.as_bytes().get(48) != Some(&b'>') {
        return None;
    }
    Some((hex.parse().ok()?, 3 + 48 + 1))
}

fn replace(text: &str, mut at: impl FnMut(&str, usize) -> Option<(String, usize)>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = text[i..].find("<@") {
        let start = i + offset;
        match at(text, start) {
            Some((with, len)) => {
                out.push_str(&text[copied..start]);
                out.push_str(&with);
                i = start + len;
                copied = i;
            }
            None => i = start + 2,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `text` with every `<@id>` and `<@!id>` replaced by the sealed form `<@~…>`.
pub fn seal_user_mentions(text: &str, key: &PidKey) -> String {
    if !text.contains("<@") {
        return text.to_owned();
    }
    replace(text, |text, at| {
        let (id, len) = user_mention(text, at)?;
        Some((format!("<@~{}>", key.seal(UserId::new(id))), len))
    })
}

/// `text` with every sealed mention opened back into `<@id>`; one the key cannot open (another deployment's)
/// becomes `@unknown user`.
pub fn open_user_mentions(text: &str, key: &PidKey) -> String {
    if !text.contains("<@~") {
        return text.to_owned();
    }
    replace(text, |text, at| {
        let (sealed, len) = sealed_mention(text, at)?;
        let shown = match key.open(&sealed) {
            Ok(user) => format!("<@{}>", user.get()),
            Err(_) => "@unknown user".to_owned(),
        };
        Some((shown, len))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::sample_key;

    #[test]
    fn user_mentions_are_sealed_and_opened_back() {
        let key = sample_key();
        let typed = "thanks <@123456789012345678> and <@!987654321098765432>, ping <@&55> in <#77>";
        let sealed = seal_user_mentions(typed, &key);
        assert!(!sealed.contains("123456789012345678") && !sealed.contains("987654321098765432"), "{sealed}");
        assert!(sealed.contains("<@&55>") && sealed.contains("<#77>"), "roles and channels are kept: {sealed}");
        assert_eq!(sealed.matches("<@~").count(), 2);
        assert_eq!(seal_user_mentions(typed, &key), sealed, "the same person seals the same");
        assert_eq!(
            open_user_mentions(&sealed, &key),
            "thanks <@123456789012345678> and <@987654321098765432>, ping <@&55> in <#77>"
        );
    }

    #[test]
    fn what_only_looks_like_a_mention_is_left_alone() {
        let key = sample_key();
        for text in ["<@>", "<@abc>", "<@123", "email <@ me>", "<@!>", "<@123456789012345678901>", "a <@~zz> b", "<@"] {
            assert_eq!(seal_user_mentions(text, &key), text);
            assert_eq!(open_user_mentions(text, &key), text);
        }
    }

    #[test]
    fn a_seal_of_another_deployment_opens_to_an_unknown_user() {
        let other = PidKey::new(&[9; 32]).unwrap_or_else(|_| unreachable!("a valid secret"));
        let sealed = seal_user_mentions("hi <@42>", &other);
        assert_eq!(open_user_mentions(&sealed, &sample_key()), "hi @unknown user");
    }
}

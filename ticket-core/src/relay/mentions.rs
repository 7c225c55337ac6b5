//! Mention neutralising.

/// The zero-width space Discord itself recommends for breaking mentions.
const ZWSP: char = '\u{200B}';

/// Makes `text` unable to ping anyone: a zero-width space goes after every `@` (so `@everyone`, `@here`,
/// `<@123>`, `<@!123>` and `<@&123>` no longer parse) and between `<` and `#` (so `<#123>` no longer parses).
/// Readers see the same text.
pub fn neutralise_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '@' => out.push(ZWSP),
            '<' if chars.peek() == Some(&'#') => out.push(ZWSP),
            _ => {}
        }
    }
    out
}

/// Whether Discord would read `text` as pinging or linking someone: `@everyone`, `@here` (any case) or a
/// `<@id>`, `<@!id>`, `<@&id>`, `<#id>` mention. Used by tests and by the fake Discord.
pub fn pings(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.contains("@everyone") || lower.contains("@here") {
        return true;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let mut j = i + 1;
            match bytes.get(j) {
                Some(b'@') => {
                    j += 1;
                    if matches!(bytes.get(j), Some(b'!' | b'&')) {
                        j += 1;
                    }
                }
                Some(b'#') => j += 1,
                _ => {
                    i += 1;
                    continue;
                }
            }
            let digits = bytes[j..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 && bytes.get(j + digits) == Some(&b'>') {
                return true;
            }
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_mention_is_broken() {
        for text in ["@everyone", "@here", "@EveryOne hi", "<@123>", "<@!123>", "<@&456>", "<#789>", "x<@1>y"] {
            assert!(pings(text), "{text} should be seen as a ping");
            let safe = neutralise_mentions(text);
            assert!(!pings(&safe), "{safe:?} still pings");
            assert_eq!(safe.replace(ZWSP, ""), text);
        }
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        assert_eq!(neutralise_mentions("my item vanished <3 #1"), "my item vanished <3 #1");
        assert!(!pings("a < b and c > d, <@abc>"));
    }
}

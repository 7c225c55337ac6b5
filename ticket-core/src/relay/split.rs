//! Cutting long text into parts that fit a limit.

/// Splits `text` into parts of at most `max_chars` characters, preferring to break at a line break, then at a
/// space; the break character itself is dropped. Empty or blank text gives no parts.
pub fn split_chars(text: &str, max_chars: usize) -> Vec<String> {
    split_by(text, max_chars, |s| s.chars().count(), |_| 1)
}

/// Splits `text` into parts of at most `max_bytes` bytes of UTF-8, never inside a character, with the same
/// preferences as [`split_chars`].
pub fn split_bytes(text: &str, max_bytes: usize) -> Vec<String> {
    split_by(text, max_bytes, str::len, char::len_utf8)
}

fn split_by(text: &str, max: usize, measure: impl Fn(&str) -> usize, width: impl Fn(char) -> usize) -> Vec<String> {
    let max = max.max(4);
    let mut parts = Vec::new();
    let mut rest = text.trim_matches(|c: char| c.is_whitespace());
    while !rest.is_empty() {
        if measure(rest) <= max {
            parts.push(rest.to_owned());
            break;
        }
        // The byte index just past the longest prefix that fits.
        let mut fit = 0;
        let mut used = 0;
        for (i, c) in rest.char_indices() {
            if used + width(c) > max {
                break;
            }
            used += width(c);
            fit = i + c.len_utf8();
        }
        let window = &rest[..fit];
        let cut = window.rfind('\n').or_else(|| window.rfind(char::is_whitespace)).filter(|&at| at > 0);
        let (part, next) = match cut {
            Some(at) => {
                let sep = window[at..].chars().next().map_or(1, char::len_utf8);
                (&rest[..at], &rest[at + sep..])
            }
            None => (window, &rest[fit..]),
        };
        let part = part.trim_end();
        if !part.is_empty() {
            parts.push(part.to_owned());
        }
        rest = next.trim_start_matches(|c: char| c.is_whitespace());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_part_and_blank_is_none() {
        assert_eq!(split_chars("hello", 2000), vec!["hello"]);
        assert!(split_chars("  \n ", 2000).is_empty());
    }

    #[test]
    fn long_text_breaks_at_lines_then_spaces() {
        let text = format!("{}\n{}", "a".repeat(10), "b".repeat(10));
        assert_eq!(split_chars(&text, 15), vec!["a".repeat(10), "b".repeat(10)]);
        assert_eq!(split_chars("one two three four", 9), vec!["one two", "three", "four"]);
        assert_eq!(split_chars(&"x".repeat(25), 10), vec!["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
    }

    #[test]
    fn ten_thousand_characters_fit_discord() {
        let text = "word ".repeat(2000);
        let parts = split_chars(&text, 2000);
        assert_eq!(parts.len(), 5, "9 999 characters after trimming");
        assert!(parts.iter().all(|p| p.chars().count() <= 2000));
        assert_eq!(parts.join(" ").split_whitespace().count(), 2000);
    }

    #[test]
    fn bytes_never_cut_a_character() {
        let parts = split_bytes(&"é".repeat(300), 255);
        assert!(parts.iter().all(|p| p.len() <= 255));
        assert_eq!(parts.concat(), "é".repeat(300));
    }
}

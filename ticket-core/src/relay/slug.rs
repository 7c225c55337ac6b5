//! `ticket-<player>` channel names.

/// Discord's limit on a channel name (counted in UTF-16 units, as Discord counts).
pub const CHANNEL_NAME_MAX: usize = 100;

const PREFIX: &str = "ticket-";

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Whether `c` may stand in a text channel name as is.
fn is_name_char(c: char) -> bool {
    c == '-' || c == '_' || (c.is_alphanumeric() && !c.is_uppercase())
}

/// Whether `name` obeys Discord's text channel name rules: 1 to 100 units of lowercase letters, digits, `-` and
/// `_`, not starting or ending with `-`.
pub fn is_valid_channel_name(name: &str) -> bool {
    !name.is_empty()
        && utf16_len(name) <= CHANNEL_NAME_MAX
        && name.chars().all(is_name_char)
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// `ticket-` + the lowercase name, every other character replaced by `-` (runs collapsed, ends trimmed); a name
/// with nothing usable becomes `ticket-player`. Always a valid channel name.
pub fn channel_slug(player_name: &str) -> String {
    channel_name(PREFIX, player_name, "player")
}

/// `prefix` + the slug of `name` (as [`channel_slug`] makes it), or `prefix` + `fallback` when nothing of the name
/// is usable. `prefix` and `fallback` must themselves be valid name characters.
pub fn channel_name(prefix: &str, name: &str, fallback: &str) -> String {
    let mut body = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if is_name_char(c) { c } else { '-' };
        if c == '-' && (body.is_empty() || body.ends_with('-')) {
            continue;
        }
        body.push(c);
    }
    let mut name = format!("{prefix}{}", body.trim_end_matches('-'));
    if name.len() == prefix.len() {
        name.push_str(fallback);
    }
    truncate_name(&mut name, CHANNEL_NAME_MAX);
    name
}

fn truncate_name(name: &mut String, max_units: usize) {
    while utf16_len(name) > max_units {
        name.pop();
    }
    while name.ends_with('-') {
        name.pop();
    }
}

/// `base` if it is free, else `base-2`, `base-3`… (cutting `base` so the result stays within Discord's limit).
pub fn unique_channel_name(base: &str, is_taken: impl Fn(&str) -> bool) -> String {
    if !is_taken(base) {
        return base.to_owned();
    }
    (2u64..)
        .map(|n| {
            let suffix = format!("-{n}");
            let mut stem = base.to_owned();
            truncate_name(&mut stem, CHANNEL_NAME_MAX - suffix.len());
            stem + &suffix
        })
        .find(|candidate| !is_taken(candidate))
        .unwrap_or_else(|| unreachable!("an infinite sequence of distinct names always has a free one"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn player_names_become_ticket_channels() {
        assert_eq!(channel_slug("Foo Bar"), "ticket-foo-bar");
        assert_eq!(channel_slug("~*Xx_Sniper_xX*~"), "ticket-xx_sniper_xx");
        assert_eq!(channel_slug("Ñandú"), "ticket-ñandú");
        assert_eq!(channel_slug("@@@"), "ticket-player");
        assert_eq!(channel_slug(""), "ticket-player");
        assert_eq!(channel_slug("한국어 이름"), "ticket-한국어-이름");
        assert!(is_valid_channel_name(&channel_slug(&"W".repeat(500))));
        assert_eq!(utf16_len(&channel_slug(&"w".repeat(500))), 100);
    }

    #[test]
    fn collisions_get_a_number() {
        let taken = ["ticket-foo", "ticket-foo-2"];
        assert_eq!(unique_channel_name("ticket-foo", |n| taken.contains(&n)), "ticket-foo-3");
        assert_eq!(unique_channel_name("ticket-bar", |n| taken.contains(&n)), "ticket-bar");
        let long = channel_slug(&"a".repeat(200));
        let made = unique_channel_name(&long, |n| n == long);
        assert!(made.ends_with("-2") && is_valid_channel_name(&made));
    }
}

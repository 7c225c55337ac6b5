//! Snippets: saved answers staff post in a ticket with `/snippet <name>` (`/tickets snippet add|remove|list`).

use serde::{Deserialize, Serialize};

/// A saved answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// Its name: lowercase letters, digits, `-` and `_`, 1 to [`Snippet::NAME_MAX`] characters.
    pub name: String,
    /// What is posted, at most [`Snippet::TEXT_MAX`] characters.
    pub text: String,
}

/// Why a snippet name is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Nothing left after trimming.
    Empty,
    /// Longer than [`Snippet::NAME_MAX`].
    TooLong,
    /// A character other than lowercase letters, digits, `-` and `_`.
    Malformed,
}

impl Snippet {
    /// The longest name: an autocomplete choice's value may hold 100 characters, but names are typed.
    pub const NAME_MAX: usize = 32;
    /// The longest text: one Discord message.
    pub const TEXT_MAX: usize = 2000;
    /// The most snippets a guild keeps.
    pub const MAX_PER_GUILD: usize = 50;

    /// A name as typed, made canonical (trimmed, lowercase), or why it cannot be one.
    pub fn name(raw: &str) -> Result<String, NameProblem> {
        let name = raw.trim().to_lowercase();
        if name.is_empty() {
            return Err(NameProblem::Empty);
        }
        if name.chars().count() > Self::NAME_MAX {
            return Err(NameProblem::TooLong);
        }
        if !name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            return Err(NameProblem::Malformed);
        }
        Ok(name)
    }
}

/// The names of `snippets` that contain what was typed (ignoring case), those starting with it first, at most
/// `max`: what an autocomplete offers.
pub fn matching<'a>(snippets: &'a [Snippet], typed: &str, max: usize) -> Vec<&'a str> {
    let typed = typed.trim().to_lowercase();
    let mut names: Vec<&str> =
        snippets.iter().map(|s| s.name.as_str()).filter(|n| n.contains(typed.as_str())).collect();
    names.sort_by_key(|n| (!n.starts_with(typed.as_str()), *n));
    names.truncate(max);
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_canonical_and_checked() {
        assert_eq!(Snippet::name("  Refund-Policy "), Ok("refund-policy".into()));
        assert_eq!(Snippet::name("   "), Err(NameProblem::Empty));
        assert_eq!(Snippet::name(&"a".repeat(33)), Err(NameProblem::TooLong));
        assert_eq!(Snippet::name("two words"), Err(NameProblem::Malformed));
        assert_eq!(Snippet::name("@everyone"), Err(NameProblem::Malformed));
    }

    #[test]
    fn matching_puts_prefixes_first_and_caps_the_list() {
        let s = |n: &str| Snippet { name: n.into(), text: "t".into() };
        let all = vec![s("refund"), s("ban-appeal"), s("appeal"), s("hello")];
        assert_eq!(matching(&all, "APP", 25), vec!["appeal", "ban-appeal"]);
        assert_eq!(matching(&all, "", 2), vec!["appeal", "ban-appeal"]);
        assert!(matching(&all, "zzz", 25).is_empty());
    }
}

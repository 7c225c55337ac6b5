//! Property tests of the relay rules: nothing a player types can ping, break a channel name or panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use proptest::prelude::*;
use ticket_core::CustomId;
use ticket_core::qna::TimeRange;
use ticket_core::relay::{
    GameName, channel_slug, clean_line, clean_text, for_discord, for_game, is_valid_channel_name, neutralise_mentions,
    pings, split_bytes, split_chars, unique_channel_name,
};
use ticket_core::topic::TopicMarkers;

/// Any text, weighted towards the characters mentions and channel names are made of.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[@<>#&!0-9a-zA-Z eEvVrRyYoOnNhH\u{200B}]{0,80}",
        "(@everyone|@here|<@[0-9]{1,20}>|<@![0-9]{1,20}>|<@&[0-9]{1,20}>|<#[0-9]{1,20}>|[ <@#&!a-z0-9]){0,20}",
        "[\\PC\\p{Cc}\\p{Cf}]{0,60}",
    ]
}

fn no_hidden_controls(s: &str) -> bool {
    s.chars().all(|c| c == '\n' || !(c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn neutralised_text_never_pings_and_reads_the_same(text in hostile()) {
        let safe = neutralise_mentions(&text);
        prop_assert!(!pings(&safe), "{:?} → {:?}", text, safe);
        prop_assert_eq!(safe.replace('\u{200B}', ""), text.replace('\u{200B}', ""));
    }

    #[test]
    fn relayed_parts_fit_discord_and_never_ping(name in hostile(), text in hostile()) {
        for part in for_discord(&format!("**{name}**: "), &text) {
            prop_assert!(part.chars().count() <= 2000);
            prop_assert!(!pings(&part), "{:?}", part);
            prop_assert!(no_hidden_controls(&part));
        }
    }

    #[test]
    fn long_relayed_text_is_split_not_lost(word in "[a-z@<#]{1,12}", n in 1usize..3000) {
        let text = vec![word.as_str(); n].join(" ");
        let parts = for_discord("", &text);
        prop_assert!(parts.iter().all(|p| p.chars().count() <= 2000));
        let rejoined: String = parts.join(" ").replace('\u{200B}', "");
        prop_assert_eq!(rejoined.split_whitespace().count(), n);
    }

    #[test]
    fn slugs_are_always_valid_channel_names(name in hostile()) {
        let slug = channel_slug(&name);
        prop_assert!(slug.starts_with("ticket-"));
        prop_assert!(is_valid_channel_name(&slug), "{:?} → {:?}", name, slug);
        prop_assert!(!pings(&slug));
        prop_assert_eq!(channel_slug(&name), slug.clone(), "deterministic");
        let unique = unique_channel_name(&slug, |n| n == slug || n.ends_with("-2"));
        prop_assert!(is_valid_channel_name(&unique));
        prop_assert_ne!(unique, slug);
    }

    #[test]
    fn game_whispers_fit_and_are_one_line(text in hostile(), from in "[a-zA-Z é😀]{1,32}") {
        for part in for_game(&from, &text) {
            prop_assert!(from.len() + 2 + part.len() <= 255, "`{from}: {part}` is one whisper");
            prop_assert!(!part.contains('\n'));
            prop_assert!(no_hidden_controls(&part));
        }
    }

    #[test]
    fn splitting_keeps_every_visible_character(text in any::<String>(), max in 4usize..300) {
        let parts = split_chars(&text, max);
        prop_assert!(parts.iter().all(|p| p.chars().count() <= max && !p.is_empty()));
        let visible = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(visible(&parts.concat()), visible(&text));
        let parts = split_bytes(&text, max);
        prop_assert!(parts.iter().all(|p| p.len() <= max));
        prop_assert_eq!(visible(&parts.concat()), visible(&text));
    }

    #[test]
    fn cleaning_removes_hidden_controls(text in hostile()) {
        prop_assert!(no_hidden_controls(&clean_text(&text)));
        prop_assert!(!clean_line(&text).contains('\n'));
    }

    #[test]
    fn parsers_never_panic(text in hostile()) {
        let _ = GameName::new(text.clone());
        let _ = TimeRange::parse(&text);
        let _ = TopicMarkers::parse(&text);
        let _ = text.parse::<CustomId>();
        let _ = text.parse::<ticket_core::Pid>();
    }
}

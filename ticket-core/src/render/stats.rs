//! `/tickets stats` as staff read it: one embed, a field per kind of ticket and staff members listed after, always
//! within Discord's embed limits however many staff there are.

use time::Duration;

use crate::message::{Embed, EmbedField, Message};
use crate::pid::PidKey;
use crate::settings::TicketType;
use crate::stats::{KindSummary, Ratings, StatsReport};

use super::{People, colour};

/// What a summary without input shows.
const NO_DATA: &str = "no data";

/// Room kept under Discord's 6,000 characters for the "more staff" line.
const STAFF_RESERVE: usize = 120;

/// `45s`, `12m`, `3h 05m`, `2d 4h`.
pub fn duration(d: Duration) -> String {
    let s = d.whole_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn median(d: Option<Duration>) -> String {
    d.map_or_else(|| NO_DATA.to_owned(), |d| format!("**{}**", duration(d)))
}

fn ratings(r: &Ratings) -> String {
    match r.average() {
        Some(avg) if r.count == 1 => format!("**{avg:.1}/5** from 1 rating"),
        Some(avg) => format!("**{avg:.1}/5** from {} ratings", r.count),
        None => NO_DATA.to_owned(),
    }
}

fn kind_name(kind: TicketType) -> &'static str {
    match kind {
        TicketType::InGame => "In-game tickets",
        TicketType::Support => "Support tickets",
        TicketType::Recruitment => "Recruitment tickets",
    }
}

fn summary(s: &KindSummary) -> String {
    format!(
        "Opened **{}** · Closed **{}**\nFirst staff response (median): {}\nResolution (median): {}\nFeedback: {}",
        s.opened,
        s.closed,
        median(s.first_response),
        median(s.resolution),
        ratings(&s.ratings)
    )
}

/// The statistics embed.
pub fn stats(report: &StatsReport, key: &PidKey) -> Message {
    let people = People(key);
    let mut embed = Embed {
        title: Some(format!("Ticket statistics: {}", report.period.label())),
        color: Some(colour::LOG),
        footer: Some(
            "Medians and averages over the period; \"no data\" where nothing was measured. Per staff member: the \
             tickets they closed, their first responses (on tickets opened in the period) and the feedback on the \
             tickets they closed."
                .into(),
        ),
        ..Embed::default()
    };
    if report.kinds.is_empty() {
        embed.description = Some("No ticket was opened or closed in this period.".into());
    }
    for (kind, s) in &report.kinds {
        embed = embed.field(kind_name(*kind), summary(s), false);
    }
    if report.kinds.len() > 1 {
        embed = embed.field("All tickets", summary(&report.total), false);
    }
    let mut lines = Vec::new();
    for s in &report.staff {
        // A contact sealed under another secret (the deployment's secret was changed) is shown without a mention.
        let who = people.mention(&s.contact).unwrap_or_else(|_| "(a former staff member)".to_owned());
        let mut line = format!("{who} — closed **{}** · first responses **{}**", s.closed, s.first_responses);
        if let Some(d) = s.first_response {
            line.push_str(&format!(" (median {})", duration(d)));
        }
        if let Some(avg) = s.ratings.average() {
            line.push_str(&format!(" · feedback **{avg:.1}/5** ({})", s.ratings.count));
        }
        lines.push(line);
    }
    Message::embed(with_staff(embed, &lines)).fit()
}

/// Adds the staff lines in fields of up to 1,024 characters while the embed stays within 25 fields and 6,000
/// characters; the staff left out are counted in a last line.
fn with_staff(mut embed: Embed, lines: &[String]) -> Embed {
    if lines.is_empty() {
        return embed.field("Staff", NO_DATA, false);
    }
    let budget = Embed::TOTAL_MAX - STAFF_RESERVE;
    let mut shown = 0;
    let mut field = String::new();
    let name = "Staff";
    for line in lines {
        let len = line.chars().count();
        let fields_left = Embed::FIELDS_MAX - 1 - embed.fields.len();
        let total = embed.total_len() + name.len() + field.chars().count() + len + 1;
        if total > budget || len + 1 > Embed::FIELD_MAX {
            break;
        }
        if field.chars().count() + len + 1 > Embed::FIELD_MAX {
            if fields_left <= 1 {
                break;
            }
            embed.fields.push(EmbedField { name: name.into(), value: std::mem::take(&mut field), inline: false });
        }
        if !field.is_empty() {
            field.push('\n');
        }
        field.push_str(line);
        shown += 1;
    }
    if shown < lines.len() {
        // The note goes in the last field, taking the place of its last lines if it must.
        loop {
            let more = lines.len() - shown;
            let note = format!("…and {more} more staff member{}", if more == 1 { "" } else { "s" });
            if field.chars().count() + note.len() < Embed::FIELD_MAX || field.is_empty() {
                field = if field.is_empty() { note } else { format!("{field}\n{note}") };
                break;
            }
            field = field.rsplit_once('\n').map(|(kept, _)| kept.to_owned()).unwrap_or_default();
            shown -= 1;
        }
    }
    embed.fields.push(EmbedField { name: name.into(), value: field, inline: false });
    embed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(Duration::seconds(45)), "45s");
        assert_eq!(duration(Duration::minutes(12)), "12m");
        assert_eq!(duration(Duration::minutes(185)), "3h 05m");
        assert_eq!(duration(Duration::hours(52)), "2d 4h");
        assert_eq!(duration(Duration::seconds(-3)), "0s");
    }

    #[test]
    fn staff_sealed_under_another_secret_are_shown_without_a_mention() {
        let (ours, theirs) = (PidKey::new(&[1; 32]).unwrap(), PidKey::new(&[2; 32]).unwrap());
        let user = crate::UserId::new(5);
        let report = StatsReport {
            period: crate::stats::StatsPeriod::Week,
            kinds: Vec::new(),
            total: KindSummary::default(),
            staff: vec![crate::stats::StaffSummary {
                pid: theirs.user(user),
                contact: theirs.seal(user),
                closed: 2,
                first_responses: 0,
                first_response: None,
                ratings: Ratings::default(),
            }],
        };
        let m = stats(&report, &ours);
        let e = &m.embeds[0];
        assert_eq!(e.description.as_deref(), Some("No ticket was opened or closed in this period."));
        assert_eq!(e.fields[0].value, "(a former staff member) — closed **2** · first responses **0**");
    }

    #[test]
    fn many_staff_stay_within_discords_limits() {
        let lines: Vec<String> = (0..400)
            .map(|n| {
                format!(
                    "<@{}> — closed **{n}** · first responses **{n}** (median 3h 05m) · feedback **4.5/5** ({n})",
                    100_000_000_000_000_000u64 + n
                )
            })
            .collect();
        let base =
            Embed { title: Some("t".into()), ..Embed::default() }.field("Support tickets", "x".repeat(200), false);
        let embed = with_staff(base, &lines);
        assert!(embed.fields.len() <= Embed::FIELDS_MAX);
        assert!(embed.total_len() <= Embed::TOTAL_MAX, "{}", embed.total_len());
        assert!(embed.fields.iter().all(|f| f.value.chars().count() <= Embed::FIELD_MAX));
        let last = &embed.fields.last().unwrap().value;
        assert!(last.contains("more staff members"), "{last}");
        assert_eq!(embed.clone().fit(), embed, "nothing left for fit to cut");
    }
}

//! Transcripts people can read: one self-contained HTML page, or plain text.
//!
//! Both show the same thing: a header (the ticket, its kind, when it opened and closed and why, what it was opened
//! with) and every line in order, with its author, attachments, edits and deletion. Mentions of people are shown
//! by name, from pids: a stored text holds them sealed, and the raw Discord id inside a seal never reaches the
//! output. Every piece of text is escaped; the page loads nothing from anywhere (a Content-Security-Policy that
//! allows only its own inline style, no scripts, no images, no fonts).

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use time::{OffsetDateTime, UtcOffset};

use crate::pid::{Pid, PidKey, SealedUser};
use crate::ticket::{CloseReason, Ticket, TicketDetail};
use crate::transcript::{TranscriptAttachment, TranscriptAuthor, TranscriptEntry};

/// What a transcript shows: the ticket and its lines, and when the page was made.
#[derive(Debug, Clone, Copy)]
pub struct TranscriptView<'a> {
    /// The ticket.
    pub ticket: &'a Ticket,
    /// Its lines, in order.
    pub entries: &'a [TranscriptEntry],
    /// When the transcript was made.
    pub generated_at: OffsetDateTime,
}

/// One HTML page, UTF-8, that makes no outside request when opened.
pub fn transcript_html(view: &TranscriptView<'_>, key: &PidKey) -> String {
    let mut out = String::with_capacity(capacity(view, 6 / 5, 420) + CSS.len() + 2048);
    let mut people = Mentions::new(key, view.entries);
    let ticket = view.ticket;

    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
    );
    put(&mut out, format_args!("Ticket #{} · ", ticket.id));
    people.push(&mut out, &ticket.channel_name, Style::Html, false);
    out.push_str(" · transcript</title>\n<style>\n");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n<header>\n");
    put(&mut out, format_args!("<h1>Ticket #{}</h1>\n<dl class=\"meta\">\n", ticket.id));
    for (label, parts) in header(view) {
        put(&mut out, format_args!("<dt>{label}</dt><dd class=\"text\">"));
        for part in parts {
            match part {
                Part::Own(text) => push_literal(&mut out, &text, Style::Html),
                Part::Said(text) => people.push(&mut out, text, Style::Html, true),
                Part::Time(at) => push_time_html(&mut out, at),
            }
        }
        out.push_str("</dd>\n");
    }
    out.push_str("</dl>\n</header>\n<main>\n");

    if view.entries.is_empty() {
        out.push_str("<p class=\"empty\">No lines.</p>\n");
    } else {
        out.push_str("<ol class=\"lines\">\n");
        for (n, entry) in view.entries.iter().enumerate() {
            html_entry(&mut out, n + 1, entry, &mut people);
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// The same as plain text.
pub fn transcript_text(view: &TranscriptView<'_>, key: &PidKey) -> String {
    let mut out = String::with_capacity(capacity(view, 1, 96) + 1024);
    let mut people = Mentions::new(key, view.entries);

    put(&mut out, format_args!("Ticket #{} transcript\n", view.ticket.id));
    for (label, parts) in header(view) {
        put(&mut out, format_args!("{label}: "));
        for part in parts {
            match part {
                Part::Own(text) => push_literal(&mut out, &text, Style::Text),
                Part::Said(text) => people.push(&mut out, text, Style::Text, true),
                Part::Time(at) => push_stamp(&mut out, at),
            }
        }
        out.push('\n');
    }
    out.push('\n');
    if view.entries.is_empty() {
        out.push_str("No lines.\n");
    }
    for entry in view.entries {
        text_entry(&mut out, entry, &mut people);
    }
    out
}

/// `transcript-<channel name>-<ticket id>.<ext>`, ext "html" or "txt"; only [a-z0-9-] kept from the channel name.
///
/// The channel name is lowercased (ASCII) first; runs of `-` become one, and `-` at either end is dropped. A
/// channel name that keeps nothing gives `transcript-<ticket id>.<ext>`. The extension keeps only `[a-z0-9]` too.
pub fn transcript_file_name(ticket: &Ticket, ext: &str) -> String {
    let mut name = String::with_capacity(ticket.channel_name.len() + 32);
    name.push_str("transcript-");
    let mut slug = String::with_capacity(ticket.channel_name.len());
    for c in ticket.channel_name.chars().map(|c| c.to_ascii_lowercase()) {
        match c {
            'a'..='z' | '0'..='9' => slug.push(c),
            '-' if !slug.is_empty() && !slug.ends_with('-') => slug.push('-'),
            _ => {}
        }
    }
    name.push_str(slug.trim_end_matches('-'));
    if !name.ends_with('-') {
        name.push('-');
    }
    put(&mut name, format_args!("{}.", ticket.id));
    name.extend(ext.chars().map(|c| c.to_ascii_lowercase()).filter(|c| matches!(c, 'a'..='z' | '0'..='9')));
    name
}

/// The page's whole style: light, system fonts, nothing loaded.
const CSS: &str = r#":root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1f2328;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem; }
header { border-bottom: 1px solid #d0d7de; }
h1 { font-size: 1.4rem; margin: .25rem 0 .75rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.meta dt { color: #57606a; }
dl.meta dd { margin: 0; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
time { color: #57606a; font-variant-numeric: tabular-nums; }
ol.lines { list-style: none; margin: 0; padding: 0; }
.line { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin: .5rem 0; padding: .5rem .75rem; }
.line .head { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; font-size: .9rem; }
.author { font-weight: 600; }
.badge { font-size: .75rem; border: 1px solid; border-radius: 1em; padding: 0 .5em; }
.badge.staff { color: #0a3069; background: #ddf4ff; border-color: #54aeff; }
.badge.player { color: #6e2b00; background: #fff1e5; border-color: #fb8f44; }
.badge.system { color: #57606a; background: #f6f8fa; border-color: #afb8c1; }
.line.system { background: #f6f8fa; color: #57606a; font-style: italic; }
.line.deleted { border-style: dashed; }
.line.deleted > .text { text-decoration: line-through; color: #6e7781; }
.note { font-size: .8rem; color: #6e7781; }
.note.deleted { color: #cf222e; }
.mention { color: #0969da; background: #ddf4ff; border-radius: 3px; padding: 0 .15em; }
ul.files { margin: .25rem 0 0; padding-left: 1.25rem; font-size: .9rem; }
.url { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
details { margin-top: .25rem; font-size: .9rem; }
details ol { margin: .25rem 0; padding-left: 1.25rem; }
details .text { color: #57606a; }
a { color: #0969da; }
.empty { color: #57606a; }
@media print { body { background: #fff; } .line { break-inside: avoid; } }
"#;

/// A line break inside a text, in plain text: continuation lines are indented, so that no typed line can pass
/// for a line of the transcript of its own.
const TEXT_NEWLINE: &str = "\n    ";

/// How literal text is written out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// HTML-escaped; line breaks kept (the page shows them with `white-space: pre-wrap`).
    Html,
    /// Plain text; continuation lines indented.
    Text,
    /// Plain text inside double quotes: `"`, `\` and line breaks escaped.
    Quoted,
}

/// Appends formatted text. Writing into a `String` cannot fail, so there is no error to handle.
fn put(out: &mut String, args: fmt::Arguments<'_>) {
    let _ = out.write_fmt(args);
}

/// Appends `text` in `style`. Control characters other than tabs and line breaks become U+FFFD (a `.txt` opened in
/// a terminal must not run escape sequences); `\r\n` and a lone `\r` are line breaks.
fn push_literal(out: &mut String, text: &str, style: Style) {
    let mut copied = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let with: &str = match (c, style) {
            ('\n', Style::Html) => continue,
            ('\n', Style::Text) => TEXT_NEWLINE,
            ('\n', Style::Quoted) => "\\n",
            ('\r', _) => {
                out.push_str(&text[copied..i]);
                copied = i + 1;
                if chars.peek().is_none_or(|&(_, next)| next != '\n') {
                    push_literal(out, "\n", style);
                }
                continue;
            }
            ('\t', _) => continue,
            ('&', Style::Html) => "&amp;",
            ('<', Style::Html) => "&lt;",
            ('>', Style::Html) => "&gt;",
            ('"', Style::Html) => "&quot;",
            ('\'', Style::Html) => "&#39;",
            ('"', Style::Quoted) => "\\\"",
            ('\\', Style::Quoted) => "\\\\",
            (c, _) if c.is_control() => "\u{FFFD}",
            _ => continue,
        };
        out.push_str(&text[copied..i]);
        out.push_str(with);
        copied = i + c.len_utf8();
    }
    out.push_str(&text[copied..]);
}

/// `2026-12-07 16:30:05 UTC`.
fn push_stamp(out: &mut String, at: OffsetDateTime) {
    match at.checked_to_offset(UtcOffset::UTC) {
        Some(utc) => put(
            out,
            format_args!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                utc.year(),
                u8::from(utc.month()),
                utc.day(),
                utc.hour(),
                utc.minute(),
                utc.second()
            ),
        ),
        // At the very edge of the supported range the time cannot move to UTC: it is shown with its own offset.
        None => put(
            out,
            format_args!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
                at.offset()
            ),
        ),
    }
}

/// `<time datetime="2026-12-07T16:30:05Z">2026-12-07 16:30:05 UTC</time>`.
fn push_time_html(out: &mut String, at: OffsetDateTime) {
    out.push_str("<time");
    if let Some(utc) = at.checked_to_offset(UtcOffset::UTC).filter(|utc| (0..=9999).contains(&utc.year())) {
        put(
            out,
            format_args!(
                " datetime=\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z\"",
                utc.year(),
                u8::from(utc.month()),
                utc.day(),
                utc.hour(),
                utc.minute(),
                utc.second()
            ),
        );
    }
    out.push('>');
    push_stamp(out, at);
    out.push_str("</time>");
}

/// A rough size of the output, so that it is written into one allocation.
fn capacity(view: &TranscriptView<'_>, factor: usize, per_line: usize) -> usize {
    let texts: usize = view
        .entries
        .iter()
        .map(|e| {
            e.text.len()
                + e.edits.iter().map(|edit| edit.text.len() + per_line / 2).sum::<usize>()
                + e.attachments.iter().map(|a| a.name.len() + a.url.len() * 2 + 64).sum::<usize>()
                + per_line
        })
        .sum();
    texts.saturating_mul(factor)
}

/// A piece of a header value.
enum Part<'a> {
    /// Text the renderer wrote.
    Own(String),
    /// Text a person wrote (mentions rendered).
    Said(&'a str),
    /// A time.
    Time(OffsetDateTime),
}

/// The header rows, label and value.
fn header<'a>(view: &TranscriptView<'a>) -> Vec<(&'static str, Vec<Part<'a>>)> {
    let ticket = view.ticket;
    let kind = match ticket.detail {
        TicketDetail::Support(_) => "support",
        TicketDetail::InGame(_) => "in-game",
        TicketDetail::Recruitment(_) => "recruitment",
    };
    let mut rows = vec![
        ("Channel", vec![Part::Said(ticket.channel_name.as_str())]),
        ("Kind", vec![Part::Own(kind.into())]),
        ("Opened", vec![Part::Time(ticket.opened_at)]),
    ];
    match &ticket.closed {
        Some(closure) => {
            rows.push(("Closed", vec![Part::Time(closure.at), Part::Own(format!(" ({})", closure.reason))]));
            if let CloseReason::Resolved { resolution } = &closure.reason {
                rows.push(("Resolution", vec![Part::Said(resolution.as_str())]));
            }
        }
        None => rows.push(("Closed", vec![Part::Own("still open".into())])),
    }
    match &ticket.detail {
        TicketDetail::Support(support) => rows.push(("Question", vec![Part::Said(support.question.as_str())])),
        TicketDetail::InGame(game) => {
            rows.push(("Player", vec![Part::Said(game.name.as_str())]));
            rows.push(("Game server", vec![Part::Said(game.server.as_str())]));
        }
        TicketDetail::Recruitment(recruitment) => {
            if let Some(application) = recruitment.application {
                rows.push(("Application", vec![Part::Own(format!("#{application}"))]));
            }
        }
    }
    rows.push(("Lines", vec![Part::Own(view.entries.len().to_string())]));
    rows.push(("Generated", vec![Part::Time(view.generated_at)]));
    rows
}

/// Who wrote a line, as shown: name and badge.
fn author(entry: &TranscriptEntry) -> (&str, Option<&'static str>, &'static str) {
    match &entry.author {
        TranscriptAuthor::Player { name } => (name.as_str(), Some("player"), "player"),
        TranscriptAuthor::Member { name, staff: true, .. } => (name.as_str(), Some("staff"), "member staff"),
        TranscriptAuthor::Member { name, staff: false, .. } => (name.as_str(), None, "member"),
        TranscriptAuthor::System => ("System", Some("system"), "system"),
    }
}

/// The earlier texts of an edited line, oldest first, with when each was written: the first text and every edit
/// but the last.
fn earlier(entry: &TranscriptEntry) -> impl Iterator<Item = (OffsetDateTime, &str)> {
    let (first, older) = match entry.edits.split_last() {
        Some((_, older)) => (Some((entry.at, entry.text.as_str())), older),
        None => (None, &[][..]),
    };
    first.into_iter().chain(older.iter().map(|edit| (edit.at, edit.text.as_str())))
}

/// Whether an attachment's URL may be a link.
fn is_web_url(url: &str) -> bool {
    let starts = |prefix: &str| url.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix));
    starts("https://") || starts("http://")
}

fn html_entry(out: &mut String, n: usize, entry: &TranscriptEntry, people: &mut Mentions<'_>) {
    let (name, badge, class) = author(entry);
    let deleted = if entry.deleted_at.is_some() { " deleted" } else { "" };
    put(out, format_args!("<li class=\"line {class}{deleted}\" id=\"l{n}\">\n<div class=\"head\">"));
    push_time_html(out, entry.at);
    out.push_str(" <span class=\"author\">");
    people.push(out, name, Style::Html, false);
    out.push_str("</span>");
    if let Some(badge) = badge {
        put(out, format_args!(" <span class=\"badge {badge}\">{badge}</span>"));
    }
    if let Some(edit) = entry.edits.last() {
        out.push_str(" <span class=\"note edited\">edited ");
        push_time_html(out, edit.at);
        out.push_str("</span>");
    }
    if let Some(at) = entry.deleted_at {
        out.push_str(" <span class=\"note deleted\">deleted ");
        push_time_html(out, at);
        out.push_str("</span>");
    }
    out.push_str("</div>\n");
    let text = entry.current_text();
    if !text.is_empty() {
        out.push_str("<div class=\"text\">");
        people.push(out, text, Style::Html, true);
        out.push_str("</div>\n");
    }
    if !entry.attachments.is_empty() {
        out.push_str("<ul class=\"files\">\n");
        for TranscriptAttachment { name, url } in &entry.attachments {
            if is_web_url(url) {
                out.push_str("<li><a href=\"");
                push_literal(out, url, Style::Html);
                out.push_str("\" rel=\"noopener noreferrer nofollow\">");
                people.push(out, name, Style::Html, false);
                out.push_str("</a></li>\n");
            } else {
                out.push_str("<li>");
                people.push(out, name, Style::Html, false);
                out.push_str(" <span class=\"url\">");
                push_literal(out, url, Style::Html);
                out.push_str("</span></li>\n");
            }
        }
        out.push_str("</ul>\n");
    }
    if !entry.edits.is_empty() {
        let count = entry.edits.len();
        let plural = if count == 1 { "" } else { "s" };
        put(out, format_args!("<details><summary>{count} earlier version{plural}</summary>\n<ol class=\"earlier\">\n"));
        for (at, text) in earlier(entry) {
            out.push_str("<li>");
            push_time_html(out, at);
            out.push_str("<div class=\"text\">");
            people.push(out, text, Style::Html, true);
            out.push_str("</div></li>\n");
        }
        out.push_str("</ol>\n</details>\n");
    }
    out.push_str("</li>\n");
}

fn text_entry(out: &mut String, entry: &TranscriptEntry, people: &mut Mentions<'_>) {
    let (name, badge, _) = author(entry);
    out.push('[');
    push_stamp(out, entry.at);
    out.push_str("] ");
    people.push(out, name, Style::Text, false);
    if let Some(badge) = badge {
        put(out, format_args!(" ({badge})"));
    }
    out.push_str(": ");
    people.push(out, entry.current_text(), Style::Text, true);
    out.push('\n');
    for TranscriptAttachment { name, url } in &entry.attachments {
        out.push_str("  attachment: ");
        people.push(out, name, Style::Text, false);
        out.push_str(" <");
        push_literal(out, url, Style::Text);
        out.push_str(">\n");
    }
    if let Some(edit) = entry.edits.last() {
        out.push_str("  (edited ");
        push_stamp(out, edit.at);
        out.push_str("; earlier: ");
        for (i, (at, text)) in earlier(entry).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('[');
            push_stamp(out, at);
            out.push_str("] \"");
            people.push(out, text, Style::Quoted, true);
            out.push('"');
        }
        out.push_str(")\n");
    }
    if let Some(at) = entry.deleted_at {
        out.push_str("  (deleted ");
        push_stamp(out, at);
        out.push_str(")\n");
    }
}

/// A mention found in a text.
enum Mention {
    /// `<@~…>`: a person, sealed.
    Sealed(SealedUser),
    /// `<@id>` or `<@!id>`: a person by raw id (should not be stored).
    User,
    /// `<@&id>`.
    Role,
    /// `<#id>`.
    Channel,
}

/// Whether `rest` (which starts with `<`) starts a mention; returns it and its length in bytes.
fn mention_at(rest: &str) -> Option<(Mention, usize)> {
    if let Some(after) = rest.strip_prefix("<@~") {
        let hex = after.get(..48)?;
        if after.as_bytes().get(48) != Some(&b'>') || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return Some((Mention::Sealed(hex.parse().ok()?), 3 + 48 + 1));
    }
    let (kind, lead) = if rest.starts_with("<@!") {
        (Mention::User, 3)
    } else if rest.starts_with("<@&") {
        (Mention::Role, 3)
    } else if rest.starts_with("<@") {
        (Mention::User, 2)
    } else if rest.starts_with("<#") {
        (Mention::Channel, 2)
    } else {
        return None;
    };
    // Any number of digits: a run too long to be an id is still not printed.
    let digits = rest.as_bytes()[lead..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || rest.as_bytes().get(lead + digits) != Some(&b'>') {
        return None;
    }
    Some((kind, lead + digits + 1))
}

/// Renders mentions by name: opens sealed people once each and names them after their latest line.
struct Mentions<'a> {
    key: &'a PidKey,
    /// Each member's most recent name in the transcript.
    names: HashMap<Pid, &'a str>,
    /// Sealed people already opened: their pid, or `None` when the seal does not open.
    opened: HashMap<SealedUser, Option<Pid>>,
}

impl<'a> Mentions<'a> {
    fn new(key: &'a PidKey, entries: &'a [TranscriptEntry]) -> Self {
        let mut latest: HashMap<Pid, (OffsetDateTime, &'a str)> = HashMap::new();
        for entry in entries {
            if let TranscriptAuthor::Member { pid, name, .. } = &entry.author {
                let newer = latest.get(pid).is_none_or(|&(at, _)| entry.at >= at);
                if newer {
                    latest.insert(*pid, (entry.at, name.as_str()));
                }
            }
        }
        let names = latest.into_iter().map(|(pid, (_, name))| (pid, name)).collect();
        Self { key, names, opened: HashMap::new() }
    }

    fn pid(&mut self, sealed: SealedUser) -> Option<Pid> {
        let key = self.key;
        *self.opened.entry(sealed).or_insert_with(|| key.open(&sealed).ok().map(|user| key.user(user)))
    }

    /// Appends `text` in `style` with its mentions rendered. With `by_name` false (inside a name), a sealed person
    /// is shown by pid rather than by name.
    fn push(&mut self, out: &mut String, text: &str, style: Style, by_name: bool) {
        let mut rest = text;
        while let Some(i) = rest.find('<') {
            let (before, from) = rest.split_at(i);
            match mention_at(from) {
                Some((mention, len)) => {
                    push_literal(out, before, style);
                    self.push_mention(out, mention, style, by_name);
                    rest = &from[len..];
                }
                None => {
                    push_literal(out, &rest[..=i], style);
                    rest = &rest[i + 1..];
                }
            }
        }
        push_literal(out, rest, style);
    }

    fn push_mention(&mut self, out: &mut String, mention: Mention, style: Style, by_name: bool) {
        if style == Style::Html {
            out.push_str("<span class=\"mention\">");
        }
        match mention {
            Mention::Sealed(sealed) => match self.pid(sealed) {
                Some(pid) => match self.names.get(&pid).copied().filter(|_| by_name) {
                    Some(name) => {
                        out.push('@');
                        self.push(out, name, style, false);
                    }
                    None => {
                        out.push_str("@member-");
                        for byte in &pid.as_bytes()[..4] {
                            put(out, format_args!("{byte:02x}"));
                        }
                    }
                },
                None => out.push_str("@unknown user"),
            },
            Mention::User => out.push_str("@unknown user"),
            Mention::Role => out.push_str("@role"),
            Mention::Channel => out.push_str("#channel"),
        }
        if style == Style::Html {
            out.push_str("</span>");
        }
    }
}

#[cfg(test)]
mod tests;

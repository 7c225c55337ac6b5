//! Showing what people see: Discord messages (text, embeds, buttons) and game lines, as readable text with names
//! instead of ids.

use std::collections::{HashMap, HashSet};

use adapter_discord::sim::{ChannelKind, FakeDiscord, Interaction, MessageState};
use serde_json::Value;

use crate::offline::custom_ids;

/// Turns the ids in Discord text into names, and messages into readable lines.
#[derive(Debug, Default)]
pub(crate) struct Names {
    users: HashMap<u64, String>,
    roles: HashMap<u64, String>,
    channels: HashMap<u64, String>,
    categories: HashSet<u64>,
}

impl Names {
    pub(crate) fn user(&mut self, id: u64, name: &str) {
        self.users.insert(id, name.to_owned());
    }

    pub(crate) fn role(&mut self, id: u64, name: &str) {
        self.roles.insert(id, name.to_owned());
    }

    /// Learns the names of the guild's channels as they are now (deleted ones keep the name they had).
    pub(crate) fn refresh_channels(&mut self, discord: &FakeDiscord, guild: u64) {
        for c in discord.channels(guild) {
            if c.kind == ChannelKind::Category {
                self.categories.insert(c.id);
            }
            self.channels.insert(c.id, c.name);
        }
    }

    pub(crate) fn user_name(&self, id: u64) -> String {
        self.users.get(&id).cloned().unwrap_or_else(|| "someone".into())
    }

    pub(crate) fn channel_name(&self, id: u64) -> String {
        self.channels.get(&id).cloned().unwrap_or_else(|| "a deleted channel".into())
    }

    /// Discord text as a person reads it: mentions as names, `**bold**` and markdown escapes removed.
    pub(crate) fn text(&self, raw: &str) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(start) = rest.find('<') {
            out.push_str(&rest[..start]);
            let tail = &rest[start..];
            match tail.find('>').and_then(|end| self.mention(&tail[1..end]).map(|name| (end, name))) {
                Some((end, name)) => {
                    out.push_str(&name);
                    rest = &tail[end + 1..];
                }
                None => {
                    out.push('<');
                    rest = &tail[1..];
                }
            }
        }
        out.push_str(rest);
        unmarkdown(&out)
    }

    fn mention(&self, inner: &str) -> Option<String> {
        let id = |s: &str| s.parse::<u64>().ok();
        if let Some(role) = inner.strip_prefix("@&") {
            return Some(format!("@{}", self.roles.get(&id(role)?).cloned().unwrap_or_else(|| "a role".into())));
        }
        if let Some(user) = inner.strip_prefix("@!").or_else(|| inner.strip_prefix('@')) {
            return Some(format!("@{}", self.user_name(id(user)?)));
        }
        let channel = inner.strip_prefix('#').and_then(id)?;
        // Channels as #name, categories as "Name".
        let name = self.channel_name(channel);
        Some(if self.categories.contains(&channel) { format!("\"{name}\"") } else { format!("#{name}") })
    }

    /// A message as lines: the author and text, then each embed and the controls, indented.
    pub(crate) fn message(&self, m: &MessageState, bot: u64) -> Vec<String> {
        let author = if m.author == bot { "RagnaSync".to_owned() } else { self.user_name(m.author) };
        let mut lines = self.body(&format!("{author}: "), &m.content, &m.embeds, &m.components);
        // The name only: a file's size can change with when a message lands (a transcript made at close).
        for file in &m.attachments {
            lines.push(format!("    [attached: {}]", file.filename));
        }
        lines
    }

    /// Text, embeds and controls as lines; the first line starts with `lead`, the others are indented.
    pub(crate) fn body(&self, lead: &str, content: &str, embeds: &Value, components: &Value) -> Vec<String> {
        let mut lines = Vec::new();
        let text = self.text(content);
        let mut text_lines = text.lines();
        lines.push(format!("{lead}{}", text_lines.next().unwrap_or_default()).trim_end().to_owned());
        lines.extend(text_lines.map(|l| format!("    {l}")));
        for embed in embeds.as_array().into_iter().flatten() {
            lines.extend(self.embed(embed).into_iter().map(|l| format!("    | {l}").trim_end().to_owned()));
        }
        let controls = controls(components);
        if !controls.is_empty() {
            lines.push(format!("    {}", controls.join(" ")));
        }
        lines
    }

    /// What the person who acted sees as the answer to an interaction: the reply (type 4), or the last edit of a
    /// deferred reply, or its first followup.
    pub(crate) fn reply(&self, lead: &str, answer: &Interaction) -> Option<Vec<String>> {
        let body = match answer.response_type() {
            Some(4) => answer.response.as_ref().and_then(|r| r.get("data")).cloned(),
            _ => answer.original_edits.last().or(answer.followups.first()).cloned(),
        }?;
        let field = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
        let content = body.get("content").and_then(Value::as_str).unwrap_or_default();
        let mut lines = self.body(lead, content, &field("embeds"), &field("components"));
        // A reply that is only an embed: its title goes on the first line.
        if content.is_empty() && lines.get(1).is_some_and(|l| l.starts_with("    | ")) {
            let title = lines.remove(1);
            lines[0] = format!("{lead}{}", title.trim_start_matches("    | "));
        }
        Some(lines)
    }

    /// An embed's title, description and fields (footers carry dates, which would make the demo's output change
    /// from day to day; they are left out).
    pub(crate) fn embed(&self, embed: &Value) -> Vec<String> {
        let mut lines = Vec::new();
        let text = |key: &str| embed.get(key).and_then(Value::as_str).map(|t| self.text(t));
        lines.extend(text("title"));
        if let Some(description) = text("description") {
            lines.extend(description.lines().map(str::to_owned));
        }
        let mut inline: Vec<String> = Vec::new();
        for field in embed.get("fields").and_then(Value::as_array).into_iter().flatten() {
            let name = field.get("name").and_then(Value::as_str).unwrap_or_default();
            let value = self.text(field.get("value").and_then(Value::as_str).unwrap_or_default());
            let shown = format!("{name}: {}", value.replace('\n', " / "));
            if field.get("inline").and_then(Value::as_bool) == Some(true) {
                inline.push(shown);
            } else {
                if !inline.is_empty() {
                    lines.push(inline.join(" · "));
                    inline.clear();
                }
                lines.push(shown);
            }
        }
        if !inline.is_empty() {
            lines.push(inline.join(" · "));
        }
        lines
    }
}

/// Whether a message carries a control whose custom id starts with `prefix`.
pub(crate) fn has_control(message: &MessageState, prefix: &str) -> bool {
    custom_ids(message).iter().any(|id| id.starts_with(prefix))
}

/// Removes `**`, `__` and markdown escapes (`\_`, `\*`…).
fn unmarkdown(text: &str) -> String {
    let bold = text.replace("**", "").replace("__", "");
    let mut out = String::with_capacity(bold.len());
    let mut chars = bold.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.peek().filter(|n| n.is_ascii_punctuation())
        {
            out.push(*next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// Buttons and selects: `[Resolve (Staff)]`, `[v Member or Affiliate]`.
fn controls(rows: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for row in rows.as_array().into_iter().flatten() {
        for c in row.get("components").and_then(Value::as_array).into_iter().flatten() {
            let disabled = c.get("disabled").and_then(Value::as_bool) == Some(true);
            let shown = match c.get("type").and_then(Value::as_u64) {
                Some(2) => c.get("label").and_then(Value::as_str).unwrap_or("button").to_owned(),
                Some(3) => {
                    let options: Vec<&str> = c
                        .get("options")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|o| o.get("label").and_then(Value::as_str))
                        .collect();
                    let placeholder = c.get("placeholder").and_then(Value::as_str).unwrap_or("choose");
                    format!("v {placeholder}: {}", options.join(" / "))
                }
                _ => continue,
            };
            out.push(if disabled { format!("[{shown} (done)]") } else { format!("[{shown}]") });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_names_and_markdown_goes() {
        let mut names = Names::default();
        names.user(1, "Ann");
        names.role(2, "Support");
        names.channels.insert(3, "support-ann".into());
        assert_eq!(names.text("<@1> <@&2> see <#3>"), "@Ann @Support see #support-ann");
        assert_eq!(names.text("**Foo\\_Bar** (in game): a < b"), "Foo_Bar (in game): a < b");
        assert_eq!(names.text("<@99>"), "@someone");
    }

    #[test]
    fn controls_are_listed() {
        let rows = serde_json::json!([{"type": 1, "components": [
            {"type": 2, "label": "Approve", "custom_id": "a"},
            {"type": 2, "label": "Q&A completed", "custom_id": "b", "disabled": true},
            {"type": 3, "custom_id": "c", "placeholder": "Pick", "options": [{"label": "A"}, {"label": "B"}]}
        ]}]);
        assert_eq!(controls(&rows), ["[Approve]", "[Q&A completed (done)]", "[v Pick: A / B]"]);
    }
}

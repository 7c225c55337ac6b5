//! The boundary between the core's neutral model and serenity's: ids, permissions, messages, modals.
//!
//! Everything the bot shows passes through here, so this is where Discord's rules are enforced once: every
//! message is sent with exactly the pings the core allowed (relayed text pings nobody), content is cut to 2000
//! characters and embeds to Discord's limits.

use serenity::all::{
    ButtonStyle as SButtonStyle, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateInputText, CreateInteractionResponseMessage, CreateMessage, CreateModal, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption, EditInteractionResponse, EditMessage, InputTextStyle, Nonce,
    PermissionOverwrite, PermissionOverwriteType, Permissions as SPermissions,
};
use ticket_core::message::{ButtonStyle, Component, Embed, InputStyle, Message, Modal};
use ticket_core::ports::{Overwrite, OverwriteTarget};
use ticket_core::{GuildId, Permissions, RoleId, UserId};

/// Core → serenity ids.
pub(crate) mod to {
    use serenity::all as s;

    pub fn guild(id: ticket_core::GuildId) -> s::GuildId {
        s::GuildId::new(id.get().max(1))
    }
    pub fn channel(id: ticket_core::ChannelId) -> s::ChannelId {
        s::ChannelId::new(id.get().max(1))
    }
    pub fn message(id: ticket_core::MessageId) -> s::MessageId {
        s::MessageId::new(id.get().max(1))
    }
    pub fn role(id: ticket_core::RoleId) -> s::RoleId {
        s::RoleId::new(id.get().max(1))
    }
    pub fn user(id: ticket_core::UserId) -> s::UserId {
        s::UserId::new(id.get().max(1))
    }
}

/// Serenity → core ids.
pub(crate) mod from {
    use serenity::all as s;

    pub fn guild(id: s::GuildId) -> ticket_core::GuildId {
        ticket_core::GuildId::new(id.get())
    }
    pub fn channel(id: s::ChannelId) -> ticket_core::ChannelId {
        ticket_core::ChannelId::new(id.get())
    }
    pub fn message(id: s::MessageId) -> ticket_core::MessageId {
        ticket_core::MessageId::new(id.get())
    }
    pub fn role(id: s::RoleId) -> ticket_core::RoleId {
        ticket_core::RoleId::new(id.get())
    }
    pub fn user(id: s::UserId) -> ticket_core::UserId {
        ticket_core::UserId::new(id.get())
    }
}

/// The core's permission bits are Discord's own, at the same positions.
pub(crate) fn permissions_to(p: Permissions) -> SPermissions {
    SPermissions::from_bits_truncate(p.bits())
}

/// Discord's permission bits as the core's (bits the core does not know are dropped, except Administrator which
/// the core knows).
pub(crate) fn permissions_from(p: SPermissions) -> Permissions {
    Permissions::from_bits_truncate(p.bits())
}

/// A core overwrite as Discord's; `@everyone` is the role whose id is the guild's.
pub(crate) fn overwrite(o: &Overwrite, guild: GuildId, bot: UserId) -> PermissionOverwrite {
    let kind = match o.target {
        OverwriteTarget::Everyone => PermissionOverwriteType::Role(to::role(RoleId::new(guild.get()))),
        OverwriteTarget::Bot => PermissionOverwriteType::Member(to::user(bot)),
        OverwriteTarget::Role(r) => PermissionOverwriteType::Role(to::role(r)),
        OverwriteTarget::Member(u) => PermissionOverwriteType::Member(to::user(u)),
    };
    PermissionOverwrite { allow: permissions_to(o.allow), deny: permissions_to(o.deny), kind }
}

fn embed(e: &Embed) -> CreateEmbed {
    let mut out = CreateEmbed::new();
    if let Some(t) = &e.title {
        out = out.title(t);
    }
    if let Some(d) = &e.description {
        out = out.description(d);
    }
    if let Some(u) = &e.url {
        out = out.url(u);
    }
    if let Some(c) = e.color {
        out = out.colour(c);
    }
    for f in &e.fields {
        out = out.field(&f.name, &f.value, f.inline);
    }
    if let Some(f) = &e.footer {
        out = out.footer(CreateEmbedFooter::new(f));
    }
    if let Some(t) = &e.thumbnail {
        out = out.thumbnail(t);
    }
    if let Some(i) = &e.image {
        out = out.image(i);
    }
    out
}

fn button_style(style: ButtonStyle) -> SButtonStyle {
    match style {
        ButtonStyle::Primary => SButtonStyle::Primary,
        ButtonStyle::Secondary => SButtonStyle::Secondary,
        ButtonStyle::Success => SButtonStyle::Success,
        ButtonStyle::Danger => SButtonStyle::Danger,
    }
}

/// Rows of core components as Discord action rows: buttons (and link buttons) share a row, a select has its own.
pub(crate) fn rows(rows: &[Vec<Component>]) -> Vec<CreateActionRow> {
    let mut out = Vec::new();
    for row in rows {
        let mut buttons = Vec::new();
        for c in row {
            match c {
                Component::Button { id, label, style, disabled } => buttons.push(
                    CreateButton::new(id.to_string()).label(label).style(button_style(*style)).disabled(*disabled),
                ),
                Component::Link { label, url } => buttons.push(CreateButton::new_link(url).label(label)),
                Component::Select { id, placeholder, options } => {
                    let options = options
                        .iter()
                        .map(|o| {
                            let option = CreateSelectMenuOption::new(&o.label, &o.value);
                            match &o.description {
                                Some(d) => option.description(d),
                                None => option,
                            }
                        })
                        .collect();
                    let menu = CreateSelectMenu::new(id.to_string(), CreateSelectMenuKind::String { options })
                        .placeholder(placeholder);
                    out.push(CreateActionRow::SelectMenu(menu));
                }
            }
        }
        if !buttons.is_empty() {
            out.push(CreateActionRow::Buttons(buttons));
        }
    }
    out
}

/// Exactly the pings the core allowed; `@everyone`/`@here` never.
pub(crate) fn allowed_mentions(m: &Message) -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .everyone(false)
        .users(m.pings.users.iter().map(|u| to::user(*u)))
        .roles(m.pings.roles.iter().map(|r| to::role(*r)))
}

/// Sets a builder's embeds, controls and allowed pings from a (fitted) core message.
macro_rules! fill {
    ($builder:expr, $m:expr) => {
        $builder
            .embeds($m.embeds.iter().map(embed).collect())
            .components(rows(&$m.rows))
            .allowed_mentions(allowed_mentions(&$m))
    };
}

/// A new message (an empty content is left out, as Discord wants). A message with a nonce is sent with it and
/// `enforce_nonce`, so Discord answers a repeat with the message already posted instead of posting it again.
pub(crate) fn create_message(m: &Message) -> CreateMessage {
    let m = m.clone().fit();
    let mut out = fill!(CreateMessage::new(), m).add_files(files(&m));
    if let Some(nonce) = &m.nonce {
        out = out.nonce(Nonce::String(nonce.as_str().to_owned())).enforce_nonce(true);
    }
    if m.content.is_empty() { out } else { out.content(&m.content) }
}

/// A whole-message edit (content, embeds and controls all replaced).
pub(crate) fn edit_message(m: &Message) -> EditMessage {
    let m = m.clone().fit();
    fill!(EditMessage::new().content(&m.content), m)
}

/// A reply to an interaction.
pub(crate) fn interaction_message(m: &Message, ephemeral: bool) -> CreateInteractionResponseMessage {
    let m = m.clone().fit();
    let out = fill!(CreateInteractionResponseMessage::new().ephemeral(ephemeral), m).add_files(files(&m));
    if m.content.is_empty() { out } else { out.content(&m.content) }
}

/// The final text of a deferred interaction.
pub(crate) fn edit_response(m: &Message) -> EditInteractionResponse {
    let m = m.clone().fit();
    files(&m)
        .into_iter()
        .fold(fill!(EditInteractionResponse::new().content(&m.content), m), |out, file| out.new_attachment(file))
}

/// The files sent with a message, as uploads.
fn files(m: &Message) -> Vec<CreateAttachment> {
    m.files.iter().map(|f| CreateAttachment::bytes(f.data.clone(), f.name.clone())).collect()
}

/// A modal.
pub(crate) fn modal(m: &Modal) -> CreateModal {
    let inputs = m
        .inputs
        .iter()
        .map(|i| {
            let style = match i.style {
                InputStyle::Short => InputTextStyle::Short,
                InputStyle::Paragraph => InputTextStyle::Paragraph,
            };
            let mut input = CreateInputText::new(style, &i.label, &i.id).required(i.required).max_length(i.max_len);
            if let Some(p) = &i.placeholder {
                input = input.placeholder(p);
            }
            CreateActionRow::InputText(input)
        })
        .collect();
    CreateModal::new(m.id.to_string(), &m.title).components(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ticket_core::message::Pings;

    #[test]
    fn relayed_text_pings_nobody() {
        let m = Message::text("@everyone <@1>");
        let json = serde_json::to_value(allowed_mentions(&m)).unwrap();
        assert_eq!(json["parse"], serde_json::json!([]));
        assert_eq!(json["users"], serde_json::json!([]));
        assert_eq!(json["roles"], serde_json::json!([]));
    }

    #[test]
    fn allowed_pings_are_listed() {
        let m =
            Message { pings: Pings { users: vec![UserId::new(5)], roles: vec![RoleId::new(6)] }, ..Message::default() };
        let json = serde_json::to_value(allowed_mentions(&m)).unwrap();
        assert_eq!(json["users"], serde_json::json!(["5"]));
        assert_eq!(json["roles"], serde_json::json!(["6"]));
    }

    #[test]
    fn a_nonce_is_sent_and_enforced_and_none_is_sent_without_one() {
        let plain = serde_json::to_value(create_message(&Message::text("hi"))).unwrap();
        assert_eq!((plain.get("nonce"), &plain["enforce_nonce"]), (None, &serde_json::json!(false)));
        let nonce = ticket_core::message::Nonce::for_effect(ticket_core::EffectId::new(42), 1);
        let once = serde_json::to_value(create_message(&Message::text("hi").with_nonce(nonce))).unwrap();
        assert_eq!(once["nonce"], "2a.1");
        assert_eq!(once["enforce_nonce"], true);
    }

    #[test]
    fn everyone_is_the_guild_role_and_the_bot_a_member() {
        let o = Overwrite::deny(OverwriteTarget::Everyone, Permissions::VIEW_CHANNEL);
        let s = overwrite(&o, GuildId::new(77), UserId::new(9));
        assert_eq!(s.kind, PermissionOverwriteType::Role(serenity::all::RoleId::new(77)));
        assert_eq!(s.deny, SPermissions::VIEW_CHANNEL);
        let b = overwrite(
            &Overwrite::allow(OverwriteTarget::Bot, Permissions::TICKET_BOT),
            GuildId::new(77),
            UserId::new(9),
        );
        assert_eq!(b.kind, PermissionOverwriteType::Member(serenity::all::UserId::new(9)));
        assert!(b.allow.contains(SPermissions::MANAGE_CHANNELS | SPermissions::VIEW_CHANNEL));
    }
}

use serenity::all::{ChannelCreateEvent, Member, PartialMember, Permissions as P};

use super::*;

const GUILD: u64 = 1000;
const BOT: u64 = 7;
const OWNER: u64 = 8;
const MEMBER: u64 = 9;
const STAFF: u64 = 2001;
const HELPER: u64 = 2002;
const MUTED: u64 = 2003;
const ADMIN: u64 = 2004;
const CATEGORY: u64 = 3000;

fn role(id: u64, permissions: P, mentionable: bool) -> Role {
    let mut r = Role::default();
    r.id = RoleId::new(id);
    r.guild_id = GuildId::new(GUILD);
    r.permissions = permissions;
    r.mentionable = mentionable;
    r
}

fn overwrite(kind: PermissionOverwriteType, allow: P, deny: P) -> PermissionOverwrite {
    PermissionOverwrite { allow, deny, kind }
}

fn on_role(id: u64, allow: P, deny: P) -> PermissionOverwrite {
    overwrite(PermissionOverwriteType::Role(RoleId::new(id)), allow, deny)
}

fn on_member(id: u64, allow: P, deny: P) -> PermissionOverwrite {
    overwrite(PermissionOverwriteType::Member(UserId::new(id)), allow, deny)
}

fn channel(id: u64, kind: ChannelType, parent: Option<u64>, overwrites: Vec<PermissionOverwrite>) -> GuildChannel {
    let mut c = GuildChannel::default();
    c.id = ChannelId::new(id);
    c.guild_id = GuildId::new(GUILD);
    c.kind = kind;
    c.name = format!("channel-{id}");
    c.parent_id = parent.map(ChannelId::new);
    c.permission_overwrites = overwrites;
    c
}

fn ticket_channel(id: u64, ticket: u64) -> GuildChannel {
    let mut c = channel(id, ChannelType::Text, Some(CATEGORY), Vec::new());
    c.topic = Some(TopicMarkers { ticket: Some(TicketId::new(ticket)), ..TopicMarkers::default() }.render());
    c
}

/// A guild with every kind of overwrite: `@everyone` may read and write; staff manage messages; a muted role may
/// not write; an administrator role; channels that hide from everyone and show to staff, deny a role what another
/// allows, and give one member their own rights.
fn guild() -> Guild {
    let mut g = Guild::default();
    g.id = GuildId::new(GUILD);
    g.owner_id = UserId::new(OWNER);
    for r in [
        role(GUILD, P::VIEW_CHANNEL | P::SEND_MESSAGES | P::READ_MESSAGE_HISTORY, false),
        role(STAFF, P::MANAGE_MESSAGES, true),
        role(HELPER, P::EMBED_LINKS, false),
        role(MUTED, P::empty(), false),
        role(ADMIN, P::ADMINISTRATOR, false),
    ] {
        g.roles.insert(r.id, r);
    }
    let mut bot = Member::default();
    bot.user.id = UserId::new(BOT);
    bot.roles = vec![RoleId::new(STAFF)];
    g.members.insert(bot.user.id, bot);
    let category = channel(CATEGORY, ChannelType::Category, None, vec![on_role(STAFF, P::VIEW_CHANNEL, P::empty())]);
    let channels = [
        category,
        channel(3001, ChannelType::Text, None, Vec::new()),
        channel(
            3002,
            ChannelType::Text,
            Some(CATEGORY),
            vec![on_role(GUILD, P::empty(), P::VIEW_CHANNEL), on_role(STAFF, P::VIEW_CHANNEL, P::empty())],
        ),
        channel(
            3003,
            ChannelType::Text,
            None,
            vec![
                on_role(MUTED, P::empty(), P::SEND_MESSAGES),
                on_role(HELPER, P::SEND_MESSAGES | P::ATTACH_FILES, P::empty()),
            ],
        ),
        channel(
            3004,
            ChannelType::Text,
            None,
            vec![
                on_role(GUILD, P::empty(), P::VIEW_CHANNEL | P::SEND_MESSAGES),
                on_member(MEMBER, P::VIEW_CHANNEL, P::READ_MESSAGE_HISTORY),
                on_role(STAFF, P::SEND_MESSAGES, P::MANAGE_MESSAGES),
            ],
        ),
        ticket_channel(3005, 42),
    ];
    for c in channels {
        g.channels.insert(c.id, c);
    }
    g
}

fn view_of(g: &Guild) -> GuildView {
    let view = GuildView::new(UserId::new(BOT));
    view.guild_created(g);
    view
}

fn partial_member(roles: &[u64]) -> PartialMember {
    let json = serde_json::json!({
        "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "deaf": false, "mute": false, "joined_at": null, "flags": 0,
    });
    // A hand-written member of the shape Discord sends with a message: cannot fail to parse.
    serde_json::from_value(json).expect("a partial member")
}

#[test]
fn permissions_are_those_serenity_works_out_for_every_member_and_channel() {
    let g = guild();
    let view = view_of(&g);
    let role_sets: [&[u64]; 7] =
        [&[], &[STAFF], &[HELPER], &[MUTED], &[MUTED, HELPER], &[STAFF, MUTED, HELPER], &[ADMIN]];
    let mut compared = 0;
    for user in [MEMBER, OWNER, 12] {
        for roles in role_sets {
            let member = partial_member(roles);
            for c in g.channels.values() {
                let expected = g.partial_member_permissions_in(c, UserId::new(user), &member);
                let got = view.permissions_in(g.id, c.id, UserId::new(user), &member.roles);
                assert_eq!(got, Some(expected), "user {user} with roles {roles:?} in channel {}", c.id);
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 3 * 7 * 6);
    // Spot checks, so that a shared mistake cannot pass.
    let ask = |user: u64, roles: &[u64], channel: u64| {
        view.permissions_in(g.id, ChannelId::new(channel), UserId::new(user), &partial_member(roles).roles)
    };
    assert_eq!(ask(MEMBER, &[], 3002).map(|p| p.view_channel()), Some(false), "hidden from @everyone");
    assert_eq!(ask(MEMBER, &[STAFF], 3002).map(|p| p.view_channel()), Some(true), "shown to staff");
    assert_eq!(ask(MEMBER, &[MUTED, HELPER], 3003).map(|p| p.send_messages()), Some(true), "an allow beats a deny");
    assert_eq!(ask(MEMBER, &[MUTED], 3003).map(|p| p.send_messages()), Some(false));
    let own = ask(MEMBER, &[STAFF], 3004).unwrap_or_default();
    assert!(own.view_channel() && own.send_messages() && !own.read_message_history() && !own.manage_messages());
    assert_eq!(ask(OWNER, &[], 3004), Some(P::all()));
    assert_eq!(ask(MEMBER, &[ADMIN], 3004), Some(P::all()));
    assert_eq!(ask(MEMBER, &[], 9999), None, "a channel the view does not know");
    assert_eq!(view.permissions_in(GuildId::new(1), ChannelId::new(3001), UserId::new(MEMBER), &[]), None);
}

#[test]
fn a_guild_lists_its_channels_as_opening_a_ticket_reads_them() {
    let view = view_of(&guild());
    let guild = GuildId::new(GUILD);
    assert!(view.knows_guild(guild));
    assert_eq!(view.guild_ids(), vec![guild]);
    assert_eq!(view.channel_count(guild), Some(6));
    let mut channels = view.channels(guild).unwrap_or_default();
    channels.sort_by_key(|c| c.id);
    let category = &channels[0];
    assert!(category.is_category);
    assert_eq!(category.name, format!("channel-{CATEGORY}"));
    assert_eq!(category.overwrites, vec![on_role(STAFF, P::VIEW_CHANNEL, P::empty())]);
    let text = &channels[2];
    assert!(!text.is_category);
    assert_eq!(text.parent, Some(ChannelId::new(CATEGORY)));
    assert!(text.name.is_empty() && text.overwrites.is_empty(), "only categories keep a name and overwrites");
    assert_eq!(channels[5].ticket, Some(TicketId::new(42)));
    assert_eq!(channels.iter().filter(|c| c.ticket.is_some()).count(), 1);
    assert_eq!(view.channels(GuildId::new(1)).map(|c| c.len()), None);
}

#[test]
fn channel_role_and_member_events_keep_the_view_current() {
    let view = view_of(&guild());
    let guild = GuildId::new(GUILD);
    view.channel_created(&ticket_channel(3100, 43));
    assert!(view.has_channel(guild, ChannelId::new(3100)));
    let mut moved = ticket_channel(3100, 44);
    moved.parent_id = None;
    view.channel_updated(&moved);
    let brief = view.channels(guild).unwrap_or_default().into_iter().find(|c| c.id.get() == 3100);
    assert_eq!(brief.map(|c| (c.ticket, c.parent)), Some((Some(TicketId::new(44)), None)));
    view.channel_deleted(&moved);
    assert!(!view.has_channel(guild, ChannelId::new(3100)));
    assert_eq!(view.channel_count(guild), Some(6));

    // Pinging: only the staff role is mentionable, and the bot (staff) may not mention every role.
    let all = [RoleId::new(STAFF), RoleId::new(HELPER)];
    assert_eq!(view.unpingable(guild, &all), Some(vec![RoleId::new(HELPER)]));
    view.role_updated(&role(HELPER, P::EMBED_LINKS, true));
    assert_eq!(view.unpingable(guild, &all), Some(vec![]));
    view.role_created(&role(2005, P::empty(), false));
    assert_eq!(view.unpingable(guild, &[RoleId::new(2005)]), Some(vec![RoleId::new(2005)]));
    view.role_created(&role(2006, P::MENTION_EVERYONE, false));
    view.member_updated(guild, UserId::new(MEMBER), &[RoleId::new(2006)]);
    assert_eq!(view.unpingable(guild, &[RoleId::new(2005)]), Some(vec![RoleId::new(2005)]), "not the bot's roles");
    view.member_updated(guild, UserId::new(BOT), &[RoleId::new(2006)]);
    assert_eq!(view.unpingable(guild, &[RoleId::new(2005)]), Some(vec![]), "the bot may mention every role");
    view.role_deleted(guild, RoleId::new(2006));
    assert_eq!(view.unpingable(guild, &[RoleId::new(2005)]), Some(vec![RoleId::new(2005)]));

    // An event for a guild the view does not know changes nothing and makes no guild.
    let mut elsewhere = channel(5000, ChannelType::Text, None, Vec::new());
    elsewhere.guild_id = GuildId::new(1);
    view.channel_created(&elsewhere);
    assert!(!view.knows_guild(GuildId::new(1)));

    view.guild_deleted(guild);
    assert!(!view.knows_guild(guild));
    assert_eq!(view.unpingable(guild, &all), None);
}

#[test]
fn what_the_collector_applied_the_handler_leaves_alone_once_per_event() {
    let view = view_of(&guild());
    let created = ticket_channel(3200, 45);
    // The collector takes the same channel's creation twice (two sessions' events, say): two handler calls skip.
    let event = || -> Event {
        let json = serde_json::to_value(&created).unwrap_or_default();
        // A channel serenity just wrote out reads back as its event: cannot fail.
        Event::ChannelCreate(serde_json::from_value::<ChannelCreateEvent>(json).expect("a channel event"))
    };
    assert_eq!(view.take(&event()), Some(Change::ChannelCreated(created.id)));
    assert_eq!(view.take(&event()), Some(Change::ChannelCreated(created.id)));
    assert!(view.has_channel(GuildId::new(GUILD), created.id));
    assert!(view.was_taken(Change::ChannelCreated(created.id)));
    assert!(view.was_taken(Change::ChannelCreated(created.id)));
    assert!(!view.was_taken(Change::ChannelCreated(created.id)), "the third call is the handler's to apply");
    assert!(!view.was_taken(Change::ChannelDeleted(created.id)));
}

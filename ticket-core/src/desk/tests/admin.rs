use super::*;
use crate::permissions::Capability;
use crate::qna::AnswerKind;
use crate::settings::ApplicantAccess;
use crate::{AdminCommand as C, DeskError, OrgRolesUpdate, Problem, TargetsUpdate};

fn run(world: &World, actor: &Actor, command: C) -> Result<Message, DeskError> {
    pollster::block_on(world.desk.admin(GUILD, actor, command))
}

#[pollster::test]
async fn every_admin_command_answers_and_saves() {
    let world = World::new();
    let owner = admin(1, "Owner");
    let commands = vec![
        C::SetTargets(TargetsUpdate {
            support_panel: Some(ChannelId::new(10)),
            recruitment_panel: Some(ChannelId::new(11)),
            support_category: Some(SUPPORT_CATEGORY),
            recruitment_category: Some(RECRUIT_CATEGORY),
            log_channel: Some(LOG),
        }),
        C::ShowTargets,
        C::SetPing { support: Some(SUPPORT_PING), recruitment: Some(RECRUIT_PING) },
        C::ShowPing,
        C::SetDmOnClose(true),
        C::SetNickSync(true),
        C::SetOrg {
            url: "https://robertsspaceindustries.com/orgs/TEST".into(),
            image: Some("https://example.org/logo.png".into()),
        },
        C::ShowOrg,
        C::PostSupportAbout { channel: ChannelId::new(12) },
        C::AddOption { name: "Medical".into(), ping_role: Some(RoleId::new(62)) },
        C::AddOption { name: "salvage".into(), ping_role: None },
        C::RemoveOption { name: "SALVAGE".into() },
        C::ListOptions,
        C::SetLogChannel(RECORDS),
        C::SetAccessMode(ApplicantAccess::ReadOnly),
        C::QaList,
        C::QaAdd { label: "Main ship".into(), kind: AnswerKind::Keywords, required: false },
        C::QaEdit { position: 5, label: Some("Favourite ship".into()), kind: None, required: Some(true) },
        C::QaMove { from: 5, to: 1 },
        C::QaRemove { position: 1 },
        C::QaResetDefaults,
        C::RolesSet { capability: Capability::Recruitment, roles: vec![RECRUITER_ROLE] },
        C::RolesSetOrg(OrgRolesUpdate { member: Some(MEMBER_ROLE), affiliate: Some(AFFILIATE_ROLE) }),
        C::RolesShow,
        C::SetInGame { category: Some(GAME_CATEGORY), staff_role: Some(GAME_STAFF) },
    ];
    let mut replies = Vec::new();
    for command in commands {
        let label = format!("{command:?}");
        let reply = world.desk.admin(GUILD, &owner, command).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        replies.push((label, reply));
    }
    insta::assert_yaml_snapshot!("admin_replies", replies);
    insta::assert_yaml_snapshot!("admin_posts", world.take_calls());
    let s = world.store.settings(GUILD).await.unwrap();
    assert_eq!(s.targets.support_panel, Some(ChannelId::new(10)));
    assert_eq!(s.ping_roles.recruitment, Some(RECRUIT_PING));
    assert!(s.dm_on_close && s.nick_sync);
    assert_eq!(s.recruitment_options.len(), 1);
    assert_eq!(s.recruitment_options[0].name, "medical");
    assert_eq!(s.record_channel, Some(RECORDS));
    assert_eq!(s.applicant_access, ApplicantAccess::ReadOnly);
    assert_eq!(s.qna, crate::qna::QnaQuestion::defaults());
    assert_eq!(s.capability_roles.recruitment, vec![RECRUITER_ROLE]);
    assert_eq!(s.org_roles.affiliate, Some(AFFILIATE_ROLE));
    assert_eq!(s.in_game.staff_role, Some(GAME_STAFF));
    assert!(s.panels.support.is_some() && s.panels.recruitment.is_some(), "posted panels are remembered");
}

#[pollster::test]
async fn set_targets_again_replaces_the_older_panels() {
    let world = World::new();
    let owner = admin(1, "Owner");
    let targets = TargetsUpdate { support_panel: Some(ChannelId::new(10)), ..TargetsUpdate::default() };
    world.desk.admin(GUILD, &owner, C::SetTargets(targets.clone())).await.unwrap();
    let first = world.store.settings(GUILD).await.unwrap().panels.support.unwrap();
    world.take_calls();
    world.desk.admin(GUILD, &owner, C::SetTargets(targets)).await.unwrap();
    let calls = world.take_calls();
    assert!(matches!(&calls[0], Call::Send { channel: 10, .. }));
    assert_eq!(calls[1], Call::DeleteMessage { channel: first.channel.get(), id: first.message.get() });
    assert_eq!(calls.len(), 2);
}

#[pollster::test]
async fn admin_commands_check_who_asks() {
    let world = World::configured();
    let nobody = member(5, "Nobody");
    let rita = recruiter(6, "Rita");
    assert!(matches!(run(&world, &nobody, C::ShowTargets), Err(DeskError::NotPermitted { .. })));
    assert!(matches!(run(&world, &nobody, C::QaList), Err(DeskError::NotPermitted { .. })));
    assert!(run(&world, &rita, C::QaList).is_ok(), "the recruitment capability runs /recruit-config");
    assert!(matches!(run(&world, &rita, C::SetDmOnClose(true)), Err(DeskError::NotPermitted { .. })));
    assert!(matches!(run(&world, &rita, C::RolesShow), Err(DeskError::NotPermitted { .. })));
    let err = run(&world, &nobody, C::QaList).unwrap_err();
    assert_eq!(
        err.to_string(),
        "You need the recruitment role or the Manage Server permission to change recruitment settings."
    );
    assert!(world.take_calls().is_empty());
}

#[pollster::test]
async fn bad_admin_input_is_refused_and_changes_nothing() {
    let world = World::configured();
    let owner = admin(1, "Owner");
    let before = world.store.settings(GUILD).await.unwrap();
    run(&world, &owner, C::AddOption { name: "medical".into(), ping_role: None }).unwrap();
    let before = before.version + 1;
    let dup = run(&world, &owner, C::AddOption { name: " MEDICAL ".into(), ping_role: None }).unwrap_err();
    assert!(matches!(dup, DeskError::Invalid { problem: Problem::Duplicate { .. }, .. }));
    assert!(matches!(
        run(&world, &owner, C::AddOption { name: "a:b".into(), ping_role: None }),
        Err(DeskError::Invalid { .. })
    ));
    assert!(matches!(
        run(&world, &owner, C::AddOption { name: "x".repeat(33), ping_role: None }),
        Err(DeskError::Invalid { .. })
    ));
    let unknown = run(&world, &owner, C::RemoveOption { name: "piracy".into() }).unwrap_err();
    assert_eq!(unknown.to_string(), "The option list has no entry called \"piracy\".");
    assert!(matches!(run(&world, &owner, C::QaRemove { position: 0 }), Err(DeskError::Qna(_))));
    assert!(matches!(run(&world, &owner, C::QaMove { from: 1, to: 9 }), Err(DeskError::Qna(_))));
    assert!(matches!(
        run(&world, &owner, C::QaAdd { label: "".into(), kind: AnswerKind::YesNo, required: true }),
        Err(DeskError::Qna(_))
    ));
    let http = run(&world, &owner, C::SetOrg { url: "http://insecure.example".into(), image: None }).unwrap_err();
    assert_eq!(http.to_string(), "The org URL should be an https:// link.");
    for i in 0..24 {
        run(&world, &owner, C::AddOption { name: format!("area {i}"), ping_role: None }).unwrap();
    }
    let full = run(&world, &owner, C::AddOption { name: "one more".into(), ping_role: None }).unwrap_err();
    assert!(matches!(full, DeskError::Invalid { problem: Problem::Full { max: 25 }, .. }));
    for _ in 0..16 {
        run(&world, &owner, C::QaAdd { label: "Q".into(), kind: AnswerKind::YesNo, required: true }).unwrap();
    }
    assert!(matches!(
        run(&world, &owner, C::QaAdd { label: "Q".into(), kind: AnswerKind::YesNo, required: true }),
        Err(DeskError::Qna(_))
    ));
    assert_eq!(world.store.settings(GUILD).await.unwrap().version, before + 24 + 16, "only the valid commands saved");
}

#[pollster::test]
async fn permits_answers_with_the_same_rules_as_the_use_cases() {
    use crate::Action;
    let world = World::configured();
    assert!(world.desk.permits(GUILD, &recruiter(6, "Rita"), Action::Review).await.is_ok());
    assert!(world.desk.permits(GUILD, &recruiter(6, "Rita"), Action::Finalise).await.is_err());
    assert!(world.desk.permits(GUILD, &member(5, "Nobody"), Action::Resolve).await.is_err());
    let support = Actor::member(GUILD, UserId::new(7), "Sup", vec![SUPPORT_ROLE], Permissions::empty());
    assert!(world.desk.permits(GUILD, &support, Action::Resolve).await.is_ok());
    assert!(world.desk.permits(GUILD, &game_staff(8, "GM"), Action::ReplyInGame).await.is_ok());
    let mut bot = admin(9, "Bot");
    bot.is_bot = true;
    assert!(world.desk.permits(GUILD, &bot, Action::TicketsAdmin).await.is_err(), "bots never act as staff");
}

#[pollster::test]
async fn set_targets_removes_panel_copies_it_no_longer_remembers() {
    let world = World::new();
    let owner = admin(1, "Owner");
    let targets = TargetsUpdate { support_panel: Some(ChannelId::new(10)), ..TargetsUpdate::default() };
    world.desk.admin(GUILD, &owner, C::SetTargets(targets.clone())).await.unwrap();
    world.desk.admin(GUILD, &owner, C::SetTargets(targets.clone())).await.unwrap();
    // The settings are lost (restored from an old backup, say): the bot no longer remembers its panels.
    let mut forgot = world.store.settings(GUILD).await.unwrap();
    forgot.panels = Default::default();
    world.store.commit(crate::Commit { settings: Some(forgot), ..Default::default() }).await.unwrap();
    world.desk.admin(GUILD, &owner, C::SetTargets(targets)).await.unwrap();
    let calls = world.take_calls();
    let posted = calls.iter().filter(|c| matches!(c, Call::Send { channel: 10, .. })).count();
    let deleted = calls.iter().filter(|c| matches!(c, Call::DeleteMessage { channel: 10, .. })).count();
    assert_eq!(posted, 3);
    assert_eq!(deleted, 2, "every older copy is gone: {calls:?}");
}

/// A ping role Discord would not notify (not mentionable, and the bot lacks Mention Everyone) is saved, and the
/// admin is told why its pings would reach no one and what to change; a mentionable one gets no such note.
#[pollster::test]
async fn setting_a_ping_role_that_would_notify_no_one_says_so() {
    let world = World::new();
    let quiet = RoleId::new(91);
    world.faults().unpingable.insert(quiet);
    let admin = admin(1, "Olivia");
    let reply = run(&world, &admin, C::SetPing { support: Some(quiet), recruitment: Some(RoleId::new(92)) }).unwrap();
    assert!(reply.content.contains("Discord will not notify <@&91>"), "{}", reply.content);
    assert!(!reply.content.contains("<@&92> when"), "only the silent one: {}", reply.content);
    assert!(reply.content.contains("Allow anyone to @mention this role"));
    let reply = run(&world, &admin, C::AddOption { name: "medical".into(), ping_role: Some(RoleId::new(93)) }).unwrap();
    assert!(!reply.content.contains("will not notify"), "{}", reply.content);
    let reply = run(&world, &admin, C::SetInGame { category: None, staff_role: Some(quiet) }).unwrap();
    assert!(reply.content.contains("Discord will not notify <@&91>"), "{}", reply.content);
    assert_eq!(world.desk.silent_ping_roles(GUILD).await.unwrap(), vec![quiet], "for the warning at start-up");
    assert_eq!(world.store.settings(GUILD).await.unwrap().ping_roles.support, Some(quiet), "saved all the same");
}

use super::*;
use crate::qna::{AnswerKind, QnaError, QnaQuestion};
use crate::recruitment::{RecruitmentError, RecruitmentStatus, RequestedRole};
use crate::settings::{ApplicantAccess, RecruitmentOption};
use crate::{ApplicationId, DeskError, Problem, QnaProgress, Step1Input, TicketId};

pub(super) const APPLICANT: u64 = 5555;

/// The time people take between two steps: longer than the record's edit quiet time, as in life.
fn a_moment_later(world: &World) {
    world.advance(time::Duration::seconds(30));
}

fn with_options(world: &World) {
    world.configure(|s| {
        s.recruitment_options = vec![
            RecruitmentOption { name: "medical".into(), ping_role: Some(RoleId::new(62)) },
            RecruitmentOption { name: "salvage".into(), ping_role: None },
        ];
        s
    });
}

fn step1(area: &str) -> Step1Input {
    Step1Input {
        requested: RequestedRole::Member,
        area: area.into(),
        time_zone: "UTC+2".into(),
        rsi_handle: "Pilot_One".into(),
        notes: "Flying since 2950. @everyone say hi".into(),
    }
}

async fn to_pending(world: &World) -> (TicketId, ApplicationId) {
    with_options(world);
    let opened = world.desk.open_recruitment_ticket(GUILD, &member(APPLICANT, "Applicant")).await.unwrap();
    let app = world.desk.submit_step1(opened.ticket, &member(APPLICANT, "Applicant"), &step1("Medical")).await.unwrap();
    a_moment_later(world);
    (opened.ticket, app)
}

fn answers() -> Vec<String> {
    vec!["medic, pilot".into(), "18:00-22:00".into(), "yes".into(), String::new()]
}

pub(super) async fn to_qna_received(world: &World) -> (TicketId, ApplicationId) {
    let (ticket, app) = to_pending(world).await;
    let progress = world.desk.submit_qna(app, &member(APPLICANT, "Applicant"), 1, &answers()).await.unwrap();
    assert_eq!(progress, QnaProgress::Completed);
    a_moment_later(world);
    (ticket, app)
}

async fn status(world: &World, app: ApplicationId) -> RecruitmentStatus {
    world.store.application(app).await.unwrap().unwrap().status
}

#[pollster::test]
async fn the_whole_flow_from_panel_to_finalised() {
    let world = World::configured();
    with_options(&world);
    world.configure(|s| {
        s.nick_sync = true;
        s.applicant_access = ApplicantAccess::ReadOnly;
        s
    });
    let opened = world.desk.open_recruitment_ticket(GUILD, &member(APPLICANT, "Applicant")).await.unwrap();
    insta::assert_yaml_snapshot!("recruitment_1_open", world.take_calls());

    let app = world.desk.submit_step1(opened.ticket, &member(APPLICANT, "Applicant"), &step1("Medical")).await.unwrap();
    insta::assert_yaml_snapshot!("recruitment_2_step1", world.take_calls());
    a_moment_later(&world);
    assert_eq!(status(&world, app).await, RecruitmentStatus::Pending);

    world.desk.submit_qna(app, &member(APPLICANT, "Applicant"), 1, &answers()).await.unwrap();
    insta::assert_yaml_snapshot!("recruitment_3_qna", world.take_calls());
    a_moment_later(&world);
    let stored = world.store.application(app).await.unwrap().unwrap();
    assert_eq!(stored.status, RecruitmentStatus::QnaReceived);
    assert_eq!(stored.qna[1].uk_time.as_deref(), Some("16:00-20:00"), "UTC+2 in November is UK time minus 2h");

    world.desk.approve(app, &recruiter(77, "Rita")).await.unwrap();
    insta::assert_yaml_snapshot!("recruitment_4_approve", world.take_calls());
    a_moment_later(&world);
    assert!(world.store.ticket(opened.ticket).await.unwrap().unwrap().is_open(), "approve keeps the ticket open");

    world.desk.finalise(app, &admin(78, "Owner")).await.unwrap();
    insta::assert_yaml_snapshot!("recruitment_5_finalise", world.take_calls());
    a_moment_later(&world);
    assert_eq!(status(&world, app).await, RecruitmentStatus::Finalised);
    assert!(!world.store.ticket(opened.ticket).await.unwrap().unwrap().is_open());

    world.desk.remove_member(GUILD, &recruiter(77, "Rita"), UserId::new(APPLICANT)).await.unwrap();
    assert_eq!(status(&world, app).await, RecruitmentStatus::Removed);
    let calls = world.take_calls();
    insta::assert_yaml_snapshot!("recruitment_6_remove", &calls);
    assert!(
        calls.iter().any(|c| matches!(c, Call::Edit { channel, message, .. } if *channel == RECORDS.get()
            && message.embeds[0].fields[0].value == "Removed")),
        "the record shows Removed: {calls:?}"
    );
    let history: Vec<RecruitmentStatus> =
        world.store.application(app).await.unwrap().unwrap().history.iter().map(|h| h.status).collect();
    use RecruitmentStatus::*;
    assert_eq!(history, vec![Pending, QnaReceived, Approved, Finalised, Removed]);
}

#[pollster::test]
async fn decline_needs_a_reason_keeps_it_on_the_record_and_dms_generically() {
    let world = World::configured();
    let (ticket, app) = to_qna_received(&world).await;
    world.take_calls();
    let blank = world.desk.decline(app, &recruiter(77, "Rita"), "  \n").await.unwrap_err();
    assert!(matches!(blank, DeskError::Recruitment(RecruitmentError::ReasonRequired)));
    assert!(world.take_calls().is_empty());
    world.desk.decline(app, &recruiter(77, "Rita"), "Internal: failed background check").await.unwrap();
    let calls = world.take_calls();
    insta::assert_yaml_snapshot!("recruitment_decline", calls);
    let dm = calls.iter().find_map(|c| match c {
        Call::Dm { message, .. } => Some(message),
        _ => None,
    });
    let dm_text = readable(&Call::Dm { user: 0, message: dm.expect("a DM was sent").clone() }).join(" ");
    assert!(!dm_text.contains("background"), "the DM never carries the reason");
    let stored = world.store.application(app).await.unwrap().unwrap();
    assert_eq!(stored.decline_reason.as_deref(), Some("Internal: failed background check"));
    assert!(!world.store.ticket(ticket).await.unwrap().unwrap().is_open());
}

#[pollster::test]
async fn applicants_cannot_review_themselves() {
    let world = World::configured();
    let (_, app) = to_qna_received(&world).await;
    world.take_calls();
    let err = world.desk.approve(app, &member(APPLICANT, "Applicant")).await.unwrap_err();
    assert!(matches!(err, DeskError::NotPermitted { .. }));
    let err = world.desk.finalise(app, &recruiter(77, "Rita")).await.unwrap_err();
    assert!(matches!(err, DeskError::NotPermitted { .. }), "finalise needs Manage Server");
    assert!(world.take_calls().is_empty());
    assert_eq!(status(&world, app).await, RecruitmentStatus::QnaReceived);
}

#[pollster::test]
async fn out_of_order_decisions_are_invalid_transitions() {
    let world = World::configured();
    let (_, app) = to_pending(&world).await;
    let err = world.desk.approve(app, &recruiter(77, "Rita")).await.unwrap_err();
    assert!(matches!(
        err,
        DeskError::Recruitment(RecruitmentError::InvalidTransition { from: RecruitmentStatus::Pending, .. })
    ));
    assert_eq!(err.to_string(), "cannot approve an application that is Pending");
    let err = world.desk.finalise(app, &admin(78, "Owner")).await.unwrap_err();
    assert!(matches!(err, DeskError::Recruitment(RecruitmentError::InvalidTransition { .. })));
    let err = world.desk.approve(ApplicationId::new(999), &recruiter(77, "Rita")).await.unwrap_err();
    assert!(matches!(err, DeskError::ApplicationNotFound(_)));
}

#[pollster::test]
async fn approve_needs_the_org_role_mapped() {
    let world = World::configured();
    let (_, app) = to_qna_received(&world).await;
    world.configure(|s| {
        s.org_roles.member = None;
        s
    });
    let err = world.desk.approve(app, &recruiter(77, "Rita")).await.unwrap_err();
    assert_eq!(err.to_string(), "no Member role is set: map it with /roles set");
    assert_eq!(status(&world, app).await, RecruitmentStatus::QnaReceived);
}

#[pollster::test]
async fn step1_input_is_checked() {
    let world = World::configured();
    with_options(&world);
    let opened = world.desk.open_recruitment_ticket(GUILD, &member(APPLICANT, "Applicant")).await.unwrap();
    let submit = |form: Step1Input, who: Actor| {
        let desk = &world.desk;
        async move { desk.submit_step1(opened.ticket, &who, &form).await }
    };
    let me = member(APPLICANT, "Applicant");
    let err = submit(step1("piracy"), me.clone()).await.unwrap_err();
    assert!(
        matches!(&err, DeskError::Invalid { field: "area/focus", problem: Problem::Unknown { given } } if given == "piracy")
    );
    let err =
        submit(Step1Input { time_zone: "Mars/Olympus".into(), ..step1("medical") }, me.clone()).await.unwrap_err();
    assert!(matches!(err, DeskError::Invalid { field: "time zone", .. }));
    let err = submit(Step1Input { rsi_handle: "no spaces allowed".into(), ..step1("medical") }, me.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, DeskError::Invalid { field: "RSI handle", .. }));
    let err = submit(step1("medical"), member(1, "Someone else")).await.unwrap_err();
    assert!(matches!(err, DeskError::NotApplicant));
    submit(step1("medical"), me.clone()).await.unwrap();
    let err = submit(step1("medical"), me).await.unwrap_err();
    assert!(matches!(err, DeskError::Step1AlreadySubmitted));
}

#[pollster::test]
async fn without_options_the_general_area_is_offered() {
    let world = World::configured();
    let opened = world.desk.open_recruitment_ticket(GUILD, &member(APPLICANT, "Applicant")).await.unwrap();
    let app = world.desk.submit_step1(opened.ticket, &member(APPLICANT, "Applicant"), &step1("General")).await.unwrap();
    assert_eq!(world.store.application(app).await.unwrap().unwrap().form.area, "general");
}

#[pollster::test]
async fn many_questions_take_several_pages() {
    let world = World::configured();
    world.configure(|s| {
        for i in 0..3 {
            s.qna.push(QnaQuestion::new(&format!("Extra {i}"), AnswerKind::Keywords, true).unwrap());
        }
        s
    });
    let (_, app) = to_pending(&world).await;
    let me = member(APPLICANT, "Applicant");
    let page1 = vec!["a".into(), "18-20".into(), "no".into(), "".into(), "b".into()];
    let page2 = vec!["c".to_owned(), "d".to_owned()];
    let early = world.desk.submit_qna(app, &me, 2, &page2).await.unwrap_err();
    assert!(matches!(early, DeskError::Qna(QnaError::StalePage { page: 1 })));
    assert_eq!(world.desk.submit_qna(app, &me, 1, &page1).await.unwrap(), QnaProgress::NextPage(2));
    assert_eq!(status(&world, app).await, RecruitmentStatus::Pending);
    assert_eq!(world.desk.submit_qna(app, &me, 2, &page2).await.unwrap(), QnaProgress::Completed);
    let stored = world.store.application(app).await.unwrap().unwrap();
    assert_eq!(stored.qna.len(), 7);
    assert!(stored.qna_draft.is_empty());
    assert_eq!(stored.status, RecruitmentStatus::QnaReceived);
}

#[pollster::test]
async fn bad_answers_are_refused_and_nothing_is_saved() {
    let world = World::configured();
    let (_, app) = to_pending(&world).await;
    let me = member(APPLICANT, "Applicant");
    let bad = vec!["a".into(), "whenever".into(), "yes".into(), "".into()];
    assert!(matches!(
        world.desk.submit_qna(app, &me, 1, &bad).await,
        Err(DeskError::Qna(QnaError::NotTimeRange { .. }))
    ));
    let wrong_count = vec!["a".to_owned()];
    assert!(matches!(
        world.desk.submit_qna(app, &me, 1, &wrong_count).await,
        Err(DeskError::Qna(QnaError::StalePage { .. }))
    ));
    let other = world.desk.submit_qna(app, &member(1, "Other"), 1, &answers()).await;
    assert!(matches!(other, Err(DeskError::NotApplicant)));
    assert_eq!(status(&world, app).await, RecruitmentStatus::Pending);
    world.desk.submit_qna(app, &me, 1, &answers()).await.unwrap();
    let twice = world.desk.submit_qna(app, &me, 1, &answers()).await;
    assert!(matches!(twice, Err(DeskError::QnaClosed(RecruitmentStatus::QnaReceived))));
}

#[pollster::test]
async fn reopen_qna_reposts_the_button_while_pending() {
    let world = World::configured();
    let (ticket, app) = to_pending(&world).await;
    let channel = world.channel_of(ticket);
    world.take_calls();
    assert!(matches!(world.desk.reopen_qna(channel, &member(1, "x")).await, Err(DeskError::NotPermitted { .. })));
    assert_eq!(world.desk.reopen_qna(channel, &recruiter(77, "Rita")).await.unwrap(), app);
    let calls = world.take_calls();
    insta::assert_yaml_snapshot!("recruitment_reopen_qna", &calls);
    assert!(
        matches!(&calls[..], [Call::Send { message, .. }] if message.embeds[0].title.as_deref() == Some("Quick Q&A"))
    );
    world.desk.submit_qna(app, &member(APPLICANT, "Applicant"), 1, &answers()).await.unwrap();
    assert!(matches!(world.desk.reopen_qna(channel, &recruiter(77, "Rita")).await, Err(DeskError::QnaClosed(_))));
}

#[pollster::test]
async fn a_refused_nickname_is_noted_and_the_approval_stands() {
    let world = World::configured();
    world.configure(|s| {
        s.nick_sync = true;
        s
    });
    world.faults().forbid_nick = true;
    let (_, app) = to_qna_received(&world).await;
    world.take_calls();
    world.desk.approve(app, &recruiter(77, "Rita")).await.unwrap();
    let calls = world.take_calls();
    assert!(calls.iter().any(|c| matches!(c, Call::AddRole { role, .. } if *role == MEMBER_ROLE.get())));
    assert!(
        calls.iter().any(|c| matches!(c, Call::Send { channel, message } if *channel == LOG.get()
            && message.embeds[0].title.as_deref() == Some("Nickname not changed"))),
        "{calls:?}"
    );
    assert_eq!(status(&world, app).await, RecruitmentStatus::Approved);
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
}

#[pollster::test]
async fn a_deleted_record_is_skipped_not_fatal() {
    let world = World::configured();
    let (_, app) = to_pending(&world).await;
    world.faults().gone.insert(RECORDS);
    world.desk.submit_qna(app, &member(APPLICANT, "Applicant"), 1, &answers()).await.unwrap();
    assert!(world.store.pending_effects(None).await.unwrap().is_empty(), "the edit was skipped");
    assert!(world.store.dead_effects().is_empty());
}

#[pollster::test]
async fn remove_member_needs_an_application_and_the_capability() {
    let world = World::configured();
    let err = world.desk.remove_member(GUILD, &recruiter(77, "Rita"), UserId::new(123)).await.unwrap_err();
    assert!(matches!(err, DeskError::NoApplication));
    let err = world.desk.remove_member(GUILD, &member(5, "x"), UserId::new(123)).await.unwrap_err();
    assert!(matches!(err, DeskError::NotPermitted { .. }));
}

#[pollster::test]
async fn a_recruitment_channel_deleted_by_hand_updates_the_record() {
    let world = World::configured();
    let (ticket, app) = to_pending(&world).await;
    world.take_calls();
    world.desk.channel_deleted(world.channel_of(ticket)).await.unwrap();
    let calls = world.take_calls();
    let edit = calls.iter().find_map(|c| match c {
        Call::Edit { message, .. } => Some(message),
        _ => None,
    });
    let ticket_field =
        edit.expect("the record was edited").embeds[0].fields.iter().find(|f| f.name == "Ticket link").unwrap();
    assert_eq!(ticket_field.value, "closed");
    assert_eq!(status(&world, app).await, RecruitmentStatus::Pending, "the application itself is unchanged");
}

/// The record's status field in each edit among `calls`.
fn record_edits(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| match c {
            Call::Edit { channel, message, .. } if *channel == RECORDS.get() => {
                Some(message.embeds[0].fields[0].value.clone())
            }
            _ => None,
        })
        .collect()
}

#[pollster::test]
async fn quick_status_changes_are_held_and_coalesced_into_one_record_edit() {
    let world = World::configured();
    let (ticket, app) = to_qna_received(&world).await;
    world.take_calls();
    assert_eq!(world.desk.next_due().await.unwrap(), None, "nothing waits for a time");

    world.desk.approve(app, &recruiter(77, "Rita")).await.unwrap();
    assert_eq!(record_edits(&world.take_calls()), ["Approved"], "the first edit after a quiet spell is immediate");

    let mut rescheduled = world.desk.rescheduled();
    world.advance(time::Duration::milliseconds(500));
    world.desk.finalise(app, &admin(78, "Owner")).await.unwrap();
    let calls = world.take_calls();
    assert!(record_edits(&calls).is_empty(), "an edit within the quiet time is held: {calls:?}");
    assert!(calls.iter().any(|c| matches!(c, Call::DeleteChannel { .. })), "what came before the edit ran: {calls:?}");
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(std::pin::Pin::new(&mut rescheduled).poll(&mut cx).is_ready(), "the driver is told to look again");
    assert_eq!(world.desk.next_due().await.unwrap(), Some(std::time::Duration::from_millis(1500)));

    world.advance(time::Duration::milliseconds(500));
    world.desk.remove_member(GUILD, &recruiter(77, "Rita"), UserId::new(APPLICANT)).await.unwrap();
    let updates = world
        .store
        .pending_effects(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| matches!(p.effect, crate::effect::Effect::UpdateRecord { .. }))
        .count();
    assert_eq!(updates, 1, "the held edit will show the newest state: no second one is queued");

    let report = world.desk.resume().await.unwrap();
    assert_eq!(report.pending_after, report.pending_before, "nothing runs before its time");
    world.advance(time::Duration::seconds(1));
    world.desk.resume().await.unwrap();
    let calls = world.take_calls();
    assert_eq!(record_edits(&calls), ["Removed"], "one edit, with the newest status");
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
    assert_eq!(world.desk.next_due().await.unwrap(), None);
    assert!(!world.store.ticket(ticket).await.unwrap().unwrap().is_open());
}

#[pollster::test]
async fn removing_the_last_question_falls_back_to_the_default_set() {
    let world = World::configured();
    let owner = admin(1, "Owner");
    for _ in 0..QnaQuestion::defaults().len() - 1 {
        world.desk.admin(GUILD, &owner, crate::AdminCommand::QaRemove { position: 1 }).await.unwrap();
    }
    let reply = world.desk.admin(GUILD, &owner, crate::AdminCommand::QaRemove { position: 1 }).await.unwrap();
    let listed = reply.embeds[0].description.clone().unwrap();
    assert!(listed.starts_with("That was the last question, so the Q&A falls back to the default set:"), "{listed}");
    assert_eq!(world.store.settings(GUILD).await.unwrap().qna, QnaQuestion::defaults());

    // A guild whose stored list is empty (set by hand, or by an older version) asks the defaults too.
    world.configure(|s| {
        s.qna.clear();
        s
    });
    let (_, app) = to_qna_received(&world).await;
    let stored = world.store.application(app).await.unwrap().unwrap();
    let asked: Vec<&str> = stored.qna.iter().map(|a| a.question.as_str()).collect();
    assert_eq!(asked, ["Strengths", "Availability", "Voice comms / mic ready", "Anything else we should know"]);
}

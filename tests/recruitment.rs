//! Recruitment end to end: panel → private channel → Step 1 wizard → Quick Q&A → approve / decline → finalise →
//! removed, with the permanent record following every status.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_discord::sim::Interaction;
use e2e::{PATIENCE, Stack, channel_in, custom_ids, embed_field, opt, readable, sub};

/// An application in progress: its channel and the ids its controls carry.
struct Application {
    channel: u64,
    ticket: String,
    app: Option<String>,
}

/// The permanent record's status, once posted.
fn record_status(stack: &Stack) -> Option<String> {
    stack.discord.messages(stack.places.records).iter().find_map(|m| embed_field(m, "Status"))
}

async fn wait_status(stack: &Stack, status: &str) {
    let records = stack.places.records;
    let ok = stack
        .discord
        .wait_for(PATIENCE, |d| d.messages(records).iter().any(|m| embed_field(m, "Status").as_deref() == Some(status)))
        .await;
    assert!(ok, "the record shows {status}; it shows {:?}", record_status(stack));
}

fn reply(asked: &Interaction) -> String {
    asked.reply_text().unwrap_or_else(|| panic!("the bot answered: {asked:?}"))
}

/// `user` presses the recruitment panel's button.
async fn apply(stack: &Stack, user: u64) -> Application {
    let d = &stack.discord;
    let panel =
        stack.wait_message(stack.places.recruitment_panel, |m| custom_ids(m).contains(&"recruit:open".into())).await;
    let opened = reply(&d.click_button(stack.places.recruitment_panel, panel.id, "recruit:open", user).await);
    let channel = channel_in(&opened, "Your application channel is open: <#");
    let wizard = stack.wait_message(channel, |m| custom_ids(m).iter().any(|id| id.starts_with("recruit:role:"))).await;
    let ticket = custom_ids(&wizard)[0].trim_start_matches("recruit:role:").to_owned();
    Application { channel, ticket, app: None }
}

/// Step 1 through the wizard: role, area, Continue, the details form.
async fn step1(stack: &Stack, a: &mut Application, user: u64, role: &str, area: &str, tz: &str) -> Interaction {
    let d = &stack.discord;
    let wizard =
        stack.wait_message(a.channel, |m| custom_ids(m).iter().any(|id| id.starts_with("recruit:role:"))).await;
    let chose = d.choose(a.channel, wizard.id, &format!("recruit:role:{}", a.ticket), &[role], user).await;
    assert_eq!(chose.response_type(), Some(7), "the wizard moves on in place: {chose:?}");
    let area_id = format!("recruit:area:{}:{role}", a.ticket);
    let chose = d.choose(a.channel, wizard.id, &area_id, &[area], user).await;
    assert_eq!(chose.response_type(), Some(7), "{chose:?}");
    let details = format!("recruit:details:{}:{role}:{area}", a.ticket);
    let form = d.click_button(a.channel, wizard.id, &details, user).await.modal().expect("the details form");
    let fields = [("time_zone", tz), ("rsi_handle", "Pilot_One"), ("notes", "Medic, flying since 2950. @everyone hi")];
    let submitted = d.submit_modal(a.channel, &form.custom_id, &fields, user).await;
    let prompt = d
        .wait_for(PATIENCE, |d| {
            d.messages(a.channel).iter().any(|m| custom_ids(m).iter().any(|id| id.starts_with("recruit:qna:")))
        })
        .await;
    if prompt {
        let qna =
            d.messages(a.channel).into_iter().find(|m| custom_ids(m).iter().any(|id| id.starts_with("recruit:qna:")));
        let id = custom_ids(&qna.unwrap()).into_iter().find(|id| id.starts_with("recruit:qna:")).unwrap();
        a.app = Some(id.trim_start_matches("recruit:qna:").split(':').next().unwrap().to_owned());
    }
    submitted
}

/// The Quick Q&A with the default questions.
async fn qna(stack: &Stack, a: &Application, user: u64) -> Interaction {
    let d = &stack.discord;
    let app = a.app.as_ref().unwrap();
    let prompt = stack.wait_message(a.channel, |m| custom_ids(m).contains(&format!("recruit:qna:{app}:1"))).await;
    let form = d.click_button(a.channel, prompt.id, &format!("recruit:qna:{app}:1"), user).await;
    let form = form.modal().expect("the Q&A form");
    assert_eq!(
        form.inputs.iter().map(|i| i.label.as_str()).collect::<Vec<_>>(),
        vec!["Strengths", "Availability", "Voice comms / mic ready", "Anything else we should know"]
    );
    let answers = [("q0", "medic, pilot"), ("q1", "18:00-22:00"), ("q2", "yes"), ("q3", "")];
    d.submit_modal(a.channel, &form.custom_id, &answers, user).await
}

/// `user` applies and goes through Step 1 and the Q&A; returns the application and its id.
async fn through_qna(stack: &Stack, user: u64, role: &str, area: &str, tz: &str) -> (Application, String) {
    let mut a = apply(stack, user).await;
    step1(stack, &mut a, user, role, area, tz).await;
    let app = a.app.clone().expect("the Q&A prompt carries the application");
    qna(stack, &a, user).await;
    (a, app)
}

/// Presses a staff button on the latest message that has it.
async fn press(stack: &Stack, a: &Application, id: &str, user: u64) -> Interaction {
    let message = stack.wait_message(a.channel, |m| custom_ids(m).contains(&id.to_owned())).await;
    stack.discord.click_button(a.channel, message.id, id, user).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_goes_from_the_panel_to_finalised_and_is_later_removed() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    stack.admin_command("tickets", sub("set-nick-sync", vec![opt("enabled", 5, true)])).await;

    let mut a = apply(&stack, people.ann).await;
    let channel = d.channel(a.channel).unwrap();
    assert_eq!(channel.parent, Some(places.recruitment_category));
    assert!(channel.overwrites.iter().any(|o| o.id == people.ann), "the applicant is let in");
    assert!(channel.overwrites.iter().any(|o| o.id == places.recruiter_role), "recruiters are let in");

    let saved = step1(&stack, &mut a, people.ann, "member", "medical", "UTC+1").await;
    assert_eq!(reply(&saved), "Step 1 saved. Next: press **Answer Q&A** below.");
    let app = a.app.clone().expect("the Q&A prompt carries the application");
    let topic = d.channel(a.channel).unwrap().topic.unwrap();
    assert!(topic.contains(&format!("TID:{}", a.ticket)) && topic.contains(&format!("APP:{app}")), "{topic}");
    assert!(
        topic.contains("REQ:member")
            && topic.contains("TZ:UTC+01:00")
            && topic.contains(&format!("OPENER:{}", people.ann))
    );
    wait_status(&stack, "Pending").await;
    let summary = stack.wait_message(a.channel, |m| readable(m).contains("Step 1 complete")).await;
    assert_eq!(custom_ids(&summary), vec![format!("recruit:approve:{app}"), format!("recruit:decline:{app}")]);
    assert!(!readable(&summary).contains("@everyone"), "applicant text is defused");

    let answered = qna(&stack, &a, people.ann).await;
    assert_eq!(reply(&answered), "Thanks! Your answers are in; staff will review your application.");
    wait_status(&stack, "Q&A received").await;
    let tile = stack.wait_message(a.channel, |m| readable(m).contains("Q&A completed")).await;
    assert!(tile.edited, "the Q&A button is replaced by the completed tile");
    let record = d.messages(places.records).into_iter().next().unwrap();
    // The bot converts with the date of the answer: UTC+1 is the UK's own time while it is on summer time.
    let london = jiff::tz::TimeZone::get("Europe/London").unwrap();
    let uk = if london.to_offset(jiff::Timestamp::now()).seconds() == 3600 { "18:00-22:00" } else { "17:00-21:00" };
    let expected = format!("18:00-22:00 (local) · {uk} UK time");
    assert_eq!(embed_field(&record, "Availability"), Some(expected));

    // The applicant cannot approve themselves; a recruiter can.
    let refused = press(&stack, &a, &format!("recruit:approve:{app}"), people.ann).await;
    assert!(reply(&refused).starts_with("You need the recruitment role or the Manage Channels permission"));
    assert_eq!(record_status(&stack).as_deref(), Some("Q&A received"));
    let approved = press(&stack, &a, &format!("recruit:approve:{app}"), people.rita).await;
    assert_eq!(reply(&approved), format!("Application #{app} approved."));
    wait_status(&stack, "Approved").await;
    assert!(
        d.member(places.guild, people.ann).unwrap().roles.contains(&places.member_role),
        "the Member role is granted"
    );
    assert_eq!(d.member(places.guild, people.ann).unwrap().nick.as_deref(), Some("Pilot_One"), "nickname synced");
    assert!(d.channel(a.channel).is_some(), "approve keeps the ticket open");
    stack.wait_message(places.log, |m| readable(m).contains(&format!("Application #{app} approved"))).await;

    // Finalise needs Manage Server: the recruiter is refused, the owner finalises.
    let finalise = format!("recruit:finalise:{app}");
    assert!(
        reply(&press(&stack, &a, &finalise, people.rita).await).starts_with("You need the Manage Server permission")
    );
    let done = press(&stack, &a, &finalise, people.admin).await;
    assert_eq!(reply(&done), format!("Application #{app} finalised."));
    wait_status(&stack, "Finalised").await;
    assert!(d.wait_for(PATIENCE, |d| d.channel(a.channel).is_none()).await, "the ticket channel is deleted");
    assert!(d.dms(people.ann).is_empty(), "no DM on finalise");

    // Later: removed from the org.
    let removed = stack
        .admin_command("recruit-config", sub("remove-member", vec![opt("member", 6, people.ann.to_string())]))
        .await;
    assert_eq!(reply(&removed), format!("Application #{app} is marked Removed."));
    wait_status(&stack, "Removed").await;
    let record = d.messages(places.records).into_iter().next().unwrap();
    assert_eq!(embed_field(&record, "Ticket link").as_deref(), Some("closed"));
    assert_eq!(d.messages(places.records).len(), 1, "one permanent record, edited in place");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_decisions_reach_the_record_as_spaced_edits_of_the_newest_status() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let people = stack.people;
    let (a, app) = through_qna(&stack, people.ann, "member", "medical", "UTC").await;
    // Staff decide in a burst, right after the Q&A edit.
    press(&stack, &a, &format!("recruit:approve:{app}"), people.rita).await;
    let done = press(&stack, &a, &format!("recruit:finalise:{app}"), people.admin).await;
    assert_eq!(reply(&done), format!("Application #{app} finalised."));
    wait_status(&stack, "Finalised").await;

    let record = d.messages(stack.places.records).into_iter().next().unwrap();
    let path = format!("/api/v10/channels/{}/messages/{}", stack.places.records, record.id);
    let edits: Vec<_> = d.requests().into_iter().filter(|r| r.method == "PATCH" && r.path == path).collect();
    assert!(!edits.is_empty() && edits.len() <= 2, "Q&A, Approved and Finalised took {} edits", edits.len());
    for pair in edits.windows(2) {
        let gap = pair[1].served_at - pair[0].served_at;
        assert!(gap >= ticket_core::desk::RECORD_EDIT_QUIET, "two edits of one record {gap:?} apart");
    }
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_affiliate_gets_the_role_and_with_read_only_access_can_read_but_not_write() {
    use e2e::permissions::{SEND_MESSAGES, VIEW_CHANNEL};
    let stack = Stack::start().await;
    let d = &stack.discord;
    let people = stack.people;
    stack.admin_command("recruit-config", sub("set-access-mode", vec![opt("mode", 3, "read_only")])).await;
    let mut a = apply(&stack, people.ann).await;
    let channel = a.channel;
    let applicant = |d: &adapter_discord::sim::FakeDiscord| {
        d.channel(channel).unwrap().overwrites.into_iter().find(|o| o.id == people.ann).expect("the applicant")
    };
    assert_ne!(applicant(d).allow & SEND_MESSAGES, 0, "the applicant writes while applying");
    step1(&stack, &mut a, people.ann, "affiliate", "salvage", "UTC").await;
    let app = a.app.clone().unwrap();
    qna(&stack, &a, people.ann).await;
    press(&stack, &a, &format!("recruit:approve:{app}"), people.rita).await;
    let (guild, affiliate) = (stack.places.guild, stack.places.affiliate_role);
    let granted = d.wait_for(PATIENCE, |d| d.member(guild, people.ann).unwrap().roles.contains(&affiliate)).await;
    assert!(granted, "an approved affiliate gets the Affiliate role");
    let read_only = d.wait_for(PATIENCE, |d| applicant(d).deny & SEND_MESSAGES != 0).await;
    assert!(read_only, "after approve the applicant may no longer write: {:?}", applicant(d));
    assert_ne!(applicant(d).allow & VIEW_CHANNEL, 0, "but still reads the ticket");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decline_needs_a_reason_keeps_it_on_the_record_and_dms_generically() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let people = stack.people;
    let (a, app) = through_qna(&stack, people.ann, "affiliate", "salvage", "UTC-5").await;
    let form =
        press(&stack, &a, &format!("recruit:decline:{app}"), people.rita).await.modal().expect("a reason is asked");
    assert!(form.inputs[0].required, "the reason is required");
    let blank = d.submit_modal(a.channel, &form.custom_id, &[("reason", "   ")], people.rita).await;
    assert_eq!(reply(&blank), "a decline reason is required");
    assert!(d.channel(a.channel).is_some());
    let form = press(&stack, &a, &format!("recruit:decline:{app}"), people.rita).await.modal().unwrap();
    let declined = d.submit_modal(a.channel, &form.custom_id, &[("reason", "Internal: no mic")], people.rita).await;
    assert!(reply(&declined).starts_with(&format!("Application #{app} declined")));
    wait_status(&stack, "Declined").await;
    let record = d.messages(stack.places.records).into_iter().next().unwrap();
    assert_eq!(embed_field(&record, "Decline reason").as_deref(), Some("Internal: no mic"));
    assert!(d.wait_for(PATIENCE, |d| d.channel(a.channel).is_none()).await, "the channel is deleted");
    assert!(d.wait_for(PATIENCE, |d| !d.dms(people.ann).is_empty()).await, "the applicant gets a DM");
    let dm = readable(&d.dms(people.ann)[0]);
    assert!(dm.contains("not successful this time") && !dm.contains("no mic"), "generic, without the reason: {dm}");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_option_removed_while_the_wizard_was_open_is_refused_clearly() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let people = stack.people;
    let a = apply(&stack, people.ann).await;
    let wizard =
        stack.wait_message(a.channel, |m| custom_ids(m).iter().any(|id| id.starts_with("recruit:role:"))).await;
    d.choose(a.channel, wizard.id, &format!("recruit:role:{}", a.ticket), &["member"], people.ann).await;
    d.choose(a.channel, wizard.id, &format!("recruit:area:{}:member", a.ticket), &["salvage"], people.ann).await;
    // Staff remove the area while the applicant is filling in the form.
    stack.admin_command("tickets", sub("remove-option", vec![opt("name", 3, "salvage")])).await;
    let form =
        d.click_button(a.channel, wizard.id, &format!("recruit:details:{}:member:salvage", a.ticket), people.ann).await;
    let form = form.modal().unwrap();
    let fields = [("time_zone", "UTC"), ("rsi_handle", "Pilot_One")];
    let refused = d.submit_modal(a.channel, &form.custom_id, &fields, people.ann).await;
    assert_eq!(reply(&refused), "The area/focus has no entry called \"salvage\".");
    assert!(d.messages(stack.places.records).is_empty(), "no application was made");
    let unknown = stack.admin_command("tickets", sub("remove-option", vec![opt("name", 3, "piracy")])).await;
    assert_eq!(reply(&unknown), "The option list has no entry called \"piracy\".");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_between_steps_carries_the_application_on() {
    let stack = Stack::start().await;
    let people = stack.people;
    let mut a = apply(&stack, people.ann).await;
    step1(&stack, &mut a, people.ann, "member", "medical", "UTC").await;
    let stack = stack.restart().await;
    let answered = qna(&stack, &a, people.ann).await;
    assert_eq!(reply(&answered), "Thanks! Your answers are in; staff will review your application.");
    let app = a.app.clone().unwrap();
    let stack = stack.restart().await;
    press(&stack, &a, &format!("recruit:approve:{app}"), people.rita).await;
    wait_status(&stack, "Approved").await;
    let stack = stack.restart().await;
    press(&stack, &a, &format!("recruit:finalise:{app}"), people.admin).await;
    wait_status(&stack, "Finalised").await;
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopen_qna_by_command_and_by_prefix() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let people = stack.people;
    let mut a = apply(&stack, people.ann).await;
    step1(&stack, &mut a, people.ann, "member", "medical", "UTC").await;
    let prompts = |d: &adapter_discord::sim::FakeDiscord| {
        d.messages(a.channel).iter().filter(|m| readable(m).contains("Press **Answer Q&A**")).count()
    };
    assert_eq!(prompts(d), 1);
    // `/tickets` needs Manage Server by default (server admins may open it to recruiters in Discord's settings);
    // recruiters have `/recruit-config reopen-qna`, which everyone sees, and the `!reopen_qna` fallback.
    let asked = d.run_command(stack.places.guild, a.channel, people.admin, "tickets", sub("reopen-qna", vec![])).await;
    assert_eq!(reply(&asked), "The Q&A button is posted again.");
    assert!(d.wait_for(PATIENCE, |d| prompts(d) == 2).await);
    let guild = stack.places.guild;
    let asked = d.run_command(guild, a.channel, people.rita, "recruit-config", sub("reopen-qna", vec![])).await;
    assert_eq!(reply(&asked), "The Q&A button is posted again.", "a recruiter reaches it under /recruit-config");
    assert!(d.wait_for(PATIENCE, |d| prompts(d) == 3).await);
    d.send_message(a.channel, people.rita, "!reopen_qna").await;
    assert!(d.wait_for(PATIENCE, |d| prompts(d) == 4).await, "the prefix fallback works for recruiters");
    d.send_message(a.channel, people.ann, "!reopen_qna").await;
    let told = d
        .wait_for(PATIENCE, |d| {
            d.messages(a.channel).iter().any(|m| m.content.starts_with("You need the recruitment role"))
        })
        .await;
    assert!(told, "the applicant is told they may not");
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nickname_discord_refuses_is_logged_and_the_approval_stands() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    stack.admin_command("tickets", sub("set-nick-sync", vec![opt("enabled", 5, true)])).await;
    // An applicant whose top role sits above the bot's: Discord refuses to rename them (403, code 50013).
    let vip = d.create_role(places.guild, "VIP", 0);
    d.set_role_position(places.guild, vip, 99);
    d.set_member_roles(places.guild, people.bob, &[vip]);
    let (a, app) = through_qna(&stack, people.bob, "member", "medical", "UTC").await;
    press(&stack, &a, &format!("recruit:approve:{app}"), people.rita).await;
    wait_status(&stack, "Approved").await;
    let note = stack.wait_message(places.log, |m| readable(m).contains("Nickname not changed")).await;
    assert!(readable(&note).contains("Manage Nicknames"), "the log says what to fix");
    assert!(d.member(places.guild, people.bob).unwrap().roles.contains(&places.member_role), "the role is granted");
    assert_eq!(d.member(places.guild, people.bob).unwrap().nick, None);
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_five_questions_are_asked_over_several_pages() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let people = stack.people;
    for (label, kind) in [("Main ship", "keywords"), ("Org experience", "paragraph")] {
        let add = sub("qa-add", vec![opt("question", 3, label), opt("kind", 3, kind), opt("required", 5, false)]);
        stack.admin_command("recruit-config", add).await;
    }
    let mut a = apply(&stack, people.ann).await;
    step1(&stack, &mut a, people.ann, "member", "medical", "Europe/Berlin").await;
    let app = a.app.clone().unwrap();
    let prompt = stack.wait_message(a.channel, |m| custom_ids(m).contains(&format!("recruit:qna:{app}:1"))).await;
    let page1 =
        d.click_button(a.channel, prompt.id, &format!("recruit:qna:{app}:1"), people.ann).await.modal().unwrap();
    assert_eq!((page1.title.as_str(), page1.inputs.len()), ("Quick Q&A (1/2)", 5), "Discord allows five inputs");
    let answers = [("q0", "medic"), ("q1", "18:00-22:00"), ("q2", "no"), ("q3", ""), ("q4", "Cutlass Red")];
    let saved = d.submit_modal(a.channel, &page1.custom_id, &answers, people.ann).await;
    assert_eq!(reply(&saved), "Page 1 of 2 saved. Press **Continue** on the Quick Q&A for the rest.");
    assert_eq!(record_status(&stack).as_deref(), Some("Pending"), "not complete yet");
    let moved = stack.wait_message(a.channel, |m| custom_ids(m).contains(&format!("recruit:qna:{app}:2"))).await;
    assert_eq!(moved.id, prompt.id, "the prompt itself moved on to page 2");
    let page2 = d.click_button(a.channel, moved.id, &format!("recruit:qna:{app}:2"), people.ann).await.modal().unwrap();
    assert_eq!((page2.title.as_str(), page2.inputs.len()), ("Quick Q&A (2/2)", 1));
    let done = d.submit_modal(a.channel, &page2.custom_id, &[("q5", "Two years in a medical org")], people.ann).await;
    assert_eq!(reply(&done), "Thanks! Your answers are in; staff will review your application.");
    wait_status(&stack, "Q&A received").await;
    let record = d.messages(stack.places.records).into_iter().next().unwrap();
    assert_eq!(embed_field(&record, "Main ship").as_deref(), Some("Cutlass Red"));
    assert_eq!(embed_field(&record, "Org experience").as_deref(), Some("Two years in a medical org"));
    let availability = embed_field(&record, "Availability").unwrap();
    assert!(
        availability.starts_with("18:00-22:00 (local) · 17:00-21:00 UK time"),
        "Berlin is an hour ahead of the UK: {availability}"
    );
    stack.assert_no_violations();
    stack.stop().await;
}

/// With feedback on, a declined applicant gets the generic DM and no rating prompt; a finalised one is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_feedback_on_a_declined_applicant_is_not_asked_and_a_finalised_one_is() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let people = stack.people;
    stack.admin_command("tickets", sub("set-closing", vec![opt("feedback", 5, true)])).await;
    let (declined, app) = through_qna(&stack, people.ann, "affiliate", "salvage", "UTC-5").await;
    let form = press(&stack, &declined, &format!("recruit:decline:{app}"), people.rita).await.modal().unwrap();
    d.submit_modal(declined.channel, &form.custom_id, &[("reason", "no mic")], people.rita).await;

    let (accepted, app) = through_qna(&stack, people.bob, "member", "medical", "UTC").await;
    press(&stack, &accepted, &format!("recruit:approve:{app}"), people.rita).await;
    press(&stack, &accepted, &format!("recruit:finalise:{app}"), people.admin).await;
    let asked = |m: &adapter_discord::sim::MessageState| custom_ids(m).iter().any(|i| i.starts_with("feedback:rate:"));
    assert!(d.wait_for(PATIENCE, |d| d.dms(people.bob).iter().any(asked)).await, "the finalised applicant is asked");
    assert!(d.wait_for(PATIENCE, |d| !d.dms(people.ann).is_empty()).await, "the declined applicant gets a DM");
    assert!(d.wait_for(PATIENCE, |d| d.channel(declined.channel).is_none()).await);
    assert_eq!(d.dms(people.ann).len(), 1, "only the generic decline DM");
    assert!(!d.dms(people.ann).iter().any(asked), "no rating prompt for a declined application");
    stack.assert_no_violations();
    stack.stop().await;
}

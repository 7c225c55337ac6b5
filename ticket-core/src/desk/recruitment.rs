//! Recruitment: open, Step 1, Quick Q&A, approve, decline, finalise, remove, reopen Q&A.

use crate::effect::{ChainKey, Destination, Effect, Notice};
use crate::id::{ApplicationId, ChannelId, GuildId, TicketId, UserId};
use crate::permissions::Actor;
use crate::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use crate::qna::{AnswerKind, QnaAnswer, QnaError, QnaQuestion, TimeRange};
use crate::recruitment::{
    Application, DeclineReason, RecruitmentContext, RecruitmentInput, RecruitmentStatus, RequestedRole, StatusChange,
    Step1,
};
use crate::settings::{GuildSettings, TicketType};
use crate::ticket::{CloseReason, RecruitmentTicket, Ticket, TicketDetail};
use crate::topic::Topic;

use super::panel::PanelTicket;
use super::{Action, Desk, DeskError, Opened, Problem, retry_on_conflict, typed_text};

/// The area offered when staff configured no recruitment options.
pub const DEFAULT_AREA: &str = "general";

/// What the applicant filled in at Step 1, as the platform received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step1Input {
    /// Member or Affiliate.
    pub requested: RequestedRole,
    /// The chosen area/focus.
    pub area: String,
    /// Their time zone (`Europe/London`, `UTC+2`…).
    pub time_zone: String,
    /// Their RSI handle.
    pub rsi_handle: String,
    /// A short intro (may be empty).
    pub notes: String,
}

/// Where the Quick Q&A stands after a page was submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QnaProgress {
    /// More pages to go: show this one (from 1) next.
    NextPage(usize),
    /// All answered: the application is now Q&A received.
    Completed,
}

/// Whether the applicant `pid` may fill in Step 1 of `ticket`: it is an open recruitment ticket, theirs, and
/// Step 1 is not in yet.
fn check_step1(ticket: &Ticket, pid: crate::Pid) -> Result<(), DeskError> {
    if !ticket.is_open() {
        return Err(crate::ticket::TicketError::AlreadyClosed(ticket.id).into());
    }
    let recruitment = ticket.recruitment()?;
    if recruitment.applicant != pid {
        return Err(DeskError::NotApplicant);
    }
    if recruitment.application.is_some() {
        return Err(DeskError::Step1AlreadySubmitted);
    }
    Ok(())
}

/// Whether the applicant `pid` may answer the Q&A of `app`: it is theirs and still waits for answers.
fn check_qna(app: &Application, pid: crate::Pid) -> Result<(), DeskError> {
    if app.applicant != pid {
        return Err(DeskError::NotApplicant);
    }
    if app.status != RecruitmentStatus::Pending {
        return Err(DeskError::QnaClosed(app.status));
    }
    Ok(())
}

/// The areas an applicant can choose from.
pub fn area_names(settings: &GuildSettings) -> Vec<String> {
    if settings.recruitment_options.is_empty() {
        vec![DEFAULT_AREA.to_owned()]
    } else {
        settings.recruitment_options.iter().map(|o| o.name.clone()).collect()
    }
}

fn check_rsi_handle(raw: &str) -> Result<String, DeskError> {
    let handle = raw.trim();
    let ok =
        (3..=60).contains(&handle.len()) && handle.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(handle.to_owned())
    } else {
        Err(DeskError::invalid("RSI handle", Problem::Malformed { expected: "3 to 60 letters, digits, '_' or '-'" }))
    }
}

impl Desk {
    /// A member pressed the recruitment panel: their private application channel opens with the Step 1 wizard.
    pub async fn open_recruitment_ticket(&self, guild: GuildId, applicant: &Actor) -> Result<Opened, DeskError> {
        let ticket = retry_on_conflict!(self.try_open_recruitment(guild, applicant).await)?;
        self.opening(ticket).await
    }

    async fn try_open_recruitment(&self, guild: GuildId, applicant: &Actor) -> Result<TicketId, DeskError> {
        self.try_open_panel_ticket(guild, applicant, TicketType::Recruitment, false, |settings, id, pid, contact| {
            PanelTicket {
                detail: TicketDetail::Recruitment(RecruitmentTicket { applicant: pid, contact, application: None }),
                welcome: Notice::Step1Wizard {
                    ticket: id,
                    applicant: contact,
                    ping: settings.ping_roles.recruitment.into_iter().collect(),
                    options: area_names(settings),
                },
                transcript: None,
                then: Vec::new(),
            }
        })
        .await
    }

    /// Whether `applicant` may go on with the Step 1 wizard of `ticket`: lets a platform refuse a click before it
    /// shows the next step. [`Desk::submit_step1`] checks again.
    pub async fn may_fill_step1(&self, ticket: TicketId, applicant: &Actor) -> Result<(), DeskError> {
        let stored = self.ports.store.ticket(ticket).await?.ok_or(DeskError::TicketNotFound(ticket))?;
        self.same_guild(applicant, stored.guild)?;
        check_step1(&stored, self.pid_of(applicant.user))
    }

    /// The Q&A questions, when `applicant` may answer page `page` (from 1) of `app` now: for a platform to show
    /// that page's form. [`Desk::submit_qna`] checks again.
    pub async fn qna_questions(
        &self,
        app: ApplicationId,
        applicant: &Actor,
        page: usize,
    ) -> Result<Vec<QnaQuestion>, DeskError> {
        let stored = self.ports.store.application(app).await?.ok_or(DeskError::ApplicationNotFound(app))?;
        self.same_guild(applicant, stored.guild)?;
        check_qna(&stored, self.pid_of(applicant.user))?;
        let questions = self.settings(stored.guild).await?.qna;
        if QnaQuestion::page(&questions, page).is_empty() {
            return Err(QnaError::StalePage { page }.into());
        }
        Ok(questions)
    }

    /// The applicant submitted Step 1: the application is created (Pending), the topic gets its markers, staff see
    /// the summary, the RSI profile is looked up, the Quick Q&A button is posted and the permanent record is
    /// written.
    pub async fn submit_step1(
        &self,
        ticket: TicketId,
        applicant: &Actor,
        form: &Step1Input,
    ) -> Result<ApplicationId, DeskError> {
        let rsi_handle = check_rsi_handle(&form.rsi_handle)?;
        let notes = if form.notes.trim().is_empty() {
            String::new()
        } else {
            self.sealed(typed_text("notes", &form.notes, 1000)?)
        };
        retry_on_conflict!(self.try_step1(ticket, applicant, form, &rsi_handle, &notes).await)
    }

    async fn try_step1(
        &self,
        ticket_id: TicketId,
        applicant: &Actor,
        form: &Step1Input,
        rsi_handle: &str,
        notes: &str,
    ) -> Result<ApplicationId, DeskError> {
        let store = &self.ports.store;
        let mut ticket = store.ticket(ticket_id).await?.ok_or(DeskError::TicketNotFound(ticket_id))?;
        self.same_guild(applicant, ticket.guild)?;
        let pid = self.pid_of(applicant.user);
        check_step1(&ticket, pid)?;
        let settings = self.settings(ticket.guild).await?;
        let recruitment = ticket.recruitment_mut()?;
        let contact = recruitment.contact;
        let area = match settings.option(&form.area) {
            Some(option) => option.name.clone(),
            None if settings.recruitment_options.is_empty() && form.area.trim().eq_ignore_ascii_case(DEFAULT_AREA) => {
                DEFAULT_AREA.to_owned()
            }
            None => {
                return Err(DeskError::invalid("area/focus", Problem::Unknown { given: form.area.trim().to_owned() }));
            }
        };
        let now = self.ports.clock.now();
        let zone = self.ports.zones.zone(&form.time_zone, now).ok_or_else(|| {
            DeskError::invalid(
                "time zone",
                Problem::Malformed { expected: "a zone such as Europe/London or an offset such as UTC+2" },
            )
        })?;
        let id = store.next_application_id().await?;
        recruitment.application = Some(id);
        let step1 = Step1 {
            requested: form.requested,
            area: area.clone(),
            time_zone: zone.name.clone(),
            rsi_handle: rsi_handle.to_owned(),
            notes: notes.to_owned(),
        };
        let app = Application {
            id,
            guild: ticket.guild,
            ticket: ticket.id,
            applicant: pid,
            contact,
            applicant_name: applicant.display_name.clone(),
            status: RecruitmentStatus::Pending,
            form: step1.clone(),
            tz_info: Some(zone.describe()),
            qna: Vec::new(),
            qna_draft: Vec::new(),
            decline_reason: None,
            record: None,
            qna_prompt: None,
            history: vec![StatusChange { status: RecruitmentStatus::Pending, by: pid, at: now }],
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let chain = ChainKey::Ticket(ticket.id);
        let topic = Topic {
            ticket: ticket.id,
            app: Some(id),
            requested: Some(form.requested),
            tz: Some(zone.name.clone()),
            opener: Some(contact),
        };
        let area_ping = settings.option(&area).and_then(|o| o.ping_role);
        let mut effects = vec![Effect::SetTopic { ticket: ticket.id, topic }];
        effects.extend(area_ping.map(|role| Effect::AllowRole { ticket: ticket.id, role }));
        effects.extend([
            Effect::Post {
                to: Destination::Ticket(ticket.id),
                notice: Notice::Step1Summary {
                    app: id,
                    applicant: contact,
                    form: step1.clone(),
                    tz_info: app.tz_info.clone(),
                    area_ping,
                },
            },
            Effect::Post {
                to: Destination::Ticket(ticket.id),
                notice: Notice::QnaPrompt { app: id, pages: QnaQuestion::pages(&settings.qna) },
            },
            Effect::UpdateRecord { app: id },
            // Last: the lookup may be slow, and nothing after it in the chain should wait for it.
            Effect::ShowRsiProfile { ticket: ticket.id, rsi_handle: rsi_handle.to_owned() },
        ]);
        let summary = format!(
            "Step 1: {} · {} · {} · RSI {} · {}",
            step1.requested, step1.area, step1.time_zone, step1.rsi_handle, step1.notes
        );
        let commit = Commit {
            transcript: vec![TranscriptEntry::line(
                ticket.id,
                now,
                TranscriptAuthor::member(pid, applicant.display_name.clone()),
                summary,
            )],
            tickets: vec![ticket],
            applications: vec![app],
            enqueue: effects.into_iter().map(|e| (chain, e)).collect(),
            ..Commit::default()
        };
        self.save_and_run(commit).await?;
        tracing::info!(app = %id, applicant = %pid, "step 1 submitted");
        Ok(id)
    }

    /// The applicant submitted a Q&A page (`answers` in the order of that page's questions). After the last page
    /// the answers are merged into the application, the ticket shows Q&A completed, its button is replaced and the
    /// record is marked Q&A received.
    pub async fn submit_qna(
        &self,
        app: ApplicationId,
        applicant: &Actor,
        page: usize,
        answers: &[String],
    ) -> Result<QnaProgress, DeskError> {
        retry_on_conflict!(self.try_qna(app, applicant, page, answers).await)
    }

    async fn try_qna(
        &self,
        id: ApplicationId,
        applicant: &Actor,
        page: usize,
        answers: &[String],
    ) -> Result<QnaProgress, DeskError> {
        let store = &self.ports.store;
        let mut app = store.application(id).await?.ok_or(DeskError::ApplicationNotFound(id))?;
        self.same_guild(applicant, app.guild)?;
        let pid = self.pid_of(applicant.user);
        check_qna(&app, pid)?;
        let settings = self.settings(app.guild).await?;
        let questions = QnaQuestion::page(&settings.qna, page);
        if questions.is_empty() || questions.len() != answers.len() {
            return Err(QnaError::StalePage { page }.into());
        }
        let now = self.ports.clock.now();
        let first = QnaQuestion::first_of_page(page).unwrap_or(0);
        let mut checked = Vec::with_capacity(questions.len());
        for (question, raw) in questions.iter().zip(answers) {
            let answer = question.check_answer(raw)?.map(|text| self.sealed(text));
            let uk_time = match (&answer, question.kind) {
                (Some(text), AnswerKind::TimeRange) => TimeRange::parse(text)
                    .and_then(|range| self.ports.zones.to_uk(&app.form.time_zone, range, now.date()))
                    .map(|r| r.to_string()),
                _ => None,
            };
            checked.push(QnaAnswer { question: question.label.clone(), kind: question.kind, answer, uk_time });
        }
        app.qna_draft.truncate(first);
        if app.qna_draft.len() != first {
            return Err(QnaError::StalePage { page: app.qna_draft.len() / QnaQuestion::PER_PAGE + 1 }.into());
        }
        app.qna_draft.extend(checked);
        let pages = QnaQuestion::pages(&settings.qna);
        if page < pages {
            store.commit(Commit { applications: vec![app], ..Commit::default() }).await?;
            return Ok(QnaProgress::NextPage(page + 1));
        }
        app.qna = std::mem::take(&mut app.qna_draft);
        let ctx = RecruitmentContext {
            settings: &settings,
            by: pid,
            by_contact: app.contact,
            by_name: &applicant.display_name,
        };
        let effects = app.handle(RecruitmentInput::QnaSubmitted, ctx, now)?;
        let lines: Vec<String> =
            app.qna.iter().map(|a| format!("{}: {}", a.question, a.answer.as_deref().unwrap_or("—"))).collect();
        let transcript = TranscriptEntry::line(
            app.ticket,
            now,
            TranscriptAuthor::member(pid, applicant.display_name.clone()),
            format!("Q&A\n{}", lines.join("\n")),
        );
        let chain = ChainKey::Ticket(app.ticket);
        let effects = self.coalesce_records(chain, effects).await?;
        let commit = Commit {
            applications: vec![app],
            transcript: vec![transcript],
            enqueue: effects.into_iter().map(|e| (chain, e)).collect(),
            ..Commit::default()
        };
        self.save_and_run(commit).await?;
        tracing::info!(app = %id, "Q&A received");
        Ok(QnaProgress::Completed)
    }

    /// Drops a record update when one for the same application is already waiting (behind other effects, or held
    /// for the record's quiet time): it renders the newest state when it runs, so edits are coalesced. The chain's
    /// first effect may be running right now with the old state, so it counts only while it waits for a time.
    async fn coalesce_records(&self, chain: ChainKey, effects: Vec<Effect>) -> Result<Vec<Effect>, DeskError> {
        let now = self.ports.clock.now();
        let pending = self.ports.store.pending_effects(Some(chain)).await?;
        let waiting: Vec<ApplicationId> = pending
            .iter()
            .enumerate()
            .filter(|(i, p)| *i > 0 || p.not_before.is_some_and(|t| t > now))
            .filter_map(|(_, p)| match p.effect {
                Effect::UpdateRecord { app } => Some(app),
                _ => None,
            })
            .collect();
        Ok(effects
            .into_iter()
            .filter(|e| !matches!(e, Effect::UpdateRecord { app } if waiting.contains(app)))
            .collect())
    }

    /// Staff pressed Approve: the Member/Affiliate role is granted, the action logged, the record updated, the
    /// ticket stays open with a Finalize - RSI accepted button; the nickname is synced when enabled.
    pub async fn approve(&self, app: ApplicationId, staff: &Actor) -> Result<RecruitmentStatus, DeskError> {
        retry_on_conflict!(self.try_decide(app, staff, RecruitmentInput::Approve, Action::Review).await)
    }

    /// Staff submitted the Reject reason: it is saved on the record, the action logged, the applicant gets a
    /// generic DM (never the reason) and the channel is deleted. A blank reason is refused.
    pub async fn decline(
        &self,
        app: ApplicationId,
        staff: &Actor,
        reason: &str,
    ) -> Result<RecruitmentStatus, DeskError> {
        let input = RecruitmentInput::Decline(DeclineReason::new(&self.sealed(reason.to_owned())));
        retry_on_conflict!(self.try_decide(app, staff, input.clone(), Action::Review).await)
    }

    /// Staff pressed Finalize - RSI accepted (needs Manage Server): the record is finalised, the action logged
    /// and the channel deleted.
    pub async fn finalise(&self, app: ApplicationId, staff: &Actor) -> Result<RecruitmentStatus, DeskError> {
        retry_on_conflict!(self.try_decide(app, staff, RecruitmentInput::Finalise, Action::Finalise).await)
    }

    /// `/recruit-config remove-member`: the member's approved or finalised application is marked Removed.
    pub async fn remove_member(
        &self,
        guild: GuildId,
        staff: &Actor,
        member: UserId,
    ) -> Result<ApplicationId, DeskError> {
        let settings = self.settings(guild).await?;
        self.require(staff, &settings, Action::RemoveMember)?;
        let apps = self.ports.store.applications_of(guild, self.pid_of(member)).await?;
        let app = apps
            .iter()
            .rev()
            .find(|a| matches!(a.status, RecruitmentStatus::Approved | RecruitmentStatus::Finalised))
            .ok_or(DeskError::NoApplication)?
            .id;
        retry_on_conflict!(self.try_decide(app, staff, RecruitmentInput::Remove, Action::RemoveMember).await)?;
        Ok(app)
    }

    async fn try_decide(
        &self,
        id: ApplicationId,
        staff: &Actor,
        input: RecruitmentInput,
        action: Action,
    ) -> Result<RecruitmentStatus, DeskError> {
        let store = &self.ports.store;
        let mut app = store.application(id).await?.ok_or(DeskError::ApplicationNotFound(id))?;
        let settings = self.settings(app.guild).await?;
        self.require(staff, &settings, action)?;
        let now = self.ports.clock.now();
        let by = self.pid_of(staff.user);
        let ctx = RecruitmentContext {
            settings: &settings,
            by,
            by_contact: self.key.seal(staff.user),
            by_name: &staff.display_name,
        };
        let kind = input.kind();
        let effects = app.handle(input, ctx, now)?;
        let mut commit = Commit::default();
        let mut ask = None;
        let close = match app.status {
            RecruitmentStatus::Declined => Some(CloseReason::Declined),
            RecruitmentStatus::Finalised => Some(CloseReason::Finalised),
            _ => None,
        };
        if let Some(reason) = close {
            if let Some(mut ticket) = store.ticket(app.ticket).await?.filter(Ticket::is_open) {
                ticket.close(reason, Some(by), now)?;
                ticket.activity.closed_by = Some(self.key.seal(staff.user));
                ask = super::feedback::ask_feedback(&mut ticket, &settings, now);
                commit.tickets.push(ticket);
            }
        }
        let chain = ChainKey::Ticket(app.ticket);
        let status = app.status;
        commit.transcript.push(TranscriptEntry::line(
            app.ticket,
            now,
            TranscriptAuthor::staff(by, staff.display_name.clone()),
            format!("Application {id}: {status}"),
        ));
        commit.enqueue = self.coalesce_records(chain, effects).await?.into_iter().map(|e| (chain, e)).collect();
        commit.enqueue.extend(ask.map(|e| (chain, e)));
        commit.applications.push(app);
        self.save_and_run(commit).await?;
        tracing::info!(app = %id, by = %by, input = ?kind, %status, "application decided");
        Ok(status)
    }

    /// `/tickets reopen-qna` or `!reopen_qna` in a recruitment ticket: the Q&A button is posted again.
    pub async fn reopen_qna(&self, channel: ChannelId, staff: &Actor) -> Result<ApplicationId, DeskError> {
        let store = &self.ports.store;
        let ticket =
            store.ticket_by_channel(channel).await?.filter(Ticket::is_open).ok_or(DeskError::NotATicket(channel))?;
        let settings = self.settings(ticket.guild).await?;
        self.require(staff, &settings, Action::ReopenQna)?;
        let app_id = ticket.recruitment()?.application.ok_or(DeskError::NoApplication)?;
        let app = store.application(app_id).await?.ok_or(DeskError::ApplicationNotFound(app_id))?;
        if app.status != RecruitmentStatus::Pending {
            return Err(DeskError::QnaClosed(app.status));
        }
        let notice = Notice::QnaPrompt { app: app_id, pages: QnaQuestion::pages(&settings.qna) };
        let chain = ChainKey::Ticket(ticket.id);
        let effect = Effect::Post { to: Destination::Ticket(ticket.id), notice };
        self.save_and_run(Commit { enqueue: vec![(chain, effect)], ..Commit::default() }).await?;
        Ok(app_id)
    }
}

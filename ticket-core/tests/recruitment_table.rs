//! Every (recruitment status, input) pair: the transition table, and what `Application::handle` does with it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use ticket_core::effect::{Effect, Notice};
use ticket_core::qna::{AnswerKind, QnaAnswer};
use ticket_core::recruitment::{
    DeclineReason, RecruitmentContext, RecruitmentError, RecruitmentInputKind, StatusChange, Step1,
};
use ticket_core::settings::ApplicantAccess;
use ticket_core::{
    Application, ApplicationId, ChannelId, GuildId, GuildSettings, PidKey, RecruitmentInput, RecruitmentStatus,
    RequestedRole, RoleId, TicketId, UserId,
};
use time::macros::datetime;

use RecruitmentStatus::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    To(RecruitmentStatus),
    Invalid,
    ReasonRequired,
}
use Expect::*;

fn inputs() -> [(&'static str, RecruitmentInput); 6] {
    [
        ("qna", RecruitmentInput::QnaSubmitted),
        ("approve", RecruitmentInput::Approve),
        ("decline", RecruitmentInput::Decline(DeclineReason::new("not a fit"))),
        ("decline-blank", RecruitmentInput::Decline(None)),
        ("finalise", RecruitmentInput::Finalise),
        ("remove", RecruitmentInput::Remove),
    ]
}

/// Rows are statuses, columns are the inputs above, in order.
const TABLE: [(RecruitmentStatus, [Expect; 6]); 6] = [
    (Pending, [To(QnaReceived), Invalid, To(Declined), ReasonRequired, Invalid, Invalid]),
    (QnaReceived, [Invalid, To(Approved), To(Declined), ReasonRequired, Invalid, Invalid]),
    (Approved, [Invalid, Invalid, Invalid, Invalid, To(Finalised), To(Removed)]),
    (Declined, [Invalid, Invalid, Invalid, Invalid, Invalid, Invalid]),
    (Finalised, [Invalid, Invalid, Invalid, Invalid, Invalid, To(Removed)]),
    (Removed, [Invalid, Invalid, Invalid, Invalid, Invalid, Invalid]),
];

#[test]
fn the_table_covers_every_pair() {
    assert_eq!(TABLE.map(|(s, _)| s), RecruitmentStatus::ALL, "one row per status, in order");
    assert_eq!(inputs().len(), RecruitmentInput::all().len(), "one column per input");
}

#[test]
fn every_transition_follows_the_table() {
    for (from, row) in TABLE {
        for ((name, input), expected) in inputs().into_iter().zip(row) {
            let got = from.next(&input);
            match expected {
                To(to) => assert_eq!(got, Ok(to), "{from:?} + {name}"),
                Invalid => assert_eq!(
                    got,
                    Err(RecruitmentError::InvalidTransition { from, input: input.kind() }),
                    "{from:?} + {name}"
                ),
                ReasonRequired => assert_eq!(got, Err(RecruitmentError::ReasonRequired), "{from:?} + {name}"),
            }
        }
    }
}

#[test]
fn only_declined_and_removed_are_final() {
    for (status, row) in TABLE {
        assert_eq!(status.is_final(), row.iter().all(|e| *e == Invalid), "{status:?}");
    }
}

fn key() -> PidKey {
    PidKey::new(&[1; 32]).unwrap()
}

/// The application's ticket.
const TICKET: TicketId = TicketId::new(2);

fn application(status: RecruitmentStatus) -> Application {
    let key = key();
    let user = UserId::new(500);
    let now = datetime!(2026-11-20 12:00 UTC);
    Application {
        id: ApplicationId::new(1),
        guild: GuildId::new(1),
        ticket: TICKET,
        applicant: key.user(user),
        contact: key.seal(user),
        applicant_name: "A".into(),
        status,
        form: Step1 {
            requested: RequestedRole::Affiliate,
            area: "medical".into(),
            time_zone: "UTC".into(),
            rsi_handle: "Pilot".into(),
            notes: String::new(),
        },
        tz_info: None,
        qna: vec![QnaAnswer {
            question: "Q".into(),
            kind: AnswerKind::YesNo,
            answer: Some("Yes".into()),
            uk_time: None,
        }],
        qna_draft: Vec::new(),
        decline_reason: None,
        record: None,
        qna_prompt: None,
        history: vec![StatusChange { status, by: key.user(user), at: now }],
        created_at: now,
        updated_at: now,
        version: 3,
    }
}

fn settings() -> GuildSettings {
    let mut s = GuildSettings::new(GuildId::new(1));
    s.org_roles.affiliate = Some(RoleId::new(71));
    s.targets.log_channel = Some(ChannelId::new(900));
    s.nick_sync = true;
    s.applicant_access = ApplicantAccess::Remove;
    s
}

/// The kinds of effect an input produces, in order.
fn shape(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .map(|e| match e {
            Effect::GrantRole { .. } => "grant role",
            Effect::SyncNickname { .. } => "sync nickname",
            Effect::SetMemberAccess { .. } => "set access",
            Effect::Post { notice: Notice::Log(_), .. } => "log",
            Effect::PostTranscript { notice: Notice::Log(_), ticket, .. } if *ticket == TICKET => "log + transcript",
            Effect::Post { notice: Notice::FinaliseControl { .. }, .. } => "finalise control",
            Effect::Post { notice: Notice::DeclinedDm, .. } => "declined DM",
            Effect::Post { notice: Notice::QnaSummary { .. }, .. } => "Q&A summary",
            Effect::CompleteQnaPrompt { .. } => "complete Q&A tile",
            Effect::DeleteTicketChannel { .. } => "delete channel",
            Effect::UpdateRecord { .. } => "update record",
            other => panic!("unexpected effect {other:?}"),
        })
        .collect()
}

#[test]
fn every_pair_through_handle_moves_state_and_returns_effects_or_leaves_it_untouched() {
    let settings = settings();
    let staff = UserId::new(9);
    let now = datetime!(2026-11-21 08:00 UTC);
    for (from, row) in TABLE {
        for ((name, input), expected) in inputs().into_iter().zip(row) {
            let mut app = application(from);
            let before = app.clone();
            let ctx = RecruitmentContext {
                settings: &settings,
                by: key().user(staff),
                by_contact: key().seal(staff),
                by_name: "Staff",
            };
            let result = app.handle(input.clone(), ctx, now);
            match expected {
                To(to) => {
                    let effects = result.unwrap_or_else(|e| panic!("{from:?} + {name}: {e}"));
                    assert_eq!(app.status, to);
                    assert_eq!(app.history.last().map(|h| (h.status, h.at)), Some((to, now)));
                    assert_eq!(app.updated_at, now);
                    let expected_shape: &[&str] = match input.kind() {
                        RecruitmentInputKind::QnaSubmitted => &["complete Q&A tile", "Q&A summary", "update record"],
                        RecruitmentInputKind::Approve => {
                            &["grant role", "sync nickname", "set access", "log", "finalise control", "update record"]
                        }
                        // Declining and finalising close the ticket: its transcript goes with the log entry.
                        RecruitmentInputKind::Decline => {
                            &["log + transcript", "declined DM", "delete channel", "update record"]
                        }
                        RecruitmentInputKind::Finalise => &["log + transcript", "delete channel", "update record"],
                        RecruitmentInputKind::Remove => &["log", "update record"],
                    };
                    assert_eq!(shape(&effects), expected_shape, "{from:?} + {name}");
                    if name == "decline" {
                        assert_eq!(app.decline_reason.as_deref(), Some("not a fit"));
                    }
                }
                Invalid | ReasonRequired => {
                    assert!(result.is_err(), "{from:?} + {name} should be refused");
                    assert_eq!(app, before, "{from:?} + {name}: a refused input changes nothing");
                }
            }
        }
    }
}

#[test]
fn approve_without_the_role_mapped_is_refused_and_changes_nothing() {
    let mut settings = settings();
    settings.org_roles.affiliate = None;
    let mut app = application(QnaReceived);
    let ctx = RecruitmentContext {
        settings: &settings,
        by: key().user(UserId::new(9)),
        by_contact: key().seal(UserId::new(9)),
        by_name: "S",
    };
    let err = app.handle(RecruitmentInput::Approve, ctx, datetime!(2026-11-21 08:00 UTC)).unwrap_err();
    assert_eq!(err, RecruitmentError::RoleNotConfigured(RequestedRole::Affiliate));
    assert_eq!(app.status, QnaReceived);
}

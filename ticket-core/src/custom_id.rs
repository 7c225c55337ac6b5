//! Stable `custom_id`s of buttons, selects and modals.
//!
//! They carry everything a click needs (ticket, application, choices so far), so controls keep working after a
//! restart and across replicas without any in-memory state.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::feedback::Rating;
use crate::id::{ApplicationId, TicketId};
use crate::qna::QnaQuestion;
use crate::recruitment::RequestedRole;

/// What a control is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CustomId {
    /// Support panel: `tickets:open-support`.
    OpenSupport,
    /// Its modal: `tickets:open-support:form`.
    OpenSupportForm,
    /// Resolve (Staff): `tickets:resolve`.
    Resolve,
    /// Its modal: `tickets:resolve:form`.
    ResolveForm,
    /// Claim, on a ticket's welcome: `tickets:claim`.
    Claim,
    /// Close ticket, on a close request: `tickets:close:<ticket>`.
    CloseConfirm(TicketId),
    /// Keep open, on a close request: `tickets:keep-open:<ticket>`.
    CloseKeep(TicketId),
    /// Reopen, on a closed support ticket's log entry: `tickets:reopen:<ticket>`.
    Reopen(TicketId),
    /// Recruitment panel: `recruit:open`.
    OpenRecruitment,
    /// Step 1, Member or Affiliate select: `recruit:role:<ticket>`.
    Step1Role(TicketId),
    /// Step 1, area select: `recruit:area:<ticket>:<role>`.
    Step1Area(TicketId, RequestedRole),
    /// Step 1, the button opening the details form: `recruit:details:<ticket>:<role>:<area>`.
    Step1Details(TicketId, RequestedRole, String),
    /// Step 1, the details form: `recruit:step1:<ticket>:<role>:<area>`.
    Step1Form(TicketId, RequestedRole, String),
    /// Answer Q&A (page n, from 1) button and modal: `recruit:qna:<app>:<page>`.
    Qna(ApplicationId, usize),
    /// Approve: `recruit:approve:<app>`.
    Approve(ApplicationId),
    /// Reject: `recruit:decline:<app>`.
    Decline(ApplicationId),
    /// Its reason modal: `recruit:decline-form:<app>`.
    DeclineForm(ApplicationId),
    /// Finalize - RSI accepted: `recruit:finalise:<app>`.
    Finalise(ApplicationId),
    /// A star button of the feedback prompt DM: `feedback:rate:<ticket>:<stars>`.
    FeedbackRate(TicketId, Rating),
    /// Its comment modal: `feedback:form:<ticket>:<stars>`.
    FeedbackForm(TicketId, Rating),
}

/// A `custom_id` this bot did not make (or made by an older, incompatible version).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown control id {0:?}")]
pub struct UnknownCustomId(pub String);

impl CustomId {
    /// Discord's limit on a custom id.
    pub const MAX_LEN: usize = 100;
}

impl fmt::Display for CustomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OpenSupport => f.write_str("tickets:open-support"),
            Self::OpenSupportForm => f.write_str("tickets:open-support:form"),
            Self::Resolve => f.write_str("tickets:resolve"),
            Self::ResolveForm => f.write_str("tickets:resolve:form"),
            Self::Claim => f.write_str("tickets:claim"),
            Self::CloseConfirm(t) => write!(f, "tickets:close:{t}"),
            Self::CloseKeep(t) => write!(f, "tickets:keep-open:{t}"),
            Self::Reopen(t) => write!(f, "tickets:reopen:{t}"),
            Self::OpenRecruitment => f.write_str("recruit:open"),
            Self::Step1Role(t) => write!(f, "recruit:role:{t}"),
            Self::Step1Area(t, r) => write!(f, "recruit:area:{t}:{}", r.as_str()),
            Self::Step1Details(t, r, a) => write!(f, "recruit:details:{t}:{}:{a}", r.as_str()),
            Self::Step1Form(t, r, a) => write!(f, "recruit:step1:{t}:{}:{a}", r.as_str()),
            Self::Qna(app, page) => write!(f, "recruit:qna:{app}:{page}"),
            Self::Approve(app) => write!(f, "recruit:approve:{app}"),
            Self::Decline(app) => write!(f, "recruit:decline:{app}"),
            Self::DeclineForm(app) => write!(f, "recruit:decline-form:{app}"),
            Self::Finalise(app) => write!(f, "recruit:finalise:{app}"),
            Self::FeedbackRate(t, r) => write!(f, "feedback:rate:{t}:{}", r.get()),
            Self::FeedbackForm(t, r) => write!(f, "feedback:form:{t}:{}", r.get()),
        }
    }
}

impl FromStr for CustomId {
    type Err = UnknownCustomId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownCustomId(s.chars().take(Self::MAX_LEN).collect());
        if s.len() > Self::MAX_LEN {
            return Err(unknown());
        }
        let parts: Vec<&str> = s.split(':').collect();
        let ticket = |i: usize| parts.get(i).and_then(|p| p.parse::<TicketId>().ok()).ok_or_else(unknown);
        let app = |i: usize| parts.get(i).and_then(|p| p.parse::<ApplicationId>().ok()).ok_or_else(unknown);
        let role = |i: usize| parts.get(i).and_then(|p| RequestedRole::parse(p)).ok_or_else(unknown);
        let rating =
            |i: usize| parts.get(i).and_then(|p| p.parse::<u8>().ok()).and_then(Rating::new).ok_or_else(unknown);
        let area = |i: usize| parts.get(i).filter(|a| !a.is_empty()).map(|a| (*a).to_owned()).ok_or_else(unknown);
        let id = match parts.as_slice() {
            ["tickets", "open-support"] => Self::OpenSupport,
            ["tickets", "open-support", "form"] => Self::OpenSupportForm,
            ["tickets", "resolve"] => Self::Resolve,
            ["tickets", "resolve", "form"] => Self::ResolveForm,
            ["tickets", "claim"] => Self::Claim,
            ["tickets", "close", _] => Self::CloseConfirm(ticket(2)?),
            ["tickets", "keep-open", _] => Self::CloseKeep(ticket(2)?),
            ["tickets", "reopen", _] => Self::Reopen(ticket(2)?),
            ["recruit", "open"] => Self::OpenRecruitment,
            ["recruit", "role", _] => Self::Step1Role(ticket(2)?),
            ["recruit", "area", _, _] => Self::Step1Area(ticket(2)?, role(3)?),
            ["recruit", "details", _, _, _] => Self::Step1Details(ticket(2)?, role(3)?, area(4)?),
            ["recruit", "step1", _, _, _] => Self::Step1Form(ticket(2)?, role(3)?, area(4)?),
            ["recruit", "qna", _, page] => {
                let page = page.parse().ok().filter(|p| QnaQuestion::first_of_page(*p).is_some());
                Self::Qna(app(2)?, page.ok_or_else(unknown)?)
            }
            ["recruit", "approve", _] => Self::Approve(app(2)?),
            ["recruit", "decline", _] => Self::Decline(app(2)?),
            ["recruit", "decline-form", _] => Self::DeclineForm(app(2)?),
            ["recruit", "finalise", _] => Self::Finalise(app(2)?),
            ["feedback", "rate", _, _] => Self::FeedbackRate(ticket(2)?, rating(3)?),
            ["feedback", "form", _, _] => Self::FeedbackForm(ticket(2)?, rating(3)?),
            _ => return Err(unknown()),
        };
        Ok(id)
    }
}

impl TryFrom<String> for CustomId {
    type Error = UnknownCustomId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<CustomId> for String {
    fn from(value: CustomId) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_round_trips() {
        let t = TicketId::new(7);
        let a = ApplicationId::new(3);
        let ids = [
            CustomId::Claim,
            CustomId::CloseConfirm(t),
            CustomId::CloseKeep(t),
            CustomId::Reopen(t),
            CustomId::OpenSupport,
            CustomId::OpenSupportForm,
            CustomId::Resolve,
            CustomId::ResolveForm,
            CustomId::OpenRecruitment,
            CustomId::Step1Role(t),
            CustomId::Step1Area(t, RequestedRole::Affiliate),
            CustomId::Step1Details(t, RequestedRole::Member, "medical".into()),
            CustomId::Step1Form(t, RequestedRole::Member, "search and rescue".into()),
            CustomId::Qna(a, 2),
            CustomId::Approve(a),
            CustomId::Decline(a),
            CustomId::DeclineForm(a),
            CustomId::Finalise(a),
            CustomId::FeedbackRate(t, Rating::new(1).unwrap()),
            CustomId::FeedbackForm(t, Rating::new(5).unwrap()),
        ];
        for id in ids {
            let text = id.to_string();
            assert!(text.len() <= CustomId::MAX_LEN);
            assert_eq!(text.parse::<CustomId>(), Ok(id));
        }
    }

    #[test]
    fn foreign_and_damaged_ids_are_unknown() {
        for bad in [
            "",
            "tickets",
            "recruit:approve:x",
            "recruit:qna:3:0",
            "recruit:qna:3:5",
            "recruit:qna:3:18446744073709551615",
            "recruit:qna:3:99999999999999999999999",
            "recruit:area:1:admin",
            "feedback:rate:1:0",
            "feedback:rate:1:6",
            "feedback:form:x:3",
            "other:thing",
        ] {
            assert!(bad.parse::<CustomId>().is_err(), "{bad}");
        }
        assert!("x".repeat(500).parse::<CustomId>().is_err());
    }
}

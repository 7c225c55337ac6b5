//! Channel-topic markers (`TID:`, `APP:`, `REQ:`, `TZ:`, `OPENER:`).
//!
//! The spec keeps operational markers in ticket channel topics so that controls keep working after a restart
//! and staff can repair a ticket by hand. The topic is the one place a raw opener id may live besides Discord's
//! own permission overwrites, so the stored form ([`Topic`]) keeps the opener sealed and the platform form
//! ([`TopicMarkers`]) is made only when the topic is written.

use serde::{Deserialize, Serialize};

use crate::id::{ApplicationId, TicketId, UserId};
use crate::pid::{PidKey, PidKeyError, SealedUser};
use crate::recruitment::RequestedRole;

/// The markers of a ticket channel, as stored (opener sealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    /// `TID:`.
    pub ticket: TicketId,
    /// `APP:`.
    pub app: Option<ApplicationId>,
    /// `REQ:`.
    pub requested: Option<RequestedRole>,
    /// `TZ:`.
    pub tz: Option<String>,
    /// `OPENER:`.
    pub opener: Option<SealedUser>,
}

impl Topic {
    /// Just the ticket marker.
    pub fn ticket(ticket: TicketId) -> Self {
        Self { ticket, app: None, requested: None, tz: None, opener: None }
    }

    /// The platform form, with the opener unsealed.
    pub fn open(&self, key: &PidKey) -> Result<TopicMarkers, PidKeyError> {
        Ok(TopicMarkers {
            ticket: Some(self.ticket),
            app: self.app,
            requested: self.requested,
            tz: self.tz.clone(),
            opener: self.opener.as_ref().map(|s| key.open(s)).transpose()?,
        })
    }
}

/// The markers as written to or read from a channel topic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicMarkers {
    /// `TID:`.
    pub ticket: Option<TicketId>,
    /// `APP:`.
    pub app: Option<ApplicationId>,
    /// `REQ:`.
    pub requested: Option<RequestedRole>,
    /// `TZ:`.
    pub tz: Option<String>,
    /// `OPENER:`.
    pub opener: Option<UserId>,
}

impl TopicMarkers {
    /// Discord's limit on a channel topic.
    pub const MAX_LEN: usize = 1024;

    /// The topic text: `TID:12 | APP:5 | REQ:member | TZ:Europe/London | OPENER:123`.
    pub fn render(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.ticket {
            parts.push(format!("TID:{t}"));
        }
        if let Some(a) = self.app {
            parts.push(format!("APP:{a}"));
        }
        if let Some(r) = self.requested {
            parts.push(format!("REQ:{}", r.as_str()));
        }
        if let Some(tz) = &self.tz {
            let tz: String = tz.chars().filter(|c| !c.is_whitespace() && *c != '|').take(64).collect();
            parts.push(format!("TZ:{tz}"));
        }
        if let Some(o) = self.opener {
            parts.push(format!("OPENER:{}", o.get()));
        }
        parts.join(" | ")
    }

    /// Reads whatever markers a topic holds; unknown text and damaged markers are skipped.
    pub fn parse(topic: &str) -> Self {
        let mut markers = Self::default();
        for token in topic.split(|c: char| c.is_whitespace() || c == '|') {
            let Some((key, value)) = token.split_once(':') else { continue };
            match key {
                "TID" => markers.ticket = value.parse().ok().or(markers.ticket),
                "APP" => markers.app = value.parse().ok().or(markers.app),
                "REQ" => markers.requested = RequestedRole::parse(value).or(markers.requested),
                "TZ" if !value.is_empty() => markers.tz = Some(value.to_owned()),
                "OPENER" => markers.opener = value.parse().ok().or(markers.opener),
                _ => {}
            }
        }
        markers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip() {
        let m = TopicMarkers {
            ticket: Some(TicketId::new(12)),
            app: Some(ApplicationId::new(5)),
            requested: Some(RequestedRole::Member),
            tz: Some("Europe/London".into()),
            opener: Some(UserId::new(123)),
        };
        assert_eq!(m.render(), "TID:12 | APP:5 | REQ:member | TZ:Europe/London | OPENER:123");
        assert_eq!(TopicMarkers::parse(&m.render()), m);
    }

    #[test]
    fn hand_edited_topics_keep_what_is_readable() {
        let m = TopicMarkers::parse("Recruitment for Foo TID:9 APP:x REQ:affiliate OPENER: note");
        assert_eq!(m.ticket, Some(TicketId::new(9)));
        assert_eq!(m.app, None);
        assert_eq!(m.requested, Some(RequestedRole::Affiliate));
        assert_eq!(m.opener, None);
        assert_eq!(TopicMarkers::parse(""), TopicMarkers::default());
    }

    #[test]
    fn the_stored_form_keeps_the_opener_sealed() {
        let key = PidKey::new(&[9; 32]).unwrap();
        let topic = Topic { opener: Some(key.seal(UserId::new(42))), ..Topic::ticket(TicketId::new(1)) };
        let json = serde_json::to_string(&topic).unwrap();
        assert!(!json.contains("42,") && !json.contains(":42"));
        assert_eq!(topic.open(&key).unwrap().render(), "TID:1 | OPENER:42");
    }
}

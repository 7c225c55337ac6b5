//! `/tickets stats`: what a guild's tickets came to over a period, per kind of ticket and per staff member.
//!
//! Stores hand over one slim [`TicketStat`] per ticket opened or closed in the period, read through their
//! `(guild, opened)` and `(guild, closed)` indexes ([`TicketStore::ticket_stats`](crate::TicketStore)); the counts,
//! medians and averages are computed here, in pure code.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};

use crate::feedback::{Rating, StaffMark};
use crate::id::TicketId;
use crate::pid::{Pid, SealedUser};
use crate::settings::TicketType;
use crate::ticket::Ticket;

/// What `/tickets stats` reads of one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketStat {
    /// The ticket.
    pub ticket: TicketId,
    /// Its kind.
    pub kind: TicketType,
    /// When it opened.
    pub opened_at: OffsetDateTime,
    /// When it closed, if it did.
    pub closed_at: Option<OffsetDateTime>,
    /// The staff member who closed it (resolved it, decided the application), when one did.
    pub closed_by: Option<StaffMark>,
    /// The first staff response.
    pub first_response: Option<StaffMark>,
    /// The opener's rating.
    pub rating: Option<Rating>,
}

impl TicketStat {
    /// What a ticket gives.
    pub fn of(ticket: &Ticket) -> Self {
        let closed_at = ticket.closed.as_ref().map(|c| c.at);
        let closed_by = match (&ticket.closed, ticket.activity.closed_by) {
            (Some(c), Some(contact)) => c.by.map(|by| StaffMark { by, contact, at: c.at }),
            _ => None,
        };
        Self {
            ticket: ticket.id,
            kind: ticket.kind(),
            opened_at: ticket.opened_at,
            closed_at,
            closed_by,
            first_response: ticket.activity.first_response,
            rating: ticket.activity.rating(),
        }
    }

    /// Whether it belongs in the period starting at `since` (all time for `None`): opened or closed in it.
    pub fn in_period(&self, since: Option<OffsetDateTime>) -> bool {
        since.is_none_or(|s| self.opened_at >= s || self.closed_at.is_some_and(|c| c >= s))
    }
}

/// The period `/tickets stats` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatsPeriod {
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    Week,
    /// The last 30 days (the default).
    #[default]
    Month,
    /// Everything stored.
    All,
}

impl StatsPeriod {
    /// Every period, as offered.
    pub const ALL: [StatsPeriod; 4] = [Self::Day, Self::Week, Self::Month, Self::All];

    /// Its option value: `24h`, `7d`, `30d`, `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "24h",
            Self::Week => "7d",
            Self::Month => "30d",
            Self::All => "all",
        }
    }

    /// The period of an option value.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }

    /// How people read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Day => "the last 24 hours",
            Self::Week => "the last 7 days",
            Self::Month => "the last 30 days",
            Self::All => "all time",
        }
    }

    /// When it starts, seen at `now` (`None`: all time).
    pub fn since(self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        match self {
            Self::Day => Some(now - Duration::hours(24)),
            Self::Week => Some(now - Duration::days(7)),
            Self::Month => Some(now - Duration::days(30)),
            Self::All => None,
        }
    }
}

/// Ratings added up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ratings {
    /// How many.
    pub count: usize,
    /// Their stars together.
    pub sum: u64,
}

impl Ratings {
    fn add(&mut self, rating: Option<Rating>) {
        if let Some(r) = rating {
            self.count += 1;
            self.sum += u64::from(r.get());
        }
    }

    /// The average, if there is any rating.
    pub fn average(&self) -> Option<f64> {
        // Counts of tickets stay far below 2^52: the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }
}

/// The median of some durations (`None` for none).
pub fn median(mut values: Vec<Duration>) -> Option<Duration> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

/// One kind of ticket (or all together) over the period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KindSummary {
    /// Tickets opened in the period.
    pub opened: usize,
    /// Tickets closed in the period.
    pub closed: usize,
    /// Median time from opening to the first staff response, of tickets opened in the period that had one.
    pub first_response: Option<Duration>,
    /// Median time from opening to closing, of tickets closed in the period.
    pub resolution: Option<Duration>,
    /// Ratings of tickets closed in the period.
    pub ratings: Ratings,
}

/// One staff member over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffSummary {
    /// Who.
    pub pid: Pid,
    /// Who, sealed, to mention them.
    pub contact: SealedUser,
    /// Tickets they closed in the period.
    pub closed: usize,
    /// Tickets opened in the period whose first staff response was theirs.
    pub first_responses: usize,
    /// The median time of those first responses.
    pub first_response: Option<Duration>,
    /// Ratings of the tickets they closed in the period.
    pub ratings: Ratings,
}

/// What `/tickets stats` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsReport {
    /// The period.
    pub period: StatsPeriod,
    /// Per kind of ticket, in-game, support, recruitment (kinds without a ticket left out).
    pub kinds: Vec<(TicketType, KindSummary)>,
    /// All kinds together.
    pub total: KindSummary,
    /// Per staff member, the busiest first.
    pub staff: Vec<StaffSummary>,
}

#[derive(Default)]
struct KindAcc {
    opened: usize,
    closed: usize,
    first_response: Vec<Duration>,
    resolution: Vec<Duration>,
    ratings: Ratings,
}

impl KindAcc {
    fn summary(self) -> KindSummary {
        KindSummary {
            opened: self.opened,
            closed: self.closed,
            first_response: median(self.first_response),
            resolution: median(self.resolution),
            ratings: self.ratings,
        }
    }
}

struct StaffAcc {
    contact: SealedUser,
    closed: usize,
    first_response: Vec<Duration>,
    ratings: Ratings,
}

/// Counts `rows` over the period starting at `since` (rows outside it are left out).
pub fn report(rows: &[TicketStat], period: StatsPeriod, since: Option<OffsetDateTime>) -> StatsReport {
    let within = |t: OffsetDateTime| since.is_none_or(|s| t >= s);
    let mut kinds: BTreeMap<TicketType, KindAcc> = BTreeMap::new();
    let mut total = KindAcc::default();
    let mut staff: BTreeMap<Pid, StaffAcc> = BTreeMap::new();
    for row in rows {
        let kind = kinds.entry(row.kind).or_default();
        let opened = within(row.opened_at);
        let closed = row.closed_at.filter(|c| within(*c));
        let response = row.first_response.filter(|_| opened).map(|m| (m, m.at - row.opened_at));
        for acc in [&mut *kind, &mut total] {
            if opened {
                acc.opened += 1;
            }
            if let Some((_, took)) = response {
                acc.first_response.push(took);
            }
            if let Some(at) = closed {
                acc.closed += 1;
                acc.resolution.push(at - row.opened_at);
                acc.ratings.add(row.rating);
            }
        }
        if let Some((mark, took)) = response {
            staff_entry(&mut staff, &mark).first_response.push(took);
        }
        if let (Some(_), Some(mark)) = (closed, row.closed_by) {
            let acc = staff_entry(&mut staff, &mark);
            acc.closed += 1;
            acc.ratings.add(row.rating);
        }
    }
    let kinds = kinds
        .into_iter()
        .filter(|(_, acc)| acc.opened + acc.closed > 0)
        .map(|(kind, acc)| (kind, acc.summary()))
        .collect();
    let mut staff: Vec<StaffSummary> = staff
        .into_iter()
        .map(|(pid, acc)| StaffSummary {
            pid,
            contact: acc.contact,
            closed: acc.closed,
            first_responses: acc.first_response.len(),
            first_response: median(acc.first_response),
            ratings: acc.ratings,
        })
        .collect();
    staff.sort_by(|a, b| (b.closed + b.first_responses).cmp(&(a.closed + a.first_responses)).then(a.pid.cmp(&b.pid)));
    StatsReport { period, kinds, total: total.summary(), staff }
}

fn staff_entry<'a>(staff: &'a mut BTreeMap<Pid, StaffAcc>, mark: &StaffMark) -> &'a mut StaffAcc {
    staff.entry(mark.by).or_insert_with(|| StaffAcc {
        contact: mark.contact,
        closed: 0,
        first_response: Vec::new(),
        ratings: Ratings::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PidKey;

    const T0: OffsetDateTime = time::macros::datetime!(2025-03-01 12:00 UTC);

    fn mark(key: &PidKey, user: u64, at: OffsetDateTime) -> StaffMark {
        let user = crate::UserId::new(user);
        StaffMark { by: key.user(user), contact: key.seal(user), at }
    }

    fn row(id: u64, kind: TicketType, opened: OffsetDateTime) -> TicketStat {
        TicketStat {
            ticket: TicketId::new(id),
            kind,
            opened_at: opened,
            closed_at: None,
            closed_by: None,
            first_response: None,
            rating: None,
        }
    }

    #[test]
    fn medians_of_odd_even_and_no_values() {
        let m = Duration::minutes;
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![m(5), m(1), m(3)]), Some(m(3)));
        assert_eq!(median(vec![m(4), m(1), m(2), m(10)]), Some(m(3)));
    }

    #[test]
    fn periods_parse_and_start() {
        for p in StatsPeriod::ALL {
            assert_eq!(StatsPeriod::parse(p.as_str()), Some(p));
        }
        assert_eq!(StatsPeriod::parse("1y"), None);
        assert_eq!(StatsPeriod::default(), StatsPeriod::Month);
        assert_eq!(StatsPeriod::Week.since(T0), Some(T0 - Duration::days(7)));
        assert_eq!(StatsPeriod::All.since(T0), None);
    }

    #[test]
    fn counts_per_kind_and_per_staff_member() {
        let key = PidKey::new(&[9; 32]).unwrap();
        let since = Some(T0);
        let h = Duration::hours;
        // Support, opened and closed in the period by staff 1, who also answered first after 1h; rated 4.
        let mut a = row(1, TicketType::Support, T0 + h(1));
        a.first_response = Some(mark(&key, 1, T0 + h(2)));
        a.closed_at = Some(T0 + h(5));
        a.closed_by = Some(mark(&key, 1, T0 + h(5)));
        a.rating = Rating::new(4);
        // Support, opened before the period, closed in it by staff 2; rated 2. Its old first response is left out.
        let mut b = row(2, TicketType::Support, T0 - h(10));
        b.first_response = Some(mark(&key, 2, T0 - h(9)));
        b.closed_at = Some(T0 + h(2));
        b.closed_by = Some(mark(&key, 2, T0 + h(2)));
        b.rating = Rating::new(2);
        // In game, opened in the period, answered by staff 2 after 3h, still open.
        let mut c = row(3, TicketType::InGame, T0 + h(1));
        c.first_response = Some(mark(&key, 2, T0 + h(4)));
        // Recruitment, closed by its opener in the period: counted, but for no staff member.
        let mut d = row(4, TicketType::Recruitment, T0 + h(1));
        d.closed_at = Some(T0 + h(3));
        // Long before the period: not counted at all.
        let mut e = row(5, TicketType::Support, T0 - h(100));
        e.closed_at = Some(T0 - h(50));
        e.rating = Rating::new(1);

        let report = report(&[a, b, c, d, e], StatsPeriod::Month, since);
        let kind = |k| report.kinds.iter().find(|(kind, _)| *kind == k).map(|(_, s)| s.clone()).unwrap();
        let support = kind(TicketType::Support);
        assert_eq!((support.opened, support.closed), (1, 2));
        assert_eq!(support.first_response, Some(h(1)));
        assert_eq!(support.resolution, Some((h(4) + h(12)) / 2));
        assert_eq!(support.ratings.average(), Some(3.0));
        let game = kind(TicketType::InGame);
        assert_eq!((game.opened, game.closed, game.first_response, game.resolution), (1, 0, Some(h(3)), None));
        assert_eq!(kind(TicketType::Recruitment).ratings.average(), None, "no data");
        assert_eq!((report.total.opened, report.total.closed), (3, 3));

        assert_eq!(report.staff.len(), 2);
        let one = report.staff.iter().find(|s| s.pid == key.user(crate::UserId::new(1))).unwrap();
        assert_eq!((one.closed, one.first_responses, one.first_response), (1, 1, Some(h(1))));
        assert_eq!(one.ratings.average(), Some(4.0));
        let two = report.staff.iter().find(|s| s.pid == key.user(crate::UserId::new(2))).unwrap();
        assert_eq!((two.closed, two.first_responses, two.first_response), (1, 1, Some(h(3))));
        assert_eq!(two.ratings.average(), Some(2.0));

        let all = super::report(&[row(9, TicketType::Support, T0 - Duration::days(400))], StatsPeriod::All, None);
        assert_eq!(all.total.opened, 1, "all time counts the oldest ticket");
    }
}

//! Failures a test asks the fake for: an outage (every call `503`), rate limits (the next calls, or per route and
//! window), and failures of one route ([`Fault`]: an error status, or a timeout).
//!
//! Route faults come first: a request that matches one fails that way whatever else is set.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How a route fails, for [`super::FakeDiscord::fail_route`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Discord answers this error status (`500`, `502`, `503`…) with its error body
    /// (`{"message": "500: Internal Server Error", "code": 0}`). The request is not carried out.
    Status(u16),
    /// Discord carries the request out but its answer never comes: the connection stays silent until the client
    /// gives up (its request timeout) or the fake shuts down. The client cannot tell whether the request took
    /// effect; it did, which is the case where a retry must not do it twice. The served request is recorded with
    /// [`super::RecordedRequest::withheld`] set.
    Timeout,
}

/// A fault waiting for requests to a route.
#[derive(Debug)]
pub(crate) struct RouteFault {
    method: String,
    /// The pattern's segments (after `/api/v10`): `{…}` stands for any value of the route's parameter there.
    segments: Vec<String>,
    fault: Fault,
    remaining: usize,
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

fn segments(path: &str) -> Vec<&str> {
    path.trim_end_matches('/').split('/').skip(1).collect()
}

impl RouteFault {
    /// A fault on `method` `pattern` (relative to `/api/v10`) for the next `times` matching requests.
    pub fn new(method: &str, pattern: &str, fault: Fault, times: usize) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            segments: segments(pattern).into_iter().map(str::to_string).collect(),
            fault,
            remaining: times,
        }
    }

    /// Whether the pattern can match a request of this served route: same method and length, a `{…}` where the
    /// route has a parameter, a literal where the route has this literal or a parameter.
    pub fn fits(&self, method: &str, template: &str) -> bool {
        let parts = segments(template);
        self.method.eq_ignore_ascii_case(method)
            && parts.len() == self.segments.len()
            && self.segments.iter().zip(&parts).all(|(mine, part)| {
                if is_parameter(mine) { is_parameter(part) } else { is_parameter(part) || mine == part }
            })
    }

    /// Whether a request (its route's template and its actual path) matches the pattern.
    fn matches(&self, method: &str, template: &str, path: &str) -> bool {
        let values = segments(path);
        self.fits(method, template)
            && values.len() == self.segments.len()
            && self.segments.iter().zip(&values).all(|(mine, value)| is_parameter(mine) || mine == value)
    }
}

/// Faults a test asked for.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub unavailable: bool,
    /// Remaining rate-limited calls and their `retry_after` in seconds.
    pub rate_limited: usize,
    pub retry_after: f64,
    /// Per-route buckets, when a test turned them on: at most `limit` calls per `window`.
    pub buckets: Option<Buckets>,
    /// Faults of single routes, in the order they were asked for.
    pub routes: Vec<RouteFault>,
}

impl Faults {
    /// The route fault a request meets, if any (the first asked for that still has requests to fail); counts it.
    pub fn take_route_fault(&mut self, method: &str, template: &str, path: &str) -> Option<Fault> {
        let hit = self.routes.iter_mut().find(|f| f.remaining > 0 && f.matches(method, template, path))?;
        hit.remaining -= 1;
        let fault = hit.fault;
        self.routes.retain(|f| f.remaining > 0);
        Some(fault)
    }
}

/// Discord's per-route rate limits, simplified: every route and major parameter (channel, guild or webhook) is a
/// bucket of `limit` calls per fixed `window`; a call over it gets `429` with the time left as `retry_after`.
#[derive(Debug)]
pub(crate) struct Buckets {
    pub limit: u32,
    pub window: Duration,
    /// Per bucket: when its window opened, and the calls in it.
    pub used: HashMap<String, (Instant, u32)>,
}

/// Where a bucket stands after a call, for the `X-RateLimit-*` headers of the answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Quota {
    /// The calls allowed per window.
    pub limit: u32,
    /// The calls left in this window (`0` on a refused call).
    pub remaining: u32,
    /// The time until the window resets.
    pub reset_after: Duration,
}

impl Buckets {
    /// Counts a call in `bucket`: `Ok` with what is left if it may go, `Err` (with `remaining` 0 and the time to the
    /// reset, the call's `retry_after`) if it is over the limit (the call is refused, not counted).
    pub fn take(&mut self, bucket: String, now: Instant) -> Result<Quota, Quota> {
        let (opened, calls) = self.used.entry(bucket).or_insert((now, 0));
        if now.duration_since(*opened) >= self.window {
            (*opened, *calls) = (now, 0);
        }
        let reset_after = self.window.saturating_sub(now.duration_since(*opened));
        if *calls >= self.limit {
            return Err(Quota { limit: self.limit, remaining: 0, reset_after });
        }
        *calls += 1;
        Ok(Quota { limit: self.limit, remaining: self.limit - *calls, reset_after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGES: &str = "/channels/{channel_id}/messages";

    #[test]
    fn a_template_matches_every_value_and_a_literal_only_its_own() {
        let any = RouteFault::new("post", MESSAGES, Fault::Timeout, 1);
        assert!(any.matches("POST", MESSAGES, "/channels/5/messages"));
        assert!(!any.matches("GET", MESSAGES, "/channels/5/messages"), "another method");
        let one = RouteFault::new("POST", "/channels/7/messages", Fault::Timeout, 1);
        assert!(one.matches("POST", MESSAGES, "/channels/7/messages"));
        assert!(!one.matches("POST", MESSAGES, "/channels/5/messages"), "another channel");
        // A parameter in the pattern is not a literal of another route at the same place.
        let user = RouteFault::new("GET", "/users/{user_id}", Fault::Status(500), 1);
        assert!(user.matches("GET", "/users/{user_id}", "/users/42"));
        assert!(!user.matches("GET", "/users/@me", "/users/@me"));
        assert!(!RouteFault::new("POST", "/channels/{channel_id}", Fault::Timeout, 1).fits("POST", MESSAGES));
    }

    #[test]
    fn faults_fail_as_many_requests_as_asked_in_the_order_asked() {
        let mut faults = Faults::default();
        faults.routes.push(RouteFault::new("POST", MESSAGES, Fault::Status(500), 2));
        faults.routes.push(RouteFault::new("POST", MESSAGES, Fault::Timeout, 1));
        let mut next = || faults.take_route_fault("POST", MESSAGES, "/channels/1/messages");
        assert_eq!(next(), Some(Fault::Status(500)));
        assert_eq!(next(), Some(Fault::Status(500)));
        assert_eq!(next(), Some(Fault::Timeout));
        assert_eq!(next(), None);
        assert!(faults.routes.is_empty());
    }

    #[test]
    fn a_bucket_counts_down_refuses_over_its_limit_and_opens_again_after_its_window() {
        let window = Duration::from_secs(1);
        let mut buckets = Buckets { limit: 2, window, used: HashMap::new() };
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let quota = |remaining, ms| Quota { limit: 2, remaining, reset_after: Duration::from_millis(ms) };
        assert_eq!(buckets.take("a".into(), at(0)), Ok(quota(1, 1000)));
        assert_eq!(buckets.take("a".into(), at(300)), Ok(quota(0, 700)));
        assert_eq!(buckets.take("a".into(), at(400)), Err(quota(0, 600)), "over the limit: the time to the reset");
        assert_eq!(buckets.take("b".into(), at(400)), Ok(quota(1, 1000)), "another bucket has its own window");
        assert_eq!(buckets.take("a".into(), at(1000)), Ok(quota(1, 1000)), "a new window");
    }
}

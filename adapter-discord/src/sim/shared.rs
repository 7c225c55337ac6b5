//! The state every part of the fake shares: the world, the gateway hub, the request log, the
//! violations, the faults and the traffic file.

use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use super::conformance;
use super::faults::Faults;
use super::hub::Hub;
use super::traffic::TrafficFile;
use super::world::World;

/// One REST request the fake served.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method (`GET`, `POST` …).
    pub method: String,
    /// Path as requested, with the query (`/api/v10/channels/1/messages?limit=5`).
    pub path: String,
    /// The JSON body (`null` when there was none).
    pub body: Value,
    /// The HTTP status the fake answered.
    pub status: u16,
    /// The JSON the fake answered (`null` for an empty body).
    pub response: Value,
    /// When the fake answered it.
    pub served_at: std::time::Instant,
    /// The request was carried out but its answer (`status`, `response`) was never sent: an injected
    /// [`super::Fault::Timeout`].
    pub withheld: bool,
}

/// A message as it was posted, for [`super::FakeDiscord::message_feed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedMessage {
    /// The channel.
    pub channel: u64,
    /// Who posted it.
    pub author: u64,
    /// Its text.
    pub content: String,
    /// When the fake took it.
    pub at: std::time::Instant,
}

/// How long [`Shared::violations`] waits for payload checks under way.
const CHECKS_PATIENCE: Duration = Duration::from_secs(30);

/// Locks a mutex, carrying on after a panic elsewhere (the data stays usable for a fake).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Everything behind a [`super::FakeDiscord`].
pub(crate) struct Shared {
    pub world: Mutex<World>,
    pub hub: Hub,
    changes: watch::Sender<u64>,
    pub requests: Mutex<Vec<RecordedRequest>>,
    violations: Mutex<Vec<String>>,
    /// Gateway payloads handed to [`Shared::check_gateway_later`] and not checked yet.
    pending_checks: Mutex<usize>,
    checks_done: Condvar,
    pub faults: Mutex<Faults>,
    traffic: Option<TrafficFile>,
    pub token: String,
    pub addr: SocketAddr,
    pub shutdown: watch::Sender<bool>,
    pub reply_timeout: Mutex<Duration>,
    /// How long the GUILD_CREATEs of a new session wait after READY (their content is of READY's moment).
    pub guild_create_delay: Mutex<Duration>,
    /// How long a gateway connection's WebSocket handshake is held before it is answered.
    pub handshake_delay: Mutex<Duration>,
    /// Whoever follows the messages posted.
    pub feeds: Mutex<Vec<tokio::sync::mpsc::UnboundedSender<PostedMessage>>>,
}

impl Shared {
    pub fn new(world: World, token: String, addr: SocketAddr, traffic: Option<TrafficFile>) -> Self {
        Self {
            world: Mutex::new(world),
            hub: Hub::default(),
            changes: watch::Sender::new(0),
            requests: Mutex::new(Vec::new()),
            violations: Mutex::new(Vec::new()),
            pending_checks: Mutex::new(0),
            checks_done: Condvar::new(),
            faults: Mutex::new(Faults::default()),
            traffic,
            token,
            addr,
            shutdown: watch::Sender::new(false),
            reply_timeout: Mutex::new(Duration::from_secs(10)),
            guild_create_delay: Mutex::new(Duration::ZERO),
            handshake_delay: Mutex::new(Duration::ZERO),
            feeds: Mutex::new(Vec::new()),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The gateway URL `GET /gateway` hands out.
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    /// Reads the world.
    pub fn read<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&lock(&self.world))
    }

    /// Changes the world; the gateway events it queued are dispatched in order (under the world
    /// lock, so they cannot overtake each other), and waiters are woken.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let result = {
            let mut world = lock(&self.world);
            let result = f(&mut world);
            let events = world.take_events();
            if !events.is_empty() {
                self.feed(&events);
                self.hub.dispatch(&world, events, self);
            }
            result
        };
        self.bump();
        result
    }

    /// Wakes everyone waiting for a change.
    pub fn bump(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Sends the messages among `events` to the feeds; forgets feeds no one reads any more.
    fn feed(&self, events: &[super::world::Dispatch]) {
        let mut feeds = lock(&self.feeds);
        if feeds.is_empty() {
            return;
        }
        let at = std::time::Instant::now();
        for event in events.iter().filter(|e| e.name == "MESSAGE_CREATE") {
            let id = |v: &Value| v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
            let message = PostedMessage {
                channel: id(&event.data["channel_id"]),
                author: id(&event.data["author"]["id"]),
                content: event.data["content"].as_str().unwrap_or_default().to_owned(),
                at,
            };
            feeds.retain(|feed| feed.send(message.clone()).is_ok());
        }
    }

    /// A receiver that sees every later change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Records a violation (a schema or serenity mismatch, a protocol error, a test asking for
    /// something a real user could not do).
    pub fn violation(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::warn!(target: "discord_sim", "violation: {message}");
        lock(&self.violations).push(message);
        self.bump();
    }

    /// Checks that serenity reads a gateway payload; a failure is a violation (the payload is
    /// still sent, so the test sees what the bot does with it).
    pub fn check_gateway(&self, frame: &Value) {
        if let Err(e) = conformance::check_gateway(frame) {
            self.violation(format!("{e}; payload: {frame}"));
        }
    }

    /// Checks a gateway payload already sent, on a blocking thread; [`Shared::violations`] waits for it.
    pub fn check_gateway_later(self: &Arc<Self>, frame: Value) {
        *lock(&self.pending_checks) += 1;
        let shared = self.clone();
        tokio::task::spawn_blocking(move || {
            shared.check_gateway(&frame);
            *lock(&shared.pending_checks) -= 1;
            shared.checks_done.notify_all();
        });
    }

    /// The violations so far, once the checks under way (at most [`CHECKS_PATIENCE`]) are done.
    pub fn violations(&self) -> Vec<String> {
        let pending = lock(&self.pending_checks);
        // A poisoned lock still holds a count; a timeout returns what is known.
        let _ = self
            .checks_done
            .wait_timeout_while(pending, CHECKS_PATIENCE, |n| *n > 0)
            .unwrap_or_else(PoisonError::into_inner);
        lock(&self.violations).clone()
    }

    /// Logs a served request, and appends it to the traffic file when there is one.
    pub fn record(&self, request: RecordedRequest) {
        if let Some(file) = &self.traffic {
            if let Err(e) = file.append(&request) {
                tracing::warn!(target: "discord_sim", "cannot write the traffic file: {e}");
            }
        }
        lock(&self.requests).push(request);
        self.bump();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::{Shared, World};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn violations_wait_for_the_checks_still_under_way() {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 1));
        let shared = Arc::new(Shared::new(World::new("Bot"), "token".into(), addr, None));
        // A session's opening payloads are checked once sent; a bad one must still be reported to whoever asks
        // right after (a test ending as soon as the bot connected).
        for _ in 0..8 {
            shared
                .check_gateway_later(json!({ "op": 0, "s": 1, "t": "GUILD_CREATE", "d": { "id": "not a snowflake" } }));
        }
        let violations = shared.violations();
        assert_eq!(violations.len(), 8, "{violations:?}");
        assert!(violations[0].contains("GUILD_CREATE"), "{}", violations[0]);
    }
}

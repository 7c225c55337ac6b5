//! A fake Discord for tests (feature `sim`): REST under `/api/v10/…` and a gateway, on
//! `127.0.0.1:0`, over plain HTTP and over TLS as `discord.com`.
//!
//! The fake keeps guilds, channels (categories, topics, permission overwrites), roles, members,
//! messages, DMs, commands and interactions in memory, records every request, and behaves like
//! Discord where a ticket bot can tell: permissions and the role hierarchy (403 / 50013), unknown
//! ids (404 with Discord's codes), size limits (2000-character content, 50 channels per category,
//! 500 per guild), rate limits on request (429 with `retry_after`), interaction tokens that answer
//! once, intents and the message-content intent on the gateway.
//!
//! Everything it serves is checked: request bodies against Discord's OpenAPI spec (a mismatch is
//! a 400 *and* a violation), its own answers against the spec's response schemas and against
//! serenity 0.12.5's models, and every gateway payload against serenity's event parsing (never
//! `Event::Unknown`). Tests assert [`FakeDiscord::violations`] is empty.
//!
//! The fake listens twice on loopback, serving the same API and gateway on both:
//!
//! - over TLS as `discord.com` ([`FakeDiscord::tls_addr`]), with a certificate made at start and signed by an
//!   authority of its own ([`FakeDiscord::root_certificate_pem`]). A client that resolves `discord.com` there and
//!   trusts that root reaches the fake exactly as it reaches Discord (`https://discord.com/api/v10/…`), so
//!   serenity's own rate limiter runs against it, as against Discord. This is how the bot connects
//!   ([`crate::DiscordConfig::with_api_address`]):
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use adapter_discord::DiscordConfig;
//! use adapter_discord::sim::FakeDiscord;
//!
//! let fake = FakeDiscord::start().await?;
//! let guild = fake.create_guild("Test Guild");
//! let http = DiscordConfig::new(fake.token())
//!     .with_api_address(fake.tls_addr(), fake.root_certificate_pem())
//!     .http()?; // reqwest with `.resolve("discord.com", tls_addr)` and the root added; the limiter on
//! // … `serenity::Client::builder` / `ClientBuilder::new_with_http(http, intents)` …
//! # let _ = (guild, http);
//! assert!(fake.violations().is_empty());
//! # Ok(()) }
//! ```
//!
//! - over plain HTTP ([`FakeDiscord::base_url`]), for serenity's `HttpBuilder::proxy`, which needs serenity's rate
//!   limiter off (a `429` then comes back to the caller as an error):
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use adapter_discord::sim::FakeDiscord;
//! use serenity::http::HttpBuilder;
//!
//! let fake = FakeDiscord::start().await?;
//! let http = HttpBuilder::new(fake.token())
//!     .proxy(fake.base_url())
//!     .ratelimiter_disabled(true)
//!     .build();
//! # let _ = http;
//! # Ok(()) }
//! ```
//!
//! The gateway URL `GET /gateway/bot` hands out is the plain listener's `ws://127.0.0.1:PORT/gateway` either way.
//!
//! Set `DISCORD_SIM_TRAFFIC=/some/file.jsonl` to get every served request appended to that file
//! as one JSON line (`method`, `path`, `body`, `status`, `response`). Fakes in several processes
//! may share the file: each line is appended whole.
//!
//! # What counts as a violation
//!
//! Discord refusing something (401, 403, 404 for an unknown id, 429, 503, a size limit) is
//! ordinary behaviour, not a violation: the bot must cope with it. A violation is something that
//! would break against the real Discord or that no real user could do: a request body outside
//! the schema, a route Discord does not have (or the fake does not serve), a payload serenity
//! cannot read, a gateway protocol error, or a test acting as a user in a way Discord's client
//! would not allow (clicking a missing button, submitting a modal that was not shown, typing in a
//! channel the user cannot see, sending an interaction while no bot is connected).
//!
//! # Faults
//!
//! [`FakeDiscord::set_unavailable`] (every call `503`), [`FakeDiscord::rate_limit_next`],
//! [`FakeDiscord::enforce_rate_limits`] (per route and window), and [`FakeDiscord::fail_route`]:
//! the next requests to one route fail with an error status ([`Fault::Status`]) or time out
//! ([`Fault::Timeout`]: carried out, never answered, until the client gives up).
//!
//! While the per-route limits are on, every answer of a limited route carries Discord's `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining`, `X-RateLimit-Reset`, `X-RateLimit-Reset-After` and `X-RateLimit-Bucket` headers (what
//! serenity's limiter waits on before sending), and a refused call gets `429` with `retry_after` (seconds) in the
//! body, `Retry-After` in whole seconds rounded up, and `X-RateLimit-Scope: user`. A bucket is a method, a route
//! and its major parameter, as on Discord; serenity keeps one bucket per route for every method, which costs at
//! most an occasional `429` when one channel is read and posted to at once. [`FakeDiscord::rate_limited_since`]
//! counts the refused calls.
//!
//! # Interactions
//!
//! [`FakeDiscord::click_button`], [`FakeDiscord::choose`], [`FakeDiscord::submit_modal`] and
//! [`FakeDiscord::run_command`] send INTERACTION_CREATE and return once the bot answered the
//! callback, or after the reply timeout ([`FakeDiscord::set_reply_timeout`], 10 s by default)
//! with `response: None`. A deferred reply (type 5) is waited on until its content arrives (an
//! edit of `@original` or a followup); a deferred update (type 6) returns at once. Later answers
//! show in [`FakeDiscord::interaction`]. Type 4 posts the reply (ephemeral ones stay out of the
//! channel), type 7 edits the clicked message, type 9 remembers the modal for
//! [`FakeDiscord::submit_modal`]. Each token answers one callback; a second gets
//! 400 / 40060 as on Discord.
//!
//! # Files
//!
//! Files the bot uploads (serenity's `multipart/form-data`: a `payload_json` part and `files[N]` parts) are read as
//! bytes and kept on the message ([`MessageState::attachments`], [`AttachmentState`]), for channel messages, DMs,
//! interaction replies (type 4 and 7), edits of `@original` and followups. Answers and gateway events show them as
//! Discord does (`id`, `filename`, `size`, `url` and `proxy_url` on Discord's CDN, `content_type`). An edit keeps the
//! attachments its `attachments` array lists by id (all of them when it has none) and adds the new uploads. Discord's
//! limits apply: 10 files, 10 MiB a file (25 MiB in an interaction's answer), Attach Files in guild channels. A test
//! reads a file from [`FakeDiscord::messages`] or [`FakeDiscord::dms`], and an interaction's (ephemeral, deferred
//! then edited) reply's from [`FakeDiscord::response_attachments`] or [`FakeDiscord::response_message`]. Members
//! attach, edit and delete by hand with [`FakeDiscord::send_message_with_attachments`],
//! [`FakeDiscord::edit_message_by_hand`] and [`FakeDiscord::delete_message_by_hand`]. The request log and the
//! traffic file keep a multipart request's `payload_json`, not its files.
//!
//! # The bot's rights
//!
//! The bot's managed "Bot" role allows View Channels, Send Messages, Manage Channels, Manage
//! Roles, Manage Nicknames, Embed Links and Read Message History on top of `@everyone`'s
//! defaults; it stays above roles made with [`FakeDiscord::create_role`]. Permission overwrites
//! apply as on Discord, so a private channel that forgets to let the bot in is closed to the bot
//! too. Change the role with [`FakeDiscord::set_role_permissions`] and
//! [`FakeDiscord::bot_role`].

mod actor;
mod builder;
mod conformance;
mod errors;
mod faults;
mod gateway;
mod hub;
mod inspect;
mod interactions;
mod openapi;
mod payload;
pub mod permissions;
mod rest;
mod router;
mod server;
mod shared;
mod tls;
mod traffic;
mod world;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use faults::Fault;
pub use interactions::{Interaction, ModalInput, ModalView};
pub use router::served_routes;
pub use shared::{PostedMessage, RecordedRequest};
pub use world::{
    AttachmentState, ChannelKind, ChannelState, MemberState, MessageState, OverwriteKind, OverwriteState, RoleState,
};

use shared::{Shared, lock};
use world::World;

/// The environment variable naming the traffic file.
pub const TRAFFIC_ENV: &str = "DISCORD_SIM_TRAFFIC";

/// Options for [`FakeDiscord::start_with`].
#[derive(Clone, Debug, Default)]
pub struct SimOptions {
    /// Append every served request to this file as one JSON line.
    pub traffic_file: Option<PathBuf>,
}

impl SimOptions {
    /// Options from the environment (`DISCORD_SIM_TRAFFIC`).
    pub fn from_env() -> Self {
        Self { traffic_file: std::env::var_os(TRAFFIC_ENV).filter(|p| !p.is_empty()).map(PathBuf::from) }
    }
}

/// A fake Discord (REST + gateway) on loopback. Cheap to clone; all clones are the same fake.
#[derive(Clone)]
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: Arc<Mutex<Option<JoinHandle<()>>>>,
    /// The TLS listener's address, and the certificate of the authority that signed its `discord.com` certificate.
    tls_addr: SocketAddr,
    root_pem: Arc<str>,
}

impl std::fmt::Debug for FakeDiscord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDiscord")
            .field("base_url", &self.base_url())
            .field("tls_addr", &self.tls_addr)
            .finish_non_exhaustive()
    }
}

impl FakeDiscord {
    /// Starts a fake on `127.0.0.1:0` (options from the environment, see [`SimOptions::from_env`]).
    pub async fn start() -> std::io::Result<FakeDiscord> {
        Self::start_with(SimOptions::from_env()).await
    }

    /// Starts a fake on `127.0.0.1:0` with explicit options.
    pub async fn start_with(options: SimOptions) -> std::io::Result<FakeDiscord> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let tls_listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let tls_addr = tls_listener.local_addr()?;
        let identity = tls::identity()?;
        let traffic = match &options.traffic_file {
            Some(path) => Some(traffic::TrafficFile::open(path)?),
            None => None,
        };
        let world = World::new("RagnaSync Tickets");
        let token = format!("sim.{:x}.{:x}", world.app_id, world::now_ms() ^ u64::from(addr.port()));
        let shared = Arc::new(Shared::new(world, token, addr, traffic));
        let plain = server::run(listener, Arc::clone(&shared), None);
        let tls = server::run(tls_listener, Arc::clone(&shared), Some(identity.acceptor));
        let server = tokio::spawn(async move {
            tokio::join!(plain, tls);
        });
        Ok(FakeDiscord {
            shared,
            server: Arc::new(Mutex::new(Some(server))),
            tls_addr,
            root_pem: identity.root_pem.into(),
        })
    }

    /// `http://127.0.0.1:PORT`, what serenity's `HttpBuilder::proxy` gets.
    pub fn base_url(&self) -> String {
        self.shared.base_url()
    }

    /// The loopback address where the fake serves the same REST API and gateway over TLS, as `discord.com`: resolve
    /// `discord.com` to it and trust [`FakeDiscord::root_certificate_pem`], and `https://discord.com/api/v10/…`
    /// reaches the fake.
    pub fn tls_addr(&self) -> SocketAddr {
        self.tls_addr
    }

    /// The PEM certificate of the authority (made at start, a new one per fake) that signed the `discord.com`
    /// certificate of [`FakeDiscord::tls_addr`]: what a client is to trust as a root.
    pub fn root_certificate_pem(&self) -> String {
        self.root_pem.to_string()
    }

    /// The gateway URL (`ws://127.0.0.1:PORT/gateway`), as `GET /gateway` returns it.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url()
    }

    /// The one bot token accepted (`Authorization: Bot <token>`; anything else is 401).
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The bot's application id.
    pub fn application_id(&self) -> u64 {
        self.shared.read(|w| w.app_id)
    }

    /// The bot's user id.
    pub fn bot_user_id(&self) -> u64 {
        self.shared.read(|w| w.bot_id)
    }

    /// Stops serving: gateway sessions are closed (code 1001) and new connections refused.
    pub async fn shutdown(&self) {
        self.shared.shutdown.send_replace(true);
        let server = lock(&self.server).take();
        if let Some(server) = server {
            // The accept loop ends on the signal; a join error means it panicked, nothing to add.
            let _ = server.await;
        }
    }

    /// The GUILD_CREATEs of the next sessions come `delay` after READY, still describing each guild as it was at
    /// READY (channels made meanwhile are not in them), as they can on real Discord.
    pub fn delay_guild_create(&self, delay: std::time::Duration) {
        *lock(&self.shared.guild_create_delay) = delay;
    }

    /// The next gateway connections' WebSocket handshakes are answered only after `delay` (a slow network, say): a
    /// client is then connecting for that long, before it has a session.
    pub fn delay_gateway_handshake(&self, delay: std::time::Duration) {
        *lock(&self.shared.handshake_delay) = delay;
    }

    /// Every REST call gets `503` while set.
    pub fn set_unavailable(&self, down: bool) {
        lock(&self.shared.faults).unavailable = down;
    }

    /// The next `n` REST calls get `429` with `retry_after` (seconds) in the body and
    /// `Retry-After` / `X-RateLimit-*` headers.
    pub fn rate_limit_next(&self, n: usize, retry_after_secs: f64) {
        let mut faults = lock(&self.shared.faults);
        faults.rate_limited = n;
        faults.retry_after = retry_after_secs;
    }

    /// Turns on per-route rate limits: every route and major parameter (a channel, a guild, a webhook) allows
    /// `limit` calls per `window`, and answers `429` with the time left as `retry_after` beyond that, as Discord
    /// does (e.g. 5 messages per 5 seconds in one channel). Answers to interactions are not limited. Off by default.
    pub fn enforce_rate_limits(&self, limit: u32, window: Duration) {
        lock(&self.shared.faults).buckets =
            Some(faults::Buckets { limit, window, used: std::collections::HashMap::new() });
    }

    /// Turns the per-route rate limits of [`FakeDiscord::enforce_rate_limits`] off again.
    pub fn stop_rate_limits(&self) {
        lock(&self.shared.faults).buckets = None;
    }

    /// Makes the next `times` requests matching `method` and `route` fail with `fault` (a `500`, a timeout…), after
    /// the faults asked for earlier on the same requests. `route` is relative to `/api/v10`: a served route's
    /// template, where `{…}` stands for any value (`/channels/{channel_id}/messages`: posts to every channel), or
    /// with some values filled in (`/channels/123/messages`: posts to that channel only). A route the fake does not
    /// serve, or a status that is not an error, is a violation.
    pub fn fail_route(&self, method: &str, route: &str, fault: Fault, times: usize) {
        let pattern = faults::RouteFault::new(method, route, fault, times);
        if !router::ROUTES.iter().any(|r| pattern.fits(r.method, r.template)) {
            self.shared.violation(format!("fail_route: {method} {route} matches no route the fake serves"));
            return;
        }
        if let Fault::Status(status) = fault {
            if !(400..=599).contains(&status) {
                self.shared.violation(format!("fail_route: {status} is not an error status"));
                return;
            }
        }
        lock(&self.shared.faults).routes.push(pattern);
    }

    /// How long the interaction methods wait for the bot's answer (default 10 s).
    pub fn set_reply_timeout(&self, timeout: Duration) {
        *lock(&self.shared.reply_timeout) = timeout;
    }
}

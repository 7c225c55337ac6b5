//! [`DiscordBot`]: connects to Discord (or a fake one) and runs the event handler over a `Desk`.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serenity::all::{Client, ClientBuilder, GatewayIntents, Http, HttpBuilder, ShardManager};
use ticket_core::Desk;
use ticket_core::ports::ChatPlatform;
use tokio::sync::watch;

use crate::DiscordError;
use crate::catch_up::GatewayWatermark;
use crate::convert::from;
use crate::guilds::GuildView;
use crate::handler::Handler;
use crate::outbox_driver::DriverTask;
use crate::platform::SerenityPlatform;

/// How to reach Discord.
#[derive(Clone)]
pub struct DiscordConfig {
    /// The bot token.
    pub token: String,
    /// A different API base reached as an HTTP proxy (e.g. the fake Discord's `http://127.0.0.1:PORT`, or a
    /// rate-limiting proxy such as twilight-http-proxy), with serenity's rate limiter off; `None` for discord.com.
    pub api_base: Option<String>,
    /// Where `discord.com` is, and the root certificate to trust for it: a test double of Discord served over TLS
    /// as `https://discord.com` (the fake Discord's `tls_addr` and root certificate). The bot
    /// talks to it exactly as to Discord, serenity's rate limiter on. Ignored when `api_base` is set.
    pub api_address: Option<ApiAddress>,
    /// How often unfinished effects are retried.
    pub resume_every: Duration,
    /// How long one REST call may take before it is given up (and retried later by the outbox, like an outage).
    /// Without it, a call Discord never answers would hold up its ticket's chain of effects for good.
    pub request_timeout: Duration,
}

/// `discord.com` at another address, with the root certificate its TLS certificate chains to.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiAddress {
    /// Where `discord.com` resolves to (the port is the one used, not 443).
    pub addr: SocketAddr,
    /// The PEM root certificate to trust (besides the usual web roots).
    pub root_certificate_pem: String,
}

impl std::fmt::Debug for ApiAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiAddress").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &"<secret>")
            .field("api_base", &self.api_base)
            .field("api_address", &self.api_address)
            .field("resume_every", &self.resume_every)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

impl DiscordConfig {
    /// Real Discord with `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            api_base: None,
            api_address: None,
            resume_every: Duration::from_secs(30),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// Another API base reached as an HTTP proxy (the fake Discord's plain `base_url`, twilight-http-proxy…):
    /// serenity sends every call there with its own rate limiter off (as `.proxy` requires), so `429`s come back as
    /// errors and are retried by the outbox.
    pub fn with_api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = Some(base.into());
        self
    }

    /// `discord.com` at `addr`, trusting `root_certificate_pem` (PEM) for its certificate: a test double of Discord
    /// served over TLS as `https://discord.com` (the fake's `tls_addr` and `root_certificate_pem`). The bot reaches
    /// it exactly as it reaches Discord, with serenity's rate limiter on (it waits on `X-RateLimit-*` and retries a
    /// `429` after its `Retry-After`).
    pub fn with_api_address(mut self, addr: SocketAddr, root_certificate_pem: impl Into<String>) -> Self {
        self.api_address = Some(ApiAddress { addr, root_certificate_pem: root_certificate_pem.into() });
        self
    }

    /// Another [`DiscordConfig::request_timeout`].
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// serenity's HTTP client for this configuration: the token, the request timeout, and either discord.com (at
    /// [`DiscordConfig::api_address`] if set) with serenity's rate limiter on, or the API base as a proxy with it
    /// off (as `.proxy` requires).
    #[allow(clippy::result_large_err)] // The crate's one error type, as `DiscordBot::connect` returns; made once.
    pub fn http(&self) -> Result<Http, DiscordError> {
        let mut client = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(self.request_timeout)
            .pool_max_idle_per_host(IDLE_CONNECTIONS);
        if let (None, Some(api)) = (&self.api_base, &self.api_address) {
            let roots = reqwest::Certificate::from_pem_bundle(api.root_certificate_pem.as_bytes())
                .ok()
                .filter(|roots| !roots.is_empty())
                .ok_or(DiscordError::Config("the API's root certificate is not a PEM certificate"))?;
            client = roots.into_iter().fold(client.resolve(API_HOST, api.addr), |c, root| c.add_root_certificate(root));
        }
        let client =
            client.build().map_err(|_| DiscordError::Config("the HTTP client cannot be built (TLS backend)"))?;
        let mut http = HttpBuilder::new(&self.token).client(client);
        if let Some(base) = &self.api_base {
            // serenity ignores `.proxy` unless its rate limiter is disabled.
            http = http.proxy(base.trim_end_matches('/')).ratelimiter_disabled(true);
        }
        Ok(http.build())
    }
}

/// The host serenity's REST calls go to (`https://discord.com/api/v10/…`).
const API_HOST: &str = "discord.com";

/// Connections to Discord kept open while idle. Each holds TLS state and buffers; a burst opens one per call under
/// way (HTTP/1.1), and without a bound they would all stay open, idle, until their timeout.
const IDLE_CONNECTIONS: usize = 8;

/// The default [`DiscordConfig::request_timeout`]: far beyond any answer Discord gives when it is well.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// What the bot needs from the gateway: guilds (channels, roles), guild messages and their content.
pub const INTENTS: GatewayIntents =
    GatewayIntents::GUILDS.union(GatewayIntents::GUILD_MESSAGES).union(GatewayIntents::MESSAGE_CONTENT);

/// Stops a running [`DiscordBot`]: its gateway connection and its periodic outbox retries.
#[derive(Clone)]
pub struct BotStopper {
    shards: Arc<ShardManager>,
    stop: Arc<watch::Sender<bool>>,
    driver: DriverTask,
    desk: Arc<Desk>,
    watermark: Arc<GatewayWatermark>,
}

impl std::fmt::Debug for BotStopper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotStopper").finish_non_exhaustive()
    }
}

impl BotStopper {
    /// Stops the periodic retries (waiting for a run under way to finish) and closes the gateway connection;
    /// [`DiscordBot::run`] then returns.
    pub async fn stop(&self) {
        self.stop.send_replace(true);
        self.driver.wait().await;
        self.shards.shutdown_all().await;
        // What the next start catches up from: nothing after this reached the bot.
        self.watermark.save(&self.desk).await;
    }
}

/// A connected bot, ready to run.
pub struct DiscordBot {
    client: Client,
    platform: Arc<SerenityPlatform>,
    desk: Arc<Desk>,
    stop: Arc<watch::Sender<bool>>,
    driver: DriverTask,
    watermark: Arc<GatewayWatermark>,
}

impl std::fmt::Debug for DiscordBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordBot").finish_non_exhaustive()
    }
}

impl DiscordBot {
    /// Checks the token, builds the platform, lets `build_desk` make the `Desk` over it, and prepares the gateway
    /// connection. Nothing is received until [`DiscordBot::run`].
    pub async fn connect(
        config: &DiscordConfig,
        build_desk: impl FnOnce(Arc<dyn ChatPlatform>) -> Arc<Desk>,
    ) -> Result<Self, DiscordError> {
        if config.token.trim().is_empty() {
            return Err(DiscordError::Config("the bot token is empty"));
        }
        let http = config.http()?;
        let me = http.get_current_user().await.map_err(DiscordError::Connect)?;
        // What the bot reads of its guilds, kept from the gateway (serenity's cache is not built in).
        let guilds = Arc::new(GuildView::new(me.id));
        let cell = Arc::new(OnceLock::new());
        let (stop, stopped) = watch::channel(false);
        let driver = DriverTask::default();
        let watermark = Arc::new(GatewayWatermark::default());
        let shards = Arc::new(OnceLock::new());
        let handler = Handler::new(
            cell.clone(),
            config.resume_every,
            stopped,
            driver.clone(),
            guilds.clone(),
            watermark.clone(),
            shards.clone(),
        );
        let client =
            ClientBuilder::new_with_http(http, INTENTS).event_handler(handler).await.map_err(DiscordError::Connect)?;
        let _ = shards.set(client.shard_manager.clone());
        let platform = Arc::new(SerenityPlatform::new(client.http.clone(), from::user(me.id)).with_guilds(guilds));
        let desk = build_desk(platform.clone());
        // Set once, here, before any event can arrive (events only flow after `run`).
        let _ = cell.set(desk.clone());
        // Read now, once this process is the one that runs (after taking the database's lease, where there is one).
        match desk.gateway_seen().await {
            Ok(seen) => watermark.restore(seen),
            Err(error) => tracing::warn!(
                %error,
                "could not read when the bot last heard from Discord; messages posted while it was away are not caught up"
            ),
        }
        Ok(Self { client, platform, desk, stop: Arc::new(stop), driver, watermark })
    }

    /// The desk the bot serves.
    pub fn desk(&self) -> &Arc<Desk> {
        &self.desk
    }

    /// The platform, for direct calls (e.g. reconciling at start).
    pub fn platform(&self) -> &Arc<SerenityPlatform> {
        &self.platform
    }

    /// A handle that stops the bot: the gateway connection and the periodic outbox retries.
    pub fn stopper(&self) -> BotStopper {
        BotStopper {
            shards: self.client.shard_manager.clone(),
            stop: self.stop.clone(),
            driver: self.driver.clone(),
            desk: self.desk.clone(),
            watermark: self.watermark.clone(),
        }
    }

    /// Runs until the gateway connection ends (see [`DiscordBot::stopper`] to stop it).
    pub async fn run(&mut self) -> Result<(), DiscordError> {
        self.client.start().await.map_err(DiscordError::Gateway)
    }
}

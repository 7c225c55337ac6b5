//! The link server's configuration: where it listens, which game servers may connect, and its limits.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;
use ticket_core::{GameServerId, GuildId};

use crate::codec::MAX_LINE;
use crate::codepage::CodePage;
use crate::secret::Secret;

/// The default port of the link. No rAthena server uses it (login 6900, char 6121, map 5121, web 8888).
pub const DEFAULT_PORT: u16 = 6150;

/// The default address of the link: `127.0.0.1:6150`.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT);

/// The addresses a game server may connect from unless configured otherwise: loopback (`127.0.0.0/8`, `::1`).
pub fn loopback() -> Vec<IpNet> {
    vec![IpNet::new_assert(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8), IpNet::from(IpAddr::V6(Ipv6Addr::LOCALHOST))]
}

/// A game server allowed to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedServer {
    /// The id it gives in its `auth` record.
    pub id: GameServerId,
    /// The secret it must give.
    pub secret: Secret,
    /// The Discord guild its tickets open in.
    pub guild: GuildId,
    /// The code page its names and chat are in (default UTF-8).
    pub encoding: CodePage,
    /// The addresses it may connect from (default [`loopback`]). A connection from anywhere else is closed
    /// before it can send a byte; an IPv4-mapped IPv6 address counts as its IPv4 address.
    pub allow_from: Vec<IpNet>,
}

impl AllowedServer {
    /// A server speaking UTF-8 and connecting from loopback.
    pub fn new(id: GameServerId, secret: Secret, guild: GuildId) -> Self {
        Self { id, secret, guild, encoding: CodePage::UTF_8, allow_from: loopback() }
    }

    /// With another code page.
    pub fn with_encoding(mut self, encoding: CodePage) -> Self {
        self.encoding = encoding;
        self
    }

    /// With other source addresses.
    pub fn with_allow_from(mut self, allow_from: Vec<IpNet>) -> Self {
        self.allow_from = allow_from;
        self
    }

    /// Whether it may connect from `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.allow_from.iter().any(|net| net.contains(&ip))
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.5`, as a dual-stack listener reports IPv4 peers) as IPv4.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Bounds on time, memory and queues. The defaults suit production; tests shorten the timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkLimits {
    /// The longest line accepted, in bytes (the protocol's limit is 8 KiB).
    pub max_line: usize,
    /// How long a new connection has to send its `auth` record.
    pub auth_timeout: Duration,
    /// How long an authenticated game may stay silent (no complete line) before the link is closed.
    pub idle_timeout: Duration,
    /// How long one write to the game may take before the link is considered dead and closed.
    pub write_timeout: Duration,
    /// Records waiting to be written to one game server. When full, the desk is told the link is congested.
    pub outgoing_queue: usize,
    /// Records read from one game server waiting for the desk. When full, reading pauses (TCP back-pressure).
    pub desk_queue: usize,
    /// Records the desk handles at once, across every game server. Each holds its work in memory until it is done;
    /// the rest wait in their server's `desk_queue`. Bounds the bot's memory when thousands of players act at once.
    pub desk_at_once: usize,
    /// Connections that have not authenticated yet. When a new one would pass this, the oldest waiting one is
    /// closed to make room, so that a real game server always gets its turn.
    pub max_pending_auth: usize,
    /// Connections from one address that have not authenticated yet; past it the oldest from that address is
    /// closed to make room.
    pub max_pending_per_address: usize,
    /// Players tracked per game server.
    pub max_players_per_server: usize,
    /// Whispers remembered per game server by their `ref`, so that a late `player_offline` answer can hand the
    /// reply back to the desk to hold; beyond this the oldest is forgotten.
    pub recent_whispers: usize,
}

impl Default for LinkLimits {
    fn default() -> Self {
        Self {
            max_line: MAX_LINE,
            auth_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            outgoing_queue: 256,
            desk_queue: 1024,
            desk_at_once: 128,
            max_pending_auth: 64,
            max_pending_per_address: 8,
            max_players_per_server: 65_536,
            recent_whispers: 1024,
        }
    }
}

/// Everything the link server needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// Where to listen (default `127.0.0.1:6150`).
    pub listen: SocketAddr,
    /// The game servers allowed to connect.
    pub servers: Vec<AllowedServer>,
    /// Bounds.
    pub limits: LinkLimits,
}

/// Why a [`LinkConfig`] is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkConfigError {
    /// No game server is allowed to connect.
    #[error("the game link allows no game server: add at least one (server id, secret, guild)")]
    NoServers,
    /// A server id is listed twice.
    #[error("the game server {0} is listed twice")]
    DuplicateServer(GameServerId),
    /// A secret is too short to resist guessing.
    #[error("the secret of game server {server} is {len} bytes; at least {min} are required")]
    WeakSecret {
        /// The server.
        server: GameServerId,
        /// Its length.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// A server may connect from nowhere.
    #[error("game server {0} may connect from no address: list at least one in allow_from")]
    NoSourceAddress(GameServerId),
    /// A limit is zero or out of range.
    #[error("the game link limit {name} is out of range: {reason}")]
    BadLimit {
        /// Which limit.
        name: &'static str,
        /// Why.
        reason: &'static str,
    },
}

impl LinkConfig {
    /// A configuration listening on [`DEFAULT_LISTEN`] with default limits.
    pub fn new(servers: Vec<AllowedServer>) -> Self {
        Self { listen: DEFAULT_LISTEN, servers, limits: LinkLimits::default() }
    }

    /// Checks the configuration.
    pub fn validate(&self) -> Result<(), LinkConfigError> {
        if self.servers.is_empty() {
            return Err(LinkConfigError::NoServers);
        }
        for (i, server) in self.servers.iter().enumerate() {
            if self.servers[..i].iter().any(|s| s.id == server.id) {
                return Err(LinkConfigError::DuplicateServer(server.id.clone()));
            }
            if server.allow_from.is_empty() {
                return Err(LinkConfigError::NoSourceAddress(server.id.clone()));
            }
            if server.secret.len() < Secret::MIN_LEN {
                return Err(LinkConfigError::WeakSecret {
                    server: server.id.clone(),
                    len: server.secret.len(),
                    min: Secret::MIN_LEN,
                });
            }
        }
        let l = &self.limits;
        let bad = |name, reason| Err(LinkConfigError::BadLimit { name, reason });
        if !(256..=MAX_LINE).contains(&l.max_line) {
            return bad("max_line", "must be between 256 and 65536 bytes");
        }
        for (name, d) in
            [("auth_timeout", l.auth_timeout), ("idle_timeout", l.idle_timeout), ("write_timeout", l.write_timeout)]
        {
            if d.is_zero() {
                return bad(name, "must be more than zero");
            }
        }
        for (name, n) in [
            ("outgoing_queue", l.outgoing_queue),
            ("desk_queue", l.desk_queue),
            ("desk_at_once", l.desk_at_once),
            ("max_pending_auth", l.max_pending_auth),
            ("max_pending_per_address", l.max_pending_per_address),
            ("max_players_per_server", l.max_players_per_server),
            ("recent_whispers", l.recent_whispers),
        ] {
            if n == 0 {
                return bad(name, "must be at least 1");
            }
        }
        Ok(())
    }

    /// The allowed server with this id.
    pub fn server(&self, id: &str) -> Option<&AllowedServer> {
        self.servers.iter().find(|s| s.id.as_str() == id)
    }

    /// Whether any allowed server may connect from `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.servers.iter().any(|s| s.allows(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(id: &str, secret: &str) -> AllowedServer {
        AllowedServer::new(GameServerId::new(id).unwrap(), Secret::new(secret), GuildId::new(1))
    }

    #[test]
    fn defaults_and_validation() {
        let config = LinkConfig::new(vec![allowed("xilero", "0123456789abcdef")]);
        assert_eq!(config.listen.to_string(), "127.0.0.1:6150", "not 6121, rAthena's char server");
        assert_eq!(config.validate(), Ok(()));
        assert!(config.server("xilero").is_some());
        assert!(config.server("other").is_none());
        assert_eq!(LinkConfig::new(vec![]).validate(), Err(LinkConfigError::NoServers));
        let twice = LinkConfig::new(vec![allowed("a", "0123456789abcdef"), allowed("a", "0123456789abcdef")]);
        assert!(matches!(twice.validate(), Err(LinkConfigError::DuplicateServer(_))));
        let weak = LinkConfig::new(vec![allowed("a", "short")]);
        assert!(matches!(weak.validate(), Err(LinkConfigError::WeakSecret { len: 5, min: 16, .. })));
        let mut zero = LinkConfig::new(vec![allowed("a", "0123456789abcdef")]);
        zero.limits.outgoing_queue = 0;
        assert!(matches!(zero.validate(), Err(LinkConfigError::BadLimit { name: "outgoing_queue", .. })));
        zero.limits.outgoing_queue = 1;
        zero.limits.recent_whispers = 0;
        assert!(matches!(zero.validate(), Err(LinkConfigError::BadLimit { name: "recent_whispers", .. })));
        zero.limits.recent_whispers = 1;
        zero.limits.max_line = 1 << 20;
        assert!(matches!(zero.validate(), Err(LinkConfigError::BadLimit { name: "max_line", .. })));
        let nowhere = LinkConfig::new(vec![allowed("a", "0123456789abcdef").with_allow_from(vec![])]);
        assert!(matches!(nowhere.validate(), Err(LinkConfigError::NoSourceAddress(_))));
    }

    #[test]
    fn servers_connect_from_loopback_unless_told_otherwise() {
        let local = allowed("a", "0123456789abcdef");
        for ip in ["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1"] {
            assert!(local.allows(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["10.0.0.5", "192.168.1.1", "::2", "::ffff:10.0.0.5"] {
            assert!(!local.allows(ip.parse().unwrap()), "{ip}");
        }
        let lan = allowed("b", "0123456789abcdef").with_allow_from(vec!["10.0.0.0/24".parse().unwrap()]);
        assert!(lan.allows("10.0.0.5".parse().unwrap()) && lan.allows("::ffff:10.0.0.77".parse().unwrap()));
        assert!(!lan.allows("127.0.0.1".parse().unwrap()), "a list replaces the default");
        let config = LinkConfig::new(vec![local, lan]);
        assert!(config.allows("10.0.0.9".parse().unwrap()) && config.allows("127.0.0.1".parse().unwrap()));
        assert!(!config.allows("10.0.1.9".parse().unwrap()));
    }
}

//! The burst: many players of one guild open tickets at the same moment while Discord enforces its rate limits,
//! past the guild's 500-channel cap. And the REST calls one ticket costs from opening to closing.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use adapter_xilero::sim::{Seen, SimEvent};
use futures_util::future::join_all;

use crate::Error;
use crate::world::World;

/// What the burst came to.
#[derive(Debug)]
pub struct Burst {
    pub players: usize,
    pub lines: usize,
    /// Players whose ticket has a channel, players told their place in line, and players told their ticket could
    /// not be opened.
    pub opened: usize,
    pub waiting: usize,
    pub refused_players: usize,
    /// Lines posted in their ticket's channel, and lines kept in the outbox for a ticket still waiting.
    pub posted: usize,
    pub kept: usize,
    pub elapsed: Duration,
    /// The least time the fake's rate limits allow for the calls made.
    pub floor: Duration,
    pub refused: usize,
    pub calls: usize,
}

/// `players` players of guild `place` each `@request` and send two more lines at once, with the fake enforcing
/// `limit` calls per `window` per route; waits until every line is posted or kept for a ticket waiting in line.
pub async fn run(
    world: &mut World,
    place: usize,
    players: usize,
    limit: u32,
    window: Duration,
    database: &Path,
) -> Result<Burst, Error> {
    let names: Vec<String> = (0..players).map(|i| format!("b{i}")).collect();
    let sim = world.sim(place);
    let sim = &*sim;
    for name in &names {
        sim.login(name).await?;
    }
    world.drain();
    world.discord.enforce_rate_limits(limit, window);
    let first_request = world.discord.request_count();
    let started = Instant::now();
    let sending = names.iter().map(|name| async move {
        sim.request(name, &format!("{name}-l1")).await?;
        sim.whisper_support(name, &format!("{name}-l2")).await?;
        sim.whisper_support(name, &format!("{name}-l3")).await?;
        Ok::<_, Error>(())
    });
    for sent in join_all(sending).await {
        sent?;
    }

    let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut posted_lines: HashMap<String, usize> = HashMap::new();
    let mut waiting: HashSet<String> = HashSet::new();
    let mut refused_players: HashSet<String> = HashSet::new();
    let mut last = started;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        // A player is settled when their three lines are posted, or they were told their place in line.
        let settled = names
            .iter()
            .filter(|n| posted_lines.get(*n) == Some(&3) || waiting.contains(*n) || refused_players.contains(*n))
            .count();
        if settled == players {
            break;
        }
        if Instant::now() > deadline {
            eprintln!("burst: only {settled} of {players} players settled in time");
            break;
        }
        tokio::select! {
            Some(m) = world.feed.recv() => {
                for line in m.content.lines() {
                    if let Some((name, _)) = line.rsplit(' ').next().and_then(|w| w.rsplit_once("-l")) {
                        if wanted.contains(name) {
                            *posted_lines.entry(name.to_owned()).or_default() += 1;
                            last = last.max(m.at);
                        }
                    }
                }
            }
            Some(e) = world.events.recv() => {
                if let SimEvent::Sees { player, line: Seen::Whisper { message, .. } } = &e.event {
                    if message.contains("in line") && wanted.contains(player.as_str()) {
                        waiting.insert(player.clone());
                        last = last.max(e.at);
                    } else if message == ticket_core::strings::IN_GAME_TICKET_FAILED && wanted.contains(player.as_str()) {
                        // A bot that refuses tickets at the cap (older builds) tells the player so.
                        refused_players.insert(player.clone());
                        last = last.max(e.at);
                    }
                }
            }
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
    let elapsed = last.saturating_duration_since(started);
    let requests = world.discord.requests_since(first_request);
    world.discord.stop_rate_limits();
    let floor = floor(&requests, limit, window);
    let refused = requests.iter().filter(|r| r.status == 429 || r.status == 400).count();
    let calls = requests.len();
    let kept = kept_lines(database, &names)?;
    let opened = world.ticket_channels(place).keys().filter(|c| wanted.contains(&c["ticket-".len()..])).count();
    Ok(Burst {
        players,
        lines: players * 3,
        opened,
        waiting: waiting.len(),
        refused_players: refused_players.len(),
        posted: posted_lines.values().sum(),
        kept,
        elapsed,
        floor,
        refused,
        calls,
    })
}

/// The least time `requests` take under `limit` calls per `window` in each bucket (a route and its channel or
/// guild), as the fake counts them; refused calls (429) are not counted.
fn floor(requests: &[adapter_discord::sim::RecordedRequest], limit: u32, window: Duration) -> Duration {
    let mut buckets: HashMap<String, u32> = HashMap::new();
    for r in requests.iter().filter(|r| r.status != 429) {
        if r.path.contains("/interactions/") || r.path.contains("/webhooks/") {
            continue;
        }
        let path = r.path.split('?').next().unwrap_or_default();
        let mut major_seen = false;
        let bucket: Vec<&str> = path
            .split('/')
            .map(|s| {
                if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
                    if major_seen {
                        return "{id}";
                    }
                    major_seen = true;
                }
                s
            })
            .collect();
        *buckets.entry(format!("{} {}", r.method, bucket.join("/"))).or_default() += 1;
    }
    let most = buckets.values().copied().max().unwrap_or(0);
    // `n` calls need ceil(n / limit) windows; the first window starts at once.
    window * most.div_ceil(limit).saturating_sub(1)
}

/// The lines of `names` kept in the bot's outbox, waiting to be posted (read from its database while it runs).
fn kept_lines(database: &Path, names: &[String]) -> Result<usize, Error> {
    let conn = rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // A player's lines wait as posts of their own, or in the welcome (the line that opened the ticket, and any sent
    // before its channel exists).
    let mut stmt = conn.prepare(
        "SELECT effect FROM outbox WHERE dead = 0 AND (effect LIKE '%player_message%' OR effect LIKE '%in_game_welcome%')",
    )?;
    let effects: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut kept = 0;
    for effect in effects {
        for token in effect.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            if let Some((name, line)) = token.rsplit_once("-l") {
                if wanted.contains(name) && matches!(line, "1" | "2" | "3") {
                    kept += 1;
                }
            }
        }
    }
    Ok(kept)
}

/// The REST calls one in-game ticket costs: opened by `@request`, one line each way, closed by the player's
/// logout (the channel deleted).
pub async fn lifecycle(world: &mut World, place: usize) -> Result<Vec<String>, Error> {
    let sim = world.sim(place);
    sim.login("solo").await?;
    world.drain();
    let before = world.discord.request_count();
    sim.request("solo", "my item vanished").await?;
    let mut channel = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while channel.is_none() && Instant::now() < deadline {
        channel = world.ticket_channels(place).get("ticket-solo").copied();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let channel = channel.ok_or("the lifecycle ticket did not open")?;
    world.next_post(channel, "my item vanished").await?;
    world.discord.send_message(channel, world.places[place].staff, "on it").await;
    world.next_whisper("solo", "on it").await?;
    sim.whisper_support("solo", "thanks").await?;
    world.next_post(channel, "thanks").await?;
    sim.logout("solo").await?;
    let gone = world.discord.wait_for(Duration::from_secs(30), |d| d.channel(channel).is_none()).await;
    if !gone {
        return Err("the lifecycle ticket's channel was not deleted".into());
    }
    // The log entry of the close comes last.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(world
        .discord
        .requests_since(before)
        .iter()
        .filter(|r| !r.path.contains("/interactions/") && !r.path.contains("/webhooks/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect())
}

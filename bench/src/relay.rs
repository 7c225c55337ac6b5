//! Tickets opened by players, and messages relayed through them: latency one at a time, throughput and order in
//! bursts.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use adapter_xilero::sim::{Seen, SimEvent};
use futures_util::future::join_all;

use crate::Error;
use crate::world::{TICKETS_PER_GUILD, World};

/// An open in-game ticket.
#[derive(Debug, Clone)]
pub struct OpenTicket {
    pub place: usize,
    pub player: String,
    pub channel: u64,
}

/// The player of the `k`th ticket and the guild it belongs to.
pub fn player(k: usize) -> (usize, String) {
    (k / TICKETS_PER_GUILD, format!("p{k}"))
}

/// Opens tickets `from..to` (players log in and `@request`), guilds side by side; returns them once every channel
/// exists.
pub async fn open(world: &World, from: usize, to: usize) -> Result<Vec<OpenTicket>, Error> {
    let mut by_place: HashMap<usize, Vec<String>> = HashMap::new();
    for k in from..to {
        let (place, name) = player(k);
        by_place.entry(place).or_default().push(name);
    }
    let opening = by_place.iter().map(|(place, names)| async move {
        let sim = world.sim(*place);
        let sim = &*sim;
        for name in names {
            sim.login(name).await?;
            sim.request(name, &format!("{name} needs help")).await?;
        }
        Ok::<_, Error>(())
    });
    for result in join_all(opening).await {
        result?;
    }
    let mut tickets = Vec::new();
    for (place, names) in &by_place {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let channels = world.ticket_channels(*place);
            if names.iter().all(|n| channels.contains_key(&format!("ticket-{n}"))) {
                for name in names {
                    let channel = channels[&format!("ticket-{name}")];
                    tickets.push(OpenTicket { place: *place, player: name.clone(), channel });
                }
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("guild {place}: tickets did not open in time").into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(tickets)
}

/// Relay latencies, one message at a time, alternating over `tickets`: `(game → Discord, Discord → game)`.
pub async fn latencies(
    world: &mut World,
    tickets: &[OpenTicket],
    samples: usize,
) -> Result<(Vec<Duration>, Vec<Duration>), Error> {
    world.drain();
    let mut up = Vec::with_capacity(samples);
    let mut down = Vec::with_capacity(samples);
    for n in 0..samples {
        let t = &tickets[n * 7919 % tickets.len()];
        let text = format!("latency {n}");
        let sent = Instant::now();
        world.sim(t.place).whisper_support(&t.player, &text).await?;
        let arrived = world.next_post(t.channel, &text).await?;
        up.push(arrived.saturating_duration_since(sent));

        let reply = format!("reply {n}");
        let sent = Instant::now();
        world.discord.send_message(t.channel, world.places[t.place].staff, &reply).await;
        let heard = world.next_whisper(&t.player, &reply).await?;
        down.push(heard.saturating_duration_since(sent));
    }
    Ok((up, down))
}

/// What a burst of relayed messages came to.
#[derive(Debug, Default)]
pub struct Throughput {
    pub messages: usize,
    pub elapsed: Duration,
    pub reordered: usize,
    pub lost: usize,
}

/// Every player of `tickets` sends `lines` lines at once (game → Discord); counts them as they are posted.
pub async fn burst_up(world: &mut World, tickets: &[OpenTicket], lines: usize) -> Result<Throughput, Error> {
    world.drain();
    let started = Instant::now();
    let sims: Vec<_> = (0..world.places.len()).map(|n| world.sim(n)).collect();
    let sims = &sims;
    let sending = tickets.iter().map(|t| async move {
        let sim = &sims[t.place];
        for n in 0..lines {
            sim.whisper_support(&t.player, &format!("seq {n} of {}", t.player)).await?;
        }
        Ok::<_, Error>(())
    });
    let by_channel: std::collections::HashSet<u64> = tickets.iter().map(|t| t.channel).collect();
    let expected = tickets.len() * lines;
    let feed = &mut world.feed;
    let mut last: HashMap<u64, i64> = HashMap::new();
    let mut result = Throughput::default();
    let (sent, ()) = tokio::join!(join_all(sending), async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
        while result.messages < expected {
            let Ok(Some(m)) = tokio::time::timeout_at(deadline, feed.recv()).await else { break };
            if !by_channel.contains(&m.channel) {
                continue;
            }
            for line in m.content.lines() {
                let Some(seq) = line.rsplit_once("seq ").and_then(|(_, r)| r.split(' ').next()?.parse::<i64>().ok())
                else {
                    continue;
                };
                let previous = last.entry(m.channel).or_insert(-1);
                if seq < *previous {
                    result.reordered += 1;
                } else {
                    *previous = seq;
                }
                result.messages += 1;
                result.elapsed = m.at.saturating_duration_since(started);
            }
        }
    });
    for s in sent {
        s?;
    }
    result.lost = expected.saturating_sub(result.messages);
    Ok(result)
}

/// Staff send `lines` replies in each ticket at once (Discord → game); counts them as players hear them.
pub async fn burst_down(world: &mut World, tickets: &[OpenTicket], lines: usize) -> Result<Throughput, Error> {
    world.drain();
    let started = Instant::now();
    let discord = world.discord.clone();
    let staff: Vec<u64> = world.places.iter().map(|p| p.staff).collect();
    let sending = tickets.iter().map(|t| {
        let (discord, staff) = (discord.clone(), staff[t.place]);
        async move {
            for n in 0..lines {
                discord.send_message(t.channel, staff, &format!("seq {n} for {}", t.player)).await;
            }
        }
    });
    let expected = tickets.len() * lines;
    let events = &mut world.events;
    let mut last: HashMap<String, i64> = HashMap::new();
    let mut result = Throughput::default();
    let (_, _) = tokio::join!(join_all(sending), async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
        while result.messages < expected {
            let Ok(Some(e)) = tokio::time::timeout_at(deadline, events.recv()).await else { break };
            let SimEvent::Sees { player, line: Seen::Whisper { message, .. } } = &e.event else { continue };
            let Some(seq) = message.strip_prefix("seq ").and_then(|r| r.split(' ').next()?.parse::<i64>().ok()) else {
                continue;
            };
            let previous = last.entry(player.clone()).or_insert(-1);
            if seq < *previous {
                result.reordered += 1;
            } else {
                *previous = seq;
            }
            result.messages += 1;
            result.elapsed = e.at.saturating_duration_since(started);
        }
    });
    result.lost = expected.saturating_sub(result.messages);
    Ok(result)
}

//! The benchmark: the real `ticket-bot` binary (release build, a process of its own) against the fake Discord and
//! simulated map servers on loopback. Prints one table.
//!
//! ```text
//! cargo run --release -p ticket-bench                 # the full run (10,000 open tickets, a 1,000-player burst)
//! cargo run --release -p ticket-bench -- --quick      # a smaller one (1,000 tickets, a 200-player burst)
//! cargo run --release -p ticket-bench -- --bot PATH   # another build of the bot (an older commit, say)
//! ```
//!
//! What it measures, in order: the REST calls of one ticket's life; relay latency one message at a time in both
//! directions at 10, 1,000 and 10,000 open tickets (450 a guild, so the 10,000 spread over 23 guilds); relayed
//! messages per second and bot CPU per relayed message in a burst with Discord not throttling, and whether any
//! arrived out of order; the bot's resident memory at 0, 1,000 and 10,000 open tickets; restart to ready with
//! 10,000 open; and a burst of players opening tickets at once on one guild with Discord's rate limits on (5 calls
//! per second per route), past the guild's 500-channel cap, against the floor those limits set. After the restart,
//! `/tickets stats` over a guild with 100,000 closed tickets (10,000 with `--quick`), seeded before the bot's first
//! start (`--stats-only` measures it right after the start and stops).
//!
//! The bot reaches the fake as `https://discord.com` over TLS (`[discord] api_address` and `api_ca_file`), so
//! serenity's own rate limiter runs as against Discord.
//!
//! The fake Discord runs in this process and checks every request against Discord's OpenAPI spec; on a 2-core
//! machine it shares the CPU with the bot, so throughput is a lower bound of what the bot can do. The bot's own CPU
//! is read from `/proc` (Linux only).

mod burst;
mod process;
mod relay;
mod stats;
mod world;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::process::{Bot, BotSetup};
use crate::relay::OpenTicket;
use crate::world::{TICKETS_PER_GUILD, World};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The benchmark of the ticket bot.
#[derive(Debug, Parser)]
struct Args {
    /// The ticket-bot binary [default: build the release one of this workspace].
    #[arg(long)]
    bot: Option<PathBuf>,
    /// A smaller run: 10, 100 and 1,000 open tickets, a 200-player burst.
    #[arg(long)]
    quick: bool,
    /// Latency samples per size and direction.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Lines each player (and staff in each ticket) sends in the throughput burst.
    #[arg(long, default_value_t = 10)]
    lines: usize,
    /// Keep the bot's files (database, configuration, `bot.log`) in this folder instead of a temporary one.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The bot's log filter (its `[logging] filter`), e.g. `info` to see in `bot.log` when each step began.
    #[arg(long, default_value = "warn")]
    log: String,
    /// Stop after the restart (no burst): for looking at memory or the restart alone.
    #[arg(long)]
    no_burst: bool,
    /// Measure `/tickets stats` alone (seed the closed tickets, ask, stop).
    #[arg(long)]
    stats_only: bool,
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort();
    let at = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[at.min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

struct Report(Vec<(String, String)>);

impl Report {
    fn add(&mut self, what: impl Into<String>, value: impl Into<String>) {
        let (what, value) = (what.into(), value.into());
        eprintln!("  {what}: {value}");
        self.0.push((what, value));
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let sizes: [usize; 3] = if args.quick { [10, 100, 1_000] } else { [10, 1_000, 10_000] };
    let burst_players = if args.quick { 200 } else { 1_000 };
    let binary = process::release_binary(args.bot.clone())?;
    let temporary = tempfile::tempdir()?;
    let dir = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => temporary.path().to_owned(),
    };

    let guilds = sizes[2].div_ceil(TICKETS_PER_GUILD);
    let mut world = World::new(guilds).await?;
    let burst_place = world.add_guild();
    let stats_place = world.add_guild();
    let stats_staff = stats::add_staff(&world, stats_place);
    let stats_tickets = if args.quick { 10_000 } else { 100_000 };
    let link = {
        // A free port for the game link.
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?
    };
    let setup = BotSetup {
        binary,
        dir,
        api_address: world.discord.tls_addr(),
        api_ca_pem: world.discord.root_certificate_pem(),
        token: world.discord.token().to_owned(),
        link,
        servers: world.servers(),
        log_filter: args.log.clone(),
    };
    let mut report = Report(Vec::new());
    eprintln!("seeding {stats_tickets} closed tickets for /tickets stats…");
    let seeding = std::time::Instant::now();
    let stats_guild = world.places[stats_place].guild;
    stats::seed(&setup.database(), process::PID_SECRET, stats_guild, &stats_staff, stats_tickets).await?;
    eprintln!("  seeded in {}", ms(seeding.elapsed()));
    eprintln!("starting the bot ({} guilds)…", world.places.len());
    let bot = setup.spawn()?;
    world.wait_ready(0, Duration::from_secs(60)).await?;
    for n in 0..world.places.len() {
        world.configure(n).await?;
        world.link(n, link).await?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    report.add("RSS at 0 open tickets", mb(bot.rss()?));

    if args.stats_only {
        stats_figures(&world, stats_place, stats_tickets, &mut report).await?;
        bot.stop()?;
        print_table(&report);
        return Ok(());
    }

    let calls = burst::lifecycle(&mut world, 0).await?;
    report.add("REST calls per in-game ticket lifecycle (open, a line each way, close)", calls.len().to_string());
    for call in &calls {
        eprintln!("    {call}");
    }

    let mut tickets: Vec<OpenTicket> = Vec::new();
    for (stage, size) in sizes.iter().enumerate() {
        eprintln!("opening tickets up to {size}…");
        let more = relay::open(&world, tickets.len(), *size).await?;
        tickets.extend(more);
        tokio::time::sleep(Duration::from_secs(1)).await;
        if stage > 0 {
            report.add(format!("RSS at {size} open tickets"), mb(bot.rss()?));
        }
        let (mut up, mut down) = relay::latencies(&mut world, &tickets, args.samples).await?;
        report.add(
            format!("relay game → Discord at {size} open, p50 / p99"),
            format!("{} / {}", ms(percentile(&mut up, 0.5)), ms(percentile(&mut up, 0.99))),
        );
        report.add(
            format!("relay Discord → game at {size} open, p50 / p99"),
            format!("{} / {}", ms(percentile(&mut down, 0.5)), ms(percentile(&mut down, 0.99))),
        );
        if stage == 1 {
            throughput(&mut world, &bot, &tickets, args.lines, &mut report).await?;
        }
    }

    eprintln!("restarting the bot with {} open tickets…", tickets.len());
    bot.stop()?;
    let since = world.discord.request_count();
    let (own, machine) = (process::own_cpu()?, process::machine_busy()?);
    let bot = setup.spawn()?;
    world.wait_ready(since, Duration::from_secs(120)).await?;
    report.add(format!("restart to ready at {} open tickets", tickets.len()), ms(bot.started.elapsed()));
    report.add(
        "CPU from the restart to ready: the bot / the benchmark (fake Discord, map servers) / every process",
        format!(
            "{} / {} / {}",
            ms(bot.cpu()?),
            ms(process::own_cpu()?.saturating_sub(own)),
            ms(process::machine_busy()?.saturating_sub(machine))
        ),
    );
    for n in 0..world.places.len() {
        if !ticket_bot::offline::linked(&world.sim(n), Duration::from_secs(60)).await? {
            return Err(format!("map server {n} did not link up again").into());
        }
    }
    report.add("RSS after relaying and restart", mb(bot.rss()?));
    // Last of what this bot process measures: reading 100,000 tickets leaves the allocator holding memory that would
    // count in every RSS figure after it.
    stats_figures(&world, stats_place, stats_tickets, &mut report).await?;
    if args.no_burst {
        bot.stop()?;
        print_table(&report);
        return Ok(());
    }

    eprintln!("the {burst_players}-player burst with rate limits on…");
    let b = burst::run(&mut world, burst_place, burst_players, 5, Duration::from_secs(1), &setup.database()).await?;
    report.add(
        format!("{}-player burst: time / floor set by the rate limits", b.players),
        format!(
            "{:.1} s / {:.1} s ({:.2}×)",
            b.elapsed.as_secs_f64(),
            b.floor.as_secs_f64(),
            b.elapsed.as_secs_f64() / b.floor.as_secs_f64().max(0.001)
        ),
    );
    report.add(
        "burst: tickets with a channel / waiting in line (told their place) / refused",
        format!("{} / {} / {}", b.opened, b.waiting, b.refused_players),
    );
    report.add(
        "burst: lines posted + kept for waiting tickets / sent (lost)",
        format!("{} + {} / {} ({} lost)", b.posted, b.kept, b.lines, b.lines.saturating_sub(b.posted + b.kept)),
    );
    report.add("burst: REST calls / refused (429 or 400)", format!("{} / {}", b.calls, b.refused));
    bot.stop()?;
    print_table(&report);
    Ok(())
}

/// `/tickets stats` over the guild seeded with `count` closed tickets, for two periods, five times each.
async fn stats_figures(world: &World, place: usize, count: usize, report: &mut Report) -> Result<(), Error> {
    for period in ["30d", "all"] {
        let (mut times, shown) = stats::ask(world, place, period, 5).await?;
        if !shown.contains(&format!("Closed **{count}**")) {
            return Err(format!("/tickets stats period:{period} did not count every ticket: {shown}").into());
        }
        report.add(
            format!("/tickets stats period:{period} over {count} closed tickets, end to end, p50 / max of 5"),
            format!("{} / {}", ms(percentile(&mut times, 0.5)), ms(percentile(&mut times, 1.0))),
        );
    }
    Ok(())
}

fn print_table(report: &Report) {
    println!("| figure | value |\n|---|---|");
    for (what, value) in &report.0 {
        println!("| {what} | {value} |");
    }
}

/// Relayed messages per second in both directions with Discord not throttling, bot CPU per relayed message, and
/// messages out of order.
async fn throughput(
    world: &mut World,
    bot: &Bot,
    tickets: &[OpenTicket],
    lines: usize,
    report: &mut Report,
) -> Result<(), Error> {
    eprintln!("throughput: {} tickets × {lines} lines each way…", tickets.len());
    let cpu = bot.cpu()?;
    let up = relay::burst_up(world, tickets, lines).await?;
    let down = relay::burst_down(world, tickets, lines).await?;
    let used = bot.cpu()?.saturating_sub(cpu);
    let relayed = up.messages + down.messages;
    let elapsed = up.elapsed + down.elapsed;
    report.add(
        "relayed msg/s, Discord not throttling (game → Discord, Discord → game)",
        format!(
            "{:.0} ({:.0}, {:.0})",
            relayed as f64 / elapsed.as_secs_f64().max(0.001),
            up.messages as f64 / up.elapsed.as_secs_f64().max(0.001),
            down.messages as f64 / down.elapsed.as_secs_f64().max(0.001)
        ),
    );
    report.add("bot CPU per relayed message", format!("{:.0} µs", used.as_secs_f64() * 1e6 / (relayed.max(1) as f64)));
    report.add("reordered messages", (up.reordered + down.reordered).to_string());
    report.add("lost messages in the throughput burst", (up.lost + down.lost).to_string());
    Ok(())
}

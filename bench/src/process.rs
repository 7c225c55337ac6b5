//! The bot under test: the real `ticket-bot` binary in a process of its own, so its memory and CPU are its own.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

/// The game-link secret every simulated map server uses.
pub const LINK_SECRET: &str = "bench-link-secret-0123456789";
/// The deployment's pid secret.
pub const PID_SECRET: &str = "bench-pid-secret-0123456789-0123456789";
/// Linux reports process CPU time in ticks of 1/100 s (`USER_HZ`, fixed by the kernel ABI).
const TICKS_PER_SECOND: u64 = 100;

/// Builds the release binary with the cargo that runs this benchmark, unless `--bot` names one.
pub fn release_binary(given: Option<PathBuf>) -> Result<PathBuf, Error> {
    if let Some(path) = given {
        return Ok(path);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the release ticket-bot…");
    let mut build = Command::new(cargo);
    build.args(["build", "--release", "-q", "-p", "ticket-bot", "--bin", "ticket-bot"]);
    // `cargo run` gave this process the benchmark's own package variables. A build script that reruns when one of
    // them changes (ring's does, for `CARGO_MANIFEST_DIR`) would see them here and not in the next `cargo run`:
    // each run would rebuild ring and everything above it twice (four minutes on two cores).
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_package_variable) {
            build.env_remove(name);
        }
    }
    let status = build.status()?;
    if !status.success() {
        return Err("cargo build --release -p ticket-bot failed".into());
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("the benchmark's own folder")?;
    Ok(dir.join("ticket-bot"))
}

/// The variables cargo sets for the package it runs (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`…), not those that
/// configure cargo itself (`CARGO_HOME`, `CARGO_TARGET_DIR`, `CARGO_BUILD_*`, `CARGO_PROFILE_*`…).
fn is_package_variable(name: &str) -> bool {
    const RUN: [&str; 6] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_RUSTC_CURRENT_DIR",
    ];
    RUN.contains(&name) || name.starts_with("CARGO_PKG_")
}

/// Where the bot's files are and what it serves.
pub struct BotSetup {
    pub binary: PathBuf,
    pub dir: PathBuf,
    /// Where the fake Discord serves `discord.com` over TLS, and its root certificate (PEM), written next to the
    /// bot's configuration: the bot reaches the fake as it reaches Discord, serenity's rate limiter on.
    pub api_address: std::net::SocketAddr,
    pub api_ca_pem: String,
    pub token: String,
    pub link: std::net::SocketAddr,
    /// `(game server id, guild)`.
    pub servers: Vec<(String, u64)>,
    /// The bot's `[logging] filter`.
    pub log_filter: String,
}

impl BotSetup {
    fn config(&self) -> String {
        let mut toml = format!(
            "[database]\npath = \"{db}\"\npid_secret_file = \"{pid}\"\n\n\
             [discord]\napi_address = \"{api}\"\napi_ca_file = \"{ca}\"\n\n\
             [logging]\nfilter = \"{log}\"\n\n[rsi]\nenabled = false\n\n[game_link]\nlisten = \"{link}\"\n",
            db = self.database().display(),
            pid = self.dir.join("pid.secret").display(),
            api = self.api_address,
            ca = self.ca_file().display(),
            link = self.link,
            log = self.log_filter,
        );
        for (id, guild) in &self.servers {
            let _ = write!(toml, "\n[[game_link.servers]]\nid = \"{id}\"\nguild = \"{guild}\"\n");
        }
        toml
    }

    /// The fake Discord's root certificate, for the bot to trust.
    fn ca_file(&self) -> PathBuf {
        self.dir.join("fake-discord-ca.pem")
    }

    /// The bot's SQLite file.
    pub fn database(&self) -> PathBuf {
        self.dir.join("tickets.db")
    }

    /// Starts the bot.
    pub fn spawn(&self) -> Result<Bot, Error> {
        let config = self.dir.join("ticket-bot.toml");
        std::fs::write(self.ca_file(), &self.api_ca_pem)?;
        std::fs::write(&config, self.config())?;
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("bot.log"))?;
        let child = Command::new(&self.binary)
            .arg("--config")
            .arg(&config)
            .arg("run")
            .env("DISCORD_TOKEN", &self.token)
            .env("TICKET_BOT_LINK_SECRET", LINK_SECRET)
            .env("TICKET_BOT_PID_SECRET", PID_SECRET)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        Ok(Bot { child, started: Instant::now() })
    }
}

/// The CPU time (user + system) in a `/proc/PID/stat` line.
fn cpu_of(stat: &str) -> Result<Duration, Error> {
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let rest = stat.rsplit_once(')').ok_or("stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11).ok_or("utime")?.parse::<u64>()? + fields.get(12).ok_or("stime")?.parse::<u64>()?;
    Ok(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// The CPU time this process (the benchmark: the fake Discord and the simulated map servers) used so far.
pub fn own_cpu() -> Result<Duration, Error> {
    cpu_of(&std::fs::read_to_string("/proc/self/stat")?)
}

/// The CPU time every process on the machine used so far (the `cpu` line of `/proc/stat`, without idle and
/// I/O wait): more than the bot and the benchmark used means something else ran meanwhile.
pub fn machine_busy() -> Result<Duration, Error> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat.lines().find(|l| l.starts_with("cpu ")).ok_or("no cpu line in /proc/stat")?;
    let mut ticks = 0u64;
    // user nice system idle iowait irq softirq steal …: all but idle (3) and iowait (4).
    for (n, field) in line.split_whitespace().skip(1).take(8).enumerate() {
        if n != 3 && n != 4 {
            ticks += field.parse::<u64>()?;
        }
    }
    Ok(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// A running bot.
pub struct Bot {
    child: Child,
    pub started: Instant,
}

impl Bot {
    fn proc_file(&self, name: &str) -> Result<String, Error> {
        Ok(std::fs::read_to_string(Path::new("/proc").join(self.child.id().to_string()).join(name))?)
    }

    /// Resident memory, in bytes.
    pub fn rss(&self) -> Result<u64, Error> {
        let status = self.proc_file("status")?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).ok_or("no VmRSS")?;
        let kb: u64 = line.split_whitespace().nth(1).ok_or("VmRSS")?.parse()?;
        Ok(kb * 1024)
    }

    /// CPU time used so far (user + system).
    pub fn cpu(&self) -> Result<Duration, Error> {
        cpu_of(&self.proc_file("stat")?)
    }

    /// Stops it as a service manager would (SIGTERM), waiting for it to exit.
    pub fn stop(mut self) -> Result<(), Error> {
        Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill()?;
        Err("the bot did not stop within 30 s of SIGTERM".into())
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::is_package_variable;

    #[test]
    fn the_run_package_variables_are_dropped_and_cargo_settings_kept() {
        for dropped in
            ["CARGO_MANIFEST_DIR", "CARGO_PKG_NAME", "CARGO_PKG_VERSION", "CARGO_CRATE_NAME", "CARGO_BIN_NAME"]
        {
            assert!(is_package_variable(dropped), "{dropped}");
        }
        for kept in ["CARGO", "CARGO_HOME", "CARGO_TARGET_DIR", "CARGO_BUILD_JOBS", "CARGO_PROFILE_RELEASE_LTO", "PATH"]
        {
            assert!(!is_package_variable(kept), "{kept}");
        }
    }
}

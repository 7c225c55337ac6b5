//! `ticket-bot migrate`: moves a deployment from its SQLite file into an empty Postgres schema, then checks that the
//! schema holds exactly what the file holds (counts, then record by record). The file is only read.

use crate::run_lock::{RunLock, RunLockError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use adapter_postgres::{ConnectOptions, PostgresStore, UrlSummary};
use adapter_sqlite::SqliteStore;
use ticket_core::store_copy::{CopyError, CopyStep, copy_store};

use crate::env::{DATABASE_PASSWORD, Env};

/// What `migrate` was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateRequest {
    /// The SQLite file (it must exist).
    pub from: PathBuf,
    /// The Postgres URL.
    pub to: String,
    /// The schema to fill (it must be empty or missing).
    pub schema: String,
    /// More root certificates for TLS (PEM).
    pub ca_file: Option<PathBuf>,
}

/// How often progress is shown while copying.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Runs `migrate`: status 0 when the copy is made and checked, 1 when it failed (with why on standard error).
pub async fn run(request: MigrateRequest, env: &Env) -> ExitCode {
    match migrate(&request, env).await {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("ticket-bot: migrate: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(request: &MigrateRequest, env: &Env) -> Result<String, String> {
    if !request.from.is_file() {
        return Err(format!("there is no SQLite file at {} (--from)", request.from.display()));
    }
    let target = UrlSummary::parse(&request.to).map_err(|e| format!("--to: {e}"))?;
    adapter_postgres::check_schema(&request.schema).map_err(|e| format!("--schema: {e}"))?;
    let mut options = ConnectOptions::new().schema(request.schema.clone());
    if let Some(password) = env.get(DATABASE_PASSWORD) {
        options = options.password(password);
    }
    if let Some(file) = &request.ca_file {
        let pem = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        adapter_postgres::certificates(&pem).map_err(|e| format!("{}: {e}", file.display()))?;
        options = options.ca_pem(pem);
    }
    // A running bot keeps writing: the copy would not be the deployment as it stands when the bot stops. Held
    // for the whole copy, so that no bot starts on the file meanwhile.
    let _running = match RunLock::take(&request.from) {
        Ok(lock) => lock,
        Err(RunLockError::Held { database, lock }) => {
            return Err(format!(
                "a ticket-bot is running on {database} (it holds {lock}): stop it first, then migrate"
            ));
        }
        Err(other) => return Err(other.to_string()),
    };
    let source =
        SqliteStore::open(&request.from).await.map_err(|e| format!("cannot open {}: {e}", request.from.display()))?;
    let result = match options.connect(&request.to).await {
        Ok(target_store) => {
            let copied = copy(&source, &target_store, &request.from, &target, &request.schema).await;
            target_store.close();
            copied
        }
        Err(e) => Err(format!("cannot connect to {target}: {e}")),
    };
    source.close().await;
    result
}

async fn copy(
    source: &SqliteStore,
    target: &PostgresStore,
    from: &Path,
    to: &UrlSummary,
    schema: &str,
) -> Result<String, String> {
    eprintln!("ticket-bot: copying {} into {to}, schema {schema}", from.display());
    let mut last_shown = Instant::now();
    let mut last_what = "";
    let mut progress = |step: CopyStep| match step {
        CopyStep::Counting => eprintln!("  counting what the file holds…"),
        CopyStep::Copying { what, done, of } => {
            if what != last_what || done == of || last_shown.elapsed() >= PROGRESS_EVERY {
                eprintln!("  {what}: {done} of {of}");
                last_shown = Instant::now();
                last_what = what;
            }
        }
        CopyStep::Verifying => eprintln!("  reading both back and comparing them…"),
    };
    match copy_store(source, target, &mut progress).await {
        Ok(counts) => Ok(format!(
            "ticket-bot: migrated {} into {to}, schema {schema}\n  copied: {counts}\n  checked: the schema holds \
             the same counts and the same records\n  next: set database.url (and TICKET_BOT_DATABASE_PASSWORD) in \
             the configuration, keep the pid secret, and start the bot\n",
            from.display()
        )),
        Err(CopyError::TargetNotEmpty(found)) => Err(format!(
            "schema {schema} at {to} is not empty (it holds {found}): migrate only into an empty schema; name \
             another with --schema, or remove this one (DROP SCHEMA {schema} CASCADE) if it holds nothing you need"
        )),
        Err(error @ (CopyError::Target(_) | CopyError::Mismatch(_))) => Err(format!(
            "{error}. The file is unchanged; schema {schema} may hold part of the copy: remove it (DROP SCHEMA \
             {schema} CASCADE) and run migrate again"
        )),
        Err(error) => Err(error.to_string()),
    }
}

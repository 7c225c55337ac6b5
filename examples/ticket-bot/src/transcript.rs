//! `ticket-bot transcript <id>`: one ticket's transcript from the database, as an HTML page or plain text, for
//! operators (a member's request, a dispute, an export). Reads the database the bot uses, even while it runs.

use std::path::Path;
use std::process::ExitCode;

use ticket_core::render::{TranscriptView, transcript_html, transcript_text};
use ticket_core::{PidKey, TicketId};

use crate::cli::TranscriptFormat;
use crate::config::Config;
use crate::database::{Database, DatabaseConfig};
use crate::env::Env;
use crate::run::EXIT_CONFIG;
use crate::secrets;

/// What `transcript` was asked for.
#[derive(Debug, Clone)]
pub struct ExportRequest<'a> {
    /// The configuration file, if one was named or found.
    pub config: Option<&'a Path>,
    /// The ticket's number.
    pub ticket: u64,
    /// Where to write; standard output when `None`.
    pub out: Option<&'a Path>,
    /// The format; by the file's extension when `None` (`.txt` is text, anything else HTML), text on standard
    /// output.
    pub format: Option<TranscriptFormat>,
}

/// Writes the transcript; says on standard error what went wrong.
pub async fn export(request: ExportRequest<'_>, env: &Env) -> ExitCode {
    match try_export(&request, env).await {
        Ok(status) => status,
        Err(message) => {
            eprintln!("ticket-bot: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn try_export(request: &ExportRequest<'_>, env: &Env) -> Result<ExitCode, String> {
    let config = match request.config {
        Some(file) => match Config::load(file, env) {
            Ok(config) => config,
            Err(error) => {
                eprintln!("ticket-bot: cannot read the configuration: {error}");
                return Ok(ExitCode::from(EXIT_CONFIG));
            }
        },
        None => Config::defaults(Path::new("")),
    };
    if let DatabaseConfig::Sqlite(file) = &config.database {
        // Never create an empty database by looking for a ticket in it.
        if !file.exists() {
            return Err(format!(
                "there is no database at {} (name the bot's configuration with --config)",
                file.display()
            ));
        }
    }
    if env.get(crate::env::PID_SECRET).is_none()
        && secrets::read_secret_file(&config.pid_secret_file).ok().flatten().is_none()
    {
        return Err(format!(
            "the pid secret is missing ({} does not exist and {} is not set): without it, who wrote what cannot be shown",
            config.pid_secret_file.display(),
            crate::env::PID_SECRET
        ));
    }
    let (secret, _) = secrets::pid_secret(env, &config.pid_secret_file).map_err(|e| e.to_string())?;
    let key = PidKey::new(&secret).map_err(|e| e.to_string())?;
    let where_ = config.database.describe();
    let database = Database::open(&config.database).await.map_err(|e| format!("cannot open the {where_}: {e}"))?;
    let store = database.tickets();
    let id = TicketId::new(request.ticket);
    let result = async {
        let Some(ticket) = store.ticket(id).await.map_err(|e| e.to_string())? else {
            return Err(format!("there is no ticket #{id} in the {where_}"));
        };
        let entries = store.transcript(id).await.map_err(|e| e.to_string())?;
        Ok((ticket, entries))
    }
    .await;
    drop(store);
    database.close().await;
    let (ticket, entries) = result?;
    let format = request.format.unwrap_or(match request.out {
        Some(path) if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt")) => TranscriptFormat::Text,
        Some(_) => TranscriptFormat::Html,
        None => TranscriptFormat::Text,
    });
    let view = TranscriptView { ticket: &ticket, entries: &entries, generated_at: time::OffsetDateTime::now_utc() };
    let page = match format {
        TranscriptFormat::Html => transcript_html(&view, &key),
        TranscriptFormat::Text => transcript_text(&view, &key),
    };
    match request.out {
        Some(path) => {
            std::fs::write(path, page).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("ticket-bot: ticket #{id} ({} lines) written to {}", entries.len(), path.display());
        }
        None => print!("{page}"),
    }
    Ok(ExitCode::SUCCESS)
}

//! The `[database]` table: an SQLite file (`path`, the default) or a Postgres database (`url`, `schema`,
//! `ca_file`), and the pid secret file.

use std::path::Path;

use adapter_postgres::UrlSummary;
use toml::de::DeTable;

use super::Walker;
use crate::config::{Config, DEFAULT_PID_SECRET_FILE, default_pid_secret_file};
use crate::database::{DEFAULT_SCHEMA, DatabaseConfig, PostgresSettings};
use crate::env::DATABASE_PASSWORD;

/// The keys of `[database]`.
pub(super) const DATABASE: &[&str] = &["path", "url", "schema", "ca_file", "pid_secret_file"];

/// Whether a host is this machine (or a Unix socket), where an unencrypted connection never leaves it.
fn is_local(host: &str) -> bool {
    host.starts_with('/') || host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Walker<'_, '_> {
    pub(super) fn database(&mut self, db: &DeTable<'_>, base: &Path, config: &mut Config) {
        self.unknown_keys(db, "database", DATABASE);
        let path = self.string(db, "path", "database");
        let url = self.string(db, "url", "database");
        let schema = self.string(db, "schema", "database");
        let ca_file = self.string(db, "ca_file", "database");
        if let Some((_, file)) = &path {
            config.database = DatabaseConfig::Sqlite(base.join(file));
        }
        if let (Some(_), Some((span, _))) = (&path, &url) {
            let message = "set either database.path (an SQLite file) or database.url (Postgres), not both";
            self.problems.at(span, "database.url", message);
        }
        match &url {
            Some((span, url)) => {
                if let Some(settings) = self.postgres(span, url, schema, ca_file, base) {
                    config.database = DatabaseConfig::Postgres(settings);
                }
            }
            None => {
                for (key, found) in [("database.schema", &schema), ("database.ca_file", &ca_file)] {
                    if let Some((span, _)) = found {
                        self.problems.at(span, key, "applies to Postgres only: set database.url too");
                    }
                }
            }
        }
        // Next to the SQLite file; for Postgres, next to this configuration file.
        let dir = match &config.database {
            DatabaseConfig::Sqlite(file) => file.parent().map(Path::to_path_buf).unwrap_or_default(),
            DatabaseConfig::Postgres(_) => base.to_path_buf(),
        };
        config.pid_secret_file = match &config.database {
            DatabaseConfig::Sqlite(file) => default_pid_secret_file(file),
            DatabaseConfig::Postgres(_) => dir.join(DEFAULT_PID_SECRET_FILE),
        };
        if let Some((_, file)) = self.string(db, "pid_secret_file", "database") {
            config.pid_secret_file = dir.join(file);
        }
    }

    /// `database.url` and what goes with it; `None` (with the problems noted) when unusable.
    fn postgres(
        &mut self,
        span: &std::ops::Range<usize>,
        url: &str,
        schema: Option<(std::ops::Range<usize>, String)>,
        ca_file: Option<(std::ops::Range<usize>, String)>,
        base: &Path,
    ) -> Option<PostgresSettings> {
        let mut usable = true;
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            let scheme = url.split_once("://").map_or("no scheme", |(scheme, _)| scheme);
            let message = format!(
                "must be a postgres:// URL such as \"postgres://bot@db.example.com:5432/tickets?sslmode=require\" \
                 (found {scheme:?}); for an SQLite file set database.path instead"
            );
            self.problems.at(span, "database.url", message);
            return None;
        }
        let summary = match UrlSummary::parse(url) {
            Ok(summary) => summary,
            Err(error) => {
                self.problems.at(span, "database.url", format!("is not a usable Postgres URL: {error}"));
                return None;
            }
        };
        if summary.has_password {
            let message = format!(
                "holds a password, and secrets never go in this file: remove it from the URL and set \
                 {DATABASE_PASSWORD}"
            );
            self.problems.at(span, "database.url", message);
            usable = false;
        }
        let remote: Vec<&String> = summary.hosts.iter().filter(|host| !is_local(host)).collect();
        if !summary.tls && !remote.is_empty() {
            let hosts: Vec<&str> = remote.iter().map(|h| h.as_str()).collect();
            let message = format!(
                "the connection to {} is not encrypted: add ?sslmode=require to the URL unless the network is \
                 private",
                hosts.join(", ")
            );
            self.warnings.at(span, "database.url", message);
        }
        let mut settings = PostgresSettings::new(url);
        settings.password = self.env.get(DATABASE_PASSWORD).map(str::to_owned);
        if let Some((span, schema)) = schema {
            match adapter_postgres::check_schema(&schema) {
                Ok(()) => settings.schema = schema,
                Err(error) => {
                    self.problems.at(&span, "database.schema", error.to_string());
                    usable = false;
                }
            }
        } else {
            settings.schema = DEFAULT_SCHEMA.to_owned();
        }
        if let Some((span, file)) = ca_file {
            let path = base.join(file);
            match std::fs::read_to_string(&path) {
                Ok(pem) => match adapter_postgres::certificates(&pem) {
                    Ok(_) => settings.ca = Some((path, pem)),
                    Err(error) => {
                        self.problems.at(&span, "database.ca_file", format!("{}: {error}", path.display()));
                        usable = false;
                    }
                },
                Err(error) => {
                    self.problems.at(&span, "database.ca_file", format!("cannot read {}: {error}", path.display()));
                    usable = false;
                }
            }
            if !summary.tls {
                let message = "is only used with TLS: add ?sslmode=require to database.url";
                self.warnings.at(&span, "database.ca_file", message);
            }
        }
        usable.then_some(settings)
    }
}

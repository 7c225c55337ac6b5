//! [`ConnectOptions`]: how a [`PostgresStore`] reaches its database: the schema, a password kept out of the URL,
//! TLS, and the pool's size. [`UrlSummary`]: what a connection URL says, without its password, for configuration
//! checks and logs.
//!
//! TLS is used when the URL asks for it with `sslmode=require`. The server's certificate is then verified against
//! Mozilla's root certificates (compiled in, from `webpki-roots`) and every certificate of
//! [`ConnectOptions::ca_pem`] (a managed Postgres's own authority: Amazon RDS, Azure, Google Cloud SQL…), and it
//! must name the host connected to. Without `sslmode=require` (`disable`, `prefer` or nothing) the connection is
//! plain, as on loopback or a private network: `prefer` does not try TLS, because a certificate that is not checked
//! protects nothing.

use std::fmt;
use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres::NoTls;
use tokio_postgres::config::{Host, SslMode};

/// A connection's future: it runs the connection and ends with it.
pub(crate) type Connection =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send>>;

use crate::{PostgresError, PostgresStore, migrations};

/// How to connect: see the [module documentation](self).
#[derive(Clone, Default)]
pub struct ConnectOptions {
    schema: Option<String>,
    password: Option<String>,
    ca_pem: Option<String>,
    max_connections: Option<usize>,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("schema", &self.schema)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("ca_pem", &self.ca_pem.is_some())
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl ConnectOptions {
    /// The defaults: schema [`PostgresStore::DEFAULT_SCHEMA`], the URL's own password (if any), Mozilla's roots
    /// only, and deadpool's pool size (four connections per core).
    pub fn new() -> Self {
        Self::default()
    }

    /// The schema the tables live in (created if missing): 1 to 63 of `a-z`, `0-9` and `_`.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// The password, when it is not in the URL (kept out of configuration files; it wins over the URL's).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// More root certificates to trust for TLS, as PEM text (one or more `BEGIN CERTIFICATE` blocks).
    pub fn ca_pem(mut self, pem: impl Into<String>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// The most connections the pool opens.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max.max(1));
        self
    }

    /// The schema these options name.
    pub(crate) fn schema_name(&self) -> String {
        self.schema.clone().unwrap_or_else(|| PostgresStore::DEFAULT_SCHEMA.to_owned())
    }

    /// The connection settings for `url`: the schema as `search_path`, the password, keep-alives.
    fn config(&self, url: &str, schema: &str) -> Result<tokio_postgres::Config, PostgresError> {
        crate::store::check_schema(schema)?;
        let mut config: tokio_postgres::Config = url.parse().map_err(PostgresError::InvalidUrl)?;
        config.options(format!("-c search_path={schema}"));
        if let Some(password) = &self.password {
            config.password(password.as_bytes());
        }
        Ok(config)
    }

    /// One connection outside any pool (for the [lease](crate::Lease)): the client, and the connection's future,
    /// which ends when the connection does.
    pub(crate) async fn session(&self, url: &str) -> Result<(tokio_postgres::Client, Connection), PostgresError> {
        let schema = self.schema_name();
        let mut config = self.config(url, &schema)?;
        // Named, so that an operator sees which session holds the lease (`pg_stat_activity`).
        config.application_name(format!("ticket-bot lease {schema}"));
        config.connect_timeout(std::time::Duration::from_secs(10)).keepalives_idle(std::time::Duration::from_secs(5));
        if config.get_ssl_mode() == SslMode::Require {
            let (client, connection) = config.connect(tls_connector(self.ca_pem.as_deref())?).await?;
            Ok((client, Box::pin(connection)))
        } else {
            let (client, connection) = config.connect(NoTls).await?;
            Ok((client, Box::pin(connection)))
        }
    }

    /// Connects to the database at `url` (`postgres://user@host:port/database?sslmode=require`, or a key-value
    /// string), creates the schema if it is missing, and migrates it to [`SCHEMA_VERSION`](crate::SCHEMA_VERSION).
    /// A schema migrated by a newer build is refused with [`PostgresError::NewerSchema`].
    pub async fn connect(self, url: &str) -> Result<PostgresStore, PostgresError> {
        let schema = self.schema_name();
        let mut config = self.config(url, &schema)?;
        if config.get_application_name().is_none() {
            // Named, so that an operator tells the store's sessions apart (`pg_stat_activity`).
            config.application_name(format!("ticket-bot store {schema}"));
        }
        let manager_config = ManagerConfig { recycling_method: RecyclingMethod::Fast };
        let tls = config.get_ssl_mode() == SslMode::Require;
        let manager = if tls {
            Manager::from_config(config, tls_connector(self.ca_pem.as_deref())?, manager_config)
        } else {
            Manager::from_config(config, NoTls, manager_config)
        };
        let mut pool = Pool::builder(manager);
        if let Some(max) = self.max_connections {
            pool = pool.max_size(max);
        }
        let pool = pool.build().map_err(|e| PostgresError::BuildPool(e.to_string()))?;
        let mut client = pool.get().await?;
        let migrations_run = migrations::migrate(&mut client, &schema).await?;
        drop(client);
        tracing::info!(schema, migrations_run, tls, "Postgres store connected");
        Ok(PostgresStore::from_parts(pool, schema, migrations_run))
    }
}

/// The TLS connector: rustls with ring, Mozilla's roots plus the certificates of `ca_pem`.
fn tls_connector(ca_pem: Option<&str>) -> Result<tokio_postgres_rustls::MakeRustlsConnect, PostgresError> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(pem) = ca_pem {
        for certificate in certificates(pem)? {
            roots.add(certificate).map_err(|e| PostgresError::Tls(format!("a CA certificate is unusable: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PostgresError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The certificates of a PEM text: at least one, every block readable.
pub fn certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, PostgresError> {
    let found = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PostgresError::Tls(format!("the CA certificates cannot be read: {e}")))?;
    if found.is_empty() {
        return Err(PostgresError::Tls("no CERTIFICATE block in the CA certificates' PEM text".to_owned()));
    }
    Ok(found)
}

/// What a connection URL says, without its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlSummary {
    /// The hosts (or Unix socket folders), in the order they are tried.
    pub hosts: Vec<String>,
    /// Their ports (one for all, or one each; none: 5432).
    pub ports: Vec<u16>,
    /// The user name, if given.
    pub user: Option<String>,
    /// The database, if given (else the user's name).
    pub dbname: Option<String>,
    /// Whether the URL holds a password.
    pub has_password: bool,
    /// Whether the connection uses TLS (`sslmode=require`).
    pub tls: bool,
}

impl UrlSummary {
    /// Reads a connection URL (or key-value string) without connecting.
    pub fn parse(url: &str) -> Result<Self, PostgresError> {
        let config: tokio_postgres::Config = url.parse().map_err(PostgresError::InvalidUrl)?;
        let hosts = config
            .get_hosts()
            .iter()
            .map(|host| match host {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        Ok(Self {
            hosts,
            ports: config.get_ports().to_vec(),
            user: config.get_user().map(str::to_owned),
            dbname: config.get_dbname().map(str::to_owned),
            has_password: config.get_password().is_some(),
            tls: config.get_ssl_mode() == SslMode::Require,
        })
    }
}

impl fmt::Display for UrlSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        let hosts: Vec<String> = if self.hosts.is_empty() { vec!["localhost".to_owned()] } else { self.hosts.clone() };
        for (n, host) in hosts.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            let port = self.ports.get(n).or(self.ports.first()).copied().unwrap_or(5432);
            write!(f, "{host}:{port}")?;
        }
        if let Some(db) = &self.dbname {
            write!(f, "/{db}")?;
        }
        f.write_str(if self.tls { " (TLS, certificate verified)" } else { " (no TLS)" })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_url_is_summarised_without_its_password() {
        let s = UrlSummary::parse("postgres://bot:hunter2@db.example.com:6432/tickets?sslmode=require").unwrap();
        assert!(s.has_password && s.tls);
        assert_eq!(s.to_string(), "bot@db.example.com:6432/tickets (TLS, certificate verified)");
        let s = UrlSummary::parse("postgres://bot@a,b:5433/t").unwrap();
        assert!(!s.has_password && !s.tls);
        assert_eq!(s.to_string(), "bot@a:5432,b:5433/t (no TLS)");
        assert_eq!(
            UrlSummary::parse("host=127.0.0.1 user=postgres").unwrap().to_string(),
            "postgres@127.0.0.1:5432 (no TLS)"
        );
        assert!(matches!(UrlSummary::parse("postgres://x:notaport/db"), Err(PostgresError::InvalidUrl(_))));
        assert!(matches!(UrlSummary::parse("postgres://x/db?sslmode=sometimes"), Err(PostgresError::InvalidUrl(_))));
    }

    #[test]
    fn ca_certificates_must_be_pem_certificates() {
        assert!(matches!(certificates(""), Err(PostgresError::Tls(_))));
        assert!(matches!(certificates("hello"), Err(PostgresError::Tls(_))));
        let broken = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(certificates(broken), Err(PostgresError::Tls(_))));
    }

    #[test]
    fn options_never_show_the_password() {
        let options = ConnectOptions::new().password("hunter2").schema("cfg");
        assert!(!format!("{options:?}").contains("hunter2"));
    }
}

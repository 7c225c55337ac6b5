//! TLS to the test server (`sslmode=require`): the server's certificate is verified against the CA given, host name
//! included; without that CA, or under another name, the connection is refused. Runs where the test server has TLS
//! on with the distribution's self-signed `localhost` certificate (Debian's `ssl-cert-snakeoil`, the default of its
//! packages); says so and passes elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_postgres::ConnectOptions;
use common::{drop_schema, raw_client, unique_schema};

const CERT: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

/// The test server's certificate, if it serves TLS with it.
async fn server_certificate() -> Option<String> {
    let admin = raw_client().await?;
    let row = admin.query_one("SELECT current_setting('ssl'), current_setting('ssl_cert_file')", &[]).await.ok()?;
    let (ssl, file): (String, String) = (row.get(0), row.get(1));
    let pem = std::fs::read_to_string(&file).ok().filter(|_| ssl == "on" && file == CERT);
    if pem.is_none() {
        println!("postgres TLS tests skipped: the test server does not serve TLS with {CERT} (ssl = {ssl}, {file})");
    }
    pem
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verified_tls_connection_and_refusals_without_the_ca_or_under_another_name() {
    let Some(pem) = server_certificate().await else { return };
    let schema = unique_schema();
    let url = "postgres://postgres@localhost:5432/test?sslmode=require";
    let store = ConnectOptions::new().schema(schema.clone()).ca_pem(pem.clone()).connect(url).await;
    let store = store.expect("TLS with the server's CA, under the name in its certificate");
    let admin = raw_client().await.unwrap();
    let encrypted: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = $1 AND s.ssl",
            &[&format!("ticket-bot store {schema}")],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted >= 1, "the store's sessions are encrypted");
    store.close();

    let unknown = ConnectOptions::new().schema(schema.clone()).connect(url).await;
    let error = unknown.expect_err("a certificate from no known authority is refused").to_string();
    println!("without the CA: {error}");
    assert!(error.contains("UnknownIssuer") || error.contains("certificate"), "{error}");
    let other_name = "postgres://postgres@127.0.0.1:5432/test?sslmode=require";
    let mismatch = ConnectOptions::new().schema(schema.clone()).ca_pem(pem).connect(other_name).await;
    let error = mismatch.expect_err("a certificate for another name is refused").to_string();
    println!("under another name: {error}");
    assert!(error.contains("NotValidForName") || error.contains("certificate"), "{error}");
    drop_schema(&schema);
}

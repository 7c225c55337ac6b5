//! Connecting migrates a schema once; a schema migrated by a newer build is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_postgres::{PostgresError, PostgresStore, SCHEMA_VERSION};
use common::{drop_schema, raw_client, unique_schema, url};
use ticket_core::{GuildId, TicketStore};

#[tokio::test(flavor = "multi_thread")]
async fn a_second_connect_runs_no_migration_and_works() {
    let Some(_server) = raw_client().await else { return };
    let schema = unique_schema();
    let first = PostgresStore::connect(&url(), &schema).await.unwrap();
    assert_eq!(first.migrations_run(), adapter_postgres::SCHEMA_VERSION as usize);
    let second = PostgresStore::connect(&url(), &schema).await.unwrap();
    assert_eq!(second.migrations_run(), 0, "the schema was already migrated");
    assert_eq!(second.schema_version().await.unwrap(), SCHEMA_VERSION);
    let id = second.next_ticket_id().await.unwrap();
    assert!(first.next_ticket_id().await.unwrap() > id, "both stores share one schema");
    assert_eq!(second.settings(GuildId::new(1)).await.unwrap().version, 0);
    first.close();
    second.close();
    drop_schema(&schema);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_stores_connecting_at_once_migrate_once() {
    let Some(_server) = raw_client().await else { return };
    let schema = unique_schema();
    let url = url();
    let (a, b) = tokio::join!(PostgresStore::connect(&url, &schema), PostgresStore::connect(&url, &schema));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.migrations_run() + b.migrations_run(), SCHEMA_VERSION as usize);
    a.close();
    b.close();
    drop_schema(&schema);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_schema_is_refused() {
    let Some(server) = raw_client().await else { return };
    let schema = unique_schema();
    PostgresStore::connect(&url(), &schema).await.unwrap().close();
    server
        .batch_execute(&format!("UPDATE {schema}.schema_version SET version = {}", SCHEMA_VERSION + 1))
        .await
        .unwrap();
    let refused = PostgresStore::connect(&url(), &schema).await.unwrap_err();
    assert!(
        matches!(refused, PostgresError::NewerSchema { found, supported }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{refused}"
    );
    assert!(refused.to_string().contains("upgrade"), "{refused}");
    drop_schema(&schema);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_schema_name_is_refused() {
    let refused = PostgresStore::connect(&url(), "cfg; DROP TABLE x").await.unwrap_err();
    assert!(matches!(refused, PostgresError::InvalidSchema(_)), "{refused}");
}

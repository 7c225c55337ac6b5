//! Test support: a fresh [`PostgresStore`] in its own uniquely named schema, dropped afterwards (the server and
//! schema helpers are `adapter_postgres::test_support`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use adapter_postgres::PostgresStore;
pub use adapter_postgres::test_support::{drop_schema, raw_client, unique_schema, url};

/// A [`PostgresStore`] in a fresh schema of its own, dropped with it.
pub struct TestStore {
    pub store: PostgresStore,
}

impl TestStore {
    /// A fresh store, or `None` when no server answers (outside CI).
    pub async fn new() -> Option<Self> {
        raw_client().await?;
        let store = PostgresStore::connect(&url(), &unique_schema()).await.expect("the store connects");
        Some(Self { store })
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        self.store.close();
        drop_schema(self.store.schema());
    }
}

impl std::ops::Deref for TestStore {
    type Target = PostgresStore;

    fn deref(&self) -> &PostgresStore {
        &self.store
    }
}

ticket_core::delegate_store!(TestStore => store);

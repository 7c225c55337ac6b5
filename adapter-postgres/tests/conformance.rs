//! The shared store conformance suite of `ticket-core`, unchanged, against `PostgresStore`: each check in a fresh
//! schema of its own (see `common`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

ticket_core::store_conformance_tests!(
    #[tokio::test(flavor = "multi_thread")],
    match crate::common::TestStore::new().await {
        Some(store) => store,
        // No server, outside CI: `common` said so once.
        None => return,
    }
);

//! The shared store conformance suite of `ticket-core`, unchanged, against `SqliteStore`: in memory, on a real
//! file (WAL mode, reader threads), and on a file with one connection for reads and writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod in_memory {
    ticket_core::store_conformance_tests!(
        #[tokio::test],
        adapter_sqlite::SqliteStore::open_in_memory().await.expect("an in-memory store opens")
    );
}

mod on_file {
    ticket_core::store_conformance_tests!(#[tokio::test], crate::common::TempStore::new().await);
}

mod on_file_one_connection {
    ticket_core::store_conformance_tests!(
        #[tokio::test],
        crate::common::TempStore::with(adapter_sqlite::OpenOptions::new().readers(0)).await
    );
}

//! The store conformance suite on the SQLite backend, each case on a fresh temporary file.

use std::sync::Arc;

use diandan_functions::store::SqliteStore;

diandan_functions::store_conformance_tests!(async {
    Arc::new(SqliteStore::temporary().expect("a temporary SQLite store"))
});

//! `diandan store`: where submissions are kept (`--store sqlite:PATH | dynamodb:TABLE`, shared
//! by `serve`, `build` and `plan`), and `store init`, which creates what a store needs — the
//! SQLite file, or the DynamoDB table with the deployment template's schema.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use diandan_functions::store::dynamo::{cloudformation_properties, TableInit};
use diandan_functions::store::sqlite::{schema_version, SqliteStore};
use diandan_functions::store::{DynamoStore, Store};

use super::RootArgs;

/// Where submissions are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    Sqlite(PathBuf),
    /// A DynamoDB table, reached through the AWS SDK's usual environment (region, credentials,
    /// `AWS_ENDPOINT_URL_DYNAMODB`).
    Dynamo(String),
}

impl std::str::FromStr for StoreSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("sqlite", path)) if !path.is_empty() => Ok(StoreSpec::Sqlite(path.into())),
            Some(("dynamodb", table)) if !table.is_empty() => Ok(StoreSpec::Dynamo(table.into())),
            _ => Err(format!(
                "`{s}` is not a store; write sqlite:PATH or dynamodb:TABLE"
            )),
        }
    }
}

impl StoreSpec {
    /// `serve`'s default: the SQLite file under `root`'s `.diandan/`.
    pub fn default_for(root: &Path) -> Self {
        StoreSpec::Sqlite(root.join(".diandan").join("diandan.sqlite3"))
    }

    /// Opens the store. A DynamoDB store connects on its first operation (inside the caller's
    /// runtime); use [`StoreSpec::open_checked`] to find a missing table at once.
    pub fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        match self {
            StoreSpec::Sqlite(path) => {
                let store = SqliteStore::open(path)
                    .with_context(|| format!("cannot open the store {}", path.display()))?;
                Ok(Arc::new(store))
            }
            StoreSpec::Dynamo(table) => Ok(Arc::new(DynamoStore::lazy(table))),
        }
    }

    /// Opens the store and, for DynamoDB, makes sure the table is there.
    pub async fn open_checked(&self) -> anyhow::Result<Arc<dyn Store>> {
        if let StoreSpec::Dynamo(table) = self {
            DynamoStore::lazy(table)
                .check_table()
                .await
                .with_context(|| format!("cannot use the store dynamodb:{table}"))?;
        }
        self.open()
    }
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create the store: the SQLite file (migrated), or the DynamoDB table with the
    /// deployment template's schema and TTL. Running it again changes nothing.
    Init(InitArgs),
    /// Print the DynamoDB table's schema as the template's `AWS::DynamoDB::Table` properties.
    Schema,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub root: RootArgs,
    /// The store: `sqlite:PATH` (default: .diandan/diandan.sqlite3 under --root) or
    /// `dynamodb:TABLE`.
    #[arg(long)]
    pub store: Option<StoreSpec>,
}

pub fn run(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let text = match &args.command {
        StoreCommand::Init(init) => {
            let spec =
                (init.store.clone()).unwrap_or_else(|| StoreSpec::default_for(&init.root.root));
            self::init(&spec)?
        }
        StoreCommand::Schema => serde_json::to_string_pretty(&cloudformation_properties())?,
    };
    // A closed pipe (`| head`) is the reader's choice, not an error.
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Creates the store; says what it did.
pub fn init(spec: &StoreSpec) -> anyhow::Result<String> {
    match spec {
        StoreSpec::Sqlite(path) => {
            SqliteStore::open(path)
                .with_context(|| format!("cannot create the store {}", path.display()))?;
            Ok(format!(
                "the SQLite store {} is ready (schema version {})",
                path.display(),
                schema_version()
            ))
        }
        StoreSpec::Dynamo(table) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let done = runtime
                .block_on(DynamoStore::lazy(table).create_table())
                .with_context(|| format!("cannot create the DynamoDB table {table}"))?;
            Ok(match done {
                TableInit::Created => format!("created the DynamoDB table {table} (TTL on `ttl`)"),
                TableInit::AlreadyExisted => {
                    format!("the DynamoDB table {table} already exists (TTL on `ttl`)")
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_store_specs() {
        assert_eq!(
            "sqlite:a/b.db".parse(),
            Ok(StoreSpec::Sqlite("a/b.db".into()))
        );
        assert_eq!(
            "dynamodb:diandan".parse(),
            Ok(StoreSpec::Dynamo("diandan".into()))
        );
        assert!("postgres:x".parse::<StoreSpec>().is_err());
        assert!("sqlite:".parse::<StoreSpec>().is_err());
    }

    #[test]
    fn init_makes_a_sqlite_store_and_can_run_again() {
        let dir = tempfile::tempdir().unwrap();
        let spec = StoreSpec::default_for(dir.path());
        assert!(init(&spec).unwrap().contains("is ready"));
        assert!(init(&spec).unwrap().contains("is ready"));
        assert!(dir.path().join(".diandan/diandan.sqlite3").exists());
    }
}

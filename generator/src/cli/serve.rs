//! `diandan serve`: the site and the API on 127.0.0.1 with live reload, on an embedded store.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use diandan_functions::domain::Secret;
use diandan_functions::store::sqlite::SqliteStore;
use diandan_functions::store::Store;

use super::RootArgs;
use crate::serve::{self, ServeOptions};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub root: RootArgs,
    /// The port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The store: `sqlite:PATH` (default: .diandan/diandan.sqlite3 under --root).
    #[arg(long)]
    pub store: Option<StoreSpec>,
}

/// Where submissions are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    Sqlite(PathBuf),
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
    pub fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        match self {
            StoreSpec::Sqlite(path) => {
                let store = SqliteStore::open(path)
                    .with_context(|| format!("cannot open the store {}", path.display()))?;
                Ok(Arc::new(store))
            }
            StoreSpec::Dynamo(table) => anyhow::bail!(
                "dynamodb:{table}: this build has no DynamoDB store yet — use sqlite:PATH"
            ),
        }
    }
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let root = args.root.root.clone();
    let state_dir = root.join(".diandan");
    let spec = args
        .store
        .clone()
        .unwrap_or_else(|| StoreSpec::Sqlite(state_dir.join("diandan.sqlite3")));
    let secret_path = state_dir.join("secret");
    let secret = Secret::load_or_create(&secret_path)
        .with_context(|| format!("cannot keep the server secret in {}", secret_path.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = spec.open()?;
        serve::run(ServeOptions {
            root,
            port: args.port,
            store,
            secret,
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
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
}

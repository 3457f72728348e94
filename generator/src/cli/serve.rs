//! `diandan serve`: the site and the API on 127.0.0.1 with live reload, on an embedded store.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use diandan_functions::domain::Secret;

pub use super::store::StoreSpec;
use super::RootArgs;
use crate::serve::{self, ServeOptions};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub root: RootArgs,
    /// The port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The store: `sqlite:PATH` (default: .diandan/diandan.sqlite3 under --root) or
    /// `dynamodb:TABLE` (the AWS SDK's environment says where; `diandan store init` makes it).
    #[arg(long)]
    pub store: Option<StoreSpec>,
    /// Serve as if today were this date (YYYY-MM-DD), the API's clock stopped at 10:00 China
    /// time that day: for previews of a coming month and for tests. Default: the real clock.
    #[arg(long)]
    pub today: Option<chrono::NaiveDate>,
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let root = args.root.root.clone();
    let state_dir = root.join(".diandan");
    let spec = args
        .store
        .clone()
        .unwrap_or_else(|| StoreSpec::default_for(&root));
    // The Lambda functions' secret when given (a shared DynamoDB table needs the same person
    // hashes), else the one kept beside the SQLite file.
    let secret_path = state_dir.join("secret");
    let secret = match Secret::from_env(diandan_functions::lambda::SECRET_VAR)? {
        Some(secret) => secret,
        None => Secret::load_or_create(&secret_path).with_context(|| {
            format!("cannot keep the server secret in {}", secret_path.display())
        })?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = spec.open_checked().await?;
        serve::run(ServeOptions {
            root,
            port: args.port,
            store,
            secret,
            admin_token: std::env::var("DIANDAN_ADMIN_TOKEN").ok(),
            today: args.today,
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}

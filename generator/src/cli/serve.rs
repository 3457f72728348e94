//! `diandan serve`: the site and the API on 127.0.0.1 with live reload, on an embedded store.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use diandan_functions::domain::{DataKey, Secret};

pub use super::store::StoreSpec;
use super::RootArgs;
use crate::serve::{self, ConnLimits, ServeOptions};

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
    /// Seconds a client may take to send a request's headers before the connection is closed.
    #[arg(long, default_value_t = 30)]
    pub header_timeout: u64,
    /// Seconds a request's body may stall before the request fails and the connection closes.
    #[arg(long, default_value_t = 30)]
    pub body_timeout: u64,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
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
    // The functions' data key when given (they open what serve seals), else one kept beside
    // the secret.
    let key_path = state_dir.join("data-key");
    let data_key = match DataKey::from_env(diandan_functions::lambda::DATA_KEY_VAR)? {
        Some(key) => key,
        None => DataKey::load_or_create(&key_path)
            .with_context(|| format!("cannot keep the data key in {}", key_path.display()))?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = spec.open_checked().await?;
        let served = serve::run(ServeOptions {
            root,
            port: args.port,
            store,
            secret,
            data_key,
            admin_token: std::env::var("DIANDAN_ADMIN_TOKEN").ok(),
            today: args.today,
            limits: ConnLimits {
                header_timeout: Duration::from_secs(args.header_timeout),
                body_timeout: Duration::from_secs(args.body_timeout),
                max_connections: args.max_connections,
            },
        })
        .await;
        anyhow::Ok(served?)
    })?;
    Ok(ExitCode::SUCCESS)
}

//! `diandan staff`: named accounts for staff and village helpers — `add`, `list`, `disable`,
//! `passwd` — in the store `serve` and the functions use. Passwords are read from standard
//! input (`--password-stdin`), never from the command line, and never printed.

pub mod add;
pub mod disable;
pub mod list;
pub mod passwd;

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use diandan_functions::domain::{AccountName, Password};
use diandan_functions::store::Store;

use super::store::StoreSpec;
use super::RootArgs;

#[derive(Debug, Args)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub command: StaffCommand,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add an account: admin, staff, or a village helper with the townships they serve.
    Add(add::AddArgs),
    /// List the accounts with their roles and townships.
    List(list::ListArgs),
    /// Disable an account; its sessions end at once.
    Disable(disable::DisableArgs),
    /// Set a new password; the account's sessions end at once.
    Passwd(passwd::PasswdArgs),
}

/// Where the accounts are: the options every `staff` subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct StoreOptions {
    #[command(flatten)]
    pub root: RootArgs,
    /// The store (`sqlite:PATH` or `dynamodb:TABLE`); default: .diandan/diandan.sqlite3 under
    /// --root, as `serve` uses it.
    #[arg(long)]
    pub store: Option<StoreSpec>,
}

impl StoreOptions {
    fn spec(&self) -> StoreSpec {
        (self.store.clone()).unwrap_or_else(|| StoreSpec::default_for(&self.root.root))
    }
}

pub fn run(args: &StaffArgs) -> anyhow::Result<ExitCode> {
    let out = &mut std::io::stdout().lock();
    let input = &mut std::io::stdin().lock();
    execute(args, input, out)
}

/// The command, reading a password from `input` and printing to `out`.
pub fn execute(
    args: &StaffArgs,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    match &args.command {
        StaffCommand::Add(a) => add::run(a, input, out),
        StaffCommand::List(a) => list::run(a, out),
        StaffCommand::Disable(a) => disable::run(a, out),
        StaffCommand::Passwd(a) => passwd::run(a, input, out),
    }
}

/// Runs `f` on the store in a runtime of its own.
fn with_store<T>(
    options: &StoreOptions,
    f: impl AsyncFnOnce(Arc<dyn Store>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = options.spec().open_checked().await?;
        f(store).await
    })
}

/// The account name, with what to do if it is not one.
fn account_name(raw: &str) -> anyhow::Result<AccountName> {
    raw.parse().with_context(|| {
        format!("`{raw}` cannot be an account name: use lowercase letters, digits and `-`")
    })
}

/// The password: the first line of `input`, without its line ending.
fn read_password(input: &mut dyn BufRead, stdin_flag: bool) -> anyhow::Result<Password> {
    if !stdin_flag {
        anyhow::bail!(
            "pass the password on standard input with --password-stdin \
             (e.g. `diandan staff add … --password-stdin < file`), never as an argument"
        );
    }
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let line = line.trim_end_matches(['\n', '\r']);
    Ok(Password::parse(line)?)
}

/// Says that an account does not exist, or passes another error on.
fn explain(err: diandan_functions::store::StoreError, name: &AccountName) -> anyhow::Error {
    match err {
        diandan_functions::store::StoreError::NotFound => {
            anyhow::anyhow!("there is no account `{name}`; `diandan staff list` shows them")
        }
        other => anyhow::Error::new(other).context(format!("cannot change the account `{name}`")),
    }
}

/// Whether `root` holds content whose townships `add` can check.
fn has_content(root: &Path) -> bool {
    root.join("content").is_dir()
}

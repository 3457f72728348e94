//! `diandan staff passwd NAME --password-stdin`: a new password; the account's live sessions
//! end, so whoever held the old one is logged out.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::Args;
use diandan_functions::domain::PasswordHash;

use super::{account_name, explain, read_password, with_store, StoreOptions};

#[derive(Debug, Args)]
pub struct PasswdArgs {
    pub name: String,
    /// Read the new password (at least 10 characters) from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub store: StoreOptions,
}

pub fn run(
    args: &PasswdArgs,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let name = account_name(&args.name)?;
    let password = read_password(input, args.password_stdin)?;
    let hash = PasswordHash::create(&password)?;
    with_store(&args.store, async |store| {
        (store.set_password(&name, hash).await).map_err(|e| explain(e, &name))
    })?;
    writeln!(out, "set a new password for {name}")?;
    Ok(ExitCode::SUCCESS)
}

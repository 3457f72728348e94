//! `diandan staff disable NAME`: the account can no longer log in, and its live sessions stop
//! working at once. It stays listed (the log still names it).

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use diandan_functions::clock::china_now;

use super::{account_name, explain, with_store, StoreOptions};

#[derive(Debug, Args)]
pub struct DisableArgs {
    pub name: String,
    #[command(flatten)]
    pub store: StoreOptions,
}

pub fn run(args: &DisableArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let name = account_name(&args.name)?;
    with_store(&args.store, async |store| {
        (store.disable_account(&name, china_now()).await).map_err(|e| explain(e, &name))
    })?;
    writeln!(out, "disabled {name}")?;
    Ok(ExitCode::SUCCESS)
}

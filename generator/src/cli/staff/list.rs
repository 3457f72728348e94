//! `diandan staff list`: every account with its role, townships and state; no hashes.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use super::{with_store, StoreOptions};

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreOptions,
}

pub fn run(args: &ListArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let accounts = with_store(&args.store, async |store| Ok(store.accounts().await?))?;
    if accounts.is_empty() {
        writeln!(
            out,
            "no accounts yet; add one with `diandan staff add NAME --role admin --password-stdin`"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for a in &accounts {
        let townships: Vec<&str> = a.townships.iter().map(|t| t.as_str()).collect();
        let state = match a.disabled_at {
            Some(at) => format!("disabled {}", at.format("%Y-%m-%d")),
            None => "active".to_owned(),
        };
        writeln!(
            out,
            "{:<24} {:<7} {:<10} {}",
            a.name,
            a.role,
            state,
            townships.join(",")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

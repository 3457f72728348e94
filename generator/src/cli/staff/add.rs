//! `diandan staff add NAME --role ROLE [--township ID]… --password-stdin`.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use diandan_functions::domain::{PasswordHash, Role, TownshipId};
use diandan_functions::store::{Account, StoreError};

use super::{account_name, has_content, read_password, with_store, StoreOptions};
use crate::{content, render};

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The login name: lowercase letters, digits and `-` (e.g. lin-xiaomei).
    pub name: String,
    /// admin (everything, including accounts), staff (the staff pages) or helper (proxy
    /// submissions for residents of their townships).
    #[arg(long)]
    pub role: Role,
    /// A township the helper serves (repeat for several); helpers only.
    #[arg(long = "township", value_name = "ID")]
    pub townships: Vec<TownshipId>,
    /// Read the password (at least 10 characters) from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub store: StoreOptions,
}

pub fn run(
    args: &AddArgs,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let name = account_name(&args.name)?;
    check_townships(args)?;
    let password = read_password(input, args.password_stdin)?;
    let hash = PasswordHash::create(&password)?;
    let mut townships = args.townships.clone();
    townships.sort();
    townships.dedup();
    let account = Account::new(name.clone(), args.role, townships, hash, china_now());
    with_store(&args.store, async |store| {
        match store.create_account(account).await {
            Ok(()) => Ok(()),
            Err(StoreError::Duplicate) => Err(anyhow::anyhow!(
            "the account `{name}` exists already; `diandan staff passwd {name}` sets a new password"
        )),
            Err(e) => Err(anyhow::Error::new(e).context("cannot add the account")),
        }
    })?;
    writeln!(out, "added {name} ({})", args.role)?;
    Ok(ExitCode::SUCCESS)
}

fn china_now() -> diandan_functions::store::Time {
    diandan_functions::clock::china_now()
}

/// Helpers serve at least one township, the others none; each must be the content's.
fn check_townships(args: &AddArgs) -> anyhow::Result<()> {
    match (args.role, args.townships.is_empty()) {
        (Role::Helper, true) => anyhow::bail!(
            "a helper serves at least one township: add --township ID (see content/townships.yaml)"
        ),
        (Role::Admin | Role::Staff, false) => {
            anyhow::bail!(
                "only helpers have townships: leave out --township for {}",
                args.role
            )
        }
        _ => {}
    }
    let root = &args.store.root.root;
    if !has_content(root) {
        return Ok(());
    }
    let loaded = content::load(root);
    let catalogue = render::catalogue::catalogue(&loaded.content);
    for t in &args.townships {
        (catalogue.townships.contains_key(t))
            .then_some(())
            .with_context(|| {
                format!(
                    "there is no township `{t}` in {}",
                    root.join("content").display()
                )
            })?;
    }
    Ok(())
}

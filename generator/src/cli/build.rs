//! `diandan build`: content → the output folder, crash-safe, with a one-line summary.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;

use super::serve::StoreSpec;
use super::RootArgs;
use crate::build::{self, BuildError, BuildOptions};
use crate::render::live::{DataSource, NoStore, StoreSource};

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub root: RootArgs,
    /// Where to write the site.
    #[arg(long, default_value = "public")]
    pub out: PathBuf,
    /// Build as if today were this date (YYYY-MM-DD); default: today in China.
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// Read counts, the schedule and answered wishes from this store (`sqlite:PATH` or
    /// `dynamodb:TABLE`); default: the `serve` store under --root if there is one.
    #[arg(long)]
    pub store: Option<StoreSpec>,
    /// Build from the content alone, ignoring any store.
    #[arg(long, conflicts_with = "store")]
    pub no_store: bool,
}

/// The store a build reads, if any: the one named, else `serve`'s default file if present.
fn store_spec(args: &BuildArgs) -> Option<StoreSpec> {
    if args.no_store {
        return None;
    }
    let default = args.root.root.join(".diandan").join("diandan.sqlite3");
    args.store
        .clone()
        .or_else(|| default.exists().then_some(StoreSpec::Sqlite(default)))
}

pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let opts = BuildOptions {
        root: args.root.root.clone(),
        today: args.today.unwrap_or_else(build::today_in_china),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let source: Box<dyn DataSource> = match store_spec(args) {
        Some(spec) => Box::new(StoreSource {
            store: runtime.block_on(async { spec.open() })?,
            runtime: runtime.handle().clone(),
        }),
        None => Box::new(NoStore),
    };
    match build::build(&opts, source.as_ref(), &args.out) {
        Ok(b) => {
            println!(
                "built {} pages ({} files, {} pages rendered, {} written, {} removed) into {} in {} ms{}",
                b.pages,
                b.files,
                b.rendered,
                b.stats.written,
                b.stats.removed,
                args.out.display(),
                b.elapsed.as_millis(),
                if b.unchanged {
                    " — nothing changed since the last build"
                } else {
                    ""
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(BuildError::Content(problems)) => {
            super::check::report(&problems);
            Ok(ExitCode::FAILURE)
        }
        Err(e @ BuildError::Write { .. }) => Err(e.into()),
        Err(other) => Err(anyhow::Error::new(other)
            .context("the build failed; the previous output was left as it was")),
    }
}

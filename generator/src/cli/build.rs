//! `diandan build`: content → the output folder, atomically, with a one-line summary.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args;

use super::RootArgs;
use crate::build::{self, BuildError, BuildOptions};

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
}

pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let opts = BuildOptions {
        root: args.root.root.clone(),
        today: args.today.unwrap_or_else(build::today_in_china),
    };
    match build::build(&opts, &args.out) {
        Ok(b) => {
            println!(
                "built {} pages ({} files, {} written, {} removed) into {} in {} ms",
                b.site.pages(),
                b.site.files.len(),
                b.stats.written,
                b.stats.removed,
                args.out.display(),
                b.elapsed.as_millis()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => match e.downcast::<BuildError>() {
            Ok(BuildError::Content(problems)) => {
                super::check::report(&problems);
                Ok(ExitCode::FAILURE)
            }
            Ok(other) => Err(anyhow::anyhow!(
                "{other} — the previous output was left as it was"
            )),
            Err(e) => Err(e),
        },
    }
}

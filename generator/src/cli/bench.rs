//! `diandan bench`: the build benchmark of docs/performance.md.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::RootArgs;
use crate::bench::{bench, BenchOptions};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Where the themes come from.
    #[command(flatten)]
    pub root: RootArgs,
    /// Programs in the synthetic catalogue (lecturers and courses are a tenth each).
    #[arg(long, default_value_t = 10_000)]
    pub n: usize,
    /// Repetitions of each measurement; the table shows medians.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// A scratch folder (it is emptied).
    #[arg(long, default_value = "target/bench")]
    pub work: PathBuf,
    /// The Hugo binary to compare with.
    #[arg(long)]
    pub hugo: Option<PathBuf>,
}

pub fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    bench(&BenchOptions {
        programs: args.n,
        runs: args.runs.max(1),
        work: args.work.clone(),
        theme_root: args.root.root.clone(),
        hugo: args.hugo.clone(),
    })?;
    Ok(ExitCode::SUCCESS)
}

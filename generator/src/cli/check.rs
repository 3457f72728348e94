//! `diandan check`: load and validate everything, print every problem, write nothing.

use std::process::ExitCode;

use clap::Args;

use super::RootArgs;
use crate::content;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub root: RootArgs,
}

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let loaded = content::load(&args.root.root);
    let problems = content::validate(&loaded);
    if problems.is_empty() {
        let c = &loaded.content;
        println!(
            "content is fine: {} programs, {} lecturers, {} courses, {} townships, {} months, {} pages",
            c.programs.len(),
            c.lecturers.len(),
            c.courses.len(),
            c.townships.len(),
            c.months.len(),
            c.pages.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    report(&problems);
    Ok(ExitCode::FAILURE)
}

/// Prints each problem on its own line, then a count, on stderr.
pub fn report(problems: &[content::Diagnostic]) {
    for p in problems {
        eprintln!("{p}");
    }
    let n = problems.len();
    eprintln!(
        "{n} problem{} found; nothing was written",
        if n == 1 { "" } else { "s" }
    );
}

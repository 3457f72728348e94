//! The `diandan` command line: one module per subcommand, each with its own argument struct.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub mod build;
pub mod check;
pub mod new;
pub mod serve;

/// diandan — the catalogue site and form service of a county culture centre's 点单点将.
#[derive(Debug, Parser)]
#[command(name = "diandan", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the static site from content/ into the output folder.
    Build(build::BuildArgs),
    /// Check the content and report every problem; writes nothing.
    Check(check::CheckArgs),
    /// Create a new program, lecturer or course file from a template.
    New(new::NewArgs),
    /// Serve the site and the API on 127.0.0.1, rebuilding on every change.
    Serve(serve::ServeArgs),
}

/// Where the site's sources are.
#[derive(Debug, Clone, Args)]
pub struct RootArgs {
    /// The folder holding content/ and themes/.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

impl Cli {
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        match self.command {
            Command::Build(args) => build::run(&args),
            Command::Check(args) => check::run(&args),
            Command::New(args) => new::run(&args),
            Command::Serve(args) => serve::run(&args),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

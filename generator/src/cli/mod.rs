//! The `diandan` command line: one module per subcommand, each with its own argument struct.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub mod bench;
pub mod build;
pub mod check;
pub mod draw;
pub mod loadtest;
pub mod new;
pub mod plan;
pub mod serve;
pub mod staff;
pub mod store;

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
    /// Time builds of a synthetic catalogue against Hugo and `cp -r`.
    Bench(bench::BenchArgs),
    /// Check the content and report every problem; writes nothing.
    Check(check::CheckArgs),
    /// Draw a lottery course once its registration has closed (摇号), with witness digits.
    Draw(draw::DrawArgs),
    /// Load-test the API on loopback and check every count.
    Loadtest(loadtest::LoadArgs),
    /// Create a new program, lecturer or course file from a template.
    New(new::NewArgs),
    /// Fill the `auto` slots from orders and nominations; --apply stores the plan.
    Plan(plan::PlanArgs),
    /// Serve the site and the API on 127.0.0.1, rebuilding on every change.
    Serve(serve::ServeArgs),
    /// Staff accounts: add, list, disable, passwd.
    Staff(staff::StaffArgs),
    /// Create what a store needs (`store init`): the SQLite file or the DynamoDB table.
    Store(store::StoreArgs),
}

/// Where the site's sources are.
#[derive(Debug, Clone, Args)]
pub struct RootArgs {
    /// The folder holding content/ and themes/.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

/// The whole `diandan` command: logging as `DIANDAN_LOG` asks (default `warn`, on stderr), the
/// command line parsed and run, a failure turned into a message and an exit code. The binary is
/// this one call, so tests can run the very same command in a child process.
pub fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DIANDAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        // Each step's time when it ends, e.g. DIANDAN_LOG=info for the build's steps.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in files and log collectors.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match Cli::parse().run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

impl Cli {
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        match self.command {
            Command::Bench(args) => bench::run(&args),
            Command::Build(args) => build::run(&args),
            Command::Check(args) => check::run(&args),
            Command::Draw(args) => draw::run(&args),
            Command::Loadtest(args) => loadtest::run(&args),
            Command::New(args) => new::run(&args),
            Command::Plan(args) => plan::run(&args),
            Command::Serve(args) => serve::run(&args),
            Command::Staff(args) => staff::run(&args),
            Command::Store(args) => store::run(&args),
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

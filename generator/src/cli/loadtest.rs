//! `diandan loadtest`: the API load test of docs/performance.md.

use std::process::ExitCode;

use clap::Args;

use super::bench::load::{loadtest, LoadOptions};
use super::RootArgs;

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The site whose catalogue the submissions use (the sample content by default).
    #[command(flatten)]
    pub root: RootArgs,
    /// Concurrent clients, each on its own keep-alive connection.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Orders from distinct persons.
    #[arg(long, default_value_t = 5000)]
    pub orders: usize,
    /// Nominations from distinct persons (all for one lecturer).
    #[arg(long, default_value_t = 2000)]
    pub nominations: usize,
    /// Clients racing for the places of one course (capacity 30).
    #[arg(long, default_value_t = 500)]
    pub racers: usize,
}

pub fn run(args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(loadtest(LoadOptions {
        root: args.root.root.clone(),
        clients: args.clients,
        orders: args.orders,
        nominations: args.nominations,
        racers: args.racers,
    }))?;
    Ok(ExitCode::SUCCESS)
}

//! The `endpoint` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use endpoint::cli::{Cli, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("endpoint: {err:#}");
            ExitCode::FAILURE
        }
    }
}

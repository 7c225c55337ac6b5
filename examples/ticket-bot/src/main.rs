//! `ticket-bot`: run the ticket system, play the offline demo, or check a configuration file. See `--help`.

use std::process::ExitCode;

use clap::Parser;
use ticket_bot::cli::Cli;
use ticket_bot::env::Env;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ticket-bot: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(ticket_bot::run::dispatch(cli, Env::from_process()))
}

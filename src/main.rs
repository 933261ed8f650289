use std::process::ExitCode;

use clap::Parser;

// Under websocket load glibc's malloc was a tenth of the nodes' CPU
// samples; mimalloc cut the CPU per fix and the RSS (README, "Cluster numbers").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = onsite::cli::Cli::parse();
    match actix_web::rt::System::new().block_on(onsite::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

use std::process::ExitCode;

use clap::Parser;

// glibc's malloc spent a tenth of the nodes' CPU under websocket load
// (many small frames freed on other threads); mimalloc keeps that local.
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

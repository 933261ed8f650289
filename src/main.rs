use std::process::ExitCode;

use clap::Parser;

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

//! The command line: `onsite [serve]`, `onsite migrate`, `onsite admin create`,
//! `onsite seed-load`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::{self, DbPool};
use crate::domain::{Email, Password};
use crate::startup::Application;

#[derive(Parser, Debug)]
#[command(
    name = "onsite",
    version,
    about = "Realtime dispatch server for on-site service marketplaces"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API and websockets (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Seed N customer/provider pairs with confirmed bookings and access tokens
    /// for the websocket load generator (`onsite-loadgen`).
    SeedLoad {
        /// How many customer/provider pairs (one confirmed booking each).
        #[arg(long)]
        pairs: usize,
        /// Where to write the JSON seed file.
        #[arg(long)]
        out: PathBuf,
        /// Lifetime of the minted access tokens (default: ONSITE_ACCESS_TOKEN_TTL_S).
        #[arg(long)]
        token_ttl_s: Option<u64>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an admin. The password is prompted for, or read as one line from stdin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Admin")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    crate::telemetry::init(&config.log, config.edge.log_json);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(config).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let applied = db::migrate::run(&config).await?;
            println!("{} migration(s) applied", applied.len());
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    first_name,
                    last_name,
                },
        } => {
            let email = Email::try_from(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
            let password = Password::try_from(read_password()?)
                .map_err(|e| anyhow::anyhow!("password {e}"))?;
            db::migrate::run(&config).await?;
            let pool = DbPool::connect(&config).await?;
            let user = pool
                .run(async |c| {
                    crate::accounts::create_admin(c, &email, &password, &first_name, &last_name)
                        .await
                })
                .await?
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("admin {} created with id {}", email.as_str(), user.id);
        }
        Command::SeedLoad {
            pairs,
            out,
            token_ttl_s,
        } => {
            let started = Instant::now();
            let opts = crate::loadseed::SeedOptions {
                pairs,
                token_ttl: token_ttl_s
                    .map(Duration::from_secs)
                    .unwrap_or(config.auth.access_token_ttl),
            };
            let seeded = crate::loadseed::seed(&config, &opts).await?;
            seeded.write(&out)?;
            println!(
                "seeded {} pairs in {:.1} s; wrote {} (base_url {})",
                seeded.pairs.len(),
                started.elapsed().as_secs_f64(),
                out.display(),
                seeded.base_url
            );
        }
    }
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        anyhow::ensure!(first == second, "the passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

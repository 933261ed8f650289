//! Integration tests: each test starts the real server on port 0 with its own
//! fresh database (a temp SQLite file, or a fresh PostgreSQL database when
//! `ONSITE_TEST_DATABASE_URL` is set) and talks HTTP to it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod account;
mod admin_login;
mod bookings;
mod cli;
mod errors;
mod ledger_property;
mod lockout;
mod login;
mod market;
mod nodes;
mod operations;
mod passwords;
mod refunds;
mod register;
mod sessions;
mod smtp;
mod tokens;
mod verification;
mod webhooks;

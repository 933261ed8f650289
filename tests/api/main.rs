//! Integration tests: each test starts the real server on port 0 with its own
//! fresh database (a temp SQLite file, or a fresh PostgreSQL database when
//! `ONSITE_TEST_DATABASE_URL` is set) and talks HTTP to it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod helpers;
mod market;

mod access;
mod account;
mod addresses;
mod admin_login;
mod availability;
mod back_office;
mod bookings;
mod categories;
mod cli;
mod complaints;
mod content;
mod discovery;
mod durability;
mod edge;
mod errors;
mod export;
mod fcm_standin;
mod group_commit;
mod holds;
mod invitations;
mod invoices;
mod ledger_property;
mod limits;
mod loadseed;
mod lockout;
mod login;
mod nodes;
mod nominatim_standin;
mod notifications;
mod operations;
mod pages;
mod passwords;
mod payouts;
mod phone_login;
mod privacy;
mod providers;
mod push;
mod realtime;
mod refunds;
mod register;
mod reviews;
mod s3;
mod scheduling;
mod services;
mod sessions;
mod smtp;
mod stats;
mod stripe;
mod stripe_standin;
mod tokens;
mod totp;
mod twilio;
mod twilio_standin;
mod uploads;
mod usernames;
mod verification;
mod webhooks;
mod wsclient;

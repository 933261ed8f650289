//! onsite: a realtime dispatch server for on-site service marketplaces.
//!
//! `src/` adapts (HTTP, websockets, SQL, mail, payments); the realtime core
//! that decides lives in the `onsite-actors` crate.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod availability;
pub mod booking_sessions;
pub mod bookings;
pub mod cli;
pub mod cluster;
pub mod complaints;
pub mod config;
pub mod db;
pub mod domain;
pub mod edge;
pub mod error;
pub mod extract;
pub mod geocoding;
pub mod i18n;
pub mod invoices;
pub mod journal;
pub mod loadseed;
pub mod marketplace;
pub mod metrics;
pub mod middleware;
pub mod notify;
pub mod payments;
pub mod payouts;
pub mod reviews;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod sweeper;
pub mod telemetry;
pub mod uploads;
pub mod ws;

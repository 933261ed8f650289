//! onsite realtime core.

pub mod booking;
mod names;
pub mod proximity;

pub use names::ParseNameError;

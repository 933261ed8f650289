//! onsite realtime core: the booking state machine, the proximity rule, and the
//! actors that apply them (one `BookingSession` per live booking, a `Dispatcher`
//! routing between them). No HTTP and no SQL here: storage is the [`journal::Journal`]
//! trait, implemented by the server.

pub mod booking;
pub mod client;
pub mod dispatcher;
pub mod fanout;
pub mod journal;
pub mod live;
pub mod memory;
pub mod messages;
pub mod mirror;
mod names;
pub mod payment;
pub mod presence;
pub mod protocol;
pub mod proximity;
pub mod session;

pub use names::ParseNameError;

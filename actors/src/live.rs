//! Which bookings of each provider take location fixes now (confirmed ..
//! in_progress), readable from any thread without a message or a query. A
//! provider's fix that names no booking goes to all of them.
//!
//! The server fills it once at start from the database; after that every
//! session keeps its own booking's entry up to date when it loads and after
//! each commit, since every change of state goes through the booking's
//! session.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::journal::BookingRecord;

/// Provider id -> their bookings that take fixes.
type ByProvider = HashMap<Arc<str>, Vec<Arc<str>>>;

#[derive(Clone, Default)]
pub struct LiveBookings {
    by_provider: Arc<RwLock<ByProvider>>,
}

impl LiveBookings {
    /// The provider's bookings that take fixes.
    pub fn of(&self, provider_id: &str) -> Vec<Arc<str>> {
        self.by_provider
            .read()
            .map(|map| map.get(provider_id).cloned().unwrap_or_default())
            .unwrap_or_default()
    }

    /// Adds `(provider_id, booking_id)` pairs (the start-up read).
    pub fn extend(&self, live: impl IntoIterator<Item = (String, String)>) {
        if let Ok(mut map) = self.by_provider.write() {
            for (provider, booking) in live {
                let list = map.entry(Arc::from(provider)).or_default();
                if !list.iter().any(|b| **b == *booking) {
                    list.push(Arc::from(booking));
                }
            }
        }
    }

    /// The booking as its session now knows it: listed while it takes fixes.
    pub fn note(&self, record: &BookingRecord) {
        self.note_state(&record.id, &record.provider_id, record.state);
    }

    /// The booking's state as its session (here or on another node) knows it.
    pub fn note_state(
        &self,
        booking_id: &str,
        provider_id: &str,
        state: crate::booking::BookingState,
    ) {
        let live = state.takes_fixes();
        let Ok(mut map) = self.by_provider.write() else {
            return;
        };
        let listed = map
            .get(provider_id)
            .is_some_and(|list| list.iter().any(|b| **b == *booking_id));
        if live && !listed {
            map.entry(Arc::from(provider_id))
                .or_default()
                .push(Arc::from(booking_id));
        } else if !live && listed {
            if let Some(list) = map.get_mut(provider_id) {
                list.retain(|b| **b != *booking_id);
                if list.is_empty() {
                    map.remove(provider_id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::BookingState;

    fn record(id: &str, provider: &str, state: BookingState) -> BookingRecord {
        BookingRecord {
            id: id.into(),
            state,
            version: 1,
            last_seq: 1,
            customer_id: "c".into(),
            provider_id: provider.into(),
            target: (0.0, 0.0),
            within_since: None,
        }
    }

    #[test]
    fn a_booking_is_listed_from_confirmed_until_it_ends() {
        let live = LiveBookings::default();
        live.note(&record("b1", "p1", BookingState::Requested));
        assert!(live.of("p1").is_empty());
        live.note(&record("b1", "p1", BookingState::Confirmed));
        live.note(&record("b1", "p1", BookingState::EnRoute));
        live.note(&record("b2", "p1", BookingState::Arrived));
        let ids: Vec<String> = live.of("p1").iter().map(|b| b.to_string()).collect();
        assert_eq!(ids, ["b1", "b2"]);
        live.note(&record("b1", "p1", BookingState::Completed));
        let ids: Vec<String> = live.of("p1").iter().map(|b| b.to_string()).collect();
        assert_eq!(ids, ["b2"]);
        live.note(&record("b2", "p1", BookingState::Cancelled));
        assert!(live.of("p1").is_empty());
        assert!(live.of("p2").is_empty());
    }

    #[test]
    fn the_start_up_read_does_not_list_a_booking_twice() {
        let live = LiveBookings::default();
        live.extend([("p1".to_owned(), "b1".to_owned())]);
        live.note(&record("b1", "p1", BookingState::EnRoute));
        live.extend([("p1".to_owned(), "b1".to_owned())]);
        assert_eq!(live.of("p1").len(), 1);
    }
}

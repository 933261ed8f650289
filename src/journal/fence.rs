//! Fencing: with several nodes, a booking's journal writes are accepted only
//! from the node holding its lease, under the token it took the lease with.
//! The check runs inside the write's transaction; on PostgreSQL it locks the
//! lease row for key share, so a takeover (which locks the row for update)
//! waits for a write it let through; the owner's renewals do not.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use onsite_actors::journal::JournalError;

use crate::db::{self, DbConn};

pub fn booking_lease(booking_id: &str) -> String {
    format!("booking:{booking_id}")
}

/// The leases a node holds on bookings: token and when it was taken.
pub struct Fences {
    pub node_id: Arc<str>,
    held: RwLock<HashMap<String, (i64, Instant)>>,
}

impl Fences {
    pub fn new(node_id: Arc<str>) -> Self {
        Self {
            node_id,
            held: RwLock::new(HashMap::new()),
        }
    }

    /// The token this node holds the booking under, if it does.
    pub fn token(&self, booking_id: &str) -> Option<i64> {
        self.held
            .read()
            .ok()
            .and_then(|h| h.get(booking_id).map(|(t, _)| *t))
    }

    pub(crate) fn set(&self, booking_id: &str, token: i64) {
        if let Ok(mut h) = self.held.write() {
            match h.get_mut(booking_id) {
                Some(entry) if entry.0 == token => entry.1 = Instant::now(),
                _ => {
                    h.insert(booking_id.to_owned(), (token, Instant::now()));
                }
            }
        }
    }

    pub(crate) fn remove(&self, booking_id: &str) {
        if let Ok(mut h) = self.held.write() {
            h.remove(booking_id);
        }
    }

    pub(crate) fn all(&self) -> Vec<(String, i64, Instant)> {
        self.held
            .read()
            .map(|h| h.iter().map(|(b, (t, at))| (b.clone(), *t, *at)).collect())
            .unwrap_or_default()
    }
}

/// Inside a journal write's transaction: this node still holds the
/// booking under the token it took it with (single node: always).
pub async fn check(
    conn: &mut DbConn,
    fences: Option<&Fences>,
    booking_id: &str,
) -> Result<(), onsite_actors::journal::JournalError> {
    let Some(fences) = fences else {
        return Ok(());
    };
    let Some(token) = fences.token(booking_id) else {
        return Err(JournalError::NotOwner);
    };
    match db::leases::holds(conn, &booking_lease(booking_id), &fences.node_id, token).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            fences.remove(booking_id);
            Err(JournalError::NotOwner)
        }
        Err(e) => Err(JournalError::Storage(e.to_string())),
    }
}

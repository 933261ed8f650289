//! Who has at least one open socket on this node, readable from any thread
//! without a message to the dispatcher (which alone writes it, on connect and
//! on the last disconnect). The notification path reads it to choose between
//! a socket frame and a mobile push.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

#[derive(Clone, Default)]
pub struct Presence {
    online: Arc<RwLock<HashSet<Arc<str>>>>,
}

impl Presence {
    pub fn is_online(&self, user_id: &str) -> bool {
        self.online
            .read()
            .map(|set| set.contains(user_id))
            .unwrap_or(false)
    }

    pub(crate) fn arrive(&self, user_id: &Arc<str>) {
        if let Ok(mut set) = self.online.write() {
            set.insert(user_id.clone());
        }
    }

    pub(crate) fn leave(&self, user_id: &str) {
        if let Ok(mut set) = self.online.write() {
            set.remove(user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_online_between_connect_and_last_disconnect() {
        let p = Presence::default();
        let u: Arc<str> = Arc::from("u1");
        assert!(!p.is_online("u1"));
        p.arrive(&u);
        assert!(p.is_online("u1"));
        assert!(!p.is_online("u2"));
        p.leave("u1");
        assert!(!p.is_online("u1"));
    }
}

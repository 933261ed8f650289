//! Who has at least one open socket, readable from any thread without a
//! message to the dispatcher. This node's part is written by the dispatcher
//! alone (on connect and on the last disconnect); with several nodes the
//! server keeps the other nodes' parts, as they announce them. The
//! notification path reads it to choose between a socket frame and a push.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Node id -> its users with an open socket.
type ByNode = HashMap<Arc<str>, HashSet<Arc<str>>>;

#[derive(Clone, Default)]
pub struct Presence {
    online: Arc<RwLock<HashSet<Arc<str>>>>,
    /// Other nodes' users, by node.
    remote: Arc<RwLock<ByNode>>,
    /// Bumped on every change to this node's part, so a reader that
    /// announces it can tell "nothing changed" without copying the set.
    version: Arc<AtomicU64>,
}

impl Presence {
    /// Online on this node or on any other node still alive.
    pub fn is_online(&self, user_id: &str) -> bool {
        self.is_here(user_id)
            || self
                .remote
                .read()
                .map(|nodes| nodes.values().any(|set| set.contains(user_id)))
                .unwrap_or(false)
    }

    /// Online on this node.
    pub fn is_here(&self, user_id: &str) -> bool {
        self.online
            .read()
            .map(|set| set.contains(user_id))
            .unwrap_or(false)
    }

    /// This node's users now (what the server announces to the others).
    pub fn here(&self) -> Vec<Arc<str>> {
        self.online
            .read()
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Changes a reader can compare: equal versions, same users here.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    pub(crate) fn arrive(&self, user_id: &Arc<str>) {
        if let Ok(mut set) = self.online.write() {
            if set.insert(user_id.clone()) {
                self.version.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    pub(crate) fn leave(&self, user_id: &str) {
        if let Ok(mut set) = self.online.write() {
            if set.remove(user_id) {
                self.version.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    /// Another node's user came online (`true`) or went (`false`).
    pub fn remote_change(&self, node: &str, user_id: &str, online: bool) {
        if let Ok(mut nodes) = self.remote.write() {
            let set = nodes.entry(Arc::from(node)).or_default();
            if online {
                set.insert(Arc::from(user_id));
            } else {
                set.remove(user_id);
            }
        }
    }

    /// Another node's users, all of them (read from the shared store).
    pub fn remote_replace(&self, node: &str, users: HashSet<Arc<str>>) {
        if let Ok(mut nodes) = self.remote.write() {
            nodes.insert(Arc::from(node), users);
        }
    }

    /// A node that stopped answering: its users are gone with it.
    pub fn remote_forget(&self, node: &str) {
        if let Ok(mut nodes) = self.remote.write() {
            nodes.remove(node);
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
        let v0 = p.version();
        p.arrive(&u);
        assert!(p.is_online("u1"));
        assert!(!p.is_online("u2"));
        let v1 = p.version();
        assert_ne!(v0, v1, "an arrival is a change");
        p.arrive(&u);
        assert_eq!(p.version(), v1, "arriving twice is not");
        p.leave("u1");
        assert!(!p.is_online("u1"));
        assert_ne!(p.version(), v1, "a departure is a change");
    }

    #[test]
    fn another_nodes_users_count_until_that_node_is_forgotten() {
        let p = Presence::default();
        p.remote_change("b", "u2", true);
        assert!(p.is_online("u2"));
        assert!(!p.is_here("u2"));
        p.remote_change("b", "u2", false);
        assert!(!p.is_online("u2"));
        p.remote_replace("c", [Arc::from("u3")].into_iter().collect());
        assert!(p.is_online("u3"));
        p.remote_forget("c");
        assert!(!p.is_online("u3"));
    }
}

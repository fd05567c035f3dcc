//! Unwrapped data keys in memory: bounded (oldest out first) and with a time to live, so
//! that a key destroyed by another process is dropped here within minutes.

use super::DataKey;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many keys (an AES-256 key schedule is under 1 KiB).
pub const CAPACITY: usize = 50_000;
pub const TTL: Duration = Duration::from_secs(300);

#[derive(Default)]
struct State {
    /// `None`: destroyed.
    keys: HashMap<String, (Option<DataKey>, Instant)>,
    order: VecDeque<String>,
}

#[derive(Default)]
pub struct KeyCache(Mutex<State>);

impl KeyCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Some(Some(key))` cached, `Some(None)` known destroyed, `None` unknown or expired.
    pub fn get(&self, owner: &str) -> Option<Option<DataKey>> {
        let state = self.lock();
        let (key, at) = state.keys.get(owner)?;
        (at.elapsed() < TTL).then(|| key.clone())
    }

    pub fn contains(&self, owner: &str) -> bool {
        self.get(owner).is_some()
    }

    fn insert(&self, owner: &str, key: Option<DataKey>) {
        let mut state = self.lock();
        if state.keys.insert(owner.to_owned(), (key, Instant::now())).is_none() {
            state.order.push_back(owner.to_owned());
        }
        while state.keys.len() > CAPACITY {
            let Some(oldest) = state.order.pop_front() else { break };
            state.keys.remove(&oldest);
        }
    }

    pub fn put(&self, owner: &str, key: DataKey) {
        self.insert(owner, Some(key));
    }

    pub fn put_destroyed(&self, owner: &str) {
        self.insert(owner, None);
    }

    pub fn forget(&self, owner: &str) {
        let mut state = self.lock();
        state.keys.remove(owner);
        state.order.retain(|o| o != owner);
    }

    pub fn clear(&self) {
        let mut state = self.lock();
        state.keys.clear();
        state.order.clear();
    }
}

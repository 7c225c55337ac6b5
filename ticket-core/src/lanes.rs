//! [`Lanes`]: work kept in order per key (a ticket channel, a player), different keys side by side.
//!
//! The platforms hand the desk their events on tasks of their own (serenity runs each gateway event handler on a
//! new task; a game server's records would otherwise wait for each other). Two messages of one ticket must reach the
//! desk in the order they were sent, or their commits race and the other side reads them out of order; while a
//! slow or throttled channel must hold up only its own ticket. A `Lanes` keeps one queue per key: whoever pushes
//! the first job of an idle key is told to start a runner for it, and that runner takes the key's jobs one at a
//! time with [`Lanes::next`] until none is left. The runners themselves belong to the adapter (this crate has no
//! runtime).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

/// Per-key queues of jobs; see the [module documentation](self).
#[derive(Debug)]
pub struct Lanes<K, J> {
    queues: Mutex<HashMap<K, VecDeque<J>>>,
}

impl<K: Eq + Hash + Clone, J> Default for Lanes<K, J> {
    fn default() -> Self {
        Self { queues: Mutex::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash + Clone, J> Lanes<K, J> {
    /// No lanes.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, VecDeque<J>>> {
        // Every critical section is a plain map or queue operation that cannot panic half-way: a poisoned lock
        // still guards consistent data.
        self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `job` behind the other jobs of `key`. If the key's lane was idle, the job comes back: the caller
    /// must start a runner for `key` that runs it, then asks [`Lanes::next`] for more.
    #[must_use = "a job given back must be run, by a runner that then calls `next`"]
    pub fn push(&self, key: K, job: J) -> Option<J> {
        let mut queues = self.lock();
        match queues.get_mut(&key) {
            Some(queue) => {
                queue.push_back(job);
                None
            }
            None => {
                queues.insert(key, VecDeque::new());
                Some(job)
            }
        }
    }

    /// The next job of `key`'s lane, for its runner; `None` closes the lane (the runner stops, and the next
    /// [`Lanes::push`] for the key starts another).
    pub fn next(&self, key: &K) -> Option<J> {
        let mut queues = self.lock();
        let job = queues.get_mut(key).and_then(VecDeque::pop_front);
        if job.is_none() {
            queues.remove(key);
        }
        job
    }

    /// How many lanes have a runner.
    pub fn busy(&self) -> usize {
        self.lock().len()
    }

    /// How many jobs wait behind the running ones, in all lanes.
    pub fn waiting(&self) -> usize {
        self.lock().values().map(VecDeque::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_job_of_an_idle_key_comes_back_and_the_rest_wait_in_order() {
        let lanes = Lanes::new();
        assert_eq!(lanes.push("a", 1), Some(1), "an idle lane: the caller runs it");
        assert_eq!(lanes.push("a", 2), None);
        assert_eq!(lanes.push("b", 10), Some(10), "another key has a lane of its own");
        assert_eq!(lanes.push("a", 3), None);
        assert_eq!((lanes.busy(), lanes.waiting()), (2, 2));
        assert_eq!(lanes.next(&"a"), Some(2));
        assert_eq!(lanes.next(&"a"), Some(3));
        assert_eq!(lanes.next(&"a"), None, "empty: the lane closes");
        assert_eq!(lanes.busy(), 1);
        assert_eq!(lanes.push("a", 4), Some(4), "a closed lane starts again");
        assert_eq!(lanes.next(&"b"), None);
        assert_eq!(lanes.next(&"a"), None);
        assert_eq!((lanes.busy(), lanes.waiting()), (0, 0));
    }

    #[test]
    fn runners_on_threads_see_every_job_once_and_in_order() {
        use std::sync::Arc;
        let lanes: Arc<Lanes<u8, u32>> = Arc::new(Lanes::new());
        let seen: Arc<Mutex<HashMap<u8, Vec<u32>>>> = Arc::default();
        let mut runners = Vec::new();
        for n in 0..2000u32 {
            let key = (n % 4) as u8;
            if let Some(first) = lanes.push(key, n) {
                let (lanes, seen) = (lanes.clone(), seen.clone());
                runners.push(std::thread::spawn(move || {
                    let mut job = Some(first);
                    while let Some(n) = job {
                        seen.lock().unwrap().entry(key).or_default().push(n);
                        job = lanes.next(&key);
                    }
                }));
            }
        }
        for runner in runners {
            runner.join().unwrap();
        }
        let seen = seen.lock().unwrap();
        for key in 0..4u8 {
            let expected: Vec<u32> = (0..2000).filter(|n| n % 4 == u32::from(key)).collect();
            assert_eq!(seen[&key], expected, "key {key}");
        }
        assert_eq!(lanes.busy(), 0);
    }
}
